"""Options shared by the commands, as decorators (sqlite-utils' style), and small CLI helpers.

The limit options (``--call-seconds``, ``--memory-mb``, ``--cpus``) are derived from the fields of
:class:`grader.limits.Limits` that are marked ``option=True``, with their descriptions as help.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.bank import Exercise, load_bank, select
from grader.limits import Limits
from grader.sandbox.choose import CHOICES

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def bank_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--bank DIR``: an exercise bank other than the bundled one."""
    return click.option(
        "--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
        help="Exercise bank folder (default: the bundled exercises/).",
    )(function)


def sandbox_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--sandbox auto|docker|process``."""
    return click.option(
        "--sandbox", type=click.Choice(CHOICES), default="auto", show_default=True,
        help="Where submissions run: docker (the real sandbox), process (quick local checks), auto.",
    )(function)


def limit_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """One option per command-line limit of :class:`Limits`.

    The command receives ``limits``: the limits given, by name, unchecked (the library checks them
    with :meth:`Limits.check`, the same way for ``grade`` and ``batch``).
    """
    fields = Limits.option_fields()

    @functools.wraps(function)
    def collect(*args: Any, **kwargs: Any) -> Any:
        given = {f.name: kwargs.pop(f.name) for f in fields}
        return function(*args, limits={name: value for name, value in given.items() if value is not None}, **kwargs)

    command: Callable[..., Any] = collect
    for field in reversed(fields):
        command = click.option(f"--{field.name.replace('_', '-')}", type=float, default=None,
                               help=f"{field.metadata['description']} Wins over exercise.toml.")(command)
    return command


def exercise_option(help_text: str = "Exercise slug (repeatable; default: all of the bank's exercises).") -> Decorator:
    """``--exercise/-e SLUG``, repeatable: the command receives ``exercises``, a tuple."""
    return click.option("--exercise", "-e", "exercises", multiple=True, help=help_text)


def exercises_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--exercise/-e`` (repeatable, default: every exercise) and ``--bank``."""
    return exercise_option()(bank_option(function))


def chosen_exercises(bank: Path | None, slugs: tuple[str, ...]) -> list[Exercise]:
    """The selected exercises of the bank, or all of them."""
    return select(load_bank(bank), slugs)


def output_folder(function: Callable[..., Any]) -> Callable[..., Any]:
    """``-o/--output DIR``: a folder that must not exist yet or be empty."""
    return click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
                        help="Folder to write (created; must be empty if it exists).")(function)


def ensure_empty_folder(path: Path) -> None:
    """Create ``path``; refuse to write into a folder that already holds files."""
    if path.exists() and any(path.iterdir()):
        raise click.UsageError(f"{path} is not empty: choose a new folder")
    path.mkdir(parents=True, exist_ok=True)


def use_color() -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
