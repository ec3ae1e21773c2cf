"""``grader grade --format classroom|gradescope``: machine-readable results for other platforms.

* ``classroom``: the ``result=<base64>`` line that GitHub Classroom's grading reporter reads. In
  GitHub Actions (``$GITHUB_OUTPUT`` is set) it is appended to the step's outputs and a Markdown
  summary to ``$GITHUB_STEP_SUMMARY``; elsewhere it goes to stdout. The exit status stays 0 when
  tests fail, as Classroom's runners do: the reporter step turns a ``fail`` status into a failed
  run, and a grading step that failed first would keep the reporter from recording any points.
  ``--fail-under`` still works for other CI.
* ``gradescope``: ``results.json`` on stdout (redirect it to ``/autograder/results/results.json``).

When a format takes stdout, the human-readable table goes to stderr instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from grader.errors import UsageError
from grader.results import SubmissionResult

FORMATS = ("classroom", "gradescope")


def stdout_formats(formats: tuple[str, ...]) -> list[str]:
    """The formats that will be written to stdout; more than one is a usage error."""
    taken = [f for f in dict.fromkeys(formats) if f == "gradescope" or not os.environ.get("GITHUB_OUTPUT")]
    if len(taken) > 1:
        raise UsageError(f"--format {' and '.join(taken)} would both write to stdout; choose one")
    return taken


def table_stream(formats: tuple[str, ...]) -> TextIO:
    """Where the human-readable table goes: stderr when stdout carries a machine format."""
    return sys.stderr if stdout_formats(formats) else sys.stdout


def emit(result: SubmissionResult, formats: tuple[str, ...]) -> None:
    """Write each requested format where it belongs."""
    # The report writers are imported when they write: ``grader grade`` imports this module before
    # its sandbox starts, and every millisecond there delays the container.
    from grader.reports import gradescope  # noqa: PLC0415

    for name in dict.fromkeys(formats):
        if name == "classroom":
            emit_classroom(result)
        else:
            gradescope.write(result, sys.stdout)
    sys.stdout.flush()


def emit_classroom(result: SubmissionResult) -> None:
    """The runner result to ``$GITHUB_OUTPUT`` (else stdout), the summary to ``$GITHUB_STEP_SUMMARY``."""
    from grader.reports import classroom, markdown  # noqa: PLC0415 - see emit()

    output, summary = os.environ.get("GITHUB_OUTPUT"), os.environ.get("GITHUB_STEP_SUMMARY")
    if output:
        with Path(output).open("a", encoding="utf-8") as fp:
            classroom.write(result, fp)
    else:
        classroom.write(result, sys.stdout)
    if summary:
        with Path(summary).open("a", encoding="utf-8") as fp:
            markdown.write(result, fp)
