"""An in-memory stand-in for a sandbox session, for fast unit tests of the judge.

It serves requests with the real worker's dispatch code in the *grader's own process*, after a
round trip through the real wire encoding. It isolates nothing and enforces no deadline: use it
only with trusted test code, never to grade.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.errors import SandboxFailure
from grader.limits import Limits
from grader.sandbox import bounds, wire
from grader.sandbox.base import CapturedOutput, RunningSandbox


def _worker_module() -> Any:
    spec = importlib.util.spec_from_file_location("_fake_worker", Path(__file__).with_name("worker.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeSession:
    """The :class:`~grader.sandbox.session.Session` interface, served in-process."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.default()
        self.output = CapturedOutput(self.limits.output_bytes)
        self.budget_deadline: float | None = None
        self.starts = 1
        self._worker = _worker_module().Worker()
        self._next_id = 0

    def load(self, module: str, source: str, filename: str, timeout: float | None = None,
             forbidden: Sequence[str] = ()) -> dict:
        return self.request({"op": "load", "module": module, "source": source, "filename": filename,
                             "forbidden": list(forbidden)})

    def request(self, message: dict, timeout: float | None = None) -> dict:
        self._next_id += 1
        sent = wire.parse_payload(wire.pack_frame(dict(message, id=self._next_id))[wire.HEADER.size :])
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            response = self._worker.handle(sent)
        self.output.add(printed.getvalue().encode())
        return bounds.read_answer(wire.pack_frame(response)[wire.HEADER.size :])

    def kill(self, reason: SandboxFailure | None = None) -> None:
        self._worker = _worker_module().Worker()

    def new_exercise(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeBackend:
    """A backend whose sessions are :class:`FakeSession` objects."""

    name = "fake"

    def start(self, limits: Limits) -> RunningSandbox:
        """The fake runs no worker process: its sessions serve requests themselves."""
        raise NotImplementedError("the fake backend serves sessions in-process; use open_session")

    def open_session(self, limits: Limits) -> FakeSession:
        """A session served in this process, by the real worker's code."""
        return FakeSession(limits)
