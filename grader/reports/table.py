"""The terminal table: one line per test, a total per exercise and for the submission."""

from __future__ import annotations

from typing import TextIO

from grader.results import Feedback, Outcome, SubmissionResult

SYMBOLS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL"}


def write(result: SubmissionResult, fp: TextIO, *, color: bool = False) -> None:
    """Write a plain-text summary table; ``color`` adds ANSI colours for a terminal."""
    for exercise in result.exercises:
        fp.write(f"\n{exercise.title} ({exercise.slug})\n")
        if exercise.load_error:
            fp.write(_indented(exercise.load_error, first="  ! ", rest="    "))
        width = max([len(t.description) for t in exercise.tests] + [20])
        width = min(width, 70)
        for test in exercise.tests:
            label = SYMBOLS.get(test.outcome, test.outcome.value.upper())
            line = f"  {_paint(label.ljust(15), test.outcome, color)} {test.description[:70].ljust(width)} "
            line += f"{test.points:g}/{test.max_points:g}"
            fp.write(line + "\n")
            if test.message and not exercise.load_error and result.feedback is not Feedback.NONE and not test.passed:
                for detail in test.message.splitlines()[:3]:
                    fp.write(f"      {detail[:150]}\n")
        fp.write(f"  score: {exercise.score:g}/{exercise.max_score:g} ({exercise.percent:.0f}%)\n")
    fp.write(
        f"\nTotal: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)"
        f"  seed={result.seed} sandbox={result.sandbox}\n"
    )


def _indented(text: str, *, first: str, rest: str) -> str:
    """Every line of ``text`` behind a prefix of ours: no line of the grader's output may begin
    with candidate text (a line starting with ``::`` is a GitHub Actions workflow command)."""
    lines = text.splitlines() or [""]
    return "".join(f"{first if i == 0 else rest}{line}\n" for i, line in enumerate(lines))


def _paint(text: str, outcome: Outcome, color: bool) -> str:
    if not color:
        return text
    code = "32" if outcome is Outcome.PASSED else "33" if outcome is Outcome.FAILED else "31"
    return f"\033[{code}m{text}\033[0m"
