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

What the student sees. The reporter's log prints ``✅ name`` or ``❌ name`` for ``pass`` and
``fail`` entries, and ``Error: <message>`` for ``error`` entries, never a ``fail`` entry's
message. So every entry that lost points carries a short reason (at the chosen feedback level:
"wrong answer" at ``summary``, the message itself at ``full``) in its ``message``; an entry whose
code raised, ran out of time or memory, crashed, or whose file does not load is ``error`` (its
message names the test, since the reporter prints the message alone); a wrong answer stays
``fail``, and its name ends with the reason, which is all the reporter shows of it. A submission
with a file that does not load has the runner status ``error``, not ``fail``.
Parametrised tests keep their parameters in the name (``[case-3]``), so that their rows differ.
"""

from __future__ import annotations

import base64
import json
import math
from fractions import Fraction
from typing import Any, TextIO

from grader.reports.gradescope import display_name
from grader.results import OUTCOME_HINTS, ExerciseResult, Feedback, Outcome, SubmissionResult, TestResult

VERSION = 1
MESSAGE_CHARS = 300
REASON_CHARS = 100  # in a failing entry's name
AS_ERROR = {Outcome.ERROR, Outcome.TIMEOUT, Outcome.MEMORY, Outcome.CRASHED}
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
        entries = [_entry(e, t, 1, 1, t.passed, result.feedback) for e, t in weighted]
    else:
        entries = [entry for e, t in weighted for entry in _split(e, t, unit, result.feedback)]
    return {
        "version": VERSION,
        "status": status(result),
        "max_score": _number(result.max_score),
        "tests": entries,
    }


def status(result: SubmissionResult) -> str:
    """``pass`` when every point was earned; ``error`` when nothing could be graded or a file does
    not load; else ``fail``."""
    if not any(e.tests for e in result.exercises) or any(e.load_error for e in result.exercises):
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


def _split(exercise: ExerciseResult, test: TestResult, unit: Fraction, feedback: Feedback) -> list[dict[str, Any]]:
    count = int(Fraction(test.max_points).limit_denominator(1000) / unit)
    earned = int(Fraction(test.points).limit_denominator(1000) / unit)
    return [_entry(exercise, test, i, count, i <= earned, feedback) for i in range(1, count + 1)]


def _entry(exercise: ExerciseResult, test: TestResult, index: int, count: int, passed: bool,
           feedback: Feedback = Feedback.FULL) -> dict[str, Any]:
    name = f"{exercise.slug}: {display_name(test)}"[:150]
    if count > 1:
        name += f" ({index}/{count})"
    first = index == 1
    # Only the first unit of a test carries the details, so a log does not repeat them.
    repeated = bool(exercise.load_error) and test is not exercise.tests[0]  # the first test says it
    reason = "" if passed or not first or repeated else reason_text(exercise, test, feedback)
    state = "pass" if passed else "error" if reason and _is_error(exercise, test) else "fail"
    if state == "fail" and reason:
        name += f" - {reason[:REASON_CHARS]}"  # all the reporter prints of a failing entry
    elif repeated and first:
        name += " - not run: the file does not load"
    return {
        "name": name,
        "status": state,
        "score": _number(test.points) if first else 0,
        "message": (f"{name}: {reason}" if state == "error" else reason)[:MESSAGE_CHARS],
        "test_code": "",  # the reporter prints it as code: hidden tests' code is not shown
        "filename": _filename(exercise),
        "line_no": 0,  # 0 tells the reporter there is no line to show
        "execution_time": f"{test.duration:.3f}s" if first else "0s",
    }


def _exercise_entry(exercise: ExerciseResult) -> dict[str, Any]:
    full = exercise.score >= exercise.max_score
    name = f"{exercise.slug}: {exercise.title}"
    state = "pass" if full else "error" if exercise.load_error else "fail"
    message = f"{name}: does not load: {exercise.load_error}" if exercise.load_error else ""
    return {"name": name, "status": state, "score": _number(exercise.score), "message": message[:MESSAGE_CHARS],
            "test_code": "", "filename": _filename(exercise), "line_no": 0,
            "execution_time": f"{exercise.duration:.3f}s"}


def reason_text(exercise: ExerciseResult, test: TestResult, feedback: Feedback = Feedback.FULL) -> str:
    """Why a test lost points, on one line, as much as the (already redacted) result reveals:
    the outcome's hint at ``summary``, the message at ``full``, and at ``none`` only why a file
    does not load (the candidate's own error, which reveals nothing of the tests)."""
    if test.outcome is Outcome.PASSED:
        return ""
    if exercise.load_error:
        detail = f"does not load: {exercise.load_error}"
    elif feedback is Feedback.NONE:
        return ""
    else:
        detail = test.message or OUTCOME_HINTS.get(test.outcome, "") or test.outcome.value
    return " ".join(detail.split())[:MESSAGE_CHARS]


def _is_error(exercise: ExerciseResult, test: TestResult) -> bool:
    return bool(exercise.load_error) or test.outcome in AS_ERROR


def _filename(exercise: ExerciseResult) -> str:
    return exercise.submitted_file.rsplit("/", 1)[-1]


def _number(value: float) -> float | int:
    """Whole numbers as ints, so the reporter prints ``Points 7/10``, not ``7.0``."""
    return int(value) if float(value).is_integer() else float(value)


def _b64(document: dict[str, Any]) -> str:
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
