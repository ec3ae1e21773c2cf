"""Interview rubrics: one TOML file per question, in the bank's ``interview/`` folder.

The format is documented in ``docs/interview.md``::

    id = "basic-2-stemming"          <section>-<number>-<words>, the file's name without .toml
    title, question                  text; the question as interviewers read it aloud
    section                          basic | intermediate | advanced | behavioural
    minutes                          the time to plan for it (1-60)
    probes, follow_ups, red_flags    non-empty lists of text
    related_exercise                 optional: an exercise slug, or a list of them
    note                             optional: what the interviewer must know before asking
    [levels] 1, 2, 3, 4              what an answer at each level contains
    [structure]                      behavioural questions only: situation, action, result,
                                     reflection (what to listen for in each)

The rubrics of the bundled bank live in ``<project>/interview``; a private bank passed with
``--bank DIR`` keeps its own in ``DIR/../interview``, as it keeps its references.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from grader.bank import DEFAULT_BANK
from grader.errors import QuestionNotFound, RubricError

SECTIONS = ("basic", "intermediate", "advanced", "behavioural")
LEVELS = (1, 2, 3, 4)
STRUCTURE = ("situation", "action", "result", "reflection")
ID_PATTERN = re.compile(r"^(basic|intermediate|advanced|behavioural)-([1-9][0-9]?)-[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("id", "title", "section", "minutes", "question", "probes", "follow_ups", "red_flags", "levels")
OPTIONAL = ("related_exercise", "note", "structure")


@dataclasses.dataclass(frozen=True)
class Rubric:
    """One question's rubric, as its TOML file describes it."""

    id: str
    title: str
    section: str
    number: int
    minutes: int
    question: str
    probes: tuple[str, ...]
    levels: tuple[str, str, str, str]  # what a 1, 2, 3 and 4 answer contains
    follow_ups: tuple[str, ...]
    red_flags: tuple[str, ...]
    related_exercises: tuple[str, ...] = ()
    note: str = ""
    structure: tuple[tuple[str, str], ...] = ()  # (part, what to listen for); behavioural only

    @property
    def short_id(self) -> str:
        """``basic-2``: the section and the number, as the interview's question list names it."""
        return f"{self.section}-{self.number}"

    @property
    def behavioural(self) -> bool:
        return self.section == "behavioural"

    def level(self, level: int) -> str:
        """What an answer at ``level`` (1-4) contains."""
        return self.levels[level - 1]


def rubric_dir(bank: Path | None = None) -> Path:
    """Where a bank's rubrics live: ``<bank>/../interview`` (the bundled bank's by default)."""
    return (Path(bank) if bank else DEFAULT_BANK).resolve().parent / "interview"


def load_rubrics(folder: Path) -> dict[str, Rubric]:
    """Every rubric of ``folder``, by id, in the interview's order; every problem in one RubricError."""
    if not folder.is_dir():
        raise RubricError(f"no interview rubrics at {folder} (a bank keeps them in <bank>/../interview)")
    rubrics: list[Rubric] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        rubric, found = _load_rubric(path)
        problems += found
        if rubric is not None:
            rubrics.append(rubric)
    problems += _duplicates(rubrics)
    if problems:
        raise RubricError(f"{len(problems)} problem(s) in the rubrics of {folder}:\n  " + "\n  ".join(problems))
    if not rubrics:
        raise RubricError(f"{folder} holds no rubric (no *.toml)")
    rubrics.sort(key=lambda r: (SECTIONS.index(r.section), r.number))
    return {rubric.id: rubric for rubric in rubrics}


def select_questions(rubrics: Mapping[str, Rubric], wanted: Iterable[str]) -> list[Rubric]:
    """The rubrics named in ``wanted``, in that order, each once.

    Each name is an id (``basic-2-stemming``), a short id (``basic-2``) or a whole section
    (``behavioural``); commas separate several in one argument. An unknown name raises
    QuestionNotFound with the closest ids.
    """
    chosen: dict[str, Rubric] = {}
    unknown: list[str] = []
    for name in (part.strip() for item in wanted for part in item.split(",")):
        if not name:
            continue
        found = _resolve(rubrics, name)
        if not found:
            unknown.append(name)
        chosen.update((rubric.id, rubric) for rubric in found)
    if unknown:
        hints = "; ".join(f"'{name}'{suggestion(name, rubrics)}" for name in unknown)
        raise QuestionNotFound(f"unknown question(s): {hints}. `grader interview list` shows every id")
    return list(chosen.values())


