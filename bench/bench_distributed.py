"""Distributed batch: the local pool against ``--scheduler local`` (Dask), and the numbers behind a model at scale.

Run by hand (a few minutes in Docker)::

    .venv/bin/python bench/bench_distributed.py                      # docker, 12 candidates
    .venv/bin/python bench/bench_distributed.py --sandbox process --candidates 20

It prints:

* the wall time and candidates per minute of ``grader batch`` with the local process pool and with
  ``--scheduler local`` (a LocalCluster on this machine), at each ``--jobs`` (1 and 2 workers);
* the Dask overhead per candidate: (Dask wall - pool wall) / candidates, at the same job count;
  it includes starting the LocalCluster and checking its workers, paid once per batch;
* the client's own work per candidate, measured in this process on the batch's real results:
  reading the sources (``pack``), checking a reply against the schema (``accept``), storing it
  atomically (``save_record``); and the bytes each way (sources out, reply back);
* the scheduler's overhead per task: 500 empty tasks through a one-worker LocalCluster;
* a model of 10,000 candidates on 50 workers built from those numbers (docs/distributed.md
  states its assumptions).

The candidates are the cosine_similarity reference, its alternatives and its known-wrong variants,
as in bench_batch.py. On a 2-core machine, expect little gain from a second worker.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import EXERCISE, GRADER, SEED, candidates, populate  # noqa: E402

from grader.bank import load_bank  # noqa: E402
from grader.batch.candidates import discover  # noqa: E402
from grader.batch.remote import accept, pack, packed_bytes  # noqa: E402
from grader.batch.store import save_record  # noqa: E402
from grader.batch.worker import WorkerConfig  # noqa: E402

MODEL_CANDIDATES, MODEL_WORKERS = 10_000, 50


def batch_seconds(submissions: Path, results: Path, jobs: int, sandbox: str, dask: bool) -> float:
    command = [str(GRADER), "batch", str(submissions), "-o", str(results), "-e", EXERCISE, "--sandbox", sandbox,
               "--jobs", str(jobs), "--seed", str(SEED)] + (["--scheduler", "local"] if dask else [])
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def grading_seconds(results: Path) -> list[float]:
    """Each candidate's grading time as its worker measured it (status.json)."""
    return [json.loads(p.read_text())["duration"] for p in sorted((results / "candidates").glob("*/status.json"))]


def _best(action: Any, tries: int = 5) -> tuple[float, Any]:
    """The fastest of ``tries`` runs of ``action()`` (the machine is shared: the minimum is its own cost)."""
    best, value = float("inf"), None
    for _ in range(tries):
        started = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - started)
    return best, value


def client_costs(submissions: Path, results: Path, sandbox: str, scratch: Path) -> dict[str, float]:
    """Per candidate, on the client (fastest of 5 runs each): pack, accept, store; and bytes out and back."""
    exercises = [load_bank()[EXERCISE]]
    settings = json.loads((results / "batch.json").read_text())
    config = WorkerConfig(sandbox, (), None, (EXERCISE,), SEED, {}, scratch, settings["batch_id"])
    (scratch / "candidates").mkdir(parents=True)
    costs: dict[str, list[float]] = {"pack": [], "accept": [], "store": [], "out": [], "back": [], "stored": []}
    for candidate in discover(submissions):
        seconds, payload = _best(lambda c=candidate: pack(c, exercises, scratch / "work"))
        costs["pack"].append(seconds)
        folder = results / "candidates" / candidate.key
        record = json.loads((folder / "status.json").read_text())
        result = json.loads((folder / "result.json").read_text())
        result.pop("schema_version")
        reply = {"record": record, "result": result, "worker": "tcp://127.0.0.1:1"}
        seconds, checked = _best(lambda c=candidate, r=reply: accept(r, c, config))
        costs["accept"].append(seconds)
        costs["store"].append(_best(lambda r=checked: save_record(scratch, r))[0])
        costs["out"].append(packed_bytes(payload))
        costs["back"].append(len(pickle.dumps(reply)))
        costs["stored"].append(sum(p.stat().st_size for p in (scratch / "candidates" / candidate.key).iterdir()))
    return {name: statistics.fmean(values) for name, values in costs.items()}


def _noop(x: int) -> int:
    return x


