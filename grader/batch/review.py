"""What a batch's summary gets beside the grades: the reviewers' decisions and the similarity flags.

``run_batch`` calls these after the candidates are graded, on every run (a run that grades
nobody still refreshes them): :func:`update_decisions` reads ``decisions.csv`` and adds a row per
new candidate (:mod:`grader.decisions`); :func:`find_similar` compares the graded files with each
other, with the bank's references and with the known public solutions (:mod:`grader.similarity`).
"""

from __future__ import annotations

from pathlib import Path

from grader import decisions, similarity
from grader.atomic import write_text_atomically
from grader.bank import Exercise
from grader.batch.pool import Progress
from grader.batch.store import KNOWN_SOLUTIONS
from grader.decisions import DecisionSheet
from grader.errors import StoreError
from grader.similarity import SimilarityReport
from grader.summary import BatchSummary


def update_decisions(results: Path, summary: BatchSummary, progress: Progress) -> DecisionSheet:
    """Read ``decisions.csv``, add a row for each new candidate, and write it back (never losing a row).

    A sheet that could not be read is left exactly as it is, and its problems are told.
    """
    path = results / decisions.FILE
    sheet = decisions.read(path)
    unreadable = path.exists() and not sheet.rows and sheet.problems
    if not unreadable and (sheet.add_missing((row.name, row.key) for row in summary.rows) or not path.exists()):
        write_text_atomically(path, sheet.write)
    for problem in sheet.problems:
        progress.note(problem)
    return sheet


def find_similar(summary: BatchSummary, known_folder: Path | None, progress: Progress) -> SimilarityReport | None:
    """The similarity flags of the graded candidates; None (with a note) when they cannot be computed."""
    files: dict[str, dict[str, str]] = {}
    for exercise in summary.exercises:
        # Line ends as the report shows them: the flags' regions are offsets into these texts.
        files[exercise.slug] = {row.key: row.sources[exercise.file].replace("\r\n", "\n") for row in summary.rows
                                if row.status.final and exercise.file in row.sources}
    known = known_solutions(summary.exercises, known_folder)
    try:
        report = similarity.detect(files, summary.stubs(), known)
    except Exception as exc:  # noqa: BLE001 - flags are evidence for people: their absence must not cost the batch
        progress.note(f"similarity flags not computed: {type(exc).__name__}: {exc}")
        return None
    for note in report.notes:
        progress.note(note)
    return report


def known_solutions(exercises: list[Exercise], folder: Path | None) -> dict[str, list[tuple[str, str]]]:
    """Each exercise's bank reference and the known public solutions of ``folder``: every ``.py``
    file named as the exercise's file, or lying in a sub-folder named after the exercise."""
    known: dict[str, list[tuple[str, str]]] = {e.slug: [] for e in exercises}
    for exercise in exercises:
        if exercise.reference.is_file():
            known[exercise.slug].append(("the bank's reference", exercise.reference.read_text(encoding="utf-8")))
    for path in sorted(folder.rglob("*.py")) if folder is not None else []:
        relative = path.relative_to(folder)  # type: ignore[arg-type]  # folder is not None here
        for exercise in exercises:
            if path.name == exercise.file or exercise.slug in relative.parts[:-1]:
                try:
                    known[exercise.slug].append((f"known solution {relative.as_posix()}",
                                                 path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
    return known


def known_folder(given: Path | None, results: Path, submissions: Path) -> Path | None:
    """The known solutions' folder: ``--known-solutions DIR``, else ``RESULTS/known-solutions`` if it exists."""
    folder = given.resolve() if given else results / KNOWN_SOLUTIONS
    if given is not None and not folder.is_dir():
        raise StoreError(f"{given} is not a folder of known solutions")
    if folder.is_relative_to(submissions):
        raise StoreError("the known solutions must not be inside the submissions folder: they would be graded")
    return folder if folder.is_dir() else None
