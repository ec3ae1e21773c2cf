"""A distributed batch's task as plain data both ways: what the client ships, what a worker returns.

The client (:mod:`grader.batch.distributed`) never shares a file system with the workers:

1. :func:`pack` reads one candidate on the client, exactly as a local batch does
   (:func:`grader.batch.candidates.resolve_files`: the answering file of each exercise, zips
   extracted safely), into a dict of strings: the sources, or why each cannot be loaded.
2. :func:`grade_packed` runs on a Dask worker: it grades those sources with the worker's own
   sandbox and judge (its own Docker engine and bank), one candidate at a time per worker process,
   and returns plain data: the batch record and the JSON result model (``SubmissionResult.to_dict``).
3. :func:`accept` checks that reply on the client before anything is stored: the result must pass
   ``grader/reports/result.schema.json``, rebuild into the result model and back to the very same
   dict (so its scores are the sum of its tests' points), and carry this batch's seed, sandbox,
   exercises and candidate. Anything else is an ``infrastructure-error``, never a stored grade.

The worker also keeps, per batch, the sandboxes it is running, so that a client that stops (Ctrl-C)
can kill them (:func:`stop_batch`): Dask cannot interrupt a running task, but a task whose
sandboxes are killed, and which may start no new one, ends at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import shutil
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from grader.bank import Exercise, load_bank, secret_paths, select
from grader.batch.candidates import Candidate, resolve_files
from grader.batch.fingerprint import Fingerprint, HostCheck, check_host, worker_bank
from grader.batch.worker import WorkerConfig
from grader.errors import CandidateInvalid, SandboxUnavailable
from grader.grading import grade_sources
from grader.limits import Limits
from grader.results import SubmissionResult
from grader.sandbox.base import Backend, RunningSandbox, SandboxSession
from grader.sandbox.choose import choose_backend
from grader.sandbox.session import Session
from grader.submission import SourceFile
from grader.summary import CandidateRecord, Status, now

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "reports" / "result.schema.json"
TEXT_CAP = 200_000  # a record's message or detail, in characters
STOPPED = "stopped"  # a reply's marker: the client stopped this batch, nothing was graded


class TrackedBackend:
    """A backend that remembers the sandboxes it started, so that a stopping worker can kill them."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.live: list[RunningSandbox] = []
        self.refuse = False

    def open_session(self, limits: Limits) -> SandboxSession:
        """A session whose workers are started (and so tracked) by this backend."""
        return Session(self, limits)

    def start(self, limits: Limits) -> RunningSandbox:
        """Start a sandbox, unless the worker is stopping."""
        if self.refuse:
            raise SandboxUnavailable("the batch is stopping")
        sandbox = self.inner.start(limits)
        self.live.append(sandbox)
        return sandbox

    def kill_all(self) -> None:
        """Kill and remove every sandbox this worker started (each call is safe to repeat)."""
        self.refuse = True
        for sandbox in list(self.live):
            with contextlib.suppress(Exception):
                sandbox.kill()
            with contextlib.suppress(Exception):
                sandbox.cleanup()

    def forget(self) -> None:
        """The candidate is done and its sessions closed: nothing left to kill."""
        self.live.clear()


class UntrustedReply(ValueError):
    """A worker's reply that does not pass the client's checks: it is never stored as a grade."""


class WorkerRefused(RuntimeError):
    """This worker failed its check against the client's fingerprint: it grades nothing."""


# --- what every task of a batch carries --------------------------------------------------------

def make_job(config: WorkerConfig, fingerprint: Fingerprint) -> dict[str, Any]:
    """The batch's settings for a worker, as plain data (a few hundred bytes, sent with each task)."""
    return {"sandbox": config.sandbox, "bank": str(config.bank) if config.bank else None,
            "exercises": list(config.exercises), "seed": config.seed, "overrides": dict(config.overrides),
            "batch_id": config.batch_id, "fingerprint": fingerprint.to_dict(),
            "hide": [str(p) for p in config.hide]}  # for the process sandbox, on a worker that shares the client's disk


# --- the client: packing ------------------------------------------------------------------------

def pack(candidate: Candidate, exercises: list[Exercise], workspace: Path) -> dict[str, Any]:
    """One candidate's sources as plain data, read on the client as a local batch reads them."""
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
    return {
        "candidate": candidate.name, "key": candidate.key, "kind": candidate.kind, "invalid": invalid,
        "files": {slug: {"path": str(f.path) if f.path is not None else None, "source": f.source,
                         "problem": f.problem} for slug, f in files.items()},
    }


def packed_bytes(payload: dict[str, Any]) -> int:
    """The size of a packed candidate, as the benchmark's model counts it."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogateescape"))


# --- the worker ---------------------------------------------------------------------------------

class _WorkerSide:
    """What a worker process keeps between tasks: checks, banks, backends, and running sandboxes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # the state below
        self.grading = threading.Lock()  # one grading at a time: the judge runs pytest in-process
        self.checks: dict[str, HostCheck] = {}  # by fingerprint
        self.running: dict[str, set[TrackedBackend]] = {}  # by batch id
        self.stopped: set[str] = set()


