"""Batch grading: every candidate of a folder, in parallel sandboxes, resumable, ranked.

``run_batch`` is the library behind ``grader batch`` (docs/batch.md):

1. It holds the results folder (:mod:`grader.batch.store`) and reconciles the request with the
   batch stored there: one seed, one set of exercises, one bank and one set of limits per batch,
   so that a resumed batch grades like the first run did.
2. It finds the candidates (:mod:`grader.batch.candidates`) and skips those already done.
3. It grades the rest in a process pool (:mod:`grader.batch.pool`) of ``jobs`` workers
   (:mod:`grader.batch.worker`), or on a Dask cluster with ``scheduler`` (:mod:`grader.batch.executor`):
   each worker grades one candidate at a time with its own sandbox session, and writes that
   candidate's results atomically as soon as they exist.
4. It rebuilds summary.csv, summary.json and report.html from the candidates' folders, with the
   similarity flags (:mod:`grader.similarity`) and the reviewers' ``decisions.csv``
   (:mod:`grader.decisions`, to which it adds a row per new candidate).

What can go wrong, and what happens:

* A broken or hostile submission is a verdict (a status and a message), never a stopped batch.
* A grader bug while grading one candidate is that candidate's ``infrastructure-error``; the batch
  goes on, and the next run retries it.
* A worker process that dies (a crash in the judge) breaks the pool: the pool is rebuilt, and the
  candidates it held are graded again alone; one that kills its worker again is reported as an
  infrastructure error instead of killing the batch.
* Ctrl-C (or SIGTERM) stops the workers, which kill their sandboxes; leftover containers are swept;
  the summaries are written with the unfinished candidates as ``pending``. Rerun to resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader import __version__, similarity
from grader.bank import DEFAULT_BANK, Exercise, load_bank, secret_paths, select
from grader.batch import review
from grader.batch.candidates import Candidate, discover
from grader.batch.executor import choose_executor
from grader.batch.pool import Progress, QuietProgress, Task
from grader.batch.store import ResultsDir
from grader.batch.worker import WorkerConfig, grade_candidate
from grader.errors import BatchConflict, LimitError, SandboxUnavailable, ScorecardsError, StoreError
from grader.grading import new_seed
from grader.interview import ScorecardSet, Weights, load_rubrics, load_scorecards, rubric_dir
from grader.limits import Limits
from grader.reports import code_view
from grader.summary import BatchSettings, BatchSummary, CandidateRecord, Row, now


@dataclasses.dataclass(frozen=True)
class BatchRequest:
    """What ``grader batch`` was asked to do."""

    submissions: Path
    results: Path
    exercises: tuple[str, ...] = ()
    bank: Path | None = None
    sandbox: str = "auto"
    jobs: int | None = None  # None: one per core
    seed: int | None = None
    force: bool = False
    limits: dict[str, Any] = dataclasses.field(default_factory=dict)  # overrides of Limits.default(), by name
    scorecards: Path | None = None  # interview scorecards to merge (grader.interview); not stored in batch.json
    weights: Weights | None = None  # how coding and interview scores combine in the ranking
    known_solutions: Path | None = None  # public solutions to flag copies of (default: RESULTS/known-solutions)
    scheduler: str | None = None  # grade on a Dask cluster: an address, a scheduler file or "local"


def default_jobs() -> int:
    """One sandbox per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(request: BatchRequest, progress: Progress | None = None, task: Task = grade_candidate) -> BatchSummary:
    """Grade every candidate that is not done yet and rebuild the summaries; see the module docstring.

    ``task`` grades one candidate in a worker process (tests replace it).
    """
    progress = progress or QuietProgress()
    submissions, results = request.submissions.resolve(), request.results.resolve()
    _check_folders(submissions, results)
    executor = choose_executor(request.scheduler, request.jobs or default_jobs(), task)
    store = ResultsDir(results)
    with store.lock():
        settings = reconcile(store.load_settings(), request, progress)
        store.save_settings(settings)
        exercises = select(load_bank(_bank_path(settings)), settings.exercises)
        scorecards = _read_scorecards(request, settings, submissions)  # before grading: broken rubrics fail fast
        known = review.known_folder(request.known_solutions, results, submissions)  # likewise
        candidates = discover(submissions, exclude=[results])
        sandbox, warning = executor.sandbox(request.sandbox, _hidden(settings, submissions, results))
        if warning:
            progress.note(warning)
        store.prepare()
        records = {c.key: store.load_record(c.key) for c in candidates}
        todo = [c for c in candidates if request.force or not _is_done(records[c.key], c, settings)]
        _note_mixed_sandboxes([records[c.key] for c in candidates if c not in todo], sandbox, progress)
        progress.begin(len(candidates), len(candidates) - len(todo), len(todo))
        config = _worker_config(sandbox, settings, submissions, results)
        interrupted = False
        _prepare_final_step()
        with _sweeping(sandbox if executor.sweeps_here else "", progress), _signals_interrupt():
            try:
                executor.grade(todo, config, progress)
            except KeyboardInterrupt:
                interrupted = True
        try:
            summary = build_summary(store, candidates, settings, exercises, interrupted, progress)
            if scorecards is not None:
                summary.add_interviews(scorecards, request.weights)
            summary.add_decisions(review.update_decisions(results, summary, progress))
            summary.similarity = review.find_similar(summary, known, progress)
            store.write_summaries(summary)
        finally:
            executor.finish()  # the workers end while the summaries are written
    return summary


