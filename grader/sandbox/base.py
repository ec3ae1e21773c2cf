"""The sandbox backend interface: start a worker under limits, then kill it or read how it died.

A backend only knows how to launch the worker (``python -I worker.py``) somewhere isolated with its
stdin, stdout and stderr as pipes. Everything above that -- frames, deadlines, restarts, output
capture -- lives in :mod:`grader.sandbox.session` and is shared by every backend: a backend's
``open_session`` returns ``Session(self, limits)``. The in-memory fake (:mod:`grader.sandbox.fake`)
returns its own session instead, which is why the judge asks the backend for one.

The worker reads request frames on stdin and writes response frames on stdout. The candidate's own
stdout and stderr are sent to the worker's stderr, which the session drains and caps. A sandbox
with a ``channel`` (:class:`grader.sandbox.link.ChannelSocket`) has its worker connect to that
socket instead, for the frames and for the output (:mod:`grader.sandbox.link`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol

from grader.errors import SandboxFailure, SandboxUnavailable
from grader.limits import Limits
from grader.sandbox.untrusted import clean_text

__all__ = ["Backend", "CapturedOutput", "ExitInfo", "RunningSandbox", "SandboxSession", "SandboxUnavailable"]


class CapturedOutput:
    """The candidate's stdout/stderr: the first ``cap`` bytes kept, the rest only counted."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.kept = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.kept)
        self.kept += chunk[: max(room, 0)]
        self.dropped += max(len(chunk) - max(room, 0), 0)

    def take(self) -> str:
        """Everything captured since the last take, as text."""
        text = clean_text(self.kept.decode("utf-8", errors="replace"))  # candidate text: cleaned here
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output were dropped]"
        self.kept, self.dropped = bytearray(), 0
        return text


@dataclasses.dataclass(frozen=True)
class ExitInfo:
    """How a worker ended, as far as the backend can tell."""

    returncode: int | None
    out_of_memory: bool = False
    detail: str = ""


class RunningSandbox(Protocol):
    """One live worker process."""

    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """Stop the worker now, and everything it started. Safe to call twice."""

    def exit_info(self) -> ExitInfo:
        """After the worker has ended: its status, and whether it ran out of memory."""

    def cleanup(self) -> None:
        """Release what the sandbox holds (temporary files, the container). Safe to call twice."""

    def end_detached(self) -> bool:
        """Have the sandbox ended by a helper that outlives this process, for a command about to
        exit; False when this kind of sandbox cannot (the caller then kills and cleans it up)."""


def close_pipes(process: subprocess.Popen[bytes]) -> None:
    """Close the worker's stdin, stdout and stderr on this side (safe on pipes already closed)."""
    for stream in (process.stdin, process.stdout, process.stderr):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()


class SandboxSession(Protocol):
    """One submission's conversation with its sandbox, as the judge uses it."""

    limits: Limits  # the session's limits (call_seconds is a call's default deadline)
    output: CapturedOutput  # what the candidate printed since the last take
    budget_deadline: float | None  # monotonic time when the exercise's budget runs out
    starts: int  # how many workers were started (a restart after a kill counts)

    def load(self, module: str, source: str, filename: str, timeout: float | None = None,
             forbidden: Sequence[str] = ()) -> dict[str, Any]:
        """Load a module into the worker, trapping the ``forbidden`` APIs; return the response."""

    def request(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one request and return its response; raise a SandboxFailure if none comes."""

    def new_exercise(self) -> None:
        """Another exercise begins: the strikes against the last one (kills, deaths) are cleared."""

    def kill(self, reason: SandboxFailure | None = None) -> None:
        """Kill the worker now; the next request starts a fresh one. With a ``reason`` the kill is
        a strike against the exercise: after two, its remaining calls end at once."""

    def close(self) -> None:
        """End the session and make sure its worker is gone."""

    def __enter__(self) -> SandboxSession: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class Backend(Protocol):
    """A kind of sandbox."""

    name: str  # "process" or "docker": recorded in every report

    def start(self, limits: Limits) -> RunningSandbox:
        """Launch a fresh worker under these limits."""

    def open_session(self, limits: Limits) -> SandboxSession:
        """A session whose workers run in this backend (``Session(self, limits)`` for a real one)."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