_SIDE = _WorkerSide()


def verify(fingerprint: Fingerprint, bank: str | None, host: str) -> HostCheck:
    """This worker's check against a client's fingerprint, done once per fingerprint and process."""
    with _SIDE.lock:
        known = _SIDE.checks.get(fingerprint.short)
    if known is None:
        known = check_host(fingerprint, Path(bank) if bank else None, host)
        with _SIDE.lock:
            _SIDE.checks[fingerprint.short] = known
    return known


def known_check(short: str) -> dict[str, Any] | None:
    """The stored check for a fingerprint (for the client: which workers may grade), or None."""
    with _SIDE.lock:
        check = _SIDE.checks.get(short)
    return check.to_dict() if check else None


def forget_check(short: str) -> None:
    """Check again next time (a plugin registered anew: the image may have been built since)."""
    with _SIDE.lock:
        _SIDE.checks.pop(short, None)


def grade_packed(payload: dict[str, Any], job: dict[str, Any], host: str = "") -> dict[str, Any]:
    """Grade one packed candidate on this worker; return plain data (see the module docstring).

    Raises :class:`WorkerRefused` on a worker that failed its check: it never grades.
    """
    fingerprint = Fingerprint.from_dict(job["fingerprint"])
    check = verify(fingerprint, job["bank"], host)
    if not check.ok:
        raise WorkerRefused(f"worker {host or '?'} refuses to grade: " + "; ".join(check.problems))
    with _SIDE.grading:
        backend = _open(job)
        if backend is None:
            return {STOPPED: True}
        try:
            record = _grade(payload, job, backend)
        finally:
            backend.forget()
            stopped = _close(job["batch_id"], backend)
    if stopped:
        return {STOPPED: True}  # its sandboxes were killed under it: not a grade
    result = record.result.to_dict() if record.result is not None else None
    return {"record": record.to_dict(), "result": result, "worker": host}


def stop_batch(batch_id: str) -> int:
    """Kill every sandbox this worker runs for the batch, and start none for it again; return how many."""
    with _SIDE.lock:
        _SIDE.stopped.add(batch_id)
        backends = list(_SIDE.running.get(batch_id, ()))
    killed = sum(len(b.live) for b in backends)
    for backend in backends:
        backend.kill_all()
    return killed


def _open(job: dict[str, Any]) -> TrackedBackend | None:
    with _SIDE.lock:
        if job["batch_id"] in _SIDE.stopped:
            return None
        backend = TrackedBackend(_backend(job["sandbox"], worker_bank(job["bank"]), tuple(job.get("hide", ()))))
        _SIDE.running.setdefault(job["batch_id"], set()).add(backend)
    return backend


def _close(batch_id: str, backend: TrackedBackend) -> bool:
    """Unregister the backend; True when the batch was stopped meanwhile."""
    with _SIDE.lock:
        _SIDE.running.get(batch_id, set()).discard(backend)
        return batch_id in _SIDE.stopped


@functools.lru_cache(maxsize=8)
def _backend(sandbox: str, bank: Path | None, hide: tuple[str, ...]) -> Backend:
    # sandbox is never "auto" here; the process sandbox hides the bank, and the client's submissions
    # and results when this worker shares its disk (a LocalCluster)
    backend, _warning = choose_backend(sandbox, hide=secret_paths(bank) + [Path(p) for p in hide])
    return backend


@functools.lru_cache(maxsize=8)
def _exercises(bank: Path | None, slugs: tuple[str, ...]) -> list[Exercise]:
    return select(load_bank(bank), list(slugs))


def _grade(payload: dict[str, Any], job: dict[str, Any], backend: Backend) -> CandidateRecord:
    """The candidate's verdict; a grader fault becomes an infrastructure error, never an exception.

    The statuses follow :func:`grader.batch.worker.build_record` (tests/test_distributed.py checks
    that a local and a distributed batch agree on every kind of candidate).
    """
    record = CandidateRecord(payload["candidate"], payload["key"], payload["kind"], Status.INFRASTRUCTURE_ERROR,
                             job["seed"], list(job["exercises"]), job["batch_id"], sandbox=job["sandbox"],
                             started_at=now())
    clock = time.monotonic()
    try:
        exercises = _exercises(worker_bank(job["bank"]), tuple(job["exercises"]))
        files = {slug: SourceFile(Path(f["path"]) if f["path"] is not None else None, f["source"], f["problem"])
                 for slug, f in payload["files"].items()}
        result = grade_sources(payload["candidate"], files, exercises, backend, seed=job["seed"],
                               overrides=job["overrides"])
        unloadable = [f"{ex.file}: {files[ex.slug].problem}" for ex in exercises if files[ex.slug].problem]
        record.result = result
        if payload["invalid"] or len(unloadable) == len(exercises):
            record.status, record.message = Status.INVALID, payload["invalid"] or "; ".join(unloadable)
        else:
            record.status = Status.GRADED
            record.message = "; ".join(e.load_error for e in result.exercises if e.load_error)
        record.sandbox = result.sandbox
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the batch: it is reported
        record.result = None
        record.status = Status.INFRASTRUCTURE_ERROR
        record.message = f"the grader failed on this candidate: {type(exc).__name__}: {exc}"
        record.detail = traceback.format_exc(limit=20)
    record.duration = round(time.monotonic() - clock, 3)
    return record


