"""Reading what a candidate submitted, before anything runs: one verdict for every bad file.

A submission is a single ``.py`` file or a folder with one file per exercise. Each file is checked
on the judge's side (size, bytes, encoding, emptiness) so that a file that cannot be loaded gets a
clear message instead of reaching the sandbox.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.bank import Exercise

MAX_SOURCE_BYTES = 512 * 1024


class SubmissionError(Exception):
    """The submission as a whole cannot be matched to exercises (a usage error)."""


@dataclasses.dataclass(frozen=True)
class SourceFile:
    """One exercise's submitted source, or why there is none to load."""

    path: Path | None
    source: str = ""
    problem: str = ""  # non-empty: the file cannot be loaded, and this says why


def read_source(path: Path) -> SourceFile:
    """Read and check one submitted file."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return SourceFile(path, problem=f"the file is {size} bytes, over the {MAX_SOURCE_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        return SourceFile(path, problem=f"the file cannot be read: {exc.strerror or exc}")
    if b"\0" in raw:
        return SourceFile(path, problem="the file is binary (it contains NUL bytes), not Python source")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return SourceFile(path, problem=f"the file is not valid UTF-8 (byte {exc.start})")
    if not text.strip():
        return SourceFile(path, problem="the file is empty")
    return SourceFile(path, source=text)


def match_files(submission: Path, exercises: list[Exercise], explicit: bool) -> dict[str, SourceFile]:
    """Map each exercise to the submitted file that answers it."""
    if submission.is_dir():
        return {ex.slug: _from_folder(submission, ex) for ex in exercises}
    if not submission.exists():
        raise SubmissionError(f"{submission} does not exist")
    if explicit or len(exercises) == 1:
        if len(exercises) != 1:
            raise SubmissionError("a single file answers one exercise: give one --exercise")
        return {exercises[0].slug: read_source(submission)}
    by_name = [ex for ex in exercises if submission.name in (ex.file, f"{ex.slug}.py")]
    if len(by_name) == 1:
        return {by_name[0].slug: read_source(submission)}
    raise SubmissionError(
        f"cannot tell which exercise {submission.name} answers: name it after one "
        f"({', '.join(ex.file for ex in exercises)}) or pass --exercise"
    )


def _from_folder(folder: Path, exercise: Exercise) -> SourceFile:
    for name in (exercise.file, f"{exercise.slug}.py"):
        candidate = folder / name
        if candidate.is_file() and not candidate.is_symlink():
            return read_source(candidate)
        if candidate.is_symlink():
            return SourceFile(candidate, problem="the file is a symbolic link; submit a regular file")
    return SourceFile(None, problem=f"no {exercise.file} in the submission")
