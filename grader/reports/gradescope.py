"""Gradescope's ``results.json``, as its autograder specification defines it.

Spec: https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format"). The
fields written here:

* top level: ``score`` (the total, which overrides the sum of the tests), ``execution_time``
  (seconds), ``output`` (shown to the student), the ``*_format`` fields set to ``text`` so that a
  candidate's exception message is never rendered as HTML or Markdown, and ``extra_data`` (seed,
  sandbox, grader version: what a regrade needs to replay the run);
* one test per hidden test: ``name``, ``number`` ("exercise.test"), ``score``, ``max_score``,
  ``status`` (``passed`` / ``failed``), ``output``, ``tags`` (the exercise and the outcome) and
  ``visibility``.

Visibility is one of ``hidden``, ``after_due_date``, ``after_published`` and ``visible``. Hidden
tests default to ``after_published``: students see each test once the grades are published. The
spec gives the top-level ``output`` no visibility of its own (students see it at once), so it
shows the score and each exercise only when the chosen visibility is ``visible``; otherwise it
says which files were received and when the results will be shown. The chosen visibility is also
the top-level ``visibility``, and ``stdout_visibility`` is ``hidden``: stdout (the full table) is
for instructors. :func:`failure_json` is what is written when the grader itself fails.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from grader.results import ExerciseResult, Outcome, SubmissionResult, TestResult

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_VISIBILITY = "after_published"
OUTPUT_CHARS = 8000


def write(result: SubmissionResult, fp: TextIO, *, visibility: str = DEFAULT_VISIBILITY) -> None:
    """Write the result as a Gradescope ``results.json`` document."""
    json.dump(results_json(result, visibility), fp, indent=2, ensure_ascii=False, allow_nan=False)
    fp.write("\n")


def results_json(result: SubmissionResult, visibility: str = DEFAULT_VISIBILITY) -> dict[str, Any]:
    """The ``results.json`` document as plain data."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    tests = [
        _test(exercise, test, f"{i}.{j}", visibility)
        for i, exercise in enumerate(result.exercises, start=1)
        for j, test in enumerate(exercise.tests, start=1)
    ]
    return {
        "score": _number(result.score),
        "execution_time": round(result.duration, 3),
        "output": _overview(result) if visibility == "visible" else _receipt(result, visibility),
        "output_format": "text",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "test_output_format": "text",
        "test_name_format": "text",
        "extra_data": {"seed": result.seed, "sandbox": result.sandbox, "grader_version": result.grader_version,
                       "feedback": result.feedback.value},
        "tests": tests,
    }


def _test(exercise: ExerciseResult, test: TestResult, number: str, visibility: str) -> dict[str, Any]:
    return {
        "name": f"{exercise.title}: {display_name(test)}",
        "number": number,
        "score": _number(test.points),
        "max_score": _number(test.max_points),
        "status": "passed" if test.outcome is Outcome.PASSED else "failed",
        "output": _test_output(test, exercise),
        "tags": [exercise.slug, test.outcome.value],
        "visibility": visibility,
    }


def display_name(test: TestResult) -> str:
    """The test's description, plus its parameters (``[case]``) so that parametrised cases differ."""
    name = test.description or test.name
    _, bracket, parameters = test.name.partition("[")
    if bracket and test.description:
        name += f" [{parameters}"
    return name


def _test_output(test: TestResult, exercise: ExerciseResult) -> str:
    """The outcome, then whatever the (already redacted) result holds: why the file does not load,
    the message and printed output."""
    parts = [test.outcome.value]
    if exercise.load_error:
        parts.append(f"Your file could not be loaded: {exercise.load_error}")
    if test.message and test.message != exercise.load_error:
        parts.append(test.message)
    if test.output:
        parts.append(f"Your code printed:\n{test.output}")
    return "\n\n".join(parts)[:OUTPUT_CHARS]


def _overview(result: SubmissionResult) -> str:
    lines = [f"Score: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)"]
    for exercise in result.exercises:
        lines.append(f"{exercise.title}: {exercise.score:g}/{exercise.max_score:g}")
        if exercise.load_error:
            lines.append(f"  {exercise.load_error}")
    lines.append(f"Graded by nlp-grader {result.grader_version} (seed {result.seed}, sandbox {result.sandbox}).")
    return "\n".join(lines)[:OUTPUT_CHARS]


WHEN_SHOWN = {
    "hidden": "Your results are not shown to students.",
    "after_due_date": "Your results will be shown after the due date.",
    "after_published": "Your results will be shown once the grades are published.",
}


def _receipt(result: SubmissionResult, visibility: str) -> str:
    """What students may see at once when the results are not visible yet: what was received."""
    lines = [f"{e.title}: {_received(e)}" for e in result.exercises]
    lines += [WHEN_SHOWN[visibility], f"Graded by nlp-grader {result.grader_version}."]
    return "\n".join(lines)[:OUTPUT_CHARS]


def _received(exercise: ExerciseResult) -> str:
    name = exercise.submitted_file.replace("\\", "/").rsplit("/", 1)[-1]
    if name:
        return f"received {name}"
    return exercise.load_error or "no file received"  # e.g. "adder.py: no adder.py in the submission"


def failure_json(message: str) -> dict[str, Any]:
    """``results.json`` when the grader itself failed: score 0 and a message that says so, shown
    at once (it reveals no result)."""
    return {
        "score": 0,
        "output": (f"The autograder could not grade this submission: {message}\n"
                   "This is not a verdict on your work: please tell your instructor.")[:OUTPUT_CHARS],
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"grader_error": True},
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)
