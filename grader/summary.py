"""A batch's result model: one record per candidate, the batch settings, and the summary built from them.

::

    BatchSettings           the seed, exercises, bank and limits every candidate is graded with
    CandidateRecord         one candidate's verdict: a Status, a message, its SubmissionResult and sources
    Verdict                 what a person reads of a record: graded, not attempted, does not load...
    BatchSummary            every candidate's Row, ranked; score distributions; hidden-test pass rates;
                            the similarity flags and the reviewers' decisions

Like :mod:`grader.results`, it is a model at the bottom of the layers: :mod:`grader.batch` fills
it, and the summary writers of :mod:`grader.reports` (CSV, JSON, HTML) read it.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Callable, Iterable
from typing import Any

from grader.bank import Exercise
from grader.decisions import Decision, DecisionSheet
from grader.interview import CandidateRef, InterviewPanel, ScorecardSet, Weights, build_panel
from grader.results import ExerciseResult, Outcome, SubmissionResult
from grader.similarity import SimilarityReport

SCHEMA_VERSION = 1
BINS = 10  # score distribution: 0-10%, 10-20%, ..., 90-100%


class Status(enum.StrEnum):
    """A batch candidate's status, as ``status.json``, the summaries and the terminal show it."""

    GRADED = "graded"  # scored, whatever the score (a syntax error is graded, with 0 points)
    INVALID = "invalid"  # nothing could be loaded: an unsafe archive, no exercise file, an empty file
    INFRASTRUCTURE_ERROR = "infrastructure-error"  # the grader or the sandbox failed: a rerun retries it
    PENDING = "pending"  # only in the summaries of an unfinished batch: not graded yet

    @property
    def final(self) -> bool:
        """A verdict on the candidate: kept by a resumed batch, and ranked."""
        return self in (Status.GRADED, Status.INVALID)


class Verdict(enum.StrEnum):
    """What the reports say of a candidate (or of one exercise): the stored Status, told apart."""

    GRADED = "graded"  # the tests ran on code the candidate wrote
    NOT_ATTEMPTED = "not-attempted"  # no file, an empty one, or the stub untouched
    DOES_NOT_LOAD = "does-not-load"  # a syntax error, an import error, a file that is not text
    TIMED_OUT = "timed-out"  # nothing passed; (nearly) every test timed out, ran out of memory or crashed
    INVALID = "invalid"  # nothing could be read: an unsafe archive, not a submission at all
    INFRASTRUCTURE_ERROR = "infrastructure-error"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return VERDICT_LABELS.get(self, self.value)


VERDICT_LABELS = {Verdict.NOT_ATTEMPTED: "not attempted", Verdict.DOES_NOT_LOAD: "does not load",
                  Verdict.TIMED_OUT: "timed out or crashed", Verdict.INFRASTRUCTURE_ERROR: "infrastructure error"}
STOPPED = {Outcome.TIMEOUT, Outcome.MEMORY, Outcome.CRASHED}
STOPPED_SHARE = 0.75  # no test passed, and at least three in four timed out, ran out of memory or crashed
NOTHING_SUBMITTED = ("in the submission", "the file is empty", "holds none of the exercise files")


