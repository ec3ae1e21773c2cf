"""The ``grader`` command line: a thin layer over the library, and the only layer that imports click.

Each command lives in its own module of :mod:`grader.cli`; this one holds the group, registers
them, and has ``grader list``. Nothing in the library imports :mod:`grader.cli`.

Exit codes: 0 grading worked (whatever the score); 1 ``--fail-under`` was not met, or ``validate``
found the bank unsound; 2 usage error; 3 the grader could not grade (no sandbox, a broken bank).
A candidate's broken code is a verdict in the report, never a non-zero exit. The mapping from
:mod:`grader.errors` to these codes is :func:`grader.cli.errors.translate_errors`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from grader import __version__
from grader.bank import load_bank
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option

# Each command's module is imported when the command runs: `grader grade` does not import the
# batch machinery, the image builder or the integrations (issue #16: start-up time).
COMMANDS = {
    "grade": "grader.cli.grade:grade_command",
    "validate": "grader.cli.validate:validate_command",
    "batch": "grader.cli.batch:batch_command",
    "image": "grader.cli.image:image_group",
    "kit": "grader.cli.kit:kit_command",
    "classroom": "grader.cli.classroom:classroom_group",
    "gradescope": "grader.cli.gradescope:gradescope_group",
    "interview": "grader.cli.interview:interview_group",
    "worker": "grader.cli.worker:worker_group",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they are looked up (click's lazy-group pattern).

    ``commands`` imports them all: what help, completion and the documentation tests see is the
    same as with eager registration.
    """

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        self._lazy = dict(lazy)  # name -> "module:attribute", not imported yet
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._lazy.pop(name, None)
        self._commands[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._commands, *self._lazy})

    def _load(self, name: str) -> None:
        module, _, attribute = self._lazy.pop(name).partition(":")
        self._commands[name] = getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(__version__, prog_name="nlp-grader")
def main() -> None:
    """nlp-grader: grade NLP / ML interview coding exercises in a sandbox.

    The verdict is computed outside the sandbox: only the submission runs inside.
    """


@main.command(name="list")
@bank_option
@translate_errors
def list_command(bank: Path | None) -> None:
    """List the bank's exercises with their interview question, points and parts.

    Example: grader list
    """
    for exercise in load_bank(bank).values():
        click.echo(f"{exercise.slug}  ({exercise.points:g} points, file {exercise.file})")
        click.echo(f"    {exercise.title}")
        if exercise.interview_question:
            click.echo(f"    interview question: {exercise.interview_question}")
        click.echo(f"    parts: {', '.join(exercise.parts)}")

