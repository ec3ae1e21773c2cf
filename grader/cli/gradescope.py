"""``grader gradescope build|run``: a Gradescope autograder (:mod:`grader.integrations.gradescope`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.bank import PROJECT_ROOT
from grader.cli.errors import translate_errors
from grader.cli.options import chosen_exercises, exercises_options
from grader.integrations.gradescope import (
    CONFIG_NAME,
    WHEELHOUSE_ENV,
    AutograderConfig,
    build_autograder,
    run_autograder,
    write_failure,
)
from grader.reports import gradescope as results_format
from grader.reports import table
from grader.results import Feedback


@click.group(name="gradescope")
def gradescope_group() -> None:
    """Gradescope: build an autograder.zip, and the command it runs for each submission."""


@gradescope_group.command(name="build")
@exercises_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to write.")
@click.option("--wheelhouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Wheel cache folder, reused between builds [default: ${WHEELHOUSE_ENV} or ./wheelhouse].")
@click.option("--feedback", type=click.Choice([f.value for f in Feedback]), default="summary", show_default=True,
              help="What students see of each hidden test (full shows expected values).")
@click.option("--visibility", type=click.Choice(results_format.VISIBILITIES),
              default=results_format.DEFAULT_VISIBILITY, show_default=True,
              help="When students see each hidden test's result.")
@translate_errors
def build_command(exercises: tuple[str, ...], bank: Path | None, output: Path, wheelhouse: Path | None,
                  feedback: str, visibility: str) -> None:
    """Build a Gradescope autograder.zip that installs offline and grades with the hidden tests.

    Example: grader gradescope build -e cosine_similarity -o autograder.zip
    """
    chosen = chosen_exercises(bank, exercises)
    cache = wheelhouse or Path(os.environ.get(WHEELHOUSE_ENV) or PROJECT_ROOT / "wheelhouse")
    config = AutograderConfig(tuple(e.slug for e in chosen), feedback=feedback, visibility=visibility)
    build_autograder(chosen, output, cache=cache, config=config, echo=lambda line: click.echo(line, err=True))
    click.echo(str(output))


@gradescope_group.command(name="run")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help=f"The zip's {CONFIG_NAME}.")
@click.option("--submission", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The student's files.")
@click.option("--results", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write results.json.")
@translate_errors
def run_command(config_path: Path, submission: Path, results: Path) -> None:
    """Grade a submission inside Gradescope's container and write results.json (run_autograder's job).

    Example: grader gradescope run --config nlp-grader.json --submission sub/ --results results.json
    """
    try:
        result = run_autograder(config_path, submission, results)
    except BaseException as exc:  # even Ctrl-C: Gradescope must find a results.json that says what happened
        write_failure(results, exc)
        raise
    # Gradescope shows stdout to instructors only (stdout_visibility is hidden): the full table.
    table.write(result, sys.stdout)
