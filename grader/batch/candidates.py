"""What a batch's candidates are, and which file answers each exercise for each of them.

A candidate is one entry of the submissions folder:

* a folder: one file per exercise, found as :func:`grader.submission.find_answer` says (named after
  the exercise, or, when a single exercise is graded, the folder's only ``.py`` file);
* a single ``.py`` file: it answers the one exercise graded (or the exercise it is named after);
* a ``.zip``: extracted safely (:mod:`grader.archive`) into the results folder's hidden work area,
  then read like a folder; a zip that wraps everything in one top folder is unwrapped.

Anything else (a symbolic link, a ``.tar.gz``, a PDF) is an invalid candidate with a message, so
nothing the hiring team dropped in the folder silently disappears. Dot-files are ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from grader.archive import extract_zip
from grader.bank import Exercise
from grader.errors import ArchiveError, CandidateInvalid, SubmissionError
from grader.names import readable_name
from grader.submission import SourceFile, match_files

FOLDER, FILE, ZIP, SYMLINK, OTHER = "folder", "file", "zip", "symlink", "other"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
KEY_CHARS = 80
IGNORED_IN_ARCHIVES = ("__MACOSX",)


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One entry of the submissions folder."""

    name: str  # as it is in the folder: what the hiring team sees in the reports
    path: Path
    kind: str
    key: str  # unique and safe as a file name: the candidate's folder in the results


def discover(submissions: Path, exclude: Iterable[Path] = ()) -> list[Candidate]:
    """Every candidate in ``submissions``, in name order; ``exclude`` (e.g. the results folder) is skipped."""
    skipped = {p.resolve() for p in exclude}
    candidates = []
    for entry in sorted(submissions.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.resolve() in skipped:
            continue
        candidates.append(Candidate(readable_name(entry.name), entry, _kind(entry), candidate_key(entry.name)))
    keys = [c.key for c in candidates]
    if len(set(keys)) != len(keys):  # only two names that differ in unsafe characters and hash alike
        raise SubmissionError("two candidates map to the same results folder; rename one")
    return candidates


def _kind(entry: Path) -> str:
    if entry.is_symlink():
        return SYMLINK  # never followed: it could point at anything on the grading machine
    if entry.is_dir():
        return FOLDER
    if entry.is_file() and entry.suffix.lower() == ".py":
        return FILE
    if entry.is_file() and entry.suffix.lower() == ".zip":
        return ZIP
    return OTHER


def candidate_key(name: str) -> str:
    """A file-system-safe, unique name for a candidate's results: the name itself when it is tame."""
    safe = _UNSAFE.sub("_", name)[:KEY_CHARS].lstrip(".") or "candidate"
    if safe == name:
        return safe
    return f"{safe}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"


def resolve_files(candidate: Candidate, exercises: list[Exercise], workspace: Path) -> dict[str, SourceFile]:
    """The submitted source for each exercise; raise :class:`CandidateInvalid` when there is none at all.

    ``workspace`` is a fresh folder where an archive may be extracted.
    """
    if candidate.kind == FOLDER:
        return _from_folder(candidate.path, exercises)
    if candidate.kind == FILE:
        return _from_file(candidate.path, exercises)
    if candidate.kind == ZIP:
        return _from_zip(candidate, exercises, workspace)
    if candidate.kind == SYMLINK:
        raise CandidateInvalid("a symbolic link: not followed; copy the submission itself into the folder")
    raise CandidateInvalid("not a folder, a .py file or a .zip archive, so there is nothing to grade")


def _from_file(path: Path, exercises: list[Exercise]) -> dict[str, SourceFile]:
    try:
        found = match_files(path, exercises, explicit=False)
    except SubmissionError as exc:
        raise CandidateInvalid(str(exc)) from None
    return {ex.slug: found.get(ex.slug) or _not_submitted(ex) for ex in exercises}


def _from_folder(folder: Path, exercises: list[Exercise]) -> dict[str, SourceFile]:
    files = match_files(folder, exercises, explicit=True)
    if all(f.path is None for f in files.values()):
        wanted = ", ".join(ex.file for ex in exercises)
        raise CandidateInvalid(f"holds none of the exercise files ({wanted}); found: {_listing(folder)}")
    return files


def _from_zip(candidate: Candidate, exercises: list[Exercise], workspace: Path) -> dict[str, SourceFile]:
    target = workspace / "files"
    try:
        extract_zip(candidate.path, target)
    except ArchiveError as exc:
        raise CandidateInvalid(f"the archive was not extracted: {exc}") from None
    root = _unwrap(target)
    files = _from_folder(root, exercises)
    # Name files after the archive, not the work area, which is deleted after grading.
    return {slug: dataclasses.replace(f, path=Path(candidate.name) / f.path.relative_to(target))
            if f.path is not None else f for slug, f in files.items()}


def _unwrap(root: Path) -> Path:
    """Step into a lone top folder (``alice/cosine_similarity.py`` zipped as a folder)."""
    while True:
        entries = [e for e in root.iterdir() if not e.name.startswith(".") and e.name not in IGNORED_IN_ARCHIVES]
        if len(entries) != 1 or not entries[0].is_dir():
            return root
        root = entries[0]


def _listing(folder: Path, limit: int = 8) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return "nothing (it is empty)"
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _not_submitted(exercise: Exercise) -> SourceFile:
    return SourceFile(None, problem=f"no {exercise.file} in the submission")
