"""Proving a bank sound: every reference scores 100%, every stub 0%, every known-wrong variant less.

Also checked: the hidden tests' points add up to ``points`` in exercise.toml, every hidden test
has points and a docstring, the public tests pass on the reference, every alternative correct
solution (``tests/alternative/*.py``) scores 100% too, and junk that solves nothing (constants,
echoing an argument, always raising ValueError) scores 0%, like the stub.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from grader.bank import Exercise
from grader.grading import grade_sources
from grader.results import ExerciseResult
from grader.sandbox.base import Backend
from grader.submission import SourceFile, read_source


@dataclasses.dataclass
class Check:
    """One claim about the bank, and whether it held."""

    exercise: str
    subject: str  # "reference", "stub", "wrong/<name>", "points", ...
    expectation: str
    ok: bool
    detail: str = ""


def validate_exercise(
    exercise: Exercise,
    backend: Backend,
    seed: int,
    overrides: Mapping[str, Any] | None = None,
    on_check: Callable[[Check], None] = lambda _c: None,
) -> list[Check]:
    """Grade the reference, the stub, the alternatives and the wrong variants of one exercise."""
    checks: list[Check] = []
    for subject in subjects(exercise):
        for check in validate_subject(exercise, subject, backend, seed, overrides):
            checks.append(check)
            on_check(check)
    if not exercise.wrong_variants:
        checks.append(Check(exercise.slug, "wrong variants", "at least one known-wrong variant", False))
        on_check(checks[-1])
    return checks


def subjects(exercise: Exercise) -> list[str]:
    """What :func:`validate_subject` can grade for this exercise, in the order ``grader validate`` runs them."""
    found = ["reference"]
    if exercise.public_tests.is_dir() and any(exercise.public_tests.glob("test_*.py")):
        found.append("public tests")
    found += [f"alternative/{p.stem}" for p in sorted((exercise.root / "tests" / "alternative").glob("*.py"))]
    found.append("stub")
    found += [f"wrong/{p.stem}" for p in exercise.wrong_variants]
    return found + [f"junk/{name}" for name in JUNK]


def validate_subject(exercise: Exercise, subject: str, backend: Backend, seed: int,
                     overrides: Mapping[str, Any] | None = None) -> list[Check]:
    """Grade one subject of :func:`subjects` and check what it must score (the reference: three checks)."""

    def run(path: Path | None, tests: Path | None = None, source: str = "", label: str = "") -> ExerciseResult:
        files = {exercise.slug: read_source(path) if path else SourceFile(None, source=source)}
        tests_map = {exercise.slug: tests} if tests else None
        return grade_sources(label or str(path), files, [exercise], backend, seed=seed, overrides=overrides,
                             tests=tests_map).exercises[0]

    kind, _, name = subject.partition("/")
    if subject == "reference":
        reference = run(exercise.reference)
        undocumented = [t.name for t in reference.tests if t.description == t.name]
        return [
            _points_check(exercise, reference),
            _expect(exercise, "reference", reference, lambda r: r.score == r.max_score, "scores 100%"),
            Check(exercise.slug, "docstrings", "every hidden test has a docstring", not undocumented,
                  "missing: " + ", ".join(undocumented) if undocumented else f"{len(reference.tests)} tests"),
        ]
    if subject == "public tests":
        public = run(exercise.reference, exercise.public_tests)
        return [_expect(exercise, subject, public, lambda r: all(t.passed for t in r.tests), "pass on the reference")]
    if kind == "alternative":
        result = run(exercise.root / "tests" / "alternative" / f"{name}.py")
        return [_expect(exercise, subject, result, lambda r: r.score == r.max_score, "scores 100%")]
    if subject == "stub":
        return [_expect(exercise, subject, run(exercise.stub), lambda r: r.score == 0, "scores 0%")]
    if kind == "wrong":
        result = run(exercise.root / "tests" / "wrong" / f"{name}.py")
        return [_expect(exercise, subject, result, lambda r: r.score < r.max_score, "loses points")]
    if kind == "junk" and name in JUNK:
        result = run(None, source=_junk_source(exercise, JUNK[name]), label=subject)
        return [_expect(exercise, subject, result, lambda r: r.score == 0, "scores 0%, like the stub")]
    raise ValueError(f"{exercise.slug}: no such subject to validate: {subject}")


# Submissions that solve nothing. Each must score 0: a test that one of these passes gives points
# for nothing (a non-mutation check that ignores the result, a ValueError test without a valid call).
JUNK = {
    "returns_zero": "return 0.0",
    "returns_empty_list": "return []",
    "echoes_first_argument": "return args[0] if args else None",
    "raises_value_error": "raise ValueError('junk')",
}


def _junk_source(exercise: Exercise, body: str) -> str:
    return "".join(f"def {part}(*args, **kwargs):\n    {body}\n\n" for part in exercise.parts)


def _points_check(exercise: Exercise, reference: ExerciseResult) -> Check:
    total = sum(t.max_points for t in reference.tests)
    pointless = [t.name for t in reference.tests if t.max_points <= 0]
    ok = abs(total - exercise.points) < 1e-9 and not pointless
    detail = f"hidden tests add up to {total:g}, exercise.toml says {exercise.points:g}"
    if pointless:
        detail += f"; without points: {', '.join(pointless)}"
    return Check(exercise.slug, "points", "hidden tests' points add up", ok, detail)


def _expect(
    exercise: Exercise, subject: str, result: ExerciseResult, predicate: Callable[[ExerciseResult], bool], what: str
) -> Check:
    if subject == "public tests":  # public tests carry no points: count them instead
        detail = f"{sum(t.passed for t in result.tests)}/{len(result.tests)} passed"
    else:
        detail = f"{result.score:g}/{result.max_score:g}"
    if result.load_error:
        detail += f" ({result.load_error})"
    failing = [f"{t.name}: {t.outcome.value}: {t.message.splitlines()[0] if t.message else ''}"
               for t in result.tests if not t.passed]
    if subject in ("reference", "public tests") or subject.startswith("alternative/"):
        detail += "".join(f"\n    {line[:300]}" for line in failing)
    return Check(exercise.slug, subject, what, predicate(result), detail)