# --- the client: checking what comes back -------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # part of the distributed extra

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_result(data: Any) -> SubmissionResult:
    """A result dict, checked against the JSON schema and rebuilt; raise :class:`UntrustedReply`."""
    if not isinstance(data, dict):
        raise UntrustedReply(f"the result is a {type(data).__name__}, not an object")
    error = next(iter(_validator().iter_errors(data)), None)
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "the top"
        raise UntrustedReply(f"the result fails the result schema at {where}: {error.message[:300]}")
    result = SubmissionResult.from_dict(data)
    if result.to_dict() != {k: v for k, v in data.items() if k != "schema_version"}:
        raise UntrustedReply("the result's scores are not the sum of its tests' points")
    for exercise in result.exercises:
        for test in exercise.tests:
            if not (math.isfinite(test.points) and test.points <= test.max_points):
                raise UntrustedReply(f"test {test.name[:100]} has {test.points} of {test.max_points} points")
    return result


def accept(reply: Any, candidate: Candidate, config: WorkerConfig) -> CandidateRecord:
    """The record to store for ``candidate``, built from a worker's reply once it passes every check.

    Who the candidate is, the seed, the exercises and the batch come from the client, never from
    the reply; the reply must agree with them.
    """
    if not isinstance(reply, dict) or not isinstance(reply.get("record"), dict):
        raise UntrustedReply("the reply is not a record")
    raw = reply["record"]
    status = _field(raw, "status", str)
    if status not in (Status.GRADED, Status.INVALID, Status.INFRASTRUCTURE_ERROR):
        raise UntrustedReply(f"unknown status {status[:50]!r}")
    if _field(raw, "sandbox", str) != config.sandbox:
        raise UntrustedReply(f"graded in the {_field(raw, 'sandbox', str)[:50]} sandbox, not {config.sandbox}")
    duration = _field(raw, "duration", (int, float))
    if not (math.isfinite(duration) and duration >= 0):
        raise UntrustedReply(f"a duration of {duration}")
    result = None
    if Status(status).final or reply.get("result") is not None:
        result = check_result(reply.get("result"))
        _check_agrees(result, candidate, config)
    return CandidateRecord(candidate.name, candidate.key, candidate.kind, Status(status), config.seed,
                           list(config.exercises), config.batch_id, message=_text(raw, "message"),
                           detail=_text(raw, "detail"), sandbox=config.sandbox,
                           started_at=_text(raw, "started_at")[:100], duration=float(duration), result=result)


def _check_agrees(result: SubmissionResult, candidate: Candidate, config: WorkerConfig) -> None:
    if result.seed != config.seed:
        raise UntrustedReply(f"graded with seed {result.seed}, not the batch's {config.seed}")
    if result.sandbox != config.sandbox:
        raise UntrustedReply(f"the result says sandbox {result.sandbox}, not {config.sandbox}")
    if [e.slug for e in result.exercises] != list(config.exercises):
        raise UntrustedReply("the result's exercises are not the batch's")
    if result.submission != candidate.name:
        raise UntrustedReply("the result is another candidate's")


def _field(raw: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = raw.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UntrustedReply(f"the record's {name} is missing or of the wrong type")
    return value


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name, "")
    if not isinstance(value, str):
        raise UntrustedReply(f"the record's {name} is not text")
    return value[:TEXT_CAP]


def infrastructure_error(candidate: Candidate, config: WorkerConfig, message: str) -> CandidateRecord:
    """The record of a candidate the cluster could not grade (a rerun retries it)."""
    return CandidateRecord(candidate.name, candidate.key, candidate.kind, Status.INFRASTRUCTURE_ERROR, config.seed,
                           list(config.exercises), config.batch_id, sandbox=config.sandbox, started_at=now(),
                           message=message)


def reset_worker_state() -> None:
    """Forget every check and stopped batch (tests, and a worker reused across batches)."""
    with _SIDE.lock:
        _SIDE.checks.clear()
        _SIDE.stopped.clear()
    with contextlib.suppress(Exception):
        _backend.cache_clear()
        _exercises.cache_clear()

