"""The ``grader`` command line: a thin layer over the library.

Exit codes: 0 grading worked (whatever the score); 1 ``--fail-under`` was not met, or ``validate``
found the bank unsound; 2 usage error; 3 the grader could not grade (no sandbox, a broken bank).
A candidate's broken code is a verdict in the report, never a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader import __version__
from grader.bank import load_bank, secret_paths, select
from grader.cli_errors import GraderFault, translate_errors  # noqa: F401 - GraderFault is part of this module's API
from grader.grading import grade, new_seed
from grader.image import image as image_group
from grader.integrations.formats import FORMATS, emit, table_stream
from grader.limits import Limits
from grader.reports import WRITERS, table
from grader.results import Feedback, SubmissionResult, redact
from grader.sandbox.choose import CHOICES, choose_backend
from grader.validate import Check, validate_exercise


def bank_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
        help="Exercise bank folder (default: the bundled exercises/).",
    )(function)


def sandbox_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--sandbox", type=click.Choice(CHOICES), default="auto", show_default=True,
        help="Where submissions run: docker (the real sandbox), process (quick local checks), auto.",
    )(function)


def limit_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for name, help_text in reversed([
        ("--call-seconds", "Deadline of one call into the sandbox."),
        ("--memory-mb", "Memory limit of the sandbox."),
        ("--cpus", "CPUs for the sandbox."),
    ]):
        function = click.option(name, type=float, default=None, help=help_text)(function)
    return function


def build_limits(call_seconds: float | None, memory_mb: float | None, cpus: float | None) -> dict[str, Any]:
    """The limits the user set on the command line; they win over exercise.toml."""
    overrides: dict[str, Any] = {}
    if call_seconds is not None:
        overrides["call_seconds"] = call_seconds
    if memory_mb is not None:
        overrides["memory_mb"] = int(memory_mb)
    if cpus is not None:
        overrides["cpus"] = cpus
    Limits.default().merged(overrides)  # reject bad names early
    return overrides


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


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
    """List the bank's exercises with their seed question, points and parts.

    Example: grader list
    """
    for exercise in load_bank(bank).values():
        click.echo(f"{exercise.slug}  ({exercise.points:g} points, file {exercise.file})")
        click.echo(f"    {exercise.title}")
        if exercise.seed_question:
            click.echo(f"    seed question: {exercise.seed_question}")
        click.echo(f"    parts: {', '.join(exercise.parts)}")


@main.command(name="grade")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@click.option("--exercise", "-e", "exercises", multiple=True, help="Exercise slug (repeatable).")
@sandbox_option
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report here.")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), help="Write a Markdown summary here.")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Also emit classroom (GitHub Classroom's result) or gradescope (results.json). Repeatable; "
                   "see docs/integrations.md.")
@click.option("--seed", type=int, default=None, help="Replay a grading run's randomised cases.")
@click.option("--feedback", type=click.Choice([f.value for f in Feedback]), default="full", show_default=True,
              help="full shows expected values (hiring teams); summary and none hide them (candidates).")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when the total percentage is below this (for CI).")
@limit_options
@bank_option
@translate_errors
def grade_command(submission: Path, exercises: tuple[str, ...], sandbox: str, junit: Path | None,
                  json_path: Path | None, markdown: Path | None, formats: tuple[str, ...], seed: int | None,
                  feedback: str, fail_under: float | None, call_seconds: float | None, memory_mb: float | None,
                  cpus: float | None, bank: Path | None) -> None:
    """Grade one file, or a folder with one file per exercise.

    Example: grader grade reference/cosine_similarity.py --sandbox process --junit out.xml
    """
    table_out = table_stream(formats)  # checked before grading: two formats cannot share stdout
    chosen = select(load_bank(bank), exercises)
    backend, warning = choose_backend(sandbox, hide=secret_paths(bank))
    if warning:
        click.echo(warning, err=True)
    run_seed = seed if seed is not None else new_seed()
    result = grade(submission, chosen, backend, seed=run_seed, explicit=bool(exercises),
                   overrides=build_limits(call_seconds, memory_mb, cpus))
    result = redact(result, Feedback(feedback))
    table.write(result, table_out, color=use_color())
    write_reports(result, {"junit": junit, "json": json_path, "markdown": markdown})
    emit(result, formats)  # --format: machine-readable results for Classroom / Gradescope
    if fail_under is not None and result.percent < fail_under:
        click.echo(f"Score {result.percent:.1f}% is under --fail-under {fail_under:g}%", err=True)
        sys.exit(1)


def write_reports(result: SubmissionResult, targets: dict[str, Path | None]) -> None:
    """Write each requested report atomically (a reader never sees half a file)."""
    for name, path in targets.items():
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("w", encoding="utf-8") as fp:
            WRITERS[name](result, fp)
        partial.replace(path)
        click.echo(f"wrote {path}", err=True)


@main.command(name="validate")
@click.option("--exercise", "-e", "exercises", multiple=True, help="Only these exercises.")
@sandbox_option
@click.option("--seed", type=int, default=None, help="Seed for the randomised cases.")
@bank_option
@translate_errors
def validate_command(exercises: tuple[str, ...], sandbox: str, seed: int | None, bank: Path | None) -> None:
    """Prove the bank sound: references 100%, stubs 0%, known-wrong variants lose points.

    Example: grader validate --sandbox process
    """
    backend, warning = choose_backend(sandbox, hide=secret_paths(bank))
    if warning:
        click.echo(warning, err=True)
    run_seed = seed if seed is not None else new_seed()
    click.echo(f"validating with seed {run_seed} in the {backend.name} sandbox")
    checks: list[Check] = []
    for exercise in select(load_bank(bank), exercises):
        checks += validate_exercise(exercise, backend, run_seed, on_check=_print_check)
    failed = [c for c in checks if not c.ok]
    click.echo(f"\n{len(checks) - len(failed)} checks passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


def _print_check(check: Check) -> None:
    mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
    click.echo(f"{mark} {check.exercise:<18} {check.subject:<28} {check.expectation}: {check.detail}",
               color=use_color())


main.add_command(image_group)

from grader.integrations.classroom import classroom_group  # noqa: E402 - after main is defined
from grader.integrations.gradescope import gradescope_group  # noqa: E402
from grader.integrations.kit import kit_command  # noqa: E402

main.add_command(classroom_group)
main.add_command(gradescope_group)
main.add_command(kit_command)
from grader.batch_cli import build_command as build_batch_command  # noqa: E402, I001 - uses the options above
main.add_command(build_batch_command())
from grader.cli_interview import interview_group  # noqa: E402, I001 - docs/interview.md
main.add_command(interview_group)
