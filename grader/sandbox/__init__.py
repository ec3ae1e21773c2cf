"""Sandbox backends and the session that speaks the wire protocol to the worker."""
