"""``grader batch --scheduler``: grading on Dask workers, with the client keeping the results folder.

* Without a cluster: the result schema, the client's checks of a worker's reply (a tampered reply is
  never stored), and the worker's check of itself against the client (another bank never grades).
* ``--scheduler local`` (a LocalCluster, process sandbox): the same verdicts as the local pool on
  every kind of candidate, resume, workers that refuse, a candidate that kills its worker twice.
* Docker, marked ``docker``: a real ``dask scheduler`` and two ``dask worker`` processes on
  127.0.0.1 grade a batch with the same scores as a local batch; a worker SIGKILLed mid-task costs
  nothing; Ctrl-C leaves no sandbox running on the workers.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.bank import load_bank
from grader.batch.candidates import discover
from grader.batch.fingerprint import WORKER_BANK_ENV, Fingerprint, check_host, local_fingerprint
from grader.batch.remote import SCHEMA_PATH, UntrustedReply, WorkerRefused, accept, grade_packed, make_job, pack
from grader.batch.worker import WorkerConfig
from grader.results import ExerciseResult, SubmissionResult, TestResult
from grader.summary import Status

from .conftest import MINI_BANK
from .test_batch import (
    ADDER,
    ADDER_STUB,
    GRADER,
    SLOW_ADDER,
    SUBTRACTS,
    alive,
    by_name,
    command_lines,
    containers_owned_by,
    descendants,
    finished_count,
    populate_adder_batch,
    read_csv,
    start_batch,
    wait_for,
    with_kill,
)

DASK = Path(sys.executable).with_name("dask")
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
COMPARED = ("status", "adder", "total", "percent", "message")


def run_grader(*args: Any, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(GRADER), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def same_rows(left: Path, right: Path) -> dict[str, dict[str, str]]:
    """The two batches' summary rows agree on every verdict; return one side's rows by name."""
    a, b = by_name(read_csv(left)), by_name(read_csv(right))
    assert set(a) == set(b)
    for name in a:
        for column in COMPARED:
            assert a[name][column] == b[name][column], (name, column, a[name], b[name])
    return a


# --- the result schema --------------------------------------------------------------------------

def test_the_result_schema_is_sound_and_names_every_field_of_the_model(tmp_path: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    fields = {f.name for f in dataclasses.fields(SubmissionResult)} | {"score", "max_score", "percent"}
    assert set(SCHEMA["properties"]) - {"schema_version"} == fields
    assert set(SCHEMA["$defs"]["exercise"]["properties"]) == \
        {f.name for f in dataclasses.fields(ExerciseResult)} | {"score", "percent"}
    assert set(SCHEMA["$defs"]["test"]["properties"]) == {f.name for f in dataclasses.fields(TestResult)}
    done = run_grader("grade", SUBTRACTS, "--bank", MINI_BANK, "-e", "adder", "--sandbox", "process",
                      "--json", tmp_path / "r.json")
    assert done.returncode == 0, done.stdout + done.stderr
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads((tmp_path / "r.json").read_text()))


# --- the client checks every reply --------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_reply(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real reply of grade_packed (process sandbox, in this process), with what produced it."""
    root = tmp_path_factory.mktemp("reply")
    (root / "subs").mkdir()
    shutil.copy(SUBTRACTS, root / "subs" / "carol.py")
    (candidate,) = discover(root / "subs")
    exercises = [load_bank(MINI_BANK)["adder"]]
    config = WorkerConfig("process", (), MINI_BANK, ("adder",), 11, {}, root / "results", "batch1")
    job = make_job(config, local_fingerprint(MINI_BANK, ["adder"], "process"))
    reply = grade_packed(pack(candidate, exercises, root / "work"), job, "tcp://127.0.0.1:1")
    return {"reply": reply, "candidate": candidate, "config": config, "job": job}


