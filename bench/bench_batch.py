"""Batch throughput: candidates per minute at ``--jobs 1`` and ``--jobs 2``, and the batch's own overhead.

Run by hand (it takes a few minutes in Docker)::

    .venv/bin/python bench/bench_batch.py                      # docker, 12 candidates
    .venv/bin/python bench/bench_batch.py --sandbox process --candidates 20

It prints:

* the single-submission cost: ``grade()`` of each candidate's file in this process, one after
  the other (what grading costs with no batch around it), and one ``grader grade`` run end to end;
* for each job count: the wall time of ``grader batch`` (the command, as a hiring team runs it)
  and its throughput in candidates per minute;
* the speed-up of ``--jobs 2`` over ``--jobs 1``;
* the per-candidate overhead of the batch at ``--jobs 1``: its wall time per candidate minus the
  single-submission cost (worker start-up, result files, summaries).

The candidates are the cosine_similarity reference, its alternatives and its known-wrong variants:
no hostile submissions, whose timeouts would measure the limits rather than the batch.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.bank import load_bank, secret_paths  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.sandbox.choose import choose_backend  # noqa: E402

EXERCISE = "cosine_similarity"
SEED = 4242
GRADER = Path(sys.executable).with_name("grader")


def candidates(count: int) -> list[Path]:
    """``count`` submissions, cycling through the reference, the alternatives and the wrong variants."""
    folder = ROOT / "exercises" / EXERCISE / "tests"
    pool = [ROOT / "reference" / f"{EXERCISE}.py", *sorted((folder / "alternative").glob("*.py")),
            *sorted((folder / "wrong").glob("*.py"))]
    return [pool[i % len(pool)] for i in range(count)]


def populate(files: list[Path], target: Path) -> None:
    target.mkdir(parents=True)
    for index, path in enumerate(files):
        shutil.copy(path, target / f"c{index:03d}_{path.name}")


def single_costs(files: list[Path], sandbox: str) -> list[float]:
    """Seconds to grade each file in this process, one after the other, with one backend."""
    exercise = load_bank()[EXERCISE]
    backend, _ = choose_backend(sandbox, hide=secret_paths())
    costs = []
    for path in files:
        started = time.perf_counter()
        grade(path, [exercise], backend, seed=SEED, limits=Limits.default(), explicit=True)
        costs.append(time.perf_counter() - started)
    return costs


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def batch_seconds(submissions: Path, results: Path, jobs: int, sandbox: str) -> float:
    return timed([str(GRADER), "batch", str(submissions), "-o", str(results), "-e", EXERCISE, "--sandbox", sandbox,
                  "--jobs", str(jobs), "--seed", str(SEED)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="docker", choices=["docker", "process"])
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    files = candidates(args.candidates)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        submissions = Path(tmp) / "subs"
        populate(files, submissions)
        print(f"{len(files)} candidates of {EXERCISE}, {args.sandbox} sandbox")
        costs = single_costs(files, args.sandbox)
        single = statistics.fmean(costs)
        one_off = timed([str(GRADER), "grade", str(files[0]), "-e", EXERCISE, "--sandbox", args.sandbox,
                         "--seed", str(SEED)])
        print(f"single submission, in-process grade(): mean {single:.2f} s, median {statistics.median(costs):.2f} s")
        print(f"single submission, `grader grade` end to end: {one_off:.2f} s")
        walls = {}
        for jobs in args.jobs:
            walls[jobs] = batch_seconds(submissions, Path(tmp) / f"results-{jobs}", jobs, args.sandbox)
            rate = 60 * len(files) / walls[jobs]
            print(f"--jobs {jobs}: {walls[jobs]:.1f} s, {rate:.1f} candidates/min, "
                  f"{walls[jobs] / len(files):.2f} s per candidate")
        report_ratios(walls, len(files), single)


def report_ratios(walls: dict[int, float], count: int, single: float) -> None:
    base = min(walls)
    for jobs, wall in sorted(walls.items()):
        if jobs != base:
            print(f"speed-up --jobs {jobs} over --jobs {base}: {walls[base] / wall:.2f}x (ideal {jobs / base:.0f}x)")
    per_candidate = walls[base] / count
    overhead = per_candidate - single
    print(f"batch overhead per candidate at --jobs {base}: {overhead:+.2f} s "
          f"({per_candidate / single:.2f}x the single-submission cost)")


if __name__ == "__main__":
    main()
