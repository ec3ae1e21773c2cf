"""Options and error handling shared by the integration commands.

Kept apart from :mod:`grader.cli`, which imports the integration commands at its end: importing
it back from here would make the import order matter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.bank import Exercise, load_bank, select
from grader.cli_errors import GraderFault, translate_errors  # noqa: F401 - re-exported

# One error translation for every command group; the old name stays for the integrations' code.
IntegrationFault = GraderFault


def exercises_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--exercise/-e`` (repeatable, default: every exercise) and ``--bank``."""
    function = click.option(
        "--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
        help="Exercise bank folder (default: the bundled exercises/).",
    )(function)
    return click.option("--exercise", "-e", "exercises", multiple=True,
                        help="Exercise slug (repeatable; default: all of the bank's exercises).")(function)


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
