"""Scorecards merged per candidate, and combined with the coding scores by the hiring team's weights.

Per candidate and question: every interviewer's level and evidence, their mean, and a calibration
flag when two interviewers are ``CALIBRATION_SPREAD`` (2) levels or more apart. A candidate's
interview level is the mean, over the questions asked, of each question's mean level, so that a
question asked by three interviewers weighs as much as one asked by one. It maps onto a
percentage with level 1 at 0% and level 4 at 100%, the same scale as the coding score::

    interview % = (interview level - 1) / 3 * 100
    combined %  = coding weight * coding % + interview weight * interview %   (weights sum to 1)

``--weights coding=0.6,interview=0.4`` sets the weights; they are normalised, so ``coding=3,
interview=2`` means the same. Without weights nothing is combined and the ranking stays the
coding ranking. A candidate without a valid scorecard (or without a coding score) has no combined
score when its weight is above zero: missing is not zero.

Nothing here reads an answer: the levels are people's judgement; this module only adds them up.
The batch calls :func:`build_panel` with plain :class:`CandidateRef` rows, so that it depends on
nothing inside the batch.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.errors import WeightsError
from grader.interview.rubric import Rubric
from grader.interview.scorecard import Problem, Scorecard, ScorecardSet

CALIBRATION_SPREAD = 2
WEIGHT_KEYS = ("coding", "interview")
STRIPPED_SUFFIXES = (".py", ".zip")  # a candidate "alice.py" has its scorecards in scorecards/alice/


@dataclasses.dataclass(frozen=True)
class Weights:
    """How much the coding score and the interview score count in the final ranking (summing to 1)."""

    coding: float
    interview: float

    def describe(self) -> str:
        """``coding 60% + interview 40%``"""
        return f"coding {100 * self.coding:g}% + interview {100 * self.interview:g}%"

    def to_dict(self) -> dict[str, float]:
        return {"coding": round(self.coding, 6), "interview": round(self.interview, 6)}


def parse_weights(text: str) -> Weights:
    """``coding=0.6,interview=0.4`` (normalised to sum to 1; a key left out weighs 0)."""
    given: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, raw = (s.strip() for s in part.partition("="))
        if not sep or key not in WEIGHT_KEYS:
            raise WeightsError(f"'{part}' is not KEY=NUMBER with KEY one of {', '.join(WEIGHT_KEYS)} "
                               "(e.g. coding=0.6,interview=0.4)")
        if key in given:
            raise WeightsError(f"{key} is given twice")
        try:
            value = float(raw)
        except ValueError:
            raise WeightsError(f"{key}={raw}: not a number") from None
        if not math.isfinite(value) or value < 0:
            raise WeightsError(f"{key}={raw}: a weight is a finite number, 0 or more")
        given[key] = value
    total = sum(given.values())
    if total <= 0:
        raise WeightsError("the weights add up to 0: give at least one positive weight (e.g. coding=0.6,interview=0.4)")
    return Weights(given.get("coding", 0.0) / total, given.get("interview", 0.0) / total)


@dataclasses.dataclass(frozen=True)
class Rating:
    """One interviewer's level for one question, and their evidence."""

    interviewer: str
    level: int
    evidence: str


@dataclasses.dataclass
class QuestionScore:
    """One question of one candidate, across interviewers."""

    rubric: Rubric
    ratings: list[Rating]

    @property
    def mean(self) -> float:
        return statistics.fmean(r.level for r in self.ratings)

    @property
    def spread(self) -> int:
        levels = [r.level for r in self.ratings]
        return max(levels) - min(levels)

    @property
    def needs_calibration(self) -> bool:
        """Two interviewers are 2 levels or more apart: talk it through before deciding."""
        return self.spread >= CALIBRATION_SPREAD

    def levels_text(self) -> str:
        """``priya 3, sam 4``"""
        return ", ".join(f"{r.interviewer} {r.level}" for r in self.ratings)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.rubric.id, "title": self.rubric.title, "mean": round(self.mean, 4),
                "spread": self.spread, "calibrate": self.needs_calibration,
                "ratings": [dataclasses.asdict(r) for r in self.ratings]}


@dataclasses.dataclass(frozen=True)
class Opinion:
    """One interviewer's overall recommendation for a candidate."""

    interviewer: str
    recommendation: str
    notes: str
    date: str
    file: str