def now() -> str:
    """The current UTC time, as reports record it."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@dataclasses.dataclass
class BatchSettings:
    """What every candidate of a batch is graded with; stored in ``batch.json`` and reused on resume."""

    seed: int
    exercises: list[str]
    batch_id: str = ""  # new on every first run and every --force: records of another id are stale
    bank: str | None = None
    limits: dict[str, float] = dataclasses.field(default_factory=dict)
    grader_version: str = ""
    created_at: str = ""
    submissions: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclasses.dataclass
class CandidateRecord:
    """One candidate's verdict. ``result`` is None only for an infrastructure error."""

    candidate: str  # the entry's name in the submissions folder
    key: str  # its file-system-safe name in the results folder
    kind: str  # folder, file, zip, or what else it was
    status: Status
    seed: int
    exercises: list[str]
    batch_id: str = ""
    message: str = ""
    detail: str = ""  # a grader fault's traceback, for the grader's maintainers
    sandbox: str = ""
    started_at: str = ""
    duration: float = 0.0
    result: SubmissionResult | None = None
    sources: dict[str, str] = dataclasses.field(default_factory=dict)  # file name -> the graded text

    def to_dict(self) -> dict[str, Any]:
        """Everything but the result and the sources, which have their own files."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in UNSTORED}
        return {"schema_version": SCHEMA_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any], result: SubmissionResult | None,
                  sources: dict[str, str] | None = None) -> CandidateRecord:
        names = {f.name for f in dataclasses.fields(cls)} - UNSTORED
        fields = {k: v for k, v in data.items() if k in names}
        return cls(**{**fields, "status": Status(str(fields.get("status")))}, result=result, sources=sources or {})

    def brief(self) -> dict[str, Any]:
        """What the progress display needs: small, and cheap to send between processes."""
        result = self.result
        return {
            "candidate": self.candidate, "status": self.status, "message": self.message,
            "score": result.score if result else None, "max_score": result.max_score if result else None,
            "percent": round(result.percent, 2) if result else None, "duration": self.duration,
        }


UNSTORED = {"result", "sources"}


@dataclasses.dataclass
class Row:
    """One candidate in the summary; ``record`` is None while it is pending."""

    candidate: str
    key: str
    kind: str
    record: CandidateRecord | None
    rank: int | None = None
    name: str = ""  # as people read it: the entry's name without .py or .zip (unless two would clash)
    decision: Decision | None = None  # the reviewers' row of decisions.csv

    def __post_init__(self) -> None:
        self.name = self.name or self.candidate

    @property
    def sources(self) -> dict[str, str]:
        return self.record.sources if self.record else {}

    @property
    def status(self) -> Status:
        return self.record.status if self.record else Status.PENDING

    @property
    def result(self) -> SubmissionResult | None:
        return self.record.result if self.record else None

    @property
    def message(self) -> str:
        return self.record.message if self.record else "not graded yet"

    @property
    def percent(self) -> float | None:
        return self.result.percent if self.result else None

    def points(self, slug: str) -> float | None:
        """Points on one exercise, or None when there is no result."""
        result = self.result
        if result is None:
            return None
        return next((e.score for e in result.exercises if e.slug == slug), 0.0)


@dataclasses.dataclass
class TestStat:
    """How one hidden test went across the graded candidates."""

    __test__ = False  # a model, not a test class: pytest must not collect it when a test imports it

    exercise: str
    name: str
    description: str
    max_points: float
    graded: int = 0
    passed: int = 0
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None

    @property
    def flag(self) -> str:
        """A hint for the bank's authors when a test separates nobody."""
        if not self.graded or self.graded < 3:
            return ""
        if self.passed == 0:
            return "nobody passes: too hard, or broken?"
        if self.passed == self.graded:
            return "everybody passes"
        return ""


