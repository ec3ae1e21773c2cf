"""A Markdown summary (e.g. for ``$GITHUB_STEP_SUMMARY``): a table per exercise and the total.

Each test's row names it with its parameters (``[case-3]``), so that parametrised rows differ,
and says why it lost points, as much as the (already redacted) result reveals: the outcome's
hint at feedback ``summary``, the message's first line at ``full``. A file that does not load is
one line with the reason, not a row per test. Candidate text is escaped by :func:`escape`.
"""

from __future__ import annotations

from typing import TextIO

from grader.reports.classroom import reason_text
from grader.reports.gradescope import display_name
from grader.results import ExerciseResult, SubmissionResult, TestResult

REASON_CHARS = 160


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the result as GitHub-flavoured Markdown."""
    fp.write(f"## Score: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)\n\n")
    for exercise in result.exercises:
        fp.write(f"### {escape(exercise.title)}: {exercise.score:g}/{exercise.max_score:g}\n\n")
        if exercise.load_error:
            fp.write(f"> **Does not load**: {escape(exercise.load_error)}\n\n")
            fp.write(f"None of its {len(exercise.tests)} tests could run: fix the file and push again.\n\n")
            continue
        fp.write("| Test | Outcome | Points | Why |\n| --- | --- | --- | --- |\n")
        for test in exercise.tests:
            fp.write(f"| {escape(display_name(test))} | {test.outcome.value} | {test.points:g}/{test.max_points:g} "
                     f"| {_why(exercise, test, result)} |\n")
        fp.write("\n")
    fp.write(f"Seed {result.seed}, sandbox `{result.sandbox}`, nlp-grader {result.grader_version}.\n")


def _why(exercise: ExerciseResult, test: TestResult, result: SubmissionResult) -> str:
    reason = reason_text(exercise, test, result.feedback)
    return escape(reason[:REASON_CHARS] + ("..." if len(reason) > REASON_CHARS else ""))


_MARKDOWN_PUNCTUATION = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#!"})
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Text as inert Markdown on one line: no HTML, link, emphasis, code span or table cell break
    of its own (a candidate's message must not render as ``<h2>Score 100/100</h2>``)."""
    flat = " ".join(text.split("\n"))
    return flat.translate(_HTML).translate(_MARKDOWN_PUNCTUATION)