def _worker_config(sandbox: str, settings: BatchSettings, submissions: Path, results: Path) -> WorkerConfig:
    try:
        Limits.check(settings.limits)  # a bad limit in a hand-edited batch.json fails here, once
    except LimitError as exc:
        raise StoreError(f"batch.json: {exc}") from None
    return WorkerConfig(sandbox, tuple(_hidden(settings, submissions, results)), _bank_path(settings),
                        tuple(settings.exercises), settings.seed, dict(settings.limits), results, settings.batch_id)


def _prepare_final_step() -> threading.Thread:
    """Load what the summaries need after the last candidate (numpy and the fingerprinting for the
    similarity flags, Pygments' lexer for the report's code) while the batch grades and this
    process mostly waits."""
    def load() -> None:
        with contextlib.suppress(OSError, AttributeError):
            # Only spare CPU: at a batch's start the workers and their containers need it all. On
            # Linux a thread has its own nice value; elsewhere this is the whole process's, or nothing.
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        with contextlib.suppress(Exception):  # the final step does it all again, and reports what fails
            similarity.warm_up()
            code_view.warm_up()

    thread = threading.Thread(target=load, name="final-step-warm-up", daemon=True)
    thread.start()
    return thread


# --- settings ------------------------------------------------------------------------------------

def reconcile(stored: BatchSettings | None, request: BatchRequest, progress: Progress) -> BatchSettings:
    """The settings to grade with: the stored batch's, unless ``--force`` replaces what was given.

    Without ``--force``, asking for another seed, other exercises, another bank or other limits
    than the stored batch would mix two gradings in one ranking: that is refused.
    """
    bank = _bank_text(request.bank)
    request = dataclasses.replace(request, limits=Limits.check(request.limits))  # as `grader grade` does
    if stored is not None and not request.force:
        _refuse_conflicts(stored, request, bank)
    base = stored or BatchSettings(seed=0, exercises=[], created_at=now())
    bank = bank if request.bank is not None else base.bank
    chosen = select(load_bank(Path(bank) if bank else None), list(request.exercises or base.exercises))
    settings = dataclasses.replace(
        base,
        seed=request.seed if request.seed is not None else (base.seed if stored else new_seed()),
        exercises=[ex.slug for ex in chosen],
        bank=bank,
        limits={**base.limits, **request.limits},
        grader_version=__version__,
        submissions=str(request.submissions.resolve()),
        batch_id=base.batch_id if stored and not request.force else secrets.token_hex(8),
    )
    if stored is not None and not request.force:
        _note_drift(stored, settings, progress)
    return settings


def _refuse_conflicts(stored: BatchSettings, request: BatchRequest, bank: str | None) -> None:
    where = f"{request.results} holds a batch graded with"
    fix = "rerun without it to resume, or add --force to regrade every candidate"
    if request.seed is not None and request.seed != stored.seed:
        raise BatchConflict(f"{where} seed {stored.seed}, not {request.seed}: {fix} with seed {request.seed}")
    if request.exercises and sorted(request.exercises) != sorted(stored.exercises):
        raise BatchConflict(f"{where} exercises {', '.join(stored.exercises)}: {fix}")
    if request.bank is not None and bank != stored.bank:
        raise BatchConflict(f"{where} the bank {stored.bank or DEFAULT_BANK}: {fix}")
    changed = {k: v for k, v in request.limits.items() if stored.limits.get(k) != v}
    if changed:
        raise BatchConflict(f"{where} limits {stored.limits or 'the defaults'}, not {changed}: {fix}")


def _note_drift(stored: BatchSettings, settings: BatchSettings, progress: Progress) -> None:
    if stored.grader_version and stored.grader_version != __version__:
        progress.note(f"the batch was started by nlp-grader {stored.grader_version}; this is {__version__}. "
                      "Add --force to regrade everyone with this version.")
    if stored.submissions and stored.submissions != settings.submissions:
        progress.note(f"the batch was started on {stored.submissions}; resuming it on {settings.submissions}")


