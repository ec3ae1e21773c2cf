"""``grader batch``: the command over :func:`grader.batch.run.run_batch`.

Exit codes: 0 every candidate has a verdict; 3 some candidates hit an infrastructure error (rerun
to retry them) or the grader could not start; 2 usage error (including a request that conflicts
with the stored batch); 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from grader.batch.run import BatchRequest, default_jobs, run_batch
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option, exercise_option, limit_options, sandbox_option, use_color
from grader.cli.progress import ProgressDisplay, printable
from grader.errors import GraderFault, WeightsError
from grader.interview import parse_weights
from grader.reports import interview as interviews
from grader.summary import BatchSummary, Status


@click.command(name="batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", "-o", "results", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Results folder: created on the first run, reused to resume.")
@exercise_option("Exercise slug (repeatable; default: all).")
@click.option("--jobs", "-j", type=click.IntRange(1, 512), default=None,
              help="Sandboxes running in parallel (default: one per core).")
@sandbox_option
@click.option("--seed", type=int, default=None,
              help="Seed for the randomised hidden cases (default: chosen on the first run, then kept).")
@click.option("--force", is_flag=True, help="Regrade every candidate, including those already done.")
@click.option("--scorecards", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Interview scorecards (DIR/<candidate>/<interviewer>.toml) to merge into the reports; "
                   "see docs/interview.md.")
@click.option("--weights", callback=lambda _c, _p, value: _weights(value), default=None,
              metavar="coding=W,interview=W",
              help="Rank by the coding and interview scores combined with these weights "
                   "(e.g. coding=0.6,interview=0.4; needs --scorecards).")
@click.option("--known-solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of known public solutions to flag copies of (default: RESULTS/known-solutions/ "
                   "when it exists); see docs/batch.md.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Grade on a Dask cluster: its scheduler's address (tcp://HOST:8786), a scheduler file, or "
                   "'local' for a LocalCluster of --jobs workers. Needs nlp-grader[distributed]; see "
                   "docs/distributed.md.")
@limit_options
@bank_option
@translate_errors
def batch_command(submissions: Path, results: Path, exercises: tuple[str, ...], jobs: int | None, sandbox: str,
                  seed: int | None, force: bool, scorecards: Path | None, weights: Any, known_solutions: Path | None,
                  scheduler: str | None, limits: dict[str, Any], bank: Path | None) -> None:
    """Grade a folder of candidates (sub-folders, .py files or .zip archives) and rank them.

    Writes per-candidate JSON and JUnit XML, then summary.csv, summary.json and report.html.
    Interrupted? Run the same command again: finished candidates are not graded twice.
    With --scorecards, the interviews' levels join the reports (docs/interview.md).

    Example: grader batch takehomes/ -o results/ -e cosine_similarity --jobs 4
    (on a Dask cluster: add --scheduler tcp://HOST:8786)
    """
    if weights is not None and scorecards is None:
        raise click.UsageError("--weights combines coding and interview scores: it needs --scorecards DIR")
    request = BatchRequest(submissions, results, exercises, bank, sandbox, jobs, seed, force, limits, scorecards,
                           weights, known_solutions, scheduler=scheduler)
    display = ProgressDisplay(sys.stdout, sys.stdout.isatty(), use_color())
    where = f"on the Dask cluster at {scheduler}" if scheduler and scheduler != "local" else \
        f"with {jobs or default_jobs()} parallel sandbox(es)" + (" on a local Dask cluster" if scheduler else "")
    click.echo(f"grading {submissions} into {results} {where}")
    try:
        summary = run_batch(request, display)
    finally:
        display.close()
    _report(summary, results)


def _weights(value: str | None) -> Any:
    try:
        return None if value is None else parse_weights(value)
    except WeightsError as exc:
        raise click.BadParameter(str(exc)) from None


def _report(summary: BatchSummary, results: Path) -> None:
    counts = summary.counts()
    told = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    click.echo(f"\n{len(summary.rows)} candidates: {told}  (seed {summary.settings.seed})")
    panel = summary.interview
    for row in summary.rows[:5]:
        shown = panel.combined(row.key) if panel and panel.weights else row.percent
        if row.rank is not None and shown is not None:
            click.echo(f"  {row.rank:>3}. {printable(row.name)}  {shown:.1f}%")
    for line in interviews.terminal_lines(panel) if panel else []:
        click.echo(printable(line))
    flagged = summary.similarity.flagged() if summary.similarity else []
    if flagged:
        click.echo(f"similarity: {len(flagged)} pair(s) of candidates with code alike (see report.html); "
                   "evidence to look at, not a verdict")
    click.echo(f"wrote {results / 'summary.csv'}, summary.json, report.html and decisions.csv")
    if summary.interrupted:
        click.echo("interrupted: run the same command again to grade the pending candidates", err=True)
        sys.exit(130)
    if counts.get(Status.INFRASTRUCTURE_ERROR):
        raise GraderFault(f"{counts[Status.INFRASTRUCTURE_ERROR]} candidate(s) hit an infrastructure error "
                          "(see the message column); run the same command again to retry them")
