"""``grader batch --scheduler``: grade on the workers of a Dask distributed cluster (docs/distributed.md).

The client (this process) keeps the results folder, exactly as a local batch does
(:func:`grader.batch.run.run_batch` holds the lock, the settings and the summaries); only the
grading moves. For each candidate:

1. the client reads its sources (:func:`grader.batch.remote.pack`) and submits one Dask task with
   them as plain data: the workers need no shared file system;
2. a worker grades it with its own sandbox and judge (:func:`grader.batch.remote.grade_packed`) and
   returns plain data: the record and the JSON result model;
3. the client checks the reply (:func:`grader.batch.remote.accept`) and stores it atomically
   (:func:`grader.batch.store.save_record`), as a local batch does.

Workers are checked, not trusted. The client registers a worker plugin (:class:`GraderCheck`) named
after its :class:`~grader.batch.fingerprint.Fingerprint`: on every worker, present or joining
later, it checks the grader code, the bank, the judge's packages, the Docker engine and the
sandbox image against the client's. A worker that passes gets a Dask *resource* of that name, one
unit (one grading at a time per worker process: the judge runs pytest in-process); the tasks ask
for it, so the scheduler never gives a candidate to a worker that did not pass. A worker that fails
logs why, and the client prints it.

Failures. A worker lost mid-task is Dask's to handle: the scheduler gives the task to another
worker; a task whose workers die ``allowed-failures`` times (a scheduler setting, 3 by default) ends
as ``KilledWorker``, which is this candidate's ``infrastructure-error``. Ctrl-C cancels the
futures and asks every worker to kill the batch's sandboxes (:func:`grader.batch.remote.stop_batch`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import queue
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from distributed import Client, Future, KilledWorker, LocalCluster, WorkerPlugin, get_worker

from grader.bank import Exercise, load_bank, select
from grader.batch.candidates import Candidate
from grader.batch.fingerprint import Fingerprint, HostCheck, check_host, local_fingerprint
from grader.batch.pool import Progress
from grader.batch.remote import (
    STOPPED,
    UntrustedReply,
    WorkerRefused,
    accept,
    forget_check,
    grade_packed,
    infrastructure_error,
    known_check,
    make_job,
    pack,
    stop_batch,
    verify,
)
from grader.batch.store import save_record
from grader.batch.worker import WorkerConfig
from grader.errors import SandboxUnavailable
from grader.summary import CandidateRecord

LOCAL = "local"  # --scheduler local: a LocalCluster on this machine
CONNECT_SECONDS = 30
TICK_SECONDS = 0.5  # how often the progress display is refreshed while nothing finishes
POLL_SECONDS = 5.0  # how often the client looks for workers that joined
STOP_SECONDS = 30.0  # for the workers to kill the batch's sandboxes after Ctrl-C
MIN_WINDOW = 16  # candidates in flight at least; 4 per worker beyond that
SWEEP_SECONDS = 10.0  # how often a Docker worker removes the containers of dead graders on its host
SWEEP_CALLBACK = "nlp-grader-sweep"
MAX_RESUBMITS = 2  # a task the scheduler lost (not a dead worker: Dask retries those) is submitted again
logger = logging.getLogger("grader.distributed")


class DaskExecutor:
    """Grades a batch's candidates on a Dask cluster; see the module docstring."""

    sweeps_here = False  # each worker sweeps its own host's leftover containers (GraderCheck.setup)

    def __init__(self, scheduler: str, local_workers: int) -> None:
        self.scheduler = scheduler
        self.local_workers = local_workers

    def sandbox(self, requested: str, hide: list[Path]) -> tuple[str, str]:
        """The sandbox the workers grade in: docker, unless ``process`` is asked for by name."""
        if requested == "process":
            return "process", ("WARNING: the Dask workers grade in the weaker 'process' sandbox, which is not a "
                               "security boundary.")
        return "docker", ""

    def grade(self, todo: list[Candidate], config: WorkerConfig, progress: Progress) -> None:
        """Grade ``todo`` on the cluster, storing each verdict in the results folder as it arrives."""
        if not todo:
            return  # a resumed batch with nothing left: no cluster to reach or start
        fingerprint = local_fingerprint(config.bank, config.exercises, config.sandbox)
        exercises = select(load_bank(config.bank), list(config.exercises))
        with connect(self.scheduler, self.local_workers) as client:
            _Run(client, fingerprint, config, exercises, progress).run(todo)

    def finish(self) -> None:
        """Nothing is left ending: the cluster's workers outlive the batch, or ended with connect()."""