def _note_mixed_sandboxes(done: list[CandidateRecord | None], sandbox: str, progress: Progress) -> None:
    """A ranking across sandboxes deserves a warning: ``auto`` may have fallen back to ``process``."""
    others = sorted({r.sandbox for r in done if r is not None and r.sandbox != sandbox})
    if others:
        progress.note(f"WARNING: this run grades in the {sandbox} sandbox, but earlier candidates of the batch "
                      f"were graded in {', '.join(others)}; --force regrades everyone in one sandbox")


def _bank_text(bank: Path | None) -> str | None:
    """The bank as stored: None for the bundled one, else an absolute path (resuming from elsewhere works)."""
    if bank is None or bank.resolve() == DEFAULT_BANK.resolve():
        return None
    return str(bank.resolve())


def _bank_path(settings: BatchSettings) -> Path | None:
    return Path(settings.bank) if settings.bank else None


def _hidden(settings: BatchSettings, submissions: Path, results: Path) -> list[Path]:
    """What the process sandbox must not see: the bank, the references, other candidates, all results."""
    return secret_paths(_bank_path(settings)) + [submissions, results]


def _read_scorecards(request: BatchRequest, settings: BatchSettings, submissions: Path) -> ScorecardSet | None:
    """The ``--scorecards`` folder, checked against the bank's rubrics; invalid files are listed, never fatal."""
    if request.scorecards is None:
        return None
    folder = request.scorecards.resolve()
    if not folder.is_dir():
        raise ScorecardsError(f"{request.scorecards} is not a folder of scorecards")
    if folder.is_relative_to(submissions):
        raise ScorecardsError("the scorecards folder must not be inside the submissions folder: it would be graded "
                         "as a candidate")
    return load_scorecards(request.scorecards, load_rubrics(rubric_dir(_bank_path(settings))))


def _check_folders(submissions: Path, results: Path) -> None:
    if not submissions.is_dir():
        raise StoreError(f"{submissions} is not a folder of submissions")
    if results == submissions or submissions.is_relative_to(results):
        raise StoreError("the results folder must not be (or contain) the submissions folder")


def _is_done(record: CandidateRecord | None, candidate: Candidate, settings: BatchSettings) -> bool:
    return (record is not None and record.status.final and record.batch_id == settings.batch_id
            and record.candidate == candidate.name)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While grading, SIGTERM and SIGHUP stop the batch the way Ctrl-C does (cleanly, resumable)."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    saved = {signal.SIGINT: signal.getsignal(signal.SIGINT)}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for signum in (signal.SIGTERM, signal.SIGHUP):
            saved[signum] = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, TypeError):
            for signum, handler in saved.items():
                signal.signal(signum, handler)


@contextlib.contextmanager
def _sweeping(sandbox: str, progress: Progress) -> Iterator[None]:
    """Before and after grading, remove containers that dead graders (or killed workers) left."""
    _sweep(sandbox, progress)
    try:
        yield
    finally:
        _sweep(sandbox, progress)


def _sweep(sandbox: str, progress: Progress) -> None:
    if sandbox != "docker":
        return
    from grader.sandbox import docker_backend  # imported late: the docker SDK is only needed here

    try:
        removed = docker_backend.remove_leftover_containers()
    except SandboxUnavailable as exc:
        progress.note(f"could not sweep leftover sandbox containers: {exc}")
        return
    if removed:
        progress.note(f"removed {removed} sandbox container(s) left by an interrupted grader")


# --- summaries -----------------------------------------------------------------------------------

def build_summary(store: ResultsDir, candidates: list[Candidate], settings: BatchSettings,
                  exercises: list[Exercise], interrupted: bool = False,
                  progress: Progress | None = None) -> BatchSummary:
    """The summary, rebuilt from the candidates' stored folders: one row per candidate, never two."""
    rows = []
    for candidate in candidates:
        record = store.load_record(candidate.key)
        if record is not None and (record.batch_id != settings.batch_id or record.candidate != candidate.name):
            record = None  # an earlier batch's result (before --force): not this batch's
        rows.append(Row(candidate.name, candidate.key, candidate.kind, record))
    orphans = set(store.stored_keys()) - {c.key for c in candidates}
    if orphans and progress is not None:
        progress.note(f"{len(orphans)} stored result(s) have no candidate in the submissions folder any more "
                      "and are left out of the summaries")
    return BatchSummary(settings, exercises, rows, interrupted=interrupted)
