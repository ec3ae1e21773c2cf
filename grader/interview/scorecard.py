"""Scorecards: one TOML file per interviewer and candidate, ``<folder>/<candidate>/<interviewer>.toml``.

::

    candidate = "alice"              optional; when given, must match the folder's name
    interviewer = "priya"            optional; when given, must match the file's name
    date = "2025-03-14"              optional
    recommendation = "hire"          strong-no-hire | no-hire | hire | strong-hire
    notes = "..."                    optional overall notes

    [questions.basic-2-stemming]     one table per question asked (ids: `grader interview list`)
    level = 3                        1, 2, 3 or 4, as the rubric describes
    evidence = "..."                 what the candidate said or did; required for a 1 or a 4

A scorecard with any problem is left out whole, and every problem is listed with its file and
field (:class:`Problem`): an unknown question, a level out of range, a 1 or a 4 without
evidence, an unknown recommendation, a TOML syntax error... Loading never raises on a scorecard.
People score; this module only checks and collects what they wrote.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.errors import ScorecardsError
from grader.interview.rubric import LEVELS, Rubric, suggestion

RECOMMENDATIONS = ("strong-no-hire", "no-hire", "hire", "strong-hire")
EVIDENCE_REQUIRED = (1, 4)
MAX_BYTES = 256 * 1024
FIELDS = ("candidate", "interviewer", "date", "recommendation", "notes", "questions")
MARK_FIELDS = ("level", "evidence")


@dataclasses.dataclass(frozen=True)
class Mark:
    """One interviewer's level for one question, with the evidence behind it."""

    question: str
    level: int
    evidence: str


@dataclasses.dataclass(frozen=True)
class Scorecard:
    """One interviewer's valid scorecard for one candidate."""

    file: str  # as shown to people: <folder name>/<candidate>/<interviewer>.toml
    candidate: str
    interviewer: str
    recommendation: str
    marks: tuple[Mark, ...]
    notes: str = ""
    date: str = ""


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a scorecard (or a folder of them) was left out: its file, the field, and what to do."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ScorecardSet:
    """A scorecards folder, read: the valid scorecards, the problems, and the rubrics they were checked with."""

    folder: Path
    rubrics: Mapping[str, Rubric]
    scorecards: list[Scorecard]
    problems: list[Problem]
    files: int  # scorecard files looked at, valid or not

    @property
    def invalid_files(self) -> list[str]:
        return sorted({p.file for p in self.problems if p.file.endswith(".toml")})

    def by_candidate(self) -> dict[str, list[Scorecard]]:
        """The valid scorecards of each candidate folder, in name order."""
        found: dict[str, list[Scorecard]] = {}
        for card in self.scorecards:
            found.setdefault(card.candidate, []).append(card)
        return dict(sorted(found.items()))


def load_scorecards(folder: Path, rubrics: Mapping[str, Rubric]) -> ScorecardSet:
    """Read every ``<candidate>/<interviewer>.toml`` of ``folder``; hidden and non-TOML files are skipped."""
    if not folder.is_dir():
        raise ScorecardsError(f"{folder} is not a folder of scorecards")
    cards: list[Scorecard] = []
    problems: list[Problem] = []
    files = 0
    name = folder.resolve().name
    for entry in sorted(folder.iterdir()):
        shown = f"{name}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".toml":
            files += 1
            problems.append(Problem(shown, "", "a scorecard belongs in a folder per candidate: "
                                    f"{name}/<candidate>/{entry.name}"))
        elif entry.is_dir():
            for path in sorted(entry.glob("*.toml")):
                if path.name.startswith(".") or not path.is_file():
                    continue
                files += 1
                card, found = read_scorecard(path, f"{shown}/{path.name}", rubrics)
                problems += found
                if card is not None:
                    cards.append(card)
    return ScorecardSet(folder, rubrics, cards, problems, files)


def read_scorecard(path: Path, shown: str, rubrics: Mapping[str, Rubric]) -> tuple[Scorecard | None, list[Problem]]:
    """One scorecard, or None and its problems. The folder names the candidate, the file the interviewer."""
    data, problem = _parse(path, shown)
    if data is None:
        return None, [problem] if problem else []
    if data and not set(data) & set(FIELDS):  # a rubric, a config file...: one line, not one per field
        return None, [Problem(shown, "", f"not a scorecard: none of its fields is one of {', '.join(FIELDS)}")]
    checker = _Checker(shown, rubrics)
    card = checker.scorecard(data, candidate=path.parent.name, interviewer=path.stem)
    return (None if checker.problems else card), checker.problems


def template(questions: Sequence[Rubric], candidate: str = "", interviewer: str = "") -> str:
    """A blank scorecard for ``questions``, to fill in by hand (every level starts at 0: not scored)."""
    lines = [
        "# nlp-grader interview scorecard: one interviewer, one candidate.",
        "# Save it as scorecards/<candidate>/<interviewer>.toml: the folder names the candidate, the file",
        "# names the interviewer. Check it with:  grader interview check scorecards/",
        "#",
        "# For every question you asked: a level from 1 to 4, as the guide's rubric describes, and the",
        "# evidence: what the candidate said or did, not impressions. Evidence is required for a 1 or a 4.",
        "# Delete the block of a question you did not ask. Score alone, before talking with the other",
        "# interviewers: the batch report flags questions where interviewers differ by 2 levels or more.",
        "# Nothing here is scored automatically: the grader checks and collects your judgement.",
        "",
        f"candidate = {_toml_string(candidate)}",
        f"interviewer = {_toml_string(interviewer)}",
        'date = ""  # e.g. "2025-03-14"',
        f'recommendation = ""  # {", ".join(RECOMMENDATIONS)}',
        'notes = """',
        '"""',
    ]
    for rubric in questions:
        lines += [
            "",
            f"[questions.{rubric.id}]",
            f"# {rubric.title} ({rubric.short_id}, {rubric.minutes} min)",
            "level = 0  # 1, 2, 3 or 4",
            'evidence = """',
            '"""',
        ]
    return "\n".join(lines) + "\n"


