"""Grading one submission: match its files to exercises, run each in one sandbox session."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader import __version__
from grader.bank import Exercise
from grader.errors import SubmissionError
from grader.limits import Limits
from grader.names import readable_name
from grader.results import SubmissionResult
from grader.sandbox.base import Backend
from grader.submission import SourceFile, match_files


def new_seed() -> int:
    """A fresh seed for a grading run: recorded in the report, replayed with ``--seed``."""
    return random.SystemRandom().randrange(1, 2**31)


def grade(
    submission: Path,
    exercises: list[Exercise],
    backend: Backend,
    *,
    seed: int,
    limits: Limits | None = None,
    overrides: Mapping[str, Any] | None = None,
    explicit: bool = False,
) -> SubmissionResult:
    """Grade a file or folder against the given exercises, in one sandbox session.

    Limits apply in this order: ``limits`` (default: :meth:`Limits.default`), then each
    exercise's ``[limits]`` from exercise.toml, then ``overrides`` (what the user asked for).
    """
    files = match_files(submission, exercises, explicit)
    exercises = [ex for ex in exercises if ex.slug in files]
    if submission.is_dir() and not explicit:
        present = [ex for ex in exercises if files[ex.slug].path is not None]
        if not present:
            wanted = ", ".join(ex.file for ex in exercises)
            raise SubmissionError(f"{submission} holds none of the exercise files ({wanted})")
        exercises = present
    return grade_sources(str(submission), {ex.slug: files[ex.slug] for ex in exercises}, exercises,
                         backend, seed=seed, limits=limits, overrides=overrides)


def grade_sources(
    label: str,
    files: dict[str, SourceFile],
    exercises: list[Exercise],
    backend: Backend,
    *,
    seed: int,
    limits: Limits | None = None,
    overrides: Mapping[str, Any] | None = None,
    tests: dict[str, Path] | None = None,
) -> SubmissionResult:
    """Grade already-read sources; ``tests`` may point an exercise at another test folder."""
    base = limits or Limits.default()
    overrides = dict(overrides or {})
    started, clock = _now(), time.monotonic()
    results = []
    with backend.open_session(session_limits(exercises, base, overrides)) as session:
        # Imported here, once the session's sandbox is starting (in the background, where the
        # backend can): pytest and the judge take a tenth of a second to import, during which the
        # container boots instead of waiting for them.
        from grader.judge.runner import run_exercise  # noqa: PLC0415

        for exercise in exercises:
            folder = (tests or {}).get(exercise.slug)
            limits_here = base.merged(exercise.limits).merged(overrides)
            results.append(run_exercise(exercise, files[exercise.slug], session, seed, limits_here, folder))
    return SubmissionResult(
        submission=readable_name(label),
        exercises=results,
        seed=seed,
        sandbox=backend.name,
        grader_version=__version__,
        started_at=started,
        duration=round(time.monotonic() - clock, 3),
    )


def session_limits(exercises: list[Exercise], base: Limits | None = None,
                   overrides: Mapping[str, Any] | None = None) -> Limits:
    """The limits of the one sandbox session that grades ``exercises``: the largest memory any of
    them needs, then the user's ``overrides``; each exercise's other limits apply per call."""
    base = base or Limits.default()
    memory = max([base.memory_mb] + [int(ex.limits.get("memory_mb", 0)) for ex in exercises])
    return base.merged({"memory_mb": memory}).merged(dict(overrides or {}))


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
