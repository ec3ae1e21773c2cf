"""The sandbox backend interface: start a worker under limits, then kill it or read how it died.

A backend only knows how to launch the worker (``python -I worker.py``) somewhere isolated with its
stdin, stdout and stderr as pipes. Everything above that -- frames, deadlines, restarts, output
capture -- lives in :mod:`grader.sandbox.session` and is shared by every backend.

The worker reads request frames on stdin and writes response frames on stdout. The candidate's own
stdout and stderr are sent to the worker's stderr, which the session drains and caps.
"""

from __future__ import annotations

import dataclasses
import subprocess
from typing import Protocol

from grader.limits import Limits


class SandboxUnavailable(Exception):
    """The backend cannot run here (no engine, no image...). A grader fault, not a verdict."""


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


class Backend(Protocol):
    """A kind of sandbox."""

    name: str  # "process" or "docker": recorded in every report

    def start(self, limits: Limits) -> RunningSandbox:
        """Launch a fresh worker under these limits."""
