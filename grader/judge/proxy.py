"""The ``submission`` fixture: a proxy that turns test calls into requests to the sandbox worker.

A test writes ``submission.cosine_similarity(a, b)``; the proxy sends the function's name and the
arguments as data, waits under the judge's deadline, and returns the decoded result (plain data,
numpy arrays, or :class:`Handle` objects). It never evaluates anything the worker sends.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from grader.errors import AnswerTooLarge, SandboxCrashed
from grader.judge import budget
from grader.judge.forbidden import ForbiddenWatch
from grader.judge.remote import MissingFunction, RemoteError, raise_remote
from grader.sandbox import wire
from grader.sandbox.base import SandboxSession


class SubmissionProxy:
    """The candidate's module as the hidden tests see it."""

    def __init__(
        self,
        session: SandboxSession,
        module: str,
        probes: str | None = None,
        on_output: Callable[[str], None] | None = None,
        default_timeout: float | None = None,
        watch: ForbiddenWatch | None = None,
    ) -> None:
        self._session = session
        self._watch = watch  # forbidden APIs: what each test touches, what the trap saw
        self._module = module
        self._probes = probes
        self._on_output = on_output or (lambda _text: None)
        self._default_timeout = default_timeout
        self.last_call_seconds = 0.0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return functools.partial(self.call, name)

    def call(self, name: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Call ``name(*args, **kwargs)`` in the candidate's module."""
        message = {"op": "call", "module": self._module, "name": name}
        return self.request(message, args, kwargs, timeout)

    def call_with_inputs(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        """Call, and also return the arguments as the candidate's code left them."""
        message = {"op": "call", "module": self._module, "name": name, "return_args": True}
        response = self._exchange(message, args, kwargs, None)
        value = self._decode(response.get("value"))
        args_after, kwargs_after = self._decode(response.get("args")), self._decode(response.get("kwargs"))
        self._charge()
        if not isinstance(args_after, list) or not isinstance(kwargs_after, dict):
            raise SandboxCrashed("the sandbox did not return the call's arguments")
        return value, args_after, kwargs_after

    def probe(self, name: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Run the exercise's ``probes.name(candidate, *args, **kwargs)`` in the sandbox."""
        if self._probes is None:
            raise RuntimeError("this exercise has no probes.py")
        message = {"op": "probe", "probes": self._probes, "module": self._module, "name": name}
        return self.request(message, args, kwargs, timeout)

    def request(
        self,
        message: dict,
        args: Any = (),
        kwargs: dict | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Send a request with encoded arguments and return the decoded value."""
        value = self._decode(self._exchange(message, args, kwargs, timeout).get("value"))
        self._charge()
        return value

    # -- internals -----------------------------------------------------------------------------

    def _exchange(self, message: dict, args: Any, kwargs: dict | None, timeout: float | None) -> dict:
        message = dict(message, args=wire.encode(list(args)), kwargs=wire.encode(dict(kwargs or {})))
        started = time.monotonic()
        self._allowed = timeout or self._default_timeout or self._session.limits.call_seconds
        self._started = started
        op, name = str(message.get("op")), str(message.get("name"))
        if self._watch is not None:
            self._watch.touch(op, name)
        try:
            response = self._session.request(message, timeout or self._default_timeout)
        finally:
            self.last_call_seconds = time.monotonic() - started
            self._on_output(self._session.output.take())
        if self._watch is not None:
            self._watch.observed(response.get("forbidden"), op, name)
        if response.get("ok") is True:
            return response
        self._raise_error(response.get("error"), str(message.get("name")))
        raise AssertionError("unreachable")

    def _charge(self) -> None:
        """The answer is decoded: what the judge spent reading it counts against the call."""
        budget.start(self._allowed, time.monotonic() - self._started)

    def _raise_error(self, error: Any, name: str) -> None:
        remote = RemoteError.from_wire(error)
        kind = error.get("kind") if isinstance(error, dict) else None
        if kind == "missing":
            raise MissingFunction(remote.message[:200] or name)
        if kind == "exception":
            raise_remote(remote)
        failure = SandboxCrashed(f"the sandbox could not serve the request: {remote.summary()}")
        self._session.kill(failure)
        raise failure

    def _decode(self, data: Any) -> Any:
        try:
            return wire.decode(data, self._handle)
        except wire.LimitExceeded as exc:
            raise AnswerTooLarge(f"the answer is refused: it is a {exc}") from None
        except wire.ProtocolError as exc:
            failure = SandboxCrashed(f"the sandbox sent an invalid value: {exc}")
            self._session.kill(failure)
            raise failure from None

    def _handle(self, handle_id: int, type_name: str) -> Handle:
        return Handle(self, handle_id, type_name)


class Handle:
    """An object that stayed in the sandbox (a model, an iterator...). Use it through calls."""

    def __init__(self, proxy: SubmissionProxy, handle_id: int, type_name: str) -> None:
        self._proxy = proxy
        self.handle_id = handle_id
        self.type_name = type_name

    def call_method(self, name: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Call ``obj.name(*args, **kwargs)`` in the sandbox."""
        return self._proxy.request(
            {"op": "method", "handle": self.handle_id, "name": name}, args, kwargs, timeout
        )

    def get(self, name: str) -> Any:
        """Read ``obj.name`` from the sandbox."""
        return self._proxy.request({"op": "getattr", "handle": self.handle_id, "name": name})

    def __repr__(self) -> str:
        return f"<sandbox object {self.type_name} #{self.handle_id}>"
