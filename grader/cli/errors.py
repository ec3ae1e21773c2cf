"""How the command line reports the library's errors: a clean message and an exit code, never a
traceback. Shared by every command group (``grader``, ``grader kit``, ``grader gradescope``...)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from grader.bank import BankError
from grader.judge.runner import BankTestsBroken
from grader.sandbox.base import SandboxUnavailable
from grader.submission import SubmissionError


class GraderFault(click.ClickException):
    """The grader could not do its job (as opposed to a candidate's code failing): exit 3."""

    exit_code = 3


def translate_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's errors into clean CLI messages instead of tracebacks."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SubmissionError as exc:
            raise click.UsageError(str(exc)) from None
        except (BankError, BankTestsBroken, SandboxUnavailable) as exc:
            raise GraderFault(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted: the sandbox was stopped and removed", err=True)
            sys.exit(130)

    return wrapper
