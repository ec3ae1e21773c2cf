"""A Markdown summary (e.g. for ``$GITHUB_STEP_SUMMARY``): a table per exercise and the total."""

from __future__ import annotations

from typing import TextIO

from grader.results import SubmissionResult


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the result as GitHub-flavoured Markdown."""
    fp.write(f"## Score: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)\n\n")
    for exercise in result.exercises:
        fp.write(f"### {escape(exercise.title)}: {exercise.score:g}/{exercise.max_score:g}\n\n")
        if exercise.load_error:
            fp.write(f"> {escape(exercise.load_error)}\n\n")
        fp.write("| Test | Outcome | Points |\n| --- | --- | --- |\n")
        for test in exercise.tests:
            fp.write(f"| {escape(test.description)} | {test.outcome.value} | {test.points:g}/{test.max_points:g} |\n")
        fp.write("\n")
    fp.write(f"Seed {result.seed}, sandbox `{result.sandbox}`, nlp-grader {result.grader_version}.\n")


_MARKDOWN_PUNCTUATION = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#!"})
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Text as inert Markdown on one line: no HTML, link, emphasis, code span or table cell break
    of its own (a candidate's message must not render as ``<h2>Score 100/100</h2>``)."""
    flat = " ".join(text.split("\n"))
    return flat.translate(_HTML).translate(_MARKDOWN_PUNCTUATION)