def normalise_recommendation(value: str) -> str:
    """``Strong hire`` and ``strong_hire`` are ``strong-hire``: people type these by hand."""
    return "-".join(value.strip().lower().replace("_", " ").replace("-", " ").split())


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _parse(path: Path, shown: str) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, Problem(shown, "", f"larger than {MAX_BYTES // 1024} KiB: is this really a scorecard?")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None, Problem(shown, "", "not UTF-8 text: save it as UTF-8")
    except OSError as exc:
        return None, Problem(shown, "", f"cannot be read: {exc.strerror or exc}")
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, Problem(shown, "", f"not valid TOML: {exc}. Text needs quotes (recommendation = \"hire\"); "
                                        "several lines need triple quotes (evidence = \"\"\"...\"\"\")")


class _Checker:
    """Checks one scorecard's fields, noting every problem instead of stopping at the first."""

    def __init__(self, shown: str, rubrics: Mapping[str, Rubric]) -> None:
        self.shown, self.rubrics = shown, rubrics
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.shown, field, message))

    def scorecard(self, data: dict[str, Any], candidate: str, interviewer: str) -> Scorecard:
        for key in sorted(set(data) - set(FIELDS)):
            self.problem(key, f"unknown field{_close(key, FIELDS)}; a scorecard has {', '.join(FIELDS)}")
        self.same_name(data, "candidate", candidate, "folder")
        self.same_name(data, "interviewer", interviewer, "file")
        return Scorecard(
            file=self.shown, candidate=candidate, interviewer=interviewer,
            recommendation=self.recommendation(data.get("recommendation")), marks=self.marks(data.get("questions")),
            notes=self.optional_text(data, "notes"), date=self.date(data.get("date")),
        )

    def same_name(self, data: dict[str, Any], key: str, expected: str, where: str) -> None:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.problem(key, "must be text")
        elif value.strip() and value.strip() != expected:
            self.problem(key, f"says '{value.strip()}' but the {where} is named '{expected}': a scorecard copied "
                              f"from another {key}? Fix the {key} or move the file")

    def recommendation(self, value: Any) -> str:
        known = ", ".join(RECOMMENDATIONS)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem("recommendation", f"missing: give your overall recommendation, one of {known}")
            return ""
        if not isinstance(value, str):
            self.problem("recommendation", f"must be text in quotes, one of {known}")
            return ""
        normal = normalise_recommendation(value)
        if normal not in RECOMMENDATIONS:
            self.problem("recommendation", f"'{value}' is not a recommendation{_close(normal, RECOMMENDATIONS)}; "
                                           f"use one of {known}")
        return normal

    def marks(self, table: Any) -> tuple[Mark, ...]:
        if not isinstance(table, dict) or not table:
            self.problem("questions", "no question scored: add a [questions.<id>] block with level and evidence "
                                      "for each question you asked")
            return ()
        marks = []
        for question, value in table.items():
            mark = self.mark(question, value)
            if mark is not None:
                marks.append(mark)
        return tuple(marks)

    def mark(self, question: str, value: Any) -> Mark | None:
        field = f"questions.{question}"
        known = question in self.rubrics
        if not known:
            self.problem(field, f"unknown question '{question}'{suggestion(question, self.rubrics)}; "
                                "`grader interview list` shows every id")
        if not isinstance(value, dict):
            self.problem(field, "must be a block with a level and evidence: "
                                f"[questions.{question}], then level = 3 and evidence = \"...\"")
            return None
        for key in sorted(set(value) - set(MARK_FIELDS)):
            self.problem(f"{field}.{key}", f"unknown field{_close(key, MARK_FIELDS)}; a question has level and "
                                           "evidence")
        level = self.level(field, value.get("level"))
        evidence = self.optional_text(value, "evidence", field)
        if level in EVIDENCE_REQUIRED and not evidence:
            self.problem(f"{field}.evidence", f"missing: a level {level} needs evidence, what the candidate said "
                                              "or did that places the answer there")
        return Mark(question, level, evidence) if level and known else None

    def level(self, field: str, value: Any) -> int:
        field += ".level"
        if value is None:
            self.problem(field, "missing: give 1, 2, 3 or 4")
        elif isinstance(value, str):
            self.problem(field, f"must be a number without quotes (level = 3), not the text {value!r}")
        elif isinstance(value, float) and not isinstance(value, bool):
            self.problem(field, f"{value:g} is not a whole level: levels are 1, 2, 3 or 4; when torn between two, "
                                "take the lower and note what was missing for the higher")
        elif not isinstance(value, int) or isinstance(value, bool):
            self.problem(field, "must be 1, 2, 3 or 4")
        elif value == 0:
            self.problem(field, "0 (not filled in): give 1, 2, 3 or 4, or delete this question's block if you "
                                "did not ask it")
        elif value not in LEVELS:
            self.problem(field, f"{value} is out of range: levels are 1, 2, 3 or 4")
        else:
            return value
        return 0

    def optional_text(self, data: dict[str, Any], key: str, prefix: str = "") -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.problem(f"{prefix}.{key}" if prefix else key, "must be text in quotes")
            return ""
        return value.strip()

    def date(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str | datetime.date):
            return str(value).strip()
        self.problem("date", "must be a date (2025-03-14) or text")
        return ""


def _close(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
