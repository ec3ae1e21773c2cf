"""The trusted side: the proxy that tests call, the pytest plugin that scores them, the runner."""
