"""The ``grader`` command line: a thin layer over the library, and the only layer that imports click.

Each command lives in its own module of :mod:`grader.cli`; this one holds the group, registers
them, and has ``grader list``. Nothing in the library imports :mod:`grader.cli`.

Exit codes: 0 grading worked (whatever the score); 1 ``--fail-under`` was not met, or ``validate``
found the bank unsound; 2 usage error; 3 the grader could not grade (no sandbox, a broken bank).
A candidate's broken code is a verdict in the report, never a non-zero exit. The mapping from
:mod:`grader.errors` to these codes is :func:`grader.cli.errors.translate_errors`.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader import __version__
from grader.bank import load_bank
from grader.cli.batch import batch_command
from grader.cli.classroom import classroom_group
from grader.cli.errors import translate_errors
from grader.cli.grade import grade_command
from grader.cli.gradescope import gradescope_group
from grader.cli.image import image_group
from grader.cli.kit import kit_command
from grader.cli.options import bank_option
from grader.cli.validate import validate_command
from grader.cli.worker import worker_group


@click.group()
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


for command in (grade_command, validate_command, batch_command, image_group, kit_command, classroom_group,
                gradescope_group, worker_group):
    main.add_command(command)
