"""Proving a bank sound: every reference scores 100%, every stub 0%, every known-wrong variant less.

Also checked: the hidden tests' points add up to ``points`` in exercise.toml, every hidden test
has points and a docstring, the public tests pass on the reference, every alternative correct
solution (``tests/alternative/*.py``) scores 100% too, junk that solves nothing scores 0%, like the
stub (the generic ``JUNK`` bodies, and the exercise's own ``tests/junk/*.py``: right types and
shapes, wrong values), and ``COVERAGE.md`` names only hidden tests and wrong variants that exist.

Randomised hidden tests make a verdict depend on the seed, so the graded claims are checked on
several seeds (:func:`validate_exercise_seeds`): a wrong variant caught on some seeds only is
*flaky*, and the bank is not sound until it is caught on all of them. Seed-independent claims
(points, docstrings, public tests, stub) are checked once, on the first seed.

A wrong variant named in COVERAGE.md runs only the hidden tests of its rows there: it must fail
one of them on every seed, which proves the row and implies that it loses points; the other tests
cannot change that verdict, and skipping them halves the time of a validate. A variant that
COVERAGE.md does not name runs every test and must score less than 100%.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from grader.bank import Exercise
from grader.grading import new_seed
from grader.judge.runner import run_exercise
from grader.limits import Limits
from grader.results import ExerciseResult
from grader.sandbox.base import Backend
from grader.submission import SourceFile, read_source

COVERAGE_HEADER = ("statement promise", "hidden test", "wrong variant")


@dataclasses.dataclass
class Check:
    """One claim about the bank, and whether it held."""

    exercise: str
    subject: str  # "reference", "stub", "wrong/<name>", "points", ...
    expectation: str
    ok: bool
    detail: str = ""
    flaky: bool = False  # held on some seeds but not on all


def validate_exercise(
    exercise: Exercise,
    backend: Backend,
    seed: int,
    overrides: Mapping[str, Any] | None = None,
    on_check: Callable[[Check], None] = lambda _c: None,
) -> list[Check]:
    """Grade the reference, the stub, the alternatives, the wrong variants and junk on one seed."""
    return validate_exercise_seeds(exercise, backend, [seed], overrides, on_check)


def validate_exercise_seeds(
    exercise: Exercise,
    backend: Backend,
    seeds: list[int],
    overrides: Mapping[str, Any] | None = None,
    on_check: Callable[[Check], None] = lambda _c: None,
) -> list[Check]:
    """Every claim of :func:`validate_exercise`, the graded ones held on every seed of ``seeds``."""
    if not seeds:
        raise ValueError("at least one seed is needed")
    checks: list[Check] = []
    for subject in subjects(exercise):
        for check in validate_subject(exercise, subject, backend, seeds, overrides):
            checks.append(check)
            on_check(check)
    if not exercise.wrong_variants:
        checks.append(Check(exercise.slug, "wrong variants", "at least one known-wrong variant", False))
        on_check(checks[-1])
    return checks


def subjects(exercise: Exercise) -> list[str]:
    """What :func:`validate_subject` checks for this exercise, in the order ``grader validate`` runs them."""
    found = ["coverage", "reference"]
    if exercise.public_tests.is_dir() and any(exercise.public_tests.glob("test_*.py")):
        found.append("public tests")
    found += [f"alternative/{p.stem}" for p in alternatives(exercise)]
    found.append("stub")
    found += [f"wrong/{p.stem}" for p in exercise.wrong_variants]
    return found + [f"junk/{name}" for name in junk_sources(exercise)]


def validate_subject(exercise: Exercise, subject: str, backend: Backend, seeds: int | list[int],
                     overrides: Mapping[str, Any] | None = None) -> list[Check]:
    """Grade one subject of :func:`subjects` on every seed and check what it must score.

    Seed-independent claims (points, docstrings, public tests, stub) are checked on the first seed.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    if not seeds:
        raise ValueError("at least one seed is needed")

    def run(source: SourceFile, these: list[int] | None = None, tests: Path | None = None,
            select: set[str] | None = None) -> list[ExerciseResult]:
        return grade_seeds(exercise, source, these or seeds, backend, overrides, tests, select)

    kind, _, name = subject.partition("/")
    if subject == "coverage":
        return [coverage_check(exercise)]
    if subject == "reference":
        reference = run(read_source(exercise.reference))
        undocumented = [t.name for t in reference[0].tests if t.description == t.name]
        return [
            _points_check(exercise, reference[0]),
            _over_seeds(exercise, "reference", seeds, reference, _full, "scores 100%"),
            Check(exercise.slug, "docstrings", "every hidden test has a docstring", not undocumented,
                  "missing: " + ", ".join(undocumented) if undocumented else f"{len(reference[0].tests)} tests"),
        ]
    if subject == "public tests":
        public = run(read_source(exercise.reference), seeds[:1], exercise.public_tests)[0]
        return [_expect(exercise, subject, public, lambda r: all(t.passed for t in r.tests), "pass on the reference")]
    if kind == "alternative":
        results = run(read_source(exercise.root / "tests" / "alternative" / f"{name}.py"))
        return [_over_seeds(exercise, subject, seeds, results, _full, "scores 100%")]
    if subject == "stub":
        stub = run(read_source(exercise.stub), seeds[:1])[0]
        return [_expect(exercise, subject, stub, _zero, "scores 0%")]
    if kind == "wrong":
        return _wrong_variant_checks(exercise, name, seeds, run)
    sources = junk_sources(exercise)
    if kind == "junk" and name in sources:
        results = run(SourceFile(None, source=sources[name]))
        return [_over_seeds(exercise, subject, seeds, results, _zero, "scores 0% like the stub")]
    raise ValueError(f"{exercise.slug}: no such subject to validate: {subject}")


