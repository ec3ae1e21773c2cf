"""The worker side of a batch: one process of the pool, grading one candidate at a time.

The judge runs pytest in-process, so a worker process never grades two candidates at once; each
worker has its own backend and so its own sandbox sessions. A worker writes each candidate's
results itself (:func:`grader.batch.store.save_record`), so a result is on disk the moment it
exists, whatever happens to the parent afterwards.

Stopping. The parent stops workers with SIGTERM (Ctrl-C reaches only the parent: workers ignore
SIGINT), and a worker whose batch process vanished (kill -9) stops itself. Either way the worker marks
itself as stopping, kills every sandbox it started, and exits at once. Nothing half-graded is
published: :func:`save_record` asks, just before its final rename, whether the worker is stopping.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from select import POLLIN, poll
from typing import Any

from grader.bank import Exercise, load_bank, select
from grader.batch.candidates import Candidate, resolve_files
from grader.batch.store import save_record
from grader.errors import CandidateInvalid, SandboxUnavailable
from grader.grading import grade_sources, session_limits
from grader.sandbox.base import Backend, pid_alive
from grader.sandbox.choose import choose_backend
from grader.sandbox.prestart import Prestarter
from grader.submission import SourceFile
from grader.summary import CandidateRecord, Status, now

INTERRUPTED = "interrupted"  # not a Status: the brief of a candidate its stopping worker left unpublished
PARENT_POLL_SECONDS = 1.0
AHEAD = 1  # containers a Docker worker starts for its next candidates while it grades one


@dataclasses.dataclass(frozen=True)
class WorkerConfig:
    """What every worker needs to grade; sent once, when the worker starts."""

    sandbox: str  # "docker" or "process": the parent has already resolved "auto"
    hide: tuple[Path, ...]  # folders the process sandbox must not see
    bank: Path | None
    exercises: tuple[str, ...]
    seed: int
    overrides: dict[str, float]  # the user's limits: they win over each exercise's exercise.toml
    results: Path
    batch_id: str


def tracked(backend: Backend) -> Prestarter:
    """The worker's backend: it remembers every sandbox it started, so that a stopping worker can
    kill them all. In Docker it also starts the next candidate's container while this one is graded
    (a fresh container each, never reused: :mod:`grader.sandbox.prestart`)."""
    docker = backend.name == "docker"
    return Prestarter(backend, ahead=AHEAD if docker else 0, early=docker)


@dataclasses.dataclass
class _State:
    config: WorkerConfig
    backend: Prestarter | None
    exercises: list[Exercise]
    fault: str = ""  # why this worker cannot grade at all (reported on each candidate)
    stopping: bool = False


_STATE: _State | None = None


def initialize(config: WorkerConfig, batch: int) -> None:
    """Set up a worker process: signals, the watch on the batch's process (pid ``batch``), the bank
    and a backend of its own."""
    global _STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_stop_signal)
    _watch_batch(batch)
    state = _State(config, None, [])
    try:
        state.exercises = select(load_bank(config.bank), list(config.exercises))
        backend, _warning = choose_backend(config.sandbox, hide=config.hide)
        state.backend = tracked(backend)
        atexit.register(state.backend.close)  # the container started for a next candidate that never came
        state.backend.warm(session_limits(state.exercises, overrides=config.overrides))  # for the first candidate
    except Exception as exc:  # reported on every candidate, rather than breaking the pool
        state.fault = f"the grader's worker could not start: {type(exc).__name__}: {exc}"
    _STATE = state


def run_task(task: Callable[[Candidate], dict[str, Any]], candidate: Candidate, more: bool = True) -> dict[str, Any]:
    """Run ``task`` on one candidate (what the pool calls), leaving a marker while it runs.

    If this worker dies, the marker it leaves tells the parent which candidate it held. ``more``:
    whether other candidates follow; if not, no container is started ahead for a next one.
    """
    state = _STATE
    assert state is not None, "initialize() runs first"
    if state.stopping:
        return {"candidate": candidate.name, "status": INTERRUPTED}
    if state.backend is not None:
        state.backend.ahead = AHEAD if more and state.backend.early else 0
    marker = state.config.results / ".work" / "running" / candidate.key
    marker.write_text(str(os.getpid()))
    try:
        return task(candidate)
    finally:
        marker.unlink(missing_ok=True)


def grade_candidate(candidate: Candidate) -> dict[str, Any]:
    """Grade one candidate and store its results; return a brief for the progress display."""
    state = _STATE
    assert state is not None, "initialize() runs first"
    try:
        record = build_record(candidate, state)
        saved = save_record(state.config.results, record, abandon=lambda: state.stopping)
    finally:
        if state.backend is not None:
            state.backend.forget()
    return record.brief() if saved else {"candidate": candidate.name, "status": INTERRUPTED}


def build_record(candidate: Candidate, state: _State) -> CandidateRecord:
    """The candidate's verdict; a grader fault becomes an infrastructure error, never an exception."""
    config = state.config
    record = CandidateRecord(candidate.name, candidate.key, candidate.kind, Status.INFRASTRUCTURE_ERROR,
                             config.seed, list(config.exercises), config.batch_id, sandbox=config.sandbox,
                             started_at=now())
    clock = time.monotonic()
    try:
        if state.fault or state.backend is None:
            raise SandboxUnavailable(state.fault or "no sandbox")
        _grade_into(record, candidate, state.exercises, state.backend, config)
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the batch: it is reported
        record.status = Status.INFRASTRUCTURE_ERROR
        record.message = f"the grader failed on this candidate: {type(exc).__name__}: {exc}"
        record.detail = traceback.format_exc(limit=20)
    record.duration = round(time.monotonic() - clock, 3)
    return record