def scheduler_overhead(tasks: int = 500) -> float:
    """Seconds per task through a one-worker LocalCluster: submit, run nothing, gather."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.gather(client.map(_noop, range(20), pure=False))  # warm up
        started = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        return (time.perf_counter() - started) / tasks


def startup_seconds(workers: int) -> float:
    """Seconds to start a LocalCluster of ``workers``, check them (the plugin) and shut it down: once per batch."""
    from grader.batch.distributed import GraderCheck, connect
    from grader.batch.fingerprint import local_fingerprint

    fingerprint = local_fingerprint(None, [EXERCISE], "docker")
    started = time.perf_counter()
    with connect("local", workers) as client:
        client.register_plugin(GraderCheck(fingerprint.to_dict(), None, "bench"), name="bench")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="docker", choices=["docker", "process"])
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each setting, interleaved; the fastest counts")
    args = parser.parse_args()
    files = candidates(args.candidates)
    print(f"{len(files)} candidates of {EXERCISE}, {args.sandbox} sandbox; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp:
        submissions = Path(tmp) / "subs"
        populate(files, submissions)
        walls: dict[tuple[str, int], float] = {}
        for run in range(args.repeat):  # interleaved, so that a change of load hits every setting alike
            for jobs in args.jobs:
                for name in ("pool", "dask"):
                    results = Path(tmp) / f"{name}-{jobs}-{run}"
                    wall = batch_seconds(submissions, results, jobs, args.sandbox, name == "dask")
                    graded = grading_seconds(results)
                    print(f"{name:4} --jobs {jobs}: {wall:6.1f} s, {60 * len(files) / wall:5.1f} candidates/min "
                          f"(grading itself: mean {statistics.fmean(graded):.2f} s per candidate; load "
                          f"{os.getloadavg()[0]:.1f})", flush=True)
                    if wall < walls.get((name, jobs), float("inf")):
                        walls[name, jobs] = wall
                        shutil.rmtree(Path(tmp) / f"{name}-{jobs}", ignore_errors=True)
                        results.rename(Path(tmp) / f"{name}-{jobs}")
        print(f"fastest of {args.repeat} run(s) each:")
        for jobs in args.jobs:
            extra = (walls["dask", jobs] - walls["pool", jobs]) / len(files)
            print(f"Dask overhead per candidate at --jobs {jobs}: {extra:+.2f} s "
                  f"(Dask wall / pool wall = {walls['dask', jobs] / walls['pool', jobs]:.2f})")
        grading = statistics.fmean(grading_seconds(Path(tmp) / f"dask-{min(args.jobs)}"))
        client = client_costs(submissions, Path(tmp) / f"dask-{min(args.jobs)}", args.sandbox, Path(tmp) / "scratch")
    per_task = scheduler_overhead()
    for jobs in args.jobs:
        print(f"LocalCluster of {jobs} worker(s): start, check the workers, stop: {startup_seconds(jobs):.1f} s")
    print(f"client per candidate: pack {1000 * client['pack']:.1f} ms, "
          f"check the reply {1000 * client['accept']:.1f} ms, "
          f"store it {1000 * client['store']:.1f} ms; {client['out'] / 1024:.1f} KiB out, "
          f"{client['back'] / 1024:.1f} KiB back")
    print(f"scheduler overhead per task (LocalCluster, 500 empty tasks' mean): {1000 * per_task:.2f} ms")
    model(grading, client, per_task)


def model(grading: float, client: dict[str, float], per_task: float) -> None:
    """10,000 candidates on 50 workers, from the measured costs (assumptions in docs/distributed.md)."""
    n, w = MODEL_CANDIDATES, MODEL_WORKERS
    grading_wall = n * grading / w
    client_serial = n * (client["pack"] + client["accept"] + client["store"])
    scheduler_serial = n * per_task
    print(f"model, {n} candidates on {w} workers (one grading slot each, {grading:.2f} s per candidate as measured "
          "here; it scales with the exercises graded):")
    print(f"  grading: {grading_wall / 60:.1f} min of wall time if the workers are the bottleneck")
    print(f"  client, serial: {client_serial:.0f} s in all ({client_serial / grading_wall:.1%} of that wall time)")
    print(f"  scheduler: {scheduler_serial:.0f} s in all ({scheduler_serial / grading_wall:.1%})")
    print(f"  network: {n * client['out'] / 2**20:.0f} MiB out, {n * client['back'] / 2**20:.0f} MiB back; "
          f"results folder {n * client['stored'] / 2**20:.0f} MiB (result.json, junit.xml, status.json)")


if __name__ == "__main__":
    main()
