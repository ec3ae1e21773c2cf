"""What comes back from the candidate's code: handles to objects, and re-raised exceptions.

An exception raised in the sandbox crosses as data (type name, message, traceback text). The judge
rebuilds a builtin exception of the nearest builtin type *from the message alone*, so that
``pytest.raises(ValueError)`` works; anything else arrives as :class:`CandidateError`. Every
rebuilt exception carries the remote details in ``grader_remote``. (Objects that stay in the
sandbox come back as :class:`grader.judge.proxy.Handle`.)
"""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any, NoReturn

from grader.errors import CandidateFailure

# Builtin types a test may reasonably expect. Everything else becomes CandidateError.
RERAISED = frozenset(
    "ArithmeticError AssertionError AttributeError EOFError FloatingPointError ImportError "
    "IndexError KeyError LookupError MemoryError ModuleNotFoundError NotImplementedError "
    "OverflowError RecursionError RuntimeError StopIteration TypeError UnicodeError ValueError "
    "ZeroDivisionError OSError".split()
)


@dataclasses.dataclass(frozen=True)
class RemoteError:
    """An exception as the worker described it. Every field is untrusted text."""

    type_name: str
    builtin: str
    message: str
    traceback: str
    lineno: int | None = None

    @classmethod
    def from_wire(cls, error: Any) -> RemoteError:
        """Build from a response's error object, with every field checked and capped."""
        get = error.get if isinstance(error, dict) else (lambda _k, _d=None: None)

        def text(key: str, cap: int) -> str:
            value = get(key, "")
            return value[:cap] if isinstance(value, str) else ""

        lineno = get("lineno")
        return cls(
            type_name=text("type", 200) or "Exception",
            builtin=text("builtin", 100),
            message=text("message", 2000),
            traceback=text("traceback", 4000),
            lineno=lineno if type(lineno) is int else None,
        )

    def summary(self) -> str:
        """``TypeName: message`` as a candidate would read it."""
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class CandidateError(CandidateFailure):
    """The candidate's code raised an exception that is not a re-raisable builtin."""

    def __init__(self, remote: RemoteError) -> None:
        super().__init__(remote.summary())
        self.grader_remote = remote


class MissingFunction(CandidateFailure):
    """The candidate's module does not define the function a test called."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is not defined in the submission")
        self.name = name


class SubmissionLoadError(CandidateFailure):
    """The submission could not be loaded: every test that needs it ends with this message."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def raise_remote(remote: RemoteError) -> NoReturn:
    """Re-raise a candidate exception on the judge's side, built from its name and message."""
    exc: BaseException
    if remote.builtin in RERAISED:
        exc = getattr(builtins, remote.builtin)(remote.message)
        exc.grader_remote = remote  # type: ignore[attr-defined]
    else:
        exc = CandidateError(remote)
    raise exc


def remote_of(exc: BaseException) -> RemoteError | None:
    """The remote details of an exception that came from the sandbox, else None."""
    remote = getattr(exc, "grader_remote", None)
    return remote if isinstance(remote, RemoteError) else None