def _grade_into(record: CandidateRecord, candidate: Candidate, exercises: list[Exercise], backend: Backend,
                config: WorkerConfig) -> None:
    workspace = config.results / ".work" / f"{candidate.key}-{os.getpid()}"
    invalid = ""
    try:
        workspace.mkdir(parents=True)
        try:
            files = resolve_files(candidate, exercises, workspace)
        except CandidateInvalid as exc:
            invalid = str(exc)
            files = {ex.slug: SourceFile(None, problem=invalid) for ex in exercises}
    finally:
        shutil.rmtree(workspace, ignore_errors=True)  # sources are in memory now
    # A file that cannot be loaded still goes through grading, which starts no sandbox for it:
    # every hidden test is then listed with the reason, at 0 points.
    result = grade_sources(candidate.name, files, exercises, backend, seed=config.seed, overrides=config.overrides)
    unloadable = [f"{ex.file}: {files[ex.slug].problem}" for ex in exercises if files[ex.slug].problem]
    record.result = result
    record.sources = {ex.file: files[ex.slug].source for ex in exercises if files[ex.slug].source}
    if invalid or len(unloadable) == len(exercises):
        record.status, record.message = Status.INVALID, invalid or "; ".join(unloadable)
    else:
        record.status = Status.GRADED
        record.message = "; ".join(e.load_error for e in result.exercises if e.load_error)
    record.sandbox = result.sandbox


# --- stopping ------------------------------------------------------------------------------------

def _on_stop_signal(signum: int, _frame: object) -> None:
    # The work happens on another thread: this handler may have interrupted the main thread
    # while it held a lock that killing a sandbox needs.
    threading.Thread(target=_stop_now, args=(128 + signum,), daemon=True).start()


def _stop_now(code: int) -> None:
    """Mark the worker as stopping, kill its sandboxes, and exit without publishing anything more."""
    state = _STATE
    if state is not None:
        state.stopping = True  # first: a grading disturbed by the kills below is never saved
        if state.backend is not None:
            state.backend.kill_all()
    os._exit(code)


def _watch_batch(batch: int) -> None:
    """Stop when the batch's process is gone (kill -9): otherwise this worker would wait for work forever.

    The batch's process need not be this worker's parent (a forkserver may be), and a forkserver
    outlives it while its workers do: so the watch is on that process itself, through a pidfd
    (immune to the pid being reused), or by polling where Linux has none.
    """
    try:
        handle: int | None = os.pidfd_open(batch)
    except ProcessLookupError:
        _stop_now(1)
        return
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        handle = None

    def watch() -> None:
        if not _waited_on(handle):  # no pidfd, or the wait failed: polling still sees the end
            while pid_alive(batch):
                time.sleep(PARENT_POLL_SECONDS)
        _stop_now(1)

    threading.Thread(target=watch, name="batch-watch", daemon=True).start()


def _waited_on(pidfd: int | None) -> bool:
    """Wait until the process behind ``pidfd`` has ended; False if that cannot be waited for."""
    if pidfd is None:
        return False
    try:
        waiter = poll()
        waiter.register(pidfd, POLLIN)  # readable once the process has ended (a zombie has)
        waiter.poll()
    except Exception:  # noqa: BLE001 - whatever it is, the caller falls back to polling
        return False
    return True