@dataclasses.dataclass
class CandidateInterview:
    """A candidate's interview: every question asked, every interviewer's recommendation."""

    name: str  # the scorecards folder's name
    questions: list[QuestionScore]  # in the interview's order
    opinions: list[Opinion]

    @property
    def level(self) -> float:
        """The mean over questions of each question's mean level (1-4)."""
        return statistics.fmean(q.mean for q in self.questions)

    @property
    def percent(self) -> float:
        """The interview level on the coding score's scale: 1 is 0%, 4 is 100%."""
        return (self.level - 1) / 3 * 100

    @property
    def flagged(self) -> list[QuestionScore]:
        return [q for q in self.questions if q.needs_calibration]

    @property
    def interviewers(self) -> list[str]:
        return [o.interviewer for o in self.opinions]

    def question(self, question_id: str) -> QuestionScore | None:
        return next((q for q in self.questions if q.rubric.id == question_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"scorecards_folder": self.name, "level": round(self.level, 4), "percent": round(self.percent, 2),
                "interviewers": self.interviewers, "calibrate": [q.rubric.id for q in self.flagged],
                "questions": [q.to_dict() for q in self.questions],
                "recommendations": [dataclasses.asdict(o) for o in self.opinions]}


def merge(cards: Sequence[Scorecard], rubrics: Mapping[str, Rubric]) -> CandidateInterview:
    """One candidate's valid scorecards, merged question by question."""
    ratings: dict[str, list[Rating]] = {}
    for card in sorted(cards, key=lambda c: c.interviewer):
        for mark in card.marks:
            ratings.setdefault(mark.question, []).append(Rating(card.interviewer, mark.level, mark.evidence))
    questions = [QuestionScore(rubric, ratings[rubric.id]) for rubric in rubrics.values() if rubric.id in ratings]
    opinions = [Opinion(c.interviewer, c.recommendation, c.notes, c.date, c.file)
                for c in sorted(cards, key=lambda c: c.interviewer)]
    return CandidateInterview(cards[0].candidate, questions, opinions)


def merge_all(scorecards: ScorecardSet) -> dict[str, CandidateInterview]:
    """Every candidate folder with at least one valid scorecard, merged, by folder name."""
    return {name: merge(cards, scorecards.rubrics) for name, cards in scorecards.by_candidate().items()}


@dataclasses.dataclass(frozen=True)
class CandidateRef:
    """A candidate of the batch, as the panel needs it: no batch type leaks in."""

    name: str  # the entry's name in the submissions folder (alice, alice.py, alice.zip)
    key: str  # its results folder name
    coding_percent: float | None  # None when it has no ranked coding score (pending, grader error)


@dataclasses.dataclass
class InterviewPanel:
    """The scorecards of a batch, matched to its candidates and combined with their coding scores."""

    folder: Path
    rubrics: Mapping[str, Rubric]
    weights: Weights | None
    interviews: dict[str, CandidateInterview]  # by candidate key
    coding: dict[str, float | None]  # by candidate key
    names: dict[str, str]  # candidate key: the candidate's name
    problems: list[Problem]  # invalid scorecards, and folders that match no candidate
    files: int
    used: int  # valid scorecards matched to a candidate

    @property
    def questions(self) -> list[Rubric]:
        """The questions scored for at least one candidate, in the interview's order."""
        asked = {q.rubric.id for interview in self.interviews.values() for q in interview.questions}
        return [rubric for rubric in self.rubrics.values() if rubric.id in asked]

    def interview(self, key: str) -> CandidateInterview | None:
        return self.interviews.get(key)

    def combined(self, key: str) -> float | None:
        """The combined percentage; None without weights, or when a part that counts is missing."""
        weights, interview, coding = self.weights, self.interviews.get(key), self.coding.get(key)
        if weights is None or (weights.coding > 0 and coding is None) or (weights.interview > 0 and interview is None):
            return None
        return weights.coding * (coding or 0.0) + weights.interview * (interview.percent if interview else 0.0)

    def flagged(self) -> list[tuple[str, QuestionScore]]:
        """(candidate key, question) for every question that needs calibration."""
        return [(key, q) for key, interview in sorted(self.interviews.items()) for q in interview.flagged]

    def to_dict(self) -> dict[str, Any]:
        """The batch-level part of summary.json."""
        return {
            "scorecards": str(self.folder), "files": self.files, "used": self.used,
            "weights": self.weights.to_dict() if self.weights else None,
            "ranking": self.weights.describe() if self.weights else "coding score only (no --weights)",
            "calibration_spread": CALIBRATION_SPREAD,
            "questions": [{"id": r.id, "title": r.title, "section": r.section} for r in self.questions],
            "problems": [p.to_dict() for p in self.problems],
        }

    def candidate_dict(self, key: str) -> dict[str, Any] | None:
        """A candidate's part of summary.json (None: no valid scorecard)."""
        interview = self.interviews.get(key)
        if interview is None:
            return None
        combined = self.combined(key)
        return {**interview.to_dict(), "combined_percent": None if combined is None else round(combined, 2)}


def build_panel(scorecards: ScorecardSet, candidates: Sequence[CandidateRef],
                weights: Weights | None = None) -> InterviewPanel:
    """Match each scorecards folder to one candidate of the batch, merge, and combine."""
    problems = list(scorecards.problems)
    interviews: dict[str, CandidateInterview] = {}
    used = 0
    for name, cards in scorecards.by_candidate().items():
        matches = match_candidate(name, candidates)
        folder = f"{scorecards.folder.resolve().name}/{name}/"
        if len(matches) == 1:
            interviews[matches[0].key] = merge(cards, scorecards.rubrics)
            used += len(cards)
        elif matches:
            problems.append(Problem(folder, "", f"matches several candidates ({', '.join(c.name for c in matches)}): "
                                                "name the folder exactly after one of them"))
        else:
            problems.append(Problem(folder, "", f"no candidate '{name}' in this batch: its "
                                                f"{len(cards)} scorecard(s) are not used"))
    coding = {c.key: c.coding_percent for c in candidates}
    names = {c.key: c.name for c in candidates}
    return InterviewPanel(scorecards.folder, scorecards.rubrics, weights, interviews, coding, names, problems,
                          scorecards.files, used)


def match_candidate(folder: str, candidates: Sequence[CandidateRef]) -> list[CandidateRef]:
    """The candidates a scorecards folder names: by exact name first, then by key, then without .py/.zip."""
    for names in (lambda c: {c.name}, lambda c: {c.key}, lambda c: {_stem(c.name)}):
        found = [c for c in candidates if folder in names(c)]
        if found:
            return found
    return []


def _stem(name: str) -> str:
    for suffix in STRIPPED_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