@contextlib.contextmanager
def connect(scheduler: str, local_workers: int = 1) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler`` (an address or a scheduler file), or of a new LocalCluster.

    Security (TLS) comes from Dask's configuration, as for any Dask client (docs/distributed.md).
    """
    cluster = None
    try:
        if scheduler == LOCAL:
            try:
                with _ctrl_c_ignored():  # inherited by the worker processes: Ctrl-C is the client's to handle
                    cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                           silence_logs=logging.ERROR)
            except RuntimeError as exc:
                raise SandboxUnavailable(f"could not start a local Dask cluster: {exc}") from None
            client = Client(cluster)
        elif Path(scheduler).is_file():
            client = Client(scheduler_file=scheduler, timeout=CONNECT_SECONDS)
        else:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise SandboxUnavailable(f"no Dask scheduler answers at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes start: they keep ignoring it (Python leaves an ignored SIGINT alone)."""
    try:
        saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


def dashboard(client: Client) -> str:
    """The scheduler's dashboard link, or why there is none."""
    try:
        info = client.scheduler_info(n_workers=0)  # newer Dask lists 5 workers unless told
    except TypeError:
        info = client.scheduler_info()
    if "dashboard" not in (info.get("services") or {}):
        return "the Dask scheduler runs no dashboard (install bokeh beside it for one)"
    return f"Dask dashboard: {client.dashboard_link}"


def check_workers(scheduler: str, fingerprint: Fingerprint, bank: str | None) -> dict[str, HostCheck]:
    """``grader worker check``: every connected worker's check against ``fingerprint``, done afresh."""
    with connect(scheduler) as client:
        raw = client.run(_check_here, fingerprint.to_dict(), bank, on_error="return")
    return {addr: HostCheck.from_dict(answer) if isinstance(answer, dict) else
            HostCheck(addr, None, [f"the check failed: {type(answer).__name__}: {answer}"])
            for addr, answer in sorted(raw.items())}


async def _check_here(fingerprint: dict[str, Any], bank: str | None, dask_worker: Any = None) -> dict[str, Any]:
    host = dask_worker.address if dask_worker is not None else "?"
    check = await asyncio.to_thread(check_host, Fingerprint.from_dict(fingerprint),
                                  Path(bank) if bank else None, host)
    return check.to_dict()


# --- the worker side ----------------------------------------------------------------------------

class GraderCheck(WorkerPlugin):
    """On each worker: check it against the client's fingerprint; if it passes, give it the batch's resource."""

    def __init__(self, fingerprint: dict[str, Any], bank: str | None, resource: str) -> None:
        self.fingerprint, self.bank, self.resource = fingerprint, bank, resource
        self.name = resource  # one plugin per fingerprint: two clients' batches do not replace each other's

    async def setup(self, worker: Any) -> None:
        """Check this worker (in a thread: it asks the Docker engine), then advertise the resource or refuse."""
        expected = Fingerprint.from_dict(self.fingerprint)
        forget_check(expected.short)  # registered anew: check again (an image may have been built since)
        check = await asyncio.to_thread(verify, expected, self.bank, worker.address)
        if not check.ok:
            logger.error("nlp-grader: this worker refuses to grade for the client: %s", "; ".join(check.problems))
            return
        if expected.sandbox == "docker":
            await asyncio.to_thread(_sweep_leftovers)
            _keep_sweeping(worker)
        await worker.set_resources(**{self.resource: 1})
        _reconsider(worker)


def _reconsider(worker: Any) -> None:
    """Make the scheduler look at this worker again for tasks that no worker could take so far.

    A worker that joins after the batch started gets its resource after the scheduler placed the
    waiting tasks; a pause and resume is the scheduler's cue to place them again.
    """
    from distributed.core import Status

    if worker.status == Status.running:
        worker.status = Status.paused
        worker.status = Status.running


