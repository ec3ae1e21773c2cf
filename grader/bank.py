"""The exercise bank: one folder per exercise, described by ``exercise.toml``.

The layout is documented in ``docs/authoring-exercises.md``. A bank is any folder of exercise
folders; its reference solutions live in ``reference/`` next to it (``<bank>/../reference``).
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from grader.errors import BankError, LimitError, UnknownExercise
from grader.limits import Limits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BANK = PROJECT_ROOT / "exercises"


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise folder, as its ``exercise.toml`` describes it."""

    slug: str
    root: Path
    title: str
    interview_question: str  # the interview question the exercise comes from
    file: str
    parts: tuple[str, ...]
    points: float
    suggested_minutes: int
    limits: dict[str, float]
    forbidden: tuple[str, ...] = ()  # dotted names of APIs a submission must not use (grader.judge.forbidden)

    @property
    def hidden_tests(self) -> Path:
        return self.root / "tests" / "hidden"

    @property
    def public_tests(self) -> Path:
        return self.root / "tests" / "public"

    @property
    def wrong_variants(self) -> list[Path]:
        return sorted((self.root / "tests" / "wrong").glob("*.py"))

    @property
    def stub(self) -> Path:
        return self.root / "stub.py"

    @property
    def statement(self) -> Path:
        return self.root / "README.md"

    @property
    def probes(self) -> Path | None:
        path = self.root / "probes.py"
        return path if path.is_file() else None

    @property
    def reference(self) -> Path:
        return self.root.parent.parent / "reference" / f"{self.slug}.py"


def load_bank(bank: Path | None = None) -> dict[str, Exercise]:
    """Every exercise in the bank, by slug, in name order."""
    root = Path(bank) if bank else DEFAULT_BANK
    if not root.is_dir():
        raise BankError(f"no exercise bank at {root}")
    exercises = {}
    for toml_path in sorted(root.glob("*/exercise.toml")):
        exercise = _load_exercise(toml_path)
        exercises[exercise.slug] = exercise
    if not exercises:
        raise BankError(f"{root} holds no exercise (no */exercise.toml)")
    return exercises


def secret_paths(bank: Path | None = None) -> list[Path]:
    """Folders a sandbox must never see: the bank (hidden tests), the references, our own tests."""
    root = Path(bank) if bank else DEFAULT_BANK
    paths = [root, root.parent / "reference", DEFAULT_BANK, PROJECT_ROOT / "reference", PROJECT_ROOT / "tests"]
    return list(dict.fromkeys(p.resolve() for p in paths))


def select(bank: dict[str, Exercise], slugs: tuple[str, ...] | list[str]) -> list[Exercise]:
    """The named exercises, or all of them; an unknown name is a clear error."""
    if not slugs:
        return list(bank.values())
    unknown = [s for s in slugs if s not in bank]
    if unknown:
        raise UnknownExercise(f"unknown exercise(s): {', '.join(unknown)}; known: {', '.join(bank)}")
    return [bank[s] for s in slugs]


def _load_exercise(path: Path) -> Exercise:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: {exc}") from None
    slug = path.parent.name
    try:
        limits = Limits.check(dict(data.get("limits", {})), allowed=Limits.exercise_keys())
        return Exercise(
            slug=slug,
            root=path.parent,
            title=str(data["title"]),
            # "seed_question" is the key's old name: still read, so that older banks load.
            interview_question=str(data.get("interview_question", data.get("seed_question", ""))),
            file=str(data.get("file", f"{slug}.py")),
            parts=tuple(str(p) for p in data.get("parts", [])),
            points=float(data["points"]),
            suggested_minutes=int(data.get("suggested_minutes", 30)),
            limits=limits,
            forbidden=_forbidden(path, data.get("forbidden", [])),
        )
    except LimitError as exc:
        raise BankError(f"{path}: [limits]: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{path}: missing or invalid field {exc}") from None


def _forbidden(path: Path, names: Any) -> tuple[str, ...]:
    """``forbidden`` from exercise.toml: a list of dotted names such as ``torch.nn.MultiheadAttention``."""
    if not isinstance(names, list) or not all(
        isinstance(n, str) and n and all(part.isidentifier() for part in n.split(".")) for n in names
    ):
        raise BankError(f"{path}: forbidden must be a list of dotted names, like \"torch.nn.MultiheadAttention\"")
    return tuple(names)