@dataclasses.dataclass
class BatchSummary:
    """Every candidate's row, ranked, with the batch's settings: what summary files are written from."""

    settings: BatchSettings
    exercises: list[Exercise]
    rows: list[Row]
    generated_at: str = dataclasses.field(default_factory=now)
    interrupted: bool = False
    interview: InterviewPanel | None = None  # the interviews' scorecards (grader batch --scorecards)
    similarity: SimilarityReport | None = None  # pairs of candidates whose code is alike
    decisions: DecisionSheet | None = None  # the reviewers' decisions.csv
    _stubs: dict[str, str] | None = dataclasses.field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        for row, name in zip(self.rows, display_names([r.candidate for r in self.rows]), strict=True):
            row.name = name
        self.rows = rank(self.rows)

    def add_decisions(self, sheet: DecisionSheet) -> None:
        """Attach each candidate's row of the reviewers' sheet."""
        self.decisions = sheet
        for row in self.rows:
            row.decision = sheet.find(row.key, [row.name, row.candidate])

    def _row_extras(self, row: Row) -> dict[str, Any]:
        result = row.result
        extras: dict[str, Any] = {"name": row.name, "verdict": self.verdict(row)}
        if result is not None:
            extras["exercise_verdicts"] = {e.slug: self.exercise_verdict(row, e) for e in result.exercises}
        if row.decision is not None:
            extras["decision"] = row.decision.to_dict()
        return extras

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def verdict(self, row: Row) -> Verdict:
        """What the reports call the candidate: see :class:`Verdict`."""
        if row.record is None:
            return Verdict.PENDING
        if row.status is Status.INFRASTRUCTURE_ERROR:
            return Verdict.INFRASTRUCTURE_ERROR
        result = row.result
        if result is None or not result.exercises:
            return Verdict.INVALID
        verdicts = {self.exercise_verdict(row, e) for e in result.exercises}
        if verdicts == {Verdict.NOT_ATTEMPTED}:
            return Verdict.NOT_ATTEMPTED
        if row.status is Status.INVALID:  # a file that is not text still "does not load"; a refused archive is invalid
            files = all(e.submitted_file for e in result.exercises if e.load_error)
            return Verdict.DOES_NOT_LOAD if verdicts == {Verdict.DOES_NOT_LOAD} and files else Verdict.INVALID
        attempted = verdicts - {Verdict.NOT_ATTEMPTED}
        return attempted.pop() if len(attempted) == 1 else Verdict.GRADED

    def exercise_verdict(self, row: Row, exercise: ExerciseResult) -> Verdict:
        """What the reports call one exercise of a candidate."""
        source = row.sources.get(self.file_of(exercise.slug))
        if exercise.load_error:
            missing = any(words in exercise.load_error for words in NOTHING_SUBMITTED)
            return Verdict.NOT_ATTEMPTED if missing else Verdict.DOES_NOT_LOAD
        stub = self.stubs().get(exercise.slug)
        if source is not None and stub is not None and _code_lines(source) == _code_lines(stub):
            return Verdict.NOT_ATTEMPTED
        outcomes = [t.outcome for t in exercise.tests]
        if outcomes and set(outcomes) == {Outcome.NOT_IMPLEMENTED}:
            return Verdict.NOT_ATTEMPTED
        stopped = sum(o in STOPPED for o in outcomes)
        if outcomes and Outcome.PASSED not in outcomes and stopped >= STOPPED_SHARE * len(outcomes):
            return Verdict.TIMED_OUT
        return Verdict.GRADED

    def stubs(self) -> dict[str, str]:
        """Each exercise's stub text (read once; an exercise without a readable stub is left out)."""
        if self._stubs is None:
            self._stubs = {}
            for exercise in self.exercises:
                try:
                    self._stubs[exercise.slug] = exercise.stub.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    pass
        return self._stubs

    def file_of(self, slug: str) -> str:
        """The file name the bank gives an exercise (`tfidf.py`)."""
        return next((e.file for e in self.exercises if e.slug == slug), f"{slug}.py")

    def add_interviews(self, scorecards: ScorecardSet, weights: Weights | None) -> None:
        """Merge the interviews' scorecards into the summary; with weights, rank by the combined score."""
        refs = [CandidateRef(r.name, r.key, (r.percent or 0.0) if r.status.final else None)
                for r in self.rows]
        panel = self.interview = build_panel(scorecards, refs, weights)
        if weights is not None:
            self.rows = rank(self.rows, score=lambda row: panel.combined(row.key))

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)

    def counts(self) -> dict[Status, int]:
        """How many candidates are in each status."""
        found = dict.fromkeys(Status, 0)
        for row in self.rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found

    def sandboxes(self) -> list[str]:
        """The sandboxes that graded this batch (more than one means a mixed batch: worth a look)."""
        return sorted({row.result.sandbox for row in self.rows if row.result and row.status is Status.GRADED})

    def distribution(self, slug: str | None = None) -> list[int]:
        """How many graded candidates scored in each tenth of one exercise's points (None: the total)."""
        bins = [0] * BINS
        for row in self.rows:
            scored = row.result if slug is None else _exercise_result(row, slug)
            if row.status is Status.GRADED and scored is not None:
                bins[min(int(scored.percent // (100 / BINS)), BINS - 1)] += 1
        return bins

    def test_stats(self) -> list[TestStat]:
        """Each hidden test's pass rate over the graded candidates, in the bank's order."""
        stats: dict[tuple[str, str], TestStat] = {}
        for row in self.rows:
            if row.status is not Status.GRADED or row.result is None:
                continue
            for exercise in row.result.exercises:
                for test in exercise.tests:
                    stat = stats.setdefault((exercise.slug, test.name), TestStat(
                        exercise.slug, test.name, test.description, test.max_points))
                    stat.graded += 1
                    stat.passed += test.outcome is Outcome.PASSED
                    stat.outcomes[test.outcome.value] = stat.outcomes.get(test.outcome.value, 0) + 1
        return list(stats.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``summary.json``."""
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "batch": {**self.settings.to_dict(), "generated_at": self.generated_at,
                      "interrupted": self.interrupted, "counts": self.counts(), "sandboxes": self.sandboxes()},
            "exercises": [{"slug": e.slug, "title": e.title, "points": e.points} for e in self.exercises],
            "candidates": [_row_dict(row, self.exercises) | self._row_extras(row) for row in self.rows],
            "tests": [_stat_dict(stat) for stat in self.test_stats()],
        }
        if self.similarity is not None:
            data["similarity"] = self.similarity.to_dict()
        if self.decisions is not None:
            data["decision_problems"] = list(self.decisions.problems)
        if self.interview is not None:  # grader.interview: the panel's data, and each candidate's
            data["interview"] = self.interview.to_dict()
            for row, entry in zip(self.rows, data["candidates"], strict=True):
                entry["interview"] = self.interview.candidate_dict(row.key)
        return data


def rank(rows: Iterable[Row], score: Callable[[Row], float | None] | None = None) -> list[Row]:
    """Best first by ``score`` (default: the coding percent); equal scores share a rank (1, 2, 2, 4).

    Errors, pending rows and rows whose score is None come last, unranked.
    """
    measure = score or (lambda r: r.percent or 0.0)
    scored = [(measure(row), row) for row in rows]
    ranked = sorted(((value, row) for value, row in scored if row.status.final and value is not None),
                    key=lambda pair: (-pair[0], pair[1].name, pair[1].candidate))
    rest = sorted((row for value, row in scored if not row.status.final or value is None),
                  key=lambda r: (r.name, r.candidate))
    previous: float | None = None
    for position, (value, row) in enumerate(ranked, start=1):
        rounded = round(value, 6)
        row.rank = position if rounded != previous else ranked[position - 2][1].rank
        previous = rounded
    for row in rest:
        row.rank = None
    return [row for _, row in ranked] + rest


def display_names(candidates: list[str]) -> list[str]:
    """Each candidate as people read it: without ``.py`` or ``.zip``, unless two would then clash."""
    stripped = [_without_suffix(c) for c in candidates]
    taken: dict[str, int] = {}
    for name in stripped + [c for c, s in zip(candidates, stripped, strict=True) if c == s]:
        taken[name] = taken.get(name, 0) + 1
    return [s if taken[s] == 1 else c for c, s in zip(candidates, stripped, strict=True)]


def _without_suffix(name: str) -> str:
    for suffix in (".py", ".zip"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _code_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").splitlines() if line.strip()]


def _exercise_result(row: Row, slug: str) -> Any:
    result = row.result
    return next((e for e in result.exercises if e.slug == slug), None) if result else None


def _row_dict(row: Row, exercises: list[Exercise]) -> dict[str, Any]:
    record, result = row.record, row.result
    return {
        "rank": row.rank, "candidate": row.candidate, "key": row.key, "kind": row.kind,
        "status": row.status, "message": row.message,
        "points": {e.slug: row.points(e.slug) for e in exercises},
        "score": result.score if result else None,
        "max_score": result.max_score if result else None,
        "percent": round(result.percent, 2) if result else None,
        "sandbox": result.sandbox if result else (record.sandbox if record else ""),
        "seed": record.seed if record else None,
        "duration": record.duration if record else None,
        "files": {"json": f"candidates/{row.key}/result.json", "junit": f"candidates/{row.key}/junit.xml"}
        if result else {},
    }


def _stat_dict(stat: TestStat) -> dict[str, Any]:
    data = dataclasses.asdict(stat)
    data.update(pass_rate=None if stat.pass_rate is None else round(stat.pass_rate, 4), flag=stat.flag)
    return data
