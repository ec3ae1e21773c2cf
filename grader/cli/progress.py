"""The progress of ``grader batch``: a live bar on a terminal, plain lines anywhere else.

It implements :class:`grader.batch.pool.Progress`. Candidates' names and messages are hostile text:
control characters (terminal escape sequences) are replaced before anything is printed.
"""

from __future__ import annotations

import re
import time
from typing import Any, TextIO

import click

from grader.summary import Status

BAR_WIDTH = 28
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # a candidate's name or message must not drive the terminal
STATUS_COLORS: dict[str, str] = {Status.GRADED: "green", Status.INVALID: "yellow", Status.INFRASTRUCTURE_ERROR: "red"}


class ProgressDisplay:
    """A live bar on a terminal; plain lines, one per candidate, anywhere else (CI logs, files)."""

    def __init__(self, stream: TextIO, live: bool, color: bool) -> None:
        self.stream, self.live, self.color = stream, live, color
        self.total = self.done = self.finished_now = 0
        self.started = time.monotonic()
        self._bar_shown = False

    def begin(self, total: int, done: int, todo: int) -> None:
        self.total, self.done = total, done
        self.started = time.monotonic()
        resumed = f", {done} already done (resuming)" if done else ""
        self._line(f"{total} candidates{resumed}; grading {todo}")
        self._draw()

    def finished(self, brief: dict[str, Any]) -> None:
        self.done += 1
        self.finished_now += 1
        text = describe(brief, self.color)
        self._line(text if self.live else f"[{self.done}/{self.total}] {text} | {self._times()}")
        self._draw()

    def tick(self) -> None:
        self._draw()

    def note(self, message: str) -> None:
        self._clear()
        click.echo(message, err=True)
        self._draw()

    def close(self) -> None:
        self._clear()

    def bar(self) -> str:
        """``[#####-----] 12/40  30%  elapsed 1:02  ETA 2:10``"""
        share = self.done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * share)
        done = f"{self.done}/{self.total} {100 * share:3.0f}%"
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}  {self._times()}"

    def _times(self) -> str:
        elapsed = time.monotonic() - self.started
        left = self.total - self.done
        if not left:
            eta = "0:00"
        else:
            eta = clock(elapsed / self.finished_now * left) if self.finished_now else "--:--"
        return f"elapsed {clock(elapsed)}  ETA {eta}"

    def _line(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        if self.live:
            self.stream.write("\r" + self.bar() + "\x1b[K")
            self.stream.flush()
            self._bar_shown = True

    def _clear(self) -> None:
        if self.live and self._bar_shown:
            self.stream.write("\r\x1b[K")
            self._bar_shown = False


def describe(brief: dict[str, Any], color: bool = False) -> str:
    """One candidate's line: name, status, score or message, time."""
    status = str(brief.get("status", ""))
    label = click.style(status, fg=STATUS_COLORS.get(status)) if color else status
    if brief.get("score") is not None and status == Status.GRADED:
        detail = f"{brief['score']:g}/{brief['max_score']:g} ({brief['percent']:.1f}%)"
    else:
        detail = " ".join(str(brief.get("message", "")).split())[:120]
    name = printable(str(brief.get("candidate")))
    where = f" on {printable(str(brief['worker']))}" if brief.get("worker") else ""  # a Dask worker
    return f"{name}: {label} {printable(detail)} in {brief.get('duration') or 0:.1f} s{where}"


def printable(text: str) -> str:
    """Text with control characters (terminal escape sequences) replaced."""
    return _CONTROL.sub("?", text)


def clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` past an hour."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
