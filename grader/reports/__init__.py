"""Report writers. Each is ``write(result, fp)`` over the one result model; this is the registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from grader.reports import classroom, gradescope, json_report, junit, markdown, table
from grader.results import SubmissionResult

Writer = Callable[[SubmissionResult, TextIO], None]

WRITERS: dict[str, Writer] = {
    "junit": junit.write,
    "json": json_report.write,
    "table": table.write,
    "markdown": markdown.write,
    "classroom": classroom.write,
    "gradescope": gradescope.write,
}
