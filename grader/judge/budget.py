"""The judge's own work on an answer counts against the deadline of the call that returned it.

A call's deadline bounds the time the sandbox takes to answer. Reading the answer (parsing,
cleaning, decoding) and comparing it (the :mod:`grader.testing` helpers) happen on the judge's
side, after the answer arrived; the caps of :mod:`grader.sandbox.bounds` keep that work small,
and this module charges it to the same call: a call of 10 s whose answer arrives after 9.5 s and
takes the judge 1 s to check ends as ``timeout``.

Only the judge's work on the answer is charged: the proxy's decoding, and each top-level call of
a :func:`charged` helper. Whatever else a hidden test does between calls (computing an oracle,
say) is not the candidate's time.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from grader.errors import SandboxTimeout

F = TypeVar("F", bound=Callable[..., Any])


class AnswerClock:
    """The time one call may still use: its deadline in seconds, less what it has used."""

    def __init__(self, allowed: float, used: float) -> None:
        self.allowed = allowed
        self.used = used
        self.answered_after = used  # what the sandbox took, as the judge saw it
        self.checking = False  # inside a charged helper: nested helpers are not charged twice

    def charge(self, seconds: float) -> None:
        """Add the judge's ``seconds`` of work on the answer; past the deadline, the call timed out."""
        self.used += seconds
        if self.used > self.allowed:
            raise SandboxTimeout(
                f"the answer came back after {self.answered_after:.2f} s, but reading and checking it "
                f"took the judge to {self.used:.2f} s, past the call's {self.allowed:g} s deadline "
                "(the judge's work on an answer counts against the call)"
            )


_CURRENT: contextvars.ContextVar[AnswerClock | None] = contextvars.ContextVar("answer_clock", default=None)


def start(allowed: float, used: float) -> AnswerClock:
    """A new answer arrived and was decoded ``used`` seconds after its call began: its clock."""
    clock = AnswerClock(allowed, used)
    _CURRENT.set(clock)
    clock.charge(0.0)
    return clock


def reset() -> None:
    """No answer is pending (a new test begins)."""
    _CURRENT.set(None)


def charged(function: F) -> F:
    """Decorate a comparison helper: its time counts against the last answer's call."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        clock = _CURRENT.get()
        if clock is None or clock.checking:
            return function(*args, **kwargs)
        clock.checking = True
        started = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            clock.checking = False
            clock.charge(time.monotonic() - started)

    return wrapper  # type: ignore[return-value]
