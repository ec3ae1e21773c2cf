"""Reading what a candidate submitted, before anything runs: which file answers which exercise,
and one verdict for every bad file.

A submission is a single ``.py`` file or a folder. :func:`find_answer` is the one policy for a
folder, used by ``grader grade``, ``grader batch`` and the Gradescope autograder alike:

1. the exercise's file (``exercise.toml``'s ``file``) or ``<slug>.py`` at the top of the folder;
2. else a file of either name anywhere below it, when there is exactly one;
3. else, when a single exercise is graded, the folder's only ``.py`` file, whatever its name.

Hidden folders (``.git``, a checkout of the grader), ``__MACOSX`` and ``__pycache__`` are never
searched, and links to folders are never followed. A file that is itself a symbolic link is found,
then refused with a message, never read. Each file is checked on the judge's side (size, bytes,
encoding, emptiness) so that a file that cannot be loaded gets a clear message instead of reaching
the sandbox.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from grader.bank import Exercise
from grader.errors import SubmissionError

MAX_SOURCE_BYTES = 512 * 1024
IGNORED_FOLDERS = ("__MACOSX", "__pycache__")


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
        return {ex.slug: _from_folder(submission, ex, single=len(exercises) == 1) for ex in exercises}
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


def find_answer(folder: Path, exercise: Exercise, single: bool) -> Path | None:
    """The file in ``folder`` that answers ``exercise`` (see the module docstring), or None.

    ``single``: only this exercise is graded, so a lone ``.py`` file answers it whatever its name.
    """
    names = tuple(dict.fromkeys((exercise.file, f"{exercise.slug}.py")))
    for name in names:
        path = folder / name
        if path.is_file() or path.is_symlink():
            return path
    inside = python_files(folder)
    named = [p for p in inside if p.name in names]
    if len(named) == 1:
        return named[0]
    return inside[0] if single and not named and len(inside) == 1 else None


def python_files(folder: Path) -> list[Path]:
    """Every ``.py`` file below ``folder``, skipping hidden and ignored folders and links to folders."""
    found = []
    for top, folders, files in os.walk(folder):  # never follows a link to a folder
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in IGNORED_FOLDERS)
        found += [Path(top) / f for f in sorted(files) if f.endswith(".py") and not f.startswith(".")]
    return found


def _from_folder(folder: Path, exercise: Exercise, single: bool) -> SourceFile:
    path = find_answer(folder, exercise, single)
    if path is None:
        return SourceFile(None, problem=f"no {exercise.file} in the submission")
    if path.is_symlink():
        return SourceFile(path, problem="the file is a symbolic link; submit a regular file")
    return read_source(path)
