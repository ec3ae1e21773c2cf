"""``grader grade``: grade one file, or a folder with one file per exercise, and write the reports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from grader.atomic import write_text_atomically
from grader.bank import load_bank, secret_paths, select
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option, exercise_option, limit_options, sandbox_option, use_color
from grader.grading import grade, new_seed
from grader.integrations.formats import FORMATS, emit, table_stream
from grader.limits import Limits
from grader.results import Feedback, SubmissionResult, redact
from grader.sandbox.choose import choose_backend
from grader.sandbox.prestart import prestarting


@click.command(name="grade")
@click.argument("submission", type=click.Path(exists=True, path_type=Path))
@exercise_option("Exercise slug (repeatable).")
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
                  feedback: str, fail_under: float | None, limits: dict[str, Any], bank: Path | None) -> None:
    """Grade one file, or a folder with one file per exercise.

    Example: grader grade reference/cosine_similarity.py --sandbox process --junit out.xml
    """
    table_out = table_stream(formats)  # checked before grading: two formats cannot share stdout
    overrides = Limits.check(limits)  # before any sandbox starts
    chosen = select(load_bank(bank), exercises)
    backend, warning = choose_backend(sandbox, hide=secret_paths(bank))
    if warning:
        click.echo(warning, err=True)
    run_seed = seed if seed is not None else new_seed()
    # The container boots while the hidden tests are collected, and is removed after this command exits.
    backend = prestarting(backend, hand_off=True)
    try:
        result = grade(submission, chosen, backend, seed=run_seed, explicit=bool(exercises), overrides=overrides)
        from grader.reports import table  # noqa: PLC0415 - imported after the sandbox started: it boots meanwhile

        result = redact(result, Feedback(feedback))
        table.write(result, table_out, color=use_color())
        write_reports(result, {"junit": junit, "json": json_path, "markdown": markdown})
        emit(result, formats)  # --format: machine-readable results for Classroom / Gradescope
    finally:
        getattr(backend, "close", lambda: None)()  # waits for the container's removal, begun meanwhile
    if fail_under is not None and result.percent < fail_under:
        click.echo(f"Score {result.percent:.1f}% is under --fail-under {fail_under:g}%", err=True)
        sys.exit(1)


def write_reports(result: SubmissionResult, targets: dict[str, Path | None]) -> None:
    """Write each requested report atomically (a reader never sees half a file)."""
    from grader.reports import WRITERS  # noqa: PLC0415 - see grade_command

    for name, path in targets.items():
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, lambda fp, w=WRITERS[name]: w(result, fp))  # type: ignore[misc]
        click.echo(f"wrote {path}", err=True)