def _keep_sweeping(worker: Any) -> None:
    """Sweep this host's leftover containers every SWEEP_SECONDS while the worker lives.

    A worker killed with SIGKILL leaves containers behind: exited ones that nobody removes, busy
    ones, and ones that its orphaned ``docker run`` clients create after it died. Sweeping once,
    when a batch registers, would leave them until the next batch; the workers that survive clear
    them as they go instead. The worker stops its periodic callbacks when it closes.
    """
    from tornado.ioloop import PeriodicCallback

    if SWEEP_CALLBACK in worker.periodic_callbacks:
        return

    async def sweep() -> None:
        await asyncio.to_thread(_sweep_leftovers)  # the engine is asked from a thread, not the event loop

    callback = PeriodicCallback(sweep, SWEEP_SECONDS * 1000)
    worker.periodic_callbacks[SWEEP_CALLBACK] = callback
    callback.start()


def _sweep_leftovers() -> None:
    """Remove sandbox containers of dead graders on this host (a worker killed with SIGKILL leaves them)."""
    from grader.sandbox import docker_backend

    with contextlib.suppress(Exception):
        docker_backend.remove_leftover_containers()


def grade_task(payload: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """The Dask task: grade one packed candidate on this worker."""
    return grade_packed(payload, job, get_worker().address)


# --- the client side ----------------------------------------------------------------------------

class _Run:
    """One batch on a cluster: submit in a bounded window, store what returns, report the workers."""

    def __init__(self, client: Client, fingerprint: Fingerprint, config: WorkerConfig, exercises: list[Exercise],
                 progress: Progress) -> None:
        self.client, self.fingerprint, self.config = client, fingerprint, config
        self.exercises, self.progress = exercises, progress
        self.resource = f"nlp-grader-{fingerprint.short}"
        self.job = make_job(config, fingerprint)
        self.in_flight: dict[Future, tuple[Candidate, int]] = {}
        self.finished: queue.Queue[Future] = queue.Queue()
        self.pending: collections.deque[tuple[Candidate, int]] = collections.deque()
        self.seen: dict[str, bool] = {}  # worker address: may it grade?
        self.counts: collections.Counter[str] = collections.Counter()
        self.polled = 0.0
        self.waiting = False  # told that no connected worker may grade

    def run(self, todo: list[Candidate]) -> None:
        self.progress.note(dashboard(self.client))
        self.pending.extend((c, 0) for c in todo)
        try:
            self._check_workers()
            while self.pending or self.in_flight:
                self._fill()
                try:
                    future = self.finished.get(timeout=TICK_SECONDS)
                except queue.Empty:
                    future = None
                if future is not None and future in self.in_flight:
                    self._finish(future)
                self._poll_workers()
                self.progress.tick()
        except KeyboardInterrupt:
            self._stop()
            raise
        finally:
            if self.counts:
                told = ", ".join(f"{worker} {n}" for worker, n in sorted(self.counts.items()))
                self.progress.note(f"graded per Dask worker: {told}")
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(self.resource)

    # -- workers --------------------------------------------------------------------------------

    def _check_workers(self) -> None:
        """Register the check on every worker (and those to come); refuse to start if none may grade."""
        plugin = GraderCheck(self.fingerprint.to_dict(), self.job["bank"], self.resource)
        self.client.register_plugin(plugin, name=self.resource)
        answers = self._answers(None)
        if not answers:
            self.progress.note("no Dask worker is connected yet: the candidates wait for one")
        elif not any(check.ok for check in answers.values()):
            told = "; ".join(f"{addr}: {'; '.join(check.problems)}" for addr, check in sorted(answers.items()))
            raise SandboxUnavailable(f"no Dask worker may grade this batch: {told}")
        self.polled = time.monotonic()

    def _poll_workers(self) -> None:
        if time.monotonic() - self.polled < POLL_SECONDS:
            return
        self.polled = time.monotonic()
        connected = list(self.client.nthreads())
        new = [addr for addr in connected if addr not in self.seen]
        if new:
            self._answers(new)
        waiting = bool(self.in_flight) and not any(self.seen.get(addr) for addr in connected)
        if waiting and not self.waiting:
            self.progress.note("no connected Dask worker may grade this batch: the candidates wait for one")
        self.waiting = waiting

    def _answers(self, workers: list[str] | None) -> dict[str, HostCheck]:
        """The workers' checks (those whose plugin has run), each reported once."""
        raw = self.client.run(known_check, self.fingerprint.short, workers=workers, on_error="return")
        answers = {addr: HostCheck.from_dict(answer) for addr, answer in raw.items() if isinstance(answer, dict)}
        for addr, check in sorted(answers.items()):
            if addr not in self.seen:
                self.seen[addr] = check.ok
                self.progress.note(f"Dask worker {addr}: ready" if check.ok else
                                   f"Dask worker {addr} refuses to grade: {'; '.join(check.problems)}")
        return answers

    # -- candidates -----------------------------------------------------------------------------

    def _fill(self) -> None:
        window = max(MIN_WINDOW, 4 * len(self.seen))
        while self.pending and len(self.in_flight) < window:
            candidate, attempt = self.pending.popleft()
            try:
                payload = pack(candidate, self.exercises, self.config.results / ".work" / f"{candidate.key}-client")
            except Exception as exc:  # noqa: BLE001 - reading one candidate must not stop the batch
                self._store(infrastructure_error(candidate, self.config,
                                                 f"the grader failed reading this candidate: {type(exc).__name__}: "
                                                 f"{exc}"), "")
                continue
            future = self.client.submit(grade_task, payload, self.job, key=f"grade-{candidate.key}-"
                                        f"{secrets.token_hex(4)}", resources={self.resource: 1}, pure=False)
            self.in_flight[future] = (candidate, attempt)
            future.add_done_callback(self.finished.put)

    def _finish(self, future: Future) -> None:
        candidate, attempt = self.in_flight.pop(future)
        worker, record, status = "", None, future.status
        if status == "finished":
            try:
                reply = future.result()
            except Exception:  # noqa: BLE001 - the result was lost on its way (its worker died): as below
                reply, status = None, "lost"
        if status == "finished":
            if isinstance(reply, dict) and reply.get(STOPPED):
                return  # the batch was stopped under it: left pending
            worker = str(reply.get("worker", ""))[:200] if isinstance(reply, dict) else ""
            try:
                record = accept(reply, candidate, self.config)
            except (UntrustedReply, KeyError, TypeError, ValueError) as exc:
                record = infrastructure_error(candidate, self.config, f"the Dask worker's reply was refused: {exc}")
        elif status == "error":
            record = infrastructure_error(candidate, self.config, _explain(future.exception()))
        elif attempt < MAX_RESUBMITS:  # cancelled or lost by the scheduler (restarted, say): once more
            self.pending.appendleft((candidate, attempt + 1))
        else:
            record = infrastructure_error(candidate, self.config, f"the Dask scheduler lost this candidate's task "
                                          f"{attempt + 1} times ({status})")
        future.release()
        if record is not None:
            self._store(record, worker)

    def _store(self, record: CandidateRecord, worker: str) -> None:
        """Store a verdict atomically; a store that fails costs this candidate's files, never the batch."""
        try:
            save_record(self.config.results, record)
        except (OSError, ValueError) as exc:  # UnicodeError is a ValueError
            record.message = f"{record.message}; its results could not be saved: {exc}"
        if worker:
            if worker not in self.seen:  # joined since the last poll: say so before its first result
                with contextlib.suppress(Exception):
                    self._answers([worker])
            self.counts[worker] += 1
        self.progress.finished({**record.brief(), "worker": worker})

    def _stop(self) -> None:
        """Ctrl-C: cancel the futures and have every worker kill this batch's sandboxes, within bounds."""
        with contextlib.suppress(ValueError):  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        futures = list(self.in_flight)

        def stop() -> None:
            with contextlib.suppress(Exception):
                self.client.cancel(futures, force=True)
            with contextlib.suppress(Exception):
                self.client.run(stop_batch, self.config.batch_id, on_error="ignore")

        stopper = threading.Thread(target=stop, name="stop-dask-batch", daemon=True)
        stopper.start()
        stopper.join(STOP_SECONDS)
        self.progress.note(f"stopped: {len(futures)} candidate(s) cancelled on the Dask cluster"
                           if not stopper.is_alive() else "the Dask cluster did not confirm the stop in time")


def _explain(exc: BaseException | None) -> str:
    if isinstance(exc, KilledWorker):
        return (f"the Dask workers grading this candidate died {exc.allowed_failures + 1} times (the scheduler's "
                "allowed-failures); a rerun retries it")
    if isinstance(exc, WorkerRefused):
        return str(exc)
    return f"the grader failed on a Dask worker: {type(exc).__name__}: {exc}"
