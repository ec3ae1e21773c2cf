"""Ways a sandbox call can end without an answer. The judge turns each into an outcome.

::

    SandboxFailure
     +-- SandboxTimeout      the call overran its deadline, or the exercise its budget
     +-- SandboxMemory       the worker ran out of memory
     +-- SandboxCrashed      the worker died, or sent bytes that are not the protocol
"""

from __future__ import annotations


class SandboxFailure(Exception):
    """A call into the sandbox ended without a valid response."""


class SandboxTimeout(SandboxFailure):
    """The call overran its deadline; the worker was killed."""


class SandboxMemory(SandboxFailure):
    """The worker ran out of memory."""


class SandboxCrashed(SandboxFailure):
    """The worker exited, was killed by a signal, or broke the protocol."""
