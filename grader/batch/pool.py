"""The batch's process pool: grade candidates in parallel workers, and survive a worker that dies.

Candidates are graded in a pool of ``jobs`` worker processes (:mod:`grader.batch.worker`), each
grading one candidate at a time. Workers are forked from a ``forkserver`` that has imported the
worker and the judge (pytest, numpy) once: a spawned worker would import them all again, which
costs more CPU than a small batch's similarity flags and summaries together. The forkserver is a
fresh process, not this one: no thread or docker connection of the parent is forked. Each worker
takes the parent's environment and folder as they are when the pool starts, as a spawned one
would, and watches the parent itself (not the forkserver) to stop if it is killed.

A worker process that dies (a crash in the judge) breaks the whole pool: the pool is rebuilt for
the rest, and the candidates the dead workers held (their "running" markers say which) are graded
again alone; one that kills its worker again is reported as an infrastructure error. Ctrl-C (or
SIGTERM) stops every worker, which kills its sandboxes.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import dataclasses
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from grader.batch.candidates import Candidate
from grader.batch.store import save_record
from grader.batch.worker import INTERRUPTED, WorkerConfig, initialize, run_task
from grader.errors import SandboxUnavailable
from grader.summary import CandidateRecord, Status, now

TICK_SECONDS = 0.5  # how often the progress display is refreshed while nothing finishes
IN_FLIGHT_PER_JOB = 2  # candidates handed to the pool per job: one graded, one queued
STOP_GRACE_SECONDS = 20.0  # for workers to kill their sandboxes after SIGTERM, before SIGKILL
Task = Callable[[Candidate], dict[str, Any]]


class Progress(Protocol):
    """What a batch reports as it goes (the CLI draws a progress bar from it)."""

    def begin(self, total: int, done: int, todo: int) -> None:
        """``total`` candidates, ``done`` already graded by an earlier run, ``todo`` to grade now."""

    def finished(self, brief: dict[str, Any]) -> None:
        """One candidate is done (``brief``: candidate, status, message, score, max_score, percent)."""

    def tick(self) -> None:
        """Time passes (refresh the elapsed time and the ETA)."""

    def note(self, message: str) -> None:
        """A warning worth showing."""


class QuietProgress:
    """A progress that shows nothing (library use, tests)."""

    def begin(self, total: int, done: int, todo: int) -> None: ...
    def finished(self, brief: dict[str, Any]) -> None: ...
    def tick(self) -> None: ...
    def note(self, message: str) -> None: ...



@dataclasses.dataclass
class _Break:
    """A pool pass that ended because a worker process died."""

    in_flight: list[Candidate]  # what the dead workers were grading
    unfinished: list[Candidate]


def grade_all(todo: list[Candidate], jobs: int, config: WorkerConfig, task: Task, progress: Progress) -> None:
    """Grade ``todo``; candidates held by workers that died are retried alone, then reported."""
    remaining, suspects = list(todo), []
    while remaining:
        broken = _pool_pass(remaining, jobs, config, task, progress)
        if broken is None:
            break
        if not broken.in_flight:
            raise SandboxUnavailable("the grader's worker processes died before grading anything")
        suspects += broken.in_flight
        remaining = [c for c in broken.unfinished if c not in broken.in_flight]
    for candidate in suspects:  # alone, so that a death can only be this candidate's doing
        if _pool_pass([candidate], 1, config, task, progress) is not None:
            record = _infrastructure_error(candidate, config,
                                           "the grader's worker process died while grading this candidate, twice")
            progress.finished(_saved_brief(config.results, record))


def _pool_pass(candidates: list[Candidate], jobs: int, config: WorkerConfig, task: Task,
               progress: Progress) -> _Break | None:
    """One process pool over ``candidates``; a _Break if a worker died, None when all are done."""
    executor = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(candidates))),
                                   mp_context=_workers_context(),
                                   initializer=start_worker,
                                   initargs=(config, dict(os.environ), os.getcwd(), os.getpid()))
    futures: dict[Future[dict[str, Any]], Candidate] = {}
    unfinished: list[Candidate] = []
    waiting = collections.deque(candidates)
    pending: set[Future[dict[str, Any]]] = set()
    try:
        while waiting or pending:
            # A few candidates per job in flight, not all of them: each wait() visits every pending
            # future, and with the whole batch pending that is quadratic in the batch's size.
            while waiting and len(pending) < IN_FLIGHT_PER_JOB * jobs:
                # The last candidates' workers start no container for a next one that will not come.
                future = executor.submit(run_task, task, waiting[0], len(waiting) > jobs)
                futures[future] = waiting.popleft()
                pending.add(future)
            done, pending = wait(pending, timeout=TICK_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                candidate = futures.pop(future)
                brief = _outcome(future, candidate, config)
                if brief is None:
                    unfinished.append(candidate)
                else:
                    progress.finished(brief)
            progress.tick()
    except BrokenProcessPool:  # submitting to a pool whose worker died: what is left is unfinished
        unfinished += [futures[f] for f in pending] + list(waiting)
    except BaseException:
        _stop_workers(executor)
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    if not unfinished:
        # Every result is stored: the workers end (and remove what they started) while the batch
        # writes its summaries; wait_for_workers() then waits for them.
        executor.shutdown(wait=False, cancel_futures=True)
        _ENDING.append(executor)
        return None
    executor.shutdown(wait=True, cancel_futures=True)
    return _Break(_take_in_flight(config.results, candidates), unfinished)


_ENDING: list[ProcessPoolExecutor] = []  # pools whose workers are ending


def wait_for_workers() -> None:
    """Wait until the workers of the finished pools have ended (and removed their sandboxes)."""
    while _ENDING:
        _ENDING.pop().shutdown(wait=True)


# Imported once, by the forkserver: the worker, the judge (pytest, numpy) and the Docker backend
# (the docker SDK and requests), which a worker needs before it can start its first container.
PRELOADED = ["grader.batch.worker", "grader.judge.runner", "grader.sandbox.docker_backend"]


def _workers_context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # not on Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def start_forkserver() -> None:
    """Have the forkserver start importing now, while the batch reads its folders (it would
    otherwise start with the pool, and the first workers would wait for its imports)."""
    if _workers_context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def start_worker(config: WorkerConfig, environ: dict[str, str], folder: str, batch: int) -> None:
    """A worker's first step: the parent's environment and folder of now (the forkserver has those
    of the first pool it served), then :func:`grader.batch.worker.initialize`, watching ``batch``
    (the parent: the forkserver is the worker's parent, and outlives a parent killed with -9)."""
    os.environ.clear()
    os.environ.update(environ)
    with contextlib.suppress(OSError):  # a folder removed since: the worker works without it, as spawned
        os.chdir(folder)
    # A forked worker ends with os._exit, which skips the atexit hooks that remove its sandboxes
    # (a container started for a next candidate that never came): run them as it ends.
    multiprocessing.util.Finalize(None, atexit._run_exitfuncs, exitpriority=0)
    initialize(config, batch)


def _outcome(future: Future[dict[str, Any]], candidate: Candidate, config: WorkerConfig) -> dict[str, Any] | None:
    """The finished candidate's brief, or None when its worker died (or was stopping) before the end."""
    try:
        brief = future.result()
    except BrokenProcessPool:
        return None
    except Exception as exc:  # the task itself failed (it catches grading faults): still a verdict
        record = _infrastructure_error(candidate, config, f"the grader failed: {type(exc).__name__}: {exc}")
        return _saved_brief(config.results, record)
    return None if brief.get("status") == INTERRUPTED else brief


def _saved_brief(results: Path, record: CandidateRecord) -> dict[str, Any]:
    """Store a record the pool itself made; a store that fails (a full disk, a name no file system
    takes) costs this candidate's files, never the batch or its summaries."""
    try:
        save_record(results, record)
    except (OSError, ValueError) as exc:  # UnicodeError is a ValueError
        record = dataclasses.replace(record, message=f"{record.message}; its results could not be saved: {exc}")
    return record.brief()


def _take_in_flight(results: Path, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates whose 'running' marker a dead worker left behind (and clear the markers)."""
    running = results / ".work" / "running"
    held = [c for c in candidates if (running / c.key).exists()]
    for candidate in held:
        (running / candidate.key).unlink(missing_ok=True)
    return held


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """SIGTERM every worker (each kills its sandboxes and exits), then SIGKILL the slow ones."""
    with contextlib.suppress(ValueError):  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    executor.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.kill()
            worker.join(5)


def _infrastructure_error(candidate: Candidate, config: WorkerConfig, message: str) -> CandidateRecord:
    return CandidateRecord(candidate.name, candidate.key, candidate.kind, Status.INFRASTRUCTURE_ERROR, config.seed,
                           list(config.exercises), config.batch_id, sandbox=config.sandbox, started_at=now(),
                           message=message)
