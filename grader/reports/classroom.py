"""GitHub Classroom's runner result: what ``classroom-resources/autograding-grading-reporter@v1`` reads.

A Classroom runner (autograding-command-grader, autograding-io-grader, ...) sets a step output
``result`` holding base64 of one JSON object::

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": N,
     "tests": [{"name", "status", "score", "message", "test_code", "filename", "line_no",
                "execution_time"}]}

The reporter gets it through the environment variable ``<RUNNER-ID>_RESULTS`` and

* records the grade from ``sum(tests[].score)`` against ``max_score`` (its ``Points X/Y`` notice,
  which is what Classroom stores);
* but prints, in its summary table, ``passed / len(tests) * max_score``;
* fails the workflow run when ``status`` is ``fail`` or ``error``.

Our hidden tests carry different points, so one entry per test would make the table disagree
with the grade. Each test is therefore split into entries of one *unit* of points each (the
greatest common divisor of all the points), so that the fraction of passing entries is exactly
the fraction of points earned: with integer points the unit is usually 1, a 3-point test becomes
three entries, and the reporter's "tests passed" line reads as points earned. The test's points
sit on its first entry (the others score 0), so the reporter's sum adds exactly our numbers.
The table still multiplies in floating point: 57/100*100 prints as 56.99999999999999.
"""

from __future__ import annotations

import base64
import json
import math
from fractions import Fraction
from typing import Any, TextIO

from grader.reports.gradescope import display_name
from grader.results import ExerciseResult, Outcome, SubmissionResult, TestResult

VERSION = 1
MESSAGE_CHARS = 300
# The reporter reads the result from one environment variable, and Linux caps a single
# environment string at 128 KiB (MAX_ARG_STRLEN); stay well under it.
MAX_ENCODED_BYTES = 96 * 1024


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the step-output line ``result=<base64>``, as ``$GITHUB_OUTPUT`` expects it."""
    fp.write(f"result={encode(result)}\n")


def encode(result: SubmissionResult) -> str:
    """The base64 runner result, shrunk step by step until it fits in one environment variable.

    First messages are shortened, then names; then tests are no longer split into units, and
    last there is one entry per exercise (the grade stays exact, the reporter's table becomes
    approximate). A bank of a few hundred points never gets past the first step.
    """
    steps = (("unit", MESSAGE_CHARS, 150), ("unit", 60, 150), ("unit", 0, 60), ("test", 0, 60), ("exercise", 0, 60))
    for granularity, message_chars, name_chars in steps:
        document = runner_result(result, granularity=granularity)
        for entry in document["tests"]:
            entry["message"] = entry["message"][:message_chars]
            entry["name"] = entry["name"][:name_chars]
        encoded = _b64(document)
        if len(encoded) <= MAX_ENCODED_BYTES:
            break
    return encoded


def decode(encoded: str) -> dict[str, Any]:
    """The runner result from its base64 form (as the reporter decodes it)."""
    return dict(json.loads(base64.b64decode(encoded).decode("utf-8")))


def runner_result(result: SubmissionResult, *, granularity: str = "unit") -> dict[str, Any]:
    """The runner result as plain data: one entry per ``unit`` of points, per ``test`` or per ``exercise``."""
    # A test worth no points would count in the reporter's table without adding to the grade.
    weighted = [(e, t) for e in result.exercises for t in e.tests if t.max_points > 0]
    unit = points_unit([t.max_points for _, t in weighted] + [t.points for _, t in weighted])
    if granularity == "exercise":
        entries = [_exercise_entry(e) for e in result.exercises if e.max_score > 0]
    elif unit is None or granularity == "test":
        # Points that share no reasonable unit: keep the grade exact (one entry per test) and let
        # the reporter's table, which counts entries, be approximate.
        entries = [_entry(e, t, 1, 1, t.passed) for e, t in weighted]
    else:
        entries = [entry for e, t in weighted for entry in _split(e, t, unit)]
    return {
        "version": VERSION,
        "status": status(result),
        "max_score": _number(result.max_score),
        "tests": entries,
    }


def status(result: SubmissionResult) -> str:
    """``pass`` when every point was earned, ``error`` when nothing could be graded, else ``fail``."""
    if not any(e.tests for e in result.exercises):
        return "error"
    return "pass" if result.score >= result.max_score else "fail"


def points_unit(values: list[float]) -> Fraction | None:
    """The largest amount that divides every value exactly; None when the values have no such unit."""
    nonzero = [v for v in values if v]
    fractions = [Fraction(v).limit_denominator(1000) for v in nonzero]
    if any(abs(float(f) - v) > 1e-9 for f, v in zip(fractions, nonzero, strict=True)):
        return None
    if not fractions:
        return Fraction(1)
    denominator = math.lcm(*(f.denominator for f in fractions))
    return Fraction(math.gcd(*(int(f * denominator) for f in fractions)), denominator)


def _split(exercise: ExerciseResult, test: TestResult, unit: Fraction) -> list[dict[str, Any]]:
    count = int(Fraction(test.max_points).limit_denominator(1000) / unit)
    earned = int(Fraction(test.points).limit_denominator(1000) / unit)
    return [_entry(exercise, test, i, count, i <= earned) for i in range(1, count + 1)]


def _entry(exercise: ExerciseResult, test: TestResult, index: int, count: int, passed: bool) -> dict[str, Any]:
    name = f"{exercise.slug}: {display_name(test)}"[:150]
    if count > 1:
        name += f" ({index}/{count})"
    first = index == 1
    return {
        "name": name,
        "status": "pass" if passed else "fail",
        "score": _number(test.points) if first else 0,
        # Only the first unit of a test carries the details, so a log does not repeat them.
        "message": _message(exercise, test) if first else "",
        "test_code": "",  # the reporter prints it as code: hidden tests' code is not shown
        "filename": _filename(exercise),
        "line_no": 0,  # 0 tells the reporter there is no line to show
        "execution_time": f"{test.duration:.3f}s" if first else "0s",
    }


def _exercise_entry(exercise: ExerciseResult) -> dict[str, Any]:
    full = exercise.score >= exercise.max_score
    return {"name": f"{exercise.slug}: {exercise.title}", "status": "pass" if full else "fail",
            "score": _number(exercise.score), "message": exercise.load_error[:MESSAGE_CHARS],
            "test_code": "", "filename": _filename(exercise), "line_no": 0,
            "execution_time": f"{exercise.duration:.3f}s"}


def _message(exercise: ExerciseResult, test: TestResult) -> str:
    if test.outcome is Outcome.PASSED:
        return ""
    detail = exercise.load_error or test.message
    text = f"{test.outcome.value}: {detail}" if detail else test.outcome.value
    return text[:MESSAGE_CHARS]


def _filename(exercise: ExerciseResult) -> str:
    return exercise.submitted_file.rsplit("/", 1)[-1]


def _number(value: float) -> float | int:
    """Whole numbers as ints, so the reporter prints ``Points 7/10``, not ``7.0``."""
    return int(value) if float(value).is_integer() else float(value)


def _b64(document: dict[str, Any]) -> str:
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