def _wrong_variant_checks(exercise: Exercise, name: str, seeds: list[int],
                          run: Callable[..., list[ExerciseResult]]) -> list[Check]:
    """A variant named in COVERAGE.md runs only its rows' tests and must fail one of each row's tests
    on every seed (which implies that it loses points); any other variant must lose points."""
    subject = f"wrong/{name}"
    source = read_source(exercise.root / "tests" / "wrong" / f"{name}.py")
    selected = coverage_tests_by_variant(exercise).get(name)
    if not selected:
        return [_over_seeds(exercise, subject, seeds, run(source), _loses, "loses points")]
    results = run(source, select=selected)
    return [
        _over_seeds(exercise, subject, seeds, results, _fails_one(selected),
                    "fails its COVERAGE.md test (so loses points)", summary=_failed_names(selected)),
        coverage_proof_check(exercise, {name: results}, seeds, only=name),
    ]


def seed_list(count: int, first: int | None = None) -> list[int]:
    """``count`` distinct seeds: ``first`` (when given) and fresh ones after it."""
    seeds = [] if first is None else [first]
    while len(seeds) < count:
        seed = new_seed()
        if seed not in seeds:
            seeds.append(seed)
    return seeds[: max(count, 1)]


def grade_seeds(
    exercise: Exercise,
    submitted: SourceFile,
    seeds: list[int],
    backend: Backend,
    overrides: Mapping[str, Any] | None = None,
    tests: Path | None = None,
    select: set[str] | None = None,
) -> list[ExerciseResult]:
    """Grade one source once per seed, in one sandbox session (the module is loaded afresh each time).

    ``select``: run only the hidden tests with these function names (a partial score, then).
    """
    overrides = dict(overrides or {})
    base = Limits.default()
    memory = max(base.memory_mb, int(exercise.limits.get("memory_mb", 0)))
    limits = base.merged(exercise.limits).merged(overrides)
    with _only(select), backend.open_session(base.merged({"memory_mb": memory}).merged(overrides)) as session:
        return [run_exercise(exercise, submitted, session, seed, limits, tests) for seed in seeds]


@contextlib.contextmanager
def _only(names: set[str] | None) -> Iterator[None]:
    """Restrict the hidden tests to these function names, through pytest's own PYTEST_ADDOPTS.

    The judge's runner takes no selection of its own; ``-k`` matches substrings of test ids, so a
    name may select a few more tests than asked (never fewer), which costs time, not soundness.
    """
    if not names:
        yield
        return
    saved = os.environ.get("PYTEST_ADDOPTS")
    expression = " or ".join(sorted(names))
    os.environ["PYTEST_ADDOPTS"] = f"{saved or ''} -k {shlex.quote(expression)}".strip()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTEST_ADDOPTS"]
        else:
            os.environ["PYTEST_ADDOPTS"] = saved


def alternatives(exercise: Exercise) -> list[Path]:
    """Other correct solutions: each must score 100% like the reference."""
    return sorted((exercise.root / "tests" / "alternative").glob("*.py"))


# Submissions that solve nothing. Each must score 0: a test that one of these passes gives points
# for nothing (a non-mutation check that ignores the result, a ValueError test without a valid call).
JUNK = {
    "returns_zero": "return 0.0",
    "returns_empty_list": "return []",
    "echoes_first_argument": "return args[0] if args else None",
    "raises_value_error": "raise ValueError('junk')",
    "zeros_like_first_argument": "return __import__('numpy').zeros_like(__import__('numpy').asarray(args[0], float))",
}


