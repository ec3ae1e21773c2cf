"""The results folder of a batch: what is stored where, written so that nothing is ever half there.

::

    RESULTS_DIR/
      batch.json                    the settings: seed, exercises, bank, limits (reused on resume)
      candidates/<key>/result.json  the JSON report of one candidate (as ``grader grade --json``)
      candidates/<key>/junit.xml    its JUnit XML report
      candidates/<key>/status.json  the batch's verdict: status, message, sandbox, seed
      candidates/<key>/files/       the files that were graded, as the candidate wrote them
      summary.csv, summary.json, report.html   rebuilt from candidates/ after every run
      decisions.csv                 the reviewers' decisions and notes: rows are added, never
                                    changed or dropped (grader.decisions)
      known-solutions/              optional, the team's: public solutions to flag copies of
      .work/                        extracted archives and in-flight markers; never a result
      .lock                         held while a batch runs: two batches never share a folder

A candidate's folder is built under a temporary name, flushed to disk, and renamed into place in
one ``os.replace``: after a crash, a kill -9 or a power cut, a candidate either has all its files
or none, and the summaries, rebuilt from those folders, neither lose nor repeat a row.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from grader.atomic import fsync_folder, write_text_atomically
from grader.errors import StoreError
from grader.reports import SUMMARY_WRITERS, WRITERS
from grader.results import SubmissionResult
from grader.summary import BatchSettings, BatchSummary, CandidateRecord, Status

SETTINGS_FILE = "batch.json"
CANDIDATES = "candidates"
FILES = "files"
KNOWN_SOLUTIONS = "known-solutions"
WORK = ".work"
LOCK = ".lock"


class ResultsDir:
    """One batch's results folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def candidates(self) -> Path:
        return self.root / CANDIDATES

    @property
    def work(self) -> Path:
        return self.root / WORK

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one batch run; the kernel releases it if the run is killed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK).open("a") as fp:
            try:
                fcntl.flock(fp, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"another `grader batch` is writing to {self.root}") from None
            yield

    def prepare(self) -> None:
        """Make the folders, and clear what an interrupted run left half-done (never a result)."""
        self.candidates.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.work, ignore_errors=True)
        for entry in self.candidates.iterdir():
            if entry.name.startswith("."):  # .<key>.partial-<pid>, .<key>.old-<pid>
                shutil.rmtree(entry, ignore_errors=True)
        (self.work / "running").mkdir(parents=True)

    # -- settings -----------------------------------------------------------------------------

    def load_settings(self) -> BatchSettings | None:
        """The stored settings, or None for a new batch."""
        path = self.root / SETTINGS_FILE
        if not path.exists():
            return None
        try:
            return BatchSettings.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise StoreError(f"{path} is unreadable ({exc}); move it away or use another results folder") from None

    def save_settings(self, settings: BatchSettings) -> None:
        write_text_atomically(self.root / SETTINGS_FILE, lambda fp: _dump(settings.to_dict(), fp))

    # -- candidates ---------------------------------------------------------------------------

    def load_record(self, key: str) -> CandidateRecord | None:
        """A candidate's stored record, or None when there is none (or it cannot be read: regrade it)."""
        folder = self.candidates / key
        try:
            data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
            result = None
            if Status(data.get("status")).final:
                raw = json.loads((folder / "result.json").read_text(encoding="utf-8"))
                result = SubmissionResult.from_dict({k: v for k, v in raw.items() if k != "schema_version"})
            return CandidateRecord.from_dict(data, result, _load_sources(folder / FILES))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def stored_keys(self) -> list[str]:
        return sorted(p.name for p in self.candidates.iterdir() if not p.name.startswith(".")) \
            if self.candidates.is_dir() else []

    def write_summaries(self, summary: BatchSummary) -> list[Path]:
        """Rewrite summary.csv, summary.json and report.html, each atomically."""
        paths = []
        for name, writer in SUMMARY_WRITERS.items():
            path = self.root / name
            write_text_atomically(path, lambda fp, w=writer: w(summary, fp))  # type: ignore[misc]
            paths.append(path)
        return paths


def save_record(root: Path, record: CandidateRecord, *, abandon: Callable[[], bool] = lambda: False) -> bool:
    """Write one candidate's folder atomically; skip it (return False) if ``abandon()`` says so.

    ``abandon`` is asked just before the rename: a worker that is being stopped must not publish
    a grading its own shutdown may have disturbed.
    """
    candidates = root / CANDIDATES
    final = candidates / record.key
    partial = candidates / f".{record.key}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        _write_files(partial, record)
        fsync_folder(partial)
        if abandon():
            return False
        _replace_folder(partial, final)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    fsync_folder(candidates)
    return True


def _load_sources(folder: Path) -> dict[str, str]:
    sources = {}
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        try:
            sources[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return sources


def _write_files(folder: Path, record: CandidateRecord) -> None:
    if record.sources:
        (folder / FILES).mkdir()
    for name, text in record.sources.items():
        write_text_atomically(folder / FILES / Path(name).name, lambda fp, text=text: fp.write(text))  # type: ignore[misc]
    if record.result is not None:
        write_text_atomically(folder / "result.json", lambda fp: WRITERS["json"](record.result, fp))  # type: ignore[arg-type]
        write_text_atomically(folder / "junit.xml", lambda fp: WRITERS["junit"](record.result, fp))  # type: ignore[arg-type]
    write_text_atomically(folder / "status.json", lambda fp: _dump(record.to_dict(), fp))  # written last


def _replace_folder(new: Path, final: Path) -> None:
    """Put ``new`` at ``final``; an old folder is moved aside first (a rename cannot replace a full folder)."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def _dump(data: dict[str, Any], fp: TextIO) -> None:
    json.dump(data, fp, indent=2, ensure_ascii=False, allow_nan=False)
    fp.write("\n")