def test_a_true_reply_is_stored_as_the_workers_verdict(graded_reply: dict[str, Any]) -> None:
    record = accept(graded_reply["reply"], graded_reply["candidate"], graded_reply["config"])
    assert record.status == Status.GRADED and record.result is not None
    assert 0 < record.result.score < record.result.max_score == 10  # subtracts: some points, not all
    assert record.seed == 11 and record.batch_id == "batch1" and record.sandbox == "process"
    assert graded_reply["reply"]["worker"] == "tcp://127.0.0.1:1"


def _inflate(reply: dict[str, Any]) -> None:
    reply["result"]["score"] = reply["result"]["max_score"]
    reply["result"]["percent"] = 100.0


def _overpaid(reply: dict[str, Any]) -> None:
    test = reply["result"]["exercises"][0]["tests"][0]
    test["points"] = test["max_points"] + 5
    exercise = reply["result"]["exercises"][0]
    exercise["score"] = round(sum(t["points"] for t in exercise["tests"]), 6)
    exercise["percent"] = round(100 * exercise["score"] / exercise["max_score"], 2)
    reply["result"]["score"] = exercise["score"]
    reply["result"]["percent"] = min(100.0, exercise["percent"])


TAMPERINGS = {
    "a score that is not the sum of the points": _inflate,
    "more points than a test is worth": _overpaid,
    "a field the schema does not know": lambda r: r["result"].update(pickle="gASVCAAAAAAAAACMBHRlc3SULg=="),
    "an outcome that does not exist": lambda r: r["result"]["exercises"][0]["tests"][0].update(outcome="excellent"),
    "another seed": lambda r: r["result"].update(seed=12),
    "another candidate": lambda r: r["result"].update(submission="mallory.py"),
    "another sandbox": lambda r: r["record"].update(sandbox="docker"),
    "an unknown status": lambda r: r["record"].update(status="hired"),
    "no result for a graded candidate": lambda r: r.update(result=None),
    "a result that is not an object": lambda r: r.update(result=["not", "a", "result"]),
    "a negative duration": lambda r: r["record"].update(duration=-1.0),
    "no record at all": lambda r: r.pop("record"),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_reply_is_refused(graded_reply: dict[str, Any], tampering: str) -> None:
    reply = copy.deepcopy(graded_reply["reply"])
    TAMPERINGS[tampering](reply)
    with pytest.raises(UntrustedReply):
        accept(reply, graded_reply["candidate"], graded_reply["config"])


# --- the worker checks itself against the client -------------------------------------------------

def test_a_worker_with_another_bank_refuses_and_never_grades(tmp_path: Path, graded_reply: dict[str, Any],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    expected = local_fingerprint(MINI_BANK, ["adder"], "process")
    same, changed = tmp_path / "same", tmp_path / "changed"
    shutil.copytree(MINI_BANK, same)
    shutil.copytree(MINI_BANK, changed)
    hidden = changed / "adder" / "tests" / "hidden" / "test_adder.py"
    hidden.write_text(hidden.read_text().replace("points(2)", "points(20)", 1))

    assert check_host(expected, MINI_BANK, "w").ok
    assert check_host(expected, same, "w").ok, "the same bank elsewhere is the same bank"
    refused = check_host(expected, changed, "w")
    assert not refused.ok and "bank" in refused.problems[0] and expected.bank_hash in refused.problems[0]
    missing = check_host(expected, tmp_path / "nowhere", "w")
    assert not missing.ok and WORKER_BANK_ENV in missing.problems[0]

    monkeypatch.setenv(WORKER_BANK_ENV, str(changed))
    job = {**graded_reply["job"], "fingerprint": {**expected.to_dict(), "python": "2.7"}}  # another fingerprint
    with pytest.raises(WorkerRefused, match="bank"):
        grade_packed({"candidate": "x"}, job, "tcp://127.0.0.1:2")


def test_the_fingerprint_round_trips_and_names_what_differs() -> None:
    mine = local_fingerprint(MINI_BANK, ["adder"], "docker")
    assert Fingerprint.from_dict(json.loads(json.dumps(mine.to_dict()))) == mine
    other = dataclasses.replace(mine, packages=(("numpy", "1.0"),), code_hash="0" * 16)
    assert other.short != mine.short
    from grader.batch.fingerprint import differences

    told = " ".join(differences(mine, other))
    assert "grader code" in told and "numpy 1.0" in told


def test_worker_check_by_hand(tmp_path: Path) -> None:
    done = run_grader("worker", "check", "--sandbox", "process", "--bank", MINI_BANK)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "this machine: ready" in done.stdout and "bank " in done.stdout
    refused = run_grader("worker", "check", "--bank", MINI_BANK, env={"GRADER_SANDBOX_IMAGE": "nlp-grader-nope:0"})
    assert refused.returncode == 1 and "REFUSES" in refused.stdout and "Docker sandbox" in refused.stdout


def test_a_scheduler_address_that_cannot_work_is_a_clear_error(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    for address in ("nonsense://x", "tcp://127.0.0.1"):
        done = run_grader("batch", subs, "-o", tmp_path / "results", "--bank", MINI_BANK, "--scheduler", address)
        assert done.returncode == 3 and f"no Dask scheduler answers at {address}" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    checked = run_grader("worker", "check", "--bank", MINI_BANK, "--scheduler", "nonsense://x")
    assert checked.returncode == 3 and "no Dask scheduler answers" in checked.stderr


def test_without_a_scheduler_dask_is_not_even_imported(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    script = ("import sys\nfrom pathlib import Path\nfrom grader.batch.run import BatchRequest, run_batch\n"
              f"run_batch(BatchRequest(Path({str(subs)!r}), Path({str(tmp_path / 'results')!r}), "
              f"bank=Path({str(MINI_BANK)!r}), sandbox='process', jobs=1))\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'bokeh')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


# --- a LocalCluster on this machine (process sandbox) --------------------------------------------

LOCAL = ("--bank", MINI_BANK, "--sandbox", "process", "--jobs", "2", "--seed", "5")


def test_a_local_cluster_gives_every_kind_of_candidate_the_local_pools_verdict(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    populate_adder_batch(subs)
    pool = run_grader("batch", subs, "-o", tmp_path / "pool", *LOCAL)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    dask = run_grader("batch", subs, "-o", tmp_path / "dask", *LOCAL, "--scheduler", "local")
    assert dask.returncode == 0, dask.stdout + dask.stderr
    rows = same_rows(tmp_path / "pool", tmp_path / "dask")
    assert {r["status"] for r in rows.values()} == {Status.GRADED, Status.INVALID}
    assert "Dask dashboard: http://127.0.0.1:" in dask.stderr
    assert "graded per Dask worker: tcp://127.0.0.1:" in dask.stderr
    assert " on tcp://127.0.0.1:" in dask.stdout  # each candidate's line names its worker
    for name in ("candidates/alice.py/result.json", "candidates/alice.py/junit.xml", "report.html", "batch.json"):
        assert (tmp_path / "dask" / name).is_file(), name

    again = run_grader("batch", subs, "-o", tmp_path / "dask", *LOCAL, "--scheduler", "local")
    count = len(read_csv(tmp_path / "dask"))  # by_name also keys rows by their entries' names
    assert again.returncode == 0 and f"{count} already done (resuming); grading 0" in again.stdout


def test_ctrl_c_on_a_local_cluster_stops_its_workers_quietly(tmp_path: Path) -> None:
    slow, results = tmp_path / "slow", tmp_path / "results"
    slow.mkdir()
    for index in range(4):
        (slow / f"slow{index}.py").write_text(SLOW_ADDER)
    batch = start_batch(slow, "-o", results, *LOCAL, "--scheduler", "local")
    try:
        wait_for(lambda: any("sandbox/worker.py" in line for line in command_lines(descendants(batch.pid))), 120,
                 "a sandbox to run")
        family = descendants(batch.pid)
        os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the LocalCluster's workers get it too
        output, _ = batch.communicate(timeout=120)
    finally:
        with_kill(batch)
    assert batch.returncode == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "interrupted" in output and Status.PENDING in {r["status"] for r in read_csv(results)}
    wait_for(lambda: not alive(family), 30, f"the workers and sandboxes to end: {command_lines(alive(family))}")


def test_a_client_killed_with_sigkill_resumes_where_it_stopped(tmp_path: Path) -> None:
    slow, results = tmp_path / "slow", tmp_path / "results"
    slow.mkdir()
    for index in range(6):
        (slow / f"slow{index}.py").write_text(SLOW_ADDER)
    args = (slow, "-o", results, *LOCAL, "--scheduler", "local")
    batch = start_batch(*args)
    try:
        wait_for(lambda: finished_count(results) >= 2, 180, "two results")
        family = descendants(batch.pid)
        batch.kill()  # the client alone: its LocalCluster's workers are orphaned
        batch.wait(timeout=10)
    finally:
        with_kill(batch)
    wait_for(lambda: not alive(family), 60, f"orphaned workers to end: {command_lines(alive(family))}")
    done_before = finished_count(results)
    assert 2 <= done_before < 6
    rerun = run_grader("batch", *args)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{done_before} already done (resuming); grading {6 - done_before}" in rerun.stdout
    rows = read_csv(results)
    assert len(rows) == 6 and {r["total"] for r in rows} == {"10"}


def killer_bank(root: Path) -> Path:
    """The adder bank, whose judge kills its own process on an answer of 666 (a crash in the judge)."""
    bank = root / "killer_bank"
    shutil.copytree(MINI_BANK, bank)
    hidden = bank / "adder" / "tests" / "hidden" / "test_adder.py"
    hidden.write_text(hidden.read_text() + '''

@pytest.mark.points(1)
def test_judge_survives(submission):
    """The judge survives the answer."""
    if submission.add(0, 0) == 666:
        import os
        import signal
        os.kill(os.getpid(), signal.SIGKILL)
''')
    toml = bank / "adder" / "exercise.toml"
    toml.write_text(toml.read_text().replace("points = 10", "points = 11"))
    return bank


def test_a_candidate_that_kills_its_worker_twice_is_an_infrastructure_error(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "fine.py")
    (subs / "killer.py").write_text(ADDER.read_text() + "\n\n_add = add\n\n\ndef add(a, b):\n"
                                    "    return 666 if (a, b) == (0, 0) else _add(a, b)\n")
    bank = killer_bank(tmp_path)
    done = run_grader("batch", subs, "-o", tmp_path / "results", "--bank", bank, "--sandbox", "process",
                      "--jobs", "2", "--scheduler", "local",
                      env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}, timeout=600)
    assert done.returncode == 3, done.stdout + done.stderr  # an infrastructure error: rerun to retry
    rows = by_name(read_csv(tmp_path / "results"))
    assert rows["fine.py"]["status"] == Status.GRADED and rows["fine.py"]["total"] == "11"
    assert rows["killer.py"]["status"] == Status.INFRASTRUCTURE_ERROR
    assert "died 2 times" in rows["killer.py"]["message"]


def test_workers_with_another_bank_refuse_and_the_batch_says_why(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    changed = tmp_path / "changed"
    shutil.copytree(MINI_BANK, changed)
    (changed / "adder" / "exercise.toml").write_text((MINI_BANK / "adder" / "exercise.toml").read_text()
                                                     .replace("points = 10", "points = 100"))
    done = run_grader("batch", subs, "-o", tmp_path / "results", *LOCAL, "--scheduler", "local",
                      env={WORKER_BANK_ENV: str(changed)})  # LocalCluster workers inherit it
    assert done.returncode == 3, done.stdout + done.stderr
    assert "no Dask worker may grade this batch" in done.stderr and "bank" in done.stderr
    assert not (tmp_path / "results" / "candidates" / "a.py").exists()


# --- a real scheduler and two workers, in Docker ------------------------------------------------

class DaskCluster:
    """``dask scheduler`` and ``dask worker`` processes bound to 127.0.0.1 (no nanny: a kill is a death)."""

    def __init__(self, root: Path) -> None:
        self.root, self.log = root, root / "dask.log"
        self.logs = self.log.open("wb")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        self.address = ""

    def start(self, workers: int) -> None:
        scheduler_file = self.root / "scheduler.json"
        self._spawn("scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
                    "--scheduler-file", str(scheduler_file))
        wait_for(scheduler_file.exists, 60, "the scheduler")
        self.address = json.loads(scheduler_file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        for _ in range(workers):
            self.add_worker()
        self.wait_for_workers(workers)

    def add_worker(self, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        worker = self._spawn("worker", self.address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                             "--no-dashboard", "--name", f"w{len(self.workers)}", env=env)
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int) -> None:
        wait_for(lambda: self.log.read_bytes().count(b"Registered to:") >= count, 120, f"{count} worker(s)")

    def _spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([str(DASK), *args], stdout=self.logs, stderr=subprocess.STDOUT,
                                   start_new_session=True, env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.logs.close()


@contextlib.contextmanager
def dask_cluster(root: Path, workers: int = 2) -> Iterator[DaskCluster]:
    cluster = DaskCluster(root)
    try:
        cluster.start(workers)
        yield cluster
    finally:
        cluster.stop()


def test_a_joining_worker_is_checked_then_grades_and_one_with_another_bank_never_does(tmp_path: Path) -> None:
    subs, results, output = tmp_path / "subs", tmp_path / "results", tmp_path / "batch.log"
    subs.mkdir()
    for index in range(3):
        shutil.copy(ADDER, subs / f"c{index}.py")
    with dask_cluster(tmp_path, workers=0) as cluster, output.open("w") as log:
        batch = subprocess.Popen([str(GRADER), "batch", str(subs), "-o", str(results), *map(str, LOCAL),
                                  "--scheduler", cluster.address], stdout=log, stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)
        try:
            wait_for(lambda: "no Dask worker is connected yet" in output.read_text(), 120, "the batch to wait")
            cluster.add_worker()  # its resource comes after the scheduler placed the waiting tasks
            assert batch.wait(timeout=180) == 0, output.read_text()
        finally:
            with_kill(batch)
        checked = run_grader("worker", "check", "--scheduler", cluster.address, "--sandbox", "process",
                             "--bank", MINI_BANK)
        assert checked.returncode == 0 and checked.stdout.count(": ready") == 1, checked.stdout + checked.stderr

        # A second worker with another bank: it refuses, says why, and the good one grades everything.
        changed = tmp_path / "changed"
        shutil.copytree(MINI_BANK, changed)
        hidden = changed / "adder" / "tests" / "hidden" / "test_adder.py"
        hidden.write_text(hidden.read_text() + "\n# another version of the hidden tests\n")
        cluster.add_worker(env={WORKER_BANK_ENV: str(changed)})
        cluster.wait_for_workers(2)
        checked = run_grader("worker", "check", "--scheduler", cluster.address, "--sandbox", "process",
                             "--bank", MINI_BANK)
        assert checked.returncode == 1 and "REFUSES" in checked.stdout and "bank" in checked.stdout
        mixed = run_grader("batch", subs, "-o", results, *LOCAL, "--scheduler", cluster.address, "--force")
        assert mixed.returncode == 0, mixed.stdout + mixed.stderr
        assert "refuses to grade: its bank" in mixed.stderr
        graders = {line.rsplit(" on ", 1)[1].split(" |")[0] for line in mixed.stdout.splitlines() if line[:1] == "["}
        assert len(graders) == 1 and mixed.stdout.count(": graded 10/10") == 3
    text = output.read_text()
    assert "ready" in text and text.count(": graded 10/10") == 3, text


@pytest.mark.docker
def test_a_dask_cluster_grades_in_docker_like_a_local_batch_and_survives_a_lost_worker(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for index in range(3):
        shutil.copy(ADDER, subs / f"right{index}.py")
    shutil.copy(ADDER_STUB, subs / "stub.py")
    shutil.copy(SUBTRACTS, subs / "subtracts.py")
    (subs / "broken.py").write_text("def add(a, b)\n")
    (subs / "empty.py").write_text("")
    slow = tmp_path / "slow"
    slow.mkdir()
    for index in range(8):
        (slow / f"slow{index}.py").write_text(SLOW_ADDER)
    options = ("--bank", MINI_BANK, "--sandbox", "docker", "--seed", "21")

    local = run_grader("batch", subs, "-o", tmp_path / "local", *options, "--jobs", "2")
    assert local.returncode == 0, local.stdout + local.stderr
    with dask_cluster(tmp_path) as cluster:
        address, workers = cluster.address, cluster.workers
        remote = run_grader("batch", subs, "-o", tmp_path / "remote", *options, "--scheduler", address)
        assert remote.returncode == 0, remote.stdout + remote.stderr
        rows = same_rows(tmp_path / "local", tmp_path / "remote")
        distinct = {id(r) for r in rows.values()}  # by_name keys each row twice (with and without .py)
        assert len(distinct) == 7 and rows["right0.py"]["total"] == "10" and rows["empty.py"]["status"] == "invalid"
        lines = [line for line in remote.stdout.splitlines() if line.startswith("[")]
        assert len(lines) == 7 and all(" on tcp://127.0.0.1:" in line for line in lines)
        assert "graded per Dask worker: tcp://127.0.0.1:" in remote.stderr

        # A worker SIGKILLed while its sandbox runs: Dask gives its candidate to the other worker.
        batch = start_batch(slow, "-o", tmp_path / "slow-results", *options, "--scheduler", address)
        try:
            victim = workers[0]
            wait_for(lambda: bool(containers_owned_by({victim.pid})), 120, "a sandbox on the first worker")
            victim.kill()
            victim.wait(timeout=10)
            output, _ = batch.communicate(timeout=300)
        finally:
            with_kill(batch)
        assert batch.returncode == 0, output
        slow_rows = by_name(read_csv(tmp_path / "slow-results"))
        assert len({id(r) for r in slow_rows.values()}) == 8
        assert {r["status"] for r in slow_rows.values()} == {Status.GRADED}
        assert {r["total"] for r in slow_rows.values()} == {"10"}
        assert len(list((tmp_path / "slow-results" / "candidates").iterdir())) == 8
        assert output.count(": graded 10/10") == 8, output  # every candidate exactly once
        wait_for(lambda: not containers_owned_by({victim.pid}), 60, "the dead worker's sandbox to end")

        # Ctrl-C on the client: nothing keeps running on the (surviving) worker.
        shutil.rmtree(tmp_path / "slow-results")
        batch = start_batch(slow, "-o", tmp_path / "slow-results", *options, "--scheduler", address)
        try:
            survivor = workers[1].pid
            wait_for(lambda: bool(containers_owned_by({survivor})), 120, "a sandbox on the surviving worker")
            os.killpg(batch.pid, signal.SIGINT)
            output, _ = batch.communicate(timeout=120)
        finally:
            with_kill(batch)
        assert batch.returncode == 130, output
        wait_for(lambda: not containers_owned_by({survivor}), 30, "the worker's sandboxes to be killed")
        family = descendants(survivor)
        wait_for(lambda: not alive(family - {survivor}), 30, "the worker's sandbox clients to end")
