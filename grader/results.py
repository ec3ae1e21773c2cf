"""The result model that every report is written from, so that every format agrees.

::

    SubmissionResult          one candidate's submission: total score, seed, sandbox, version
     +-- ExerciseResult       one exercise: score out of its points, and why it could not load
          +-- TestResult      one hidden test: outcome, points, message, captured output
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Outcome(enum.StrEnum):
    """How one hidden test ended. Exactly one per test."""

    PASSED = "passed"
    FAILED = "failed"  # a wrong answer
    ERROR = "error"  # the candidate's code raised, or returned something unusable
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"  # the sandbox died or broke the protocol
    MISSING = "missing"  # the function is not defined
    NOT_IMPLEMENTED = "not-implemented"  # the stub's NotImplementedError is still there
    FORBIDDEN = "forbidden"  # the entry point uses an API the exercise forbids (grader.judge.forbidden)


class Feedback(enum.StrEnum):
    """How much a report reveals. Hidden expected values appear only at ``full``."""

    FULL = "full"  # hiring teams: messages with values, tracebacks, output
    SUMMARY = "summary"  # candidates: what each test checks and its outcome, no values
    NONE = "none"  # candidates: scores only


@dataclasses.dataclass
class TestResult:
    """One hidden test."""

    __test__ = False  # a model, not a test class: pytest must not collect it when a test imports it

    name: str
    outcome: Outcome
    points: float
    max_points: float
    description: str = ""  # the test's docstring, first line: safe to show a candidate
    message: str = ""  # may hold expected values: shown only at full feedback
    output: str = ""  # what the candidate's code printed during the test
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclasses.dataclass
class ExerciseResult:
    """One exercise of a submission."""

    slug: str
    title: str
    tests: list[TestResult]
    max_score: float
    submitted_file: str = ""
    load_error: str = ""  # why the submission could not be loaded, if it could not
    duration: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for t in self.tests if t.outcome is outcome)


@dataclasses.dataclass
class SubmissionResult:
    """Everything one grading run found about one submission."""

    submission: str
    exercises: list[ExerciseResult]
    seed: int
    sandbox: str
    grader_version: str
    feedback: Feedback = Feedback.FULL
    started_at: str = ""
    duration: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, with the derived scores included, for JSON and other writers."""
        data = dataclasses.asdict(self)
        data.update(score=self.score, max_score=self.max_score, percent=round(self.percent, 2))
        for exercise, raw in zip(self.exercises, data["exercises"], strict=True):
            raw.update(score=exercise.score, percent=round(exercise.percent, 2))
        return _plain(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        """Rebuild a result from :meth:`to_dict`'s output (e.g. a saved JSON report)."""
        exercises = [
            ExerciseResult(
                tests=[TestResult(**{**_fields(TestResult, t), "outcome": Outcome(t["outcome"])})
                       for t in e["tests"]],
                **{k: v for k, v in _fields(ExerciseResult, e).items() if k != "tests"},
            )
            for e in data["exercises"]
        ]
        top = {k: v for k, v in _fields(cls, data).items() if k != "exercises"}
        top["feedback"] = Feedback(top.get("feedback", "full"))
        return cls(exercises=exercises, **top)


def redact(result: SubmissionResult, level: Feedback) -> SubmissionResult:
    """A copy that reveals no more than ``level`` allows; the scores are unchanged."""
    if level is Feedback.FULL:
        return result
    exercises = []
    for exercise in result.exercises:
        tests = [] if level is Feedback.NONE else [_summary_only(t, exercise) for t in exercise.tests]
        exercises.append(dataclasses.replace(exercise, tests=tests) if tests else
                         _score_only(exercise))
    return dataclasses.replace(result, exercises=exercises, feedback=level)


def _summary_only(test: TestResult, exercise: ExerciseResult) -> TestResult:
    hint = "not run: the file could not be loaded" if exercise.load_error else OUTCOME_HINTS[test.outcome]
    return dataclasses.replace(test, message=hint, output="")


def _score_only(exercise: ExerciseResult) -> ExerciseResult:
    """At feedback ``none`` one line stands in for the tests, carrying the exercise's score."""
    line = TestResult(
        name="score", outcome=Outcome.PASSED if exercise.score == exercise.max_score else
        Outcome.FAILED, points=exercise.score, max_points=exercise.max_score,
    )
    return dataclasses.replace(exercise, tests=[line])


OUTCOME_HINTS = {
    Outcome.PASSED: "",
    Outcome.FAILED: "wrong answer",
    Outcome.ERROR: "your code raised an exception or returned an unusable value",
    Outcome.TIMEOUT: "too slow: the call ran out of time",
    Outcome.MEMORY: "ran out of memory",
    Outcome.CRASHED: "the sandbox running your code died",
    Outcome.MISSING: "a required function is not defined",
    Outcome.NOT_IMPLEMENTED: "not implemented yet",
    Outcome.FORBIDDEN: "uses an API this exercise forbids (see the statement)",
}


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