def junk_sources(exercise: Exercise) -> dict[str, str]:
    """The generic junk bodies for every part, then the exercise's own ``tests/junk/*.py`` files.

    An exercise's junk file returns the right types and shapes with wrong values (all-zero
    matrices of the right dtype, the right vocabulary with zero counts...), which no generic body
    can know; a test that such junk passes checks a type, not a value.
    """
    sources = {name: _junk_source(exercise, body) for name, body in JUNK.items()}
    for path in sorted((exercise.root / "tests" / "junk").glob("*.py")):
        sources[path.stem] = path.read_text(encoding="utf-8")
    return sources


def _junk_source(exercise: Exercise, body: str) -> str:
    return "".join(f"def {part}(*args, **kwargs):\n    {body}\n\n" for part in exercise.parts)


# --- COVERAGE.md -----------------------------------------------------------------------------


def coverage_check(exercise: Exercise) -> Check:
    """COVERAGE.md maps statement promises to hidden tests and wrong variants that all exist.

    Every hidden test and every wrong variant must appear in it, so that each one answers a
    promise of the statement. A bank without COVERAGE.md is reported, not failed.
    """
    path = exercise.root / "COVERAGE.md"
    subject, what = "coverage", "COVERAGE.md names existing tests and variants"
    if not path.is_file():
        return Check(exercise.slug, subject, what, True, "no COVERAGE.md: not checked")
    rows = coverage_rows(path.read_text(encoding="utf-8"))
    tests, variants = hidden_test_names(exercise), {p.stem for p in exercise.wrong_variants}
    problems, named_tests, named_variants = [], set(), set()
    for line, promise, test_cell, variant_cell in rows:
        test_names, variant_names = _names(test_cell), _names(variant_cell)
        named_tests |= set(test_names)
        named_variants |= set(variant_names) - {"-"}
        if not promise.strip():
            problems.append(f"line {line}: no statement promise")
        if not test_names or "-" in test_names:
            problems.append(f"line {line}: no hidden test")
        problems += [f"line {line}: no hidden test named {n}" for n in test_names if n != "-" and n not in tests]
        if not variant_names:
            problems.append(f"line {line}: no wrong variant (write - and say why in the promise)")
        problems += [f"line {line}: no tests/wrong/{n}.py" for n in variant_names if n != "-" and n not in variants]
    if not rows:
        problems.append("no table with the columns | " + " | ".join(COVERAGE_HEADER) + " |")
    problems += [f"hidden test {n} is in no row" for n in sorted(tests - named_tests)]
    problems += [f"wrong variant {n} is in no row" for n in sorted(variants - named_variants)]
    detail = f"{len(rows)} promises, {len(named_tests & tests)} tests, {len(named_variants & variants)} variants"
    if problems:
        detail += "".join(f"\n    {p}" for p in problems[:40])
    return Check(exercise.slug, subject, what, not problems, detail)


def coverage_proof_check(exercise: Exercise, wrong: Mapping[str, list[ExerciseResult]], seeds: list[int],
                         only: str | None = None) -> Check:
    """Each wrong variant named in a COVERAGE.md row fails one of that row's hidden tests, on every seed.

    This is what makes the table an audit rather than a list of names: the variant proves that
    the test catches the broken promise, not only that the variant loses points somewhere.
    """
    rows = coverage_rows((exercise.root / "COVERAGE.md").read_text(encoding="utf-8"))
    unproven = []
    for line, _promise, test_cell, variant_cell in rows:
        tests = set(_names(test_cell))
        for variant in _names(variant_cell):
            results = wrong.get(variant)
            if results is None:
                continue  # a missing variant is coverage_check's to report
            missed = [seed for seed, result in zip(seeds, results, strict=True)
                      if not any(t.name.split("[")[0] in tests and not t.passed for t in result.tests)]
            if missed:
                unproven.append(f"line {line}: {variant} passes {', '.join(sorted(tests))} "
                                f"on seed(s) {', '.join(map(str, missed))}")
    detail = f"{len(rows)} rows" + "".join(f"\n    {u}" for u in unproven[:40])
    subject = f"coverage proof/{only}" if only else "coverage proof"
    return Check(exercise.slug, subject, "each named variant fails its row's test on every seed",
                 not unproven, detail)