def suggestion(name: str, rubrics: Mapping[str, Rubric]) -> str:
    """`` (did you mean 'basic-2-stemming'?)``, or what a section holds, or nothing when nothing is close."""
    by_short = [r.id for r in rubrics.values()
                if r.short_id == name or r.id.startswith(name + "-") or name in r.id.split("-", 2)[-1].split("-")]
    section = re.match(r"^([a-z]+)-[0-9]+$", name)
    numbers = [r.number for r in rubrics.values() if section and r.section == section.group(1)]
    if not by_short and numbers:
        return f" ({section.group(1) if section else ''} has questions {min(numbers)} to {max(numbers)})"
    close = by_short[:1] or difflib.get_close_matches(name, list(rubrics), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _resolve(rubrics: Mapping[str, Rubric], name: str) -> list[Rubric]:
    if name in rubrics:
        return [rubrics[name]]
    if name in SECTIONS:
        return [r for r in rubrics.values() if r.section == name]
    return [r for r in rubrics.values() if r.short_id == name]


def _duplicates(rubrics: list[Rubric]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for rubric in rubrics:
        if rubric.short_id in seen:
            problems.append(f"{rubric.id}.toml: {rubric.short_id} is also {seen[rubric.short_id]}: "
                            "each question number appears once per section")
        seen[rubric.short_id] = rubric.id
    return problems


def _load_rubric(path: Path) -> tuple[Rubric | None, list[str]]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [f"{path.name}: not a readable TOML file: {exc}"]
    fields = _Fields(path.name, data)
    rubric = fields.rubric(path.stem)
    return (None if fields.problems else rubric), fields.problems


class _Fields:
    """Reads one rubric's fields, noting every problem instead of stopping at the first."""

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name, self.data = name, data
        self.problems: list[str] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(f"{self.name}: {field}: {message}")

    def rubric(self, stem: str) -> Rubric:
        for key in sorted(set(self.data) - set(REQUIRED) - set(OPTIONAL)):
            self.problem(key, f"unknown field (known: {', '.join(REQUIRED + OPTIONAL)})")
        for key in REQUIRED:
            if key not in self.data:
                self.problem(key, "missing")
        rubric_id, section, number = self.identity(stem)
        structure = self.structure(section)
        return Rubric(
            id=rubric_id, title=self.text("title"), section=section, number=number,
            minutes=self.minutes(), question=self.text("question"), probes=self.texts("probes"),
            levels=self.levels(), follow_ups=self.texts("follow_ups"), red_flags=self.texts("red_flags"),
            related_exercises=self.slugs(), note=self.text("note", required=False), structure=structure,
        )

    def identity(self, stem: str) -> tuple[str, str, int]:
        rubric_id, section = self.text("id"), self.text("section")
        match = ID_PATTERN.match(rubric_id)
        if rubric_id and not match:
            self.problem("id", f"'{rubric_id}' is not <section>-<number>-<words> (e.g. basic-2-stemming)")
        if rubric_id and rubric_id != stem:
            self.problem("id", f"'{rubric_id}' differs from the file's name ({stem}.toml)")
        if section and section not in SECTIONS:
            self.problem("section", f"'{section}' is not one of {', '.join(SECTIONS)}")
        elif match and section != match.group(1):
            self.problem("section", f"'{section}' does not match the id's section ({match.group(1)})")
        return rubric_id, section, int(match.group(2)) if match else 0

    def text(self, key: str, required: bool = True) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str) or (required and key in self.data and not value.strip()):
            self.problem(key, "must be non-empty text")
            return ""
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or (key in self.data and not value) or \
                not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(key, "must be a non-empty list of non-empty texts")
            return ()
        return tuple(item.strip() for item in value)

    def minutes(self) -> int:
        value = self.data.get("minutes", 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
            if "minutes" in self.data:
                self.problem("minutes", f"must be a whole number of minutes from 1 to 60, not {value!r}")
            return 0
        return value

    def levels(self) -> tuple[str, str, str, str]:
        table = self.data.get("levels", {})
        if not isinstance(table, dict):
            self.problem("levels", "must be a table: [levels] with 1, 2, 3 and 4")
            return ("", "", "", "")
        extra = sorted(set(table) - {str(n) for n in LEVELS})
        if extra:
            self.problem("levels", f"unknown level(s) {', '.join(extra)}: levels are 1, 2, 3 and 4")
        texts = []
        for level in LEVELS:
            value = table.get(str(level))
            if "levels" in self.data and not (isinstance(value, str) and value.strip()):
                self.problem(f"levels.{level}", "missing: say what an answer at this level contains")
            texts.append(value.strip() if isinstance(value, str) else "")
        return texts[0], texts[1], texts[2], texts[3]

    def slugs(self) -> tuple[str, ...]:
        value = self.data.get("related_exercise", [])
        slugs = [value] if isinstance(value, str) else value
        if not isinstance(slugs, list) or not all(isinstance(s, str) and SLUG_PATTERN.match(s) for s in slugs):
            self.problem("related_exercise", "must be an exercise slug or a list of slugs (e.g. \"tfidf\")")
            return ()
        return tuple(slugs)

    def structure(self, section: str) -> tuple[tuple[str, str], ...]:
        table = self.data.get("structure")
        if section != "behavioural":
            if table is not None:
                self.problem("structure", "only behavioural questions have a [structure]")
            return ()
        if not isinstance(table, dict):
            self.problem("structure", f"behavioural questions need a [structure] table: {', '.join(STRUCTURE)}")
            return ()
        for key in sorted(set(table) - set(STRUCTURE)):
            self.problem(f"structure.{key}", f"unknown part (known: {', '.join(STRUCTURE)})")
        parts = []
        for part in STRUCTURE:
            value = table.get(part)
            if not (isinstance(value, str) and value.strip()):
                self.problem(f"structure.{part}", "missing: say what to listen for")
            parts.append((part, value.strip() if isinstance(value, str) else ""))
        return tuple(parts)
