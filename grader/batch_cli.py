"""``grader batch``: the command over :func:`grader.batch.run_batch`, and its progress display.

``grader.cli`` registers it with ``main.add_command(build_command())`` at its end; the command is
built on demand because it takes its shared options from ``grader.cli``.

Exit codes: 0 every candidate has a verdict; 3 some candidates hit an infrastructure error (rerun
to retry them) or the grader could not start; 2 usage error (including a request that conflicts
with the stored batch); 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from grader.batch import BatchConflict, BatchRequest, StoreError, default_jobs, run_batch
from grader.batch_summary import ERROR, GRADED, INVALID, BatchSummary
from grader.interview import WeightsError, parse_weights
from grader.interview import batch_report as interviews
from grader.submission import SubmissionError

BAR_WIDTH = 28
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # a candidate's name or message must not drive the terminal
STATUS_COLORS = {GRADED: "green", INVALID: "yellow", ERROR: "red"}


class ProgressDisplay:
    """A live bar on a terminal; plain lines, one per candidate, anywhere else (CI logs, files)."""

    def __init__(self, stream: TextIO, live: bool, color: bool) -> None:
        self.stream, self.live, self.color = stream, live, color
        self.total = self.done = self.finished_now = 0
        self.started = time.monotonic()
        self._bar_shown = False

    def begin(self, total: int, done: int, todo: int) -> None:
        self.total, self.done = total, done
        self.started = time.monotonic()
        resumed = f", {done} already done (resuming)" if done else ""
        self._line(f"{total} candidates{resumed}; grading {todo}")
        self._draw()

    def finished(self, brief: dict[str, Any]) -> None:
        self.done += 1
        self.finished_now += 1
        text = describe(brief, self.color)
        self._line(text if self.live else f"[{self.done}/{self.total}] {text} | {self._times()}")
        self._draw()

    def tick(self) -> None:
        self._draw()

    def note(self, message: str) -> None:
        self._clear()
        click.echo(message, err=True)
        self._draw()

    def close(self) -> None:
        self._clear()

    def bar(self) -> str:
        """``[#####-----] 12/40  30%  elapsed 1:02  ETA 2:10``"""
        share = self.done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * share)
        done = f"{self.done}/{self.total} {100 * share:3.0f}%"
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}  {self._times()}"

    def _times(self) -> str:
        elapsed = time.monotonic() - self.started
        left = self.total - self.done
        if not left:
            eta = "0:00"
        else:
            eta = clock(elapsed / self.finished_now * left) if self.finished_now else "--:--"
        return f"elapsed {clock(elapsed)}  ETA {eta}"

    def _line(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        if self.live:
            self.stream.write("\r" + self.bar() + "\x1b[K")
            self.stream.flush()
            self._bar_shown = True

    def _clear(self) -> None:
        if self.live and self._bar_shown:
            self.stream.write("\r\x1b[K")
            self._bar_shown = False


def describe(brief: dict[str, Any], color: bool = False) -> str:
    """One candidate's line: name, status, score or message, time."""
    status = str(brief.get("status", ""))
    label = click.style(status, fg=STATUS_COLORS.get(status)) if color else status
    if brief.get("score") is not None and status == GRADED:
        detail = f"{brief['score']:g}/{brief['max_score']:g} ({brief['percent']:.1f}%)"
    else:
        detail = " ".join(str(brief.get("message", "")).split())[:120]
    name = printable(str(brief.get("candidate")))
    return f"{name}: {label} {printable(detail)} in {brief.get('duration') or 0:.1f} s"


def printable(text: str) -> str:
    """Text with control characters (terminal escape sequences) replaced."""
    return _CONTROL.sub("?", text)


def clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` past an hour."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def build_command() -> click.Command:
    """The ``grader batch`` command, with the CLI's shared options.

    Built on demand because those options live in ``grader.cli``, which registers this command.
    """
    from grader.cli import bank_option, limit_options, sandbox_option, translate_errors

    decorators: list[Callable[[Any], Any]] = [
        click.command(name="batch"),
        click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path)),
        click.option("--output", "-o", "results", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Results folder: created on the first run, reused to resume."),
        click.option("--exercise", "-e", "exercises", multiple=True, help="Exercise slug (repeatable; default: all)."),
        click.option("--jobs", "-j", type=click.IntRange(1, 512), default=None,
                     help="Sandboxes running in parallel (default: one per core)."),
        sandbox_option,
        click.option("--seed", type=int, default=None,
                     help="Seed for the randomised hidden cases (default: chosen on the first run, then kept)."),
        click.option("--force", is_flag=True, help="Regrade every candidate, including those already done."),
        click.option("--scorecards", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
                     help="Interview scorecards (DIR/<candidate>/<interviewer>.toml) to merge into the reports; "
                          "see docs/interview.md."),
        click.option("--weights", callback=_weights, default=None, metavar="coding=W,interview=W",
                     help="Rank by the coding and interview scores combined with these weights "
                          "(e.g. coding=0.6,interview=0.4; needs --scorecards)."),
        limit_options,
        bank_option,
        translate_errors,
    ]
    command: Any = batch
    for decorator in reversed(decorators):
        command = decorator(command)
    return command  # type: ignore[no-any-return]  # click's decorators are loosely typed


def _weights(_context: click.Context, _param: click.Parameter, value: str | None) -> Any:
    try:
        return None if value is None else parse_weights(value)
    except WeightsError as exc:
        raise click.BadParameter(str(exc)) from None


def batch(submissions: Path, results: Path, exercises: tuple[str, ...], jobs: int | None, sandbox: str,
          seed: int | None, force: bool, scorecards: Path | None, weights: Any, call_seconds: float | None,
          memory_mb: float | None, cpus: float | None, bank: Path | None) -> None:
    """Grade a folder of candidates (sub-folders, .py files or .zip archives) and rank them.

    Writes per-candidate JSON and JUnit XML, then summary.csv, summary.json and report.html.
    Interrupted? Run the same command again: finished candidates are not graded twice.
    With --scorecards, the interviews' levels join the reports (docs/interview.md).

    Example: grader batch takehomes/ -o results/ -e cosine_similarity --jobs 4
    """
    from grader.cli import use_color

    if weights is not None and scorecards is None:
        raise click.UsageError("--weights combines coding and interview scores: it needs --scorecards DIR")
    request = BatchRequest(submissions, results, exercises, bank, sandbox, jobs, seed, force,
                           _limit_overrides(call_seconds, memory_mb, cpus), scorecards, weights)
    display = ProgressDisplay(sys.stdout, sys.stdout.isatty(), use_color())
    click.echo(f"grading {submissions} into {results} with {jobs or default_jobs()} parallel sandbox(es)")
    try:
        summary = run_batch(request, display)
    except (BatchConflict, StoreError, SubmissionError) as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        display.close()
    _report(summary, results)


def _limit_overrides(call_seconds: float | None, memory_mb: float | None, cpus: float | None) -> dict[str, float]:
    given = {"call_seconds": call_seconds, "memory_mb": None if memory_mb is None else int(memory_mb), "cpus": cpus}
    return {name: value for name, value in given.items() if value is not None}


def _report(summary: BatchSummary, results: Path) -> None:
    counts = summary.counts()
    told = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    click.echo(f"\n{len(summary.rows)} candidates: {told}  (seed {summary.settings.seed})")
    panel = summary.interview
    for row in summary.rows[:5]:
        shown = panel.combined(row.key) if panel and panel.weights else row.percent
        if row.rank is not None and shown is not None:
            click.echo(f"  {row.rank:>3}. {printable(row.candidate)}  {shown:.1f}%")
    for line in interviews.terminal_lines(panel) if panel else []:
        click.echo(line)
    click.echo(f"wrote {results / 'summary.csv'}, summary.json and report.html")
    if summary.interrupted:
        click.echo("interrupted: run the same command again to grade the pending candidates", err=True)
        sys.exit(130)
    if counts.get(ERROR):
        from grader.cli import GraderFault

        raise GraderFault(f"{counts[ERROR]} candidate(s) hit an infrastructure error (see the message column); "
                          "run the same command again to retry them")