def coverage_tests_by_variant(exercise: Exercise) -> dict[str, set[str]]:
    """For each wrong variant named in COVERAGE.md, the hidden tests of the rows that name it."""
    path = exercise.root / "COVERAGE.md"
    if not path.is_file():
        return {}
    known = hidden_test_names(exercise)
    mapped: dict[str, set[str]] = {}
    for _line, _promise, test_cell, variant_cell in coverage_rows(path.read_text(encoding="utf-8")):
        tests = {name for name in _names(test_cell) if name in known}
        for variant in _names(variant_cell):
            if variant != "-" and tests:
                mapped.setdefault(variant, set()).update(tests)
    return mapped


def coverage_rows(text: str) -> list[tuple[int, str, str, str]]:
    """The rows of every ``| statement promise | hidden test | wrong variant |`` table, with line numbers."""
    rows, in_table = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        cells = _cells(line)
        if cells is None:
            in_table = False
        elif tuple(c.lower() for c in cells) == COVERAGE_HEADER:
            in_table = True
        elif in_table and not all(set(c) <= set("-: ") for c in cells):
            cells = (cells + ["", "", ""])[:3] if len(cells) < 3 else cells
            rows.append((number, cells[0], cells[1], " ".join(cells[2:])))
    return rows


def hidden_test_names(exercise: Exercise) -> set[str]:
    """The names of the test functions defined at the top level of the hidden test files."""
    names = set()
    for path in sorted(exercise.hidden_tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names |= {
            node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
        }
    return names


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    parts = re.split(r"(?<!\\)\|", stripped.strip("|"))
    return [p.strip() for p in parts]


def _names(cell: str) -> list[str]:
    if cell.strip().startswith("-"):  # "-", or "- (why no variant can exist)"
        return ["-"]
    return [n.strip().strip("`").strip() for n in re.split(r"[,;]|<br>", cell) if n.strip().strip("`").strip()]


# --- verdicts ----------------------------------------------------------------------------------


def _full(result: ExerciseResult) -> bool:
    return result.score == result.max_score


def _loses(result: ExerciseResult) -> bool:
    return result.score < result.max_score


def _zero(result: ExerciseResult) -> bool:
    return result.score == 0


def _failed_names(names: set[str]) -> Callable[[ExerciseResult], str]:
    def summary(result: ExerciseResult) -> str:
        failed = sorted({t.name.split("[")[0] for t in result.tests if t.name.split("[")[0] in names and not t.passed})
        return "+".join(failed) or "none failed"

    return summary


def _fails_one(names: set[str]) -> Callable[[ExerciseResult], bool]:
    def predicate(result: ExerciseResult) -> bool:
        return any(t.name.split("[")[0] in names and not t.passed for t in result.tests)

    return predicate


def _over_seeds(
    exercise: Exercise,
    subject: str,
    seeds: list[int],
    results: list[ExerciseResult],
    predicate: Callable[[ExerciseResult], bool],
    what: str,
    summary: Callable[[ExerciseResult], str] | None = None,
) -> Check:
    """One check for one subject graded on several seeds: it holds only if it holds on every seed.

    ``summary`` says what each seed's result was (default: its score).
    """
    if len(seeds) == 1 and summary is None:
        return _expect(exercise, subject, results[0], predicate, what)
    held = [predicate(r) for r in results]
    if summary is None:
        scores = ", ".join(f"{r.score:g}" for r in results)
        detail = f"{sum(held)}/{len(seeds)} seeds; scores {scores} of {results[0].max_score:g}"
    else:
        detail = f"{sum(held)}/{len(seeds)} seeds; " + ", ".join(summary(r) for r in results)
    if all(held):
        suffix = f" on all {len(seeds)} seeds" if len(seeds) > 1 else ""
        return Check(exercise.slug, subject, what + suffix, True, detail)
    missed = [seed for seed, ok in zip(seeds, held, strict=True) if not ok]
    detail += f"; not on seed(s) {', '.join(map(str, missed))}"
    first_bad = _expect(exercise, subject, results[held.index(False)], predicate, what).detail
    if "\n" in first_bad:  # the failing tests of the first seed where the claim broke
        detail += "\n" + first_bad.split("\n", 1)[1]
    flaky = any(held)
    if flaky:
        what = f"{what} on every seed (FLAKY: caught on {sum(held)}/{len(seeds)} seeds)"
    return Check(exercise.slug, subject, what, False, detail, flaky=flaky)


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
    if subject in ("reference", "public tests") or subject.startswith(("alternative/", "junk/")):
        shown = failing if not subject.startswith("junk/") else [
            f"{t.name}: passed" for t in result.tests if t.passed]
        detail += "".join(f"\n    {line[:300]}" for line in shown)
    return Check(exercise.slug, subject, what, predicate(result), detail)
