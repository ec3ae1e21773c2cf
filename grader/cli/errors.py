"""How the command line reports the library's errors: a clean message and an exit code, never a
traceback. The one place where :mod:`grader.errors` meets exit codes; every command uses it.

Exit codes: 2 for a :class:`~grader.errors.UsageError`, 3 for a :class:`~grader.errors.GraderFault`
(and for any other grader error that escaped, which is a bug), 130 when interrupted.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from grader.errors import GraderError, GraderFault, UsageError

FAULT_EXIT = 3


class FaultExit(click.ClickException):
    """The grader could not do its job: ``Error: ...`` on stderr and exit 3."""

    exit_code = FAULT_EXIT


def translate_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's errors into clean CLI messages instead of tracebacks."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        except GraderFault as exc:
            raise FaultExit(str(exc)) from None
        except GraderError as exc:  # a candidate failure that escaped the judge: a grader bug
            raise FaultExit(f"the grader failed: {type(exc).__name__}: {exc}") from None
        except KeyboardInterrupt:
            click.echo("interrupted: the sandbox was stopped and removed", err=True)
            sys.exit(130)

    return wrapper
