"""Report writers over the result models; this module is their registry.

Each writer is one module and one format. ``WRITERS`` write one submission's
:class:`~grader.results.SubmissionResult` as ``write(result, fp)``; ``SUMMARY_WRITERS`` write a
batch's :class:`~grader.summary.BatchSummary` as ``write(summary, fp)``, keyed by file name.
Reports import the models and nothing above them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from grader.reports import (
    classroom,
    gradescope,
    json_report,
    junit,
    markdown,
    summary_csv,
    summary_html,
    summary_json,
    table,
)
from grader.results import SubmissionResult
from grader.summary import BatchSummary

Writer = Callable[[SubmissionResult, TextIO], None]
SummaryWriter = Callable[[BatchSummary, TextIO], None]

WRITERS: dict[str, Writer] = {
    "junit": junit.write,
    "json": json_report.write,
    "table": table.write,
    "markdown": markdown.write,
    "classroom": classroom.write,
    "gradescope": gradescope.write,
}

SUMMARY_WRITERS: dict[str, SummaryWriter] = {
    "summary.csv": summary_csv.write,
    "summary.json": summary_json.write,
    "report.html": summary_html.write,
}
