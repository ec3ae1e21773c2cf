"""Cost per submission of grading the cosine exercise, by how the hidden tests are run.

Run by hand (``make bench`` or ``python bench/bench_sandbox.py``); prints seconds and ratios:

* floor   -- the hidden tests in this process against the imported reference: no sandbox at all;
* process -- ``grade()`` with the process sandbox;
* docker  -- ``grade()`` with the docker sandbox (one container per submission, judge outside);
* naive   -- what most graders do: ``docker run ... pytest`` per submission, with the tests and
             the oracles inside the container (the judge's venv mounted read-only).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.bank import load_bank, secret_paths  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.sandbox.process_backend import ProcessBackend  # noqa: E402

EXERCISE = load_bank()["cosine_similarity"]
REFERENCE = EXERCISE.reference


def timed(function, repeats: int) -> float:
    """Median seconds of ``repeats`` calls, after one warm-up call."""
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def floor() -> None:
    args = [str(EXERCISE.hidden_tests), "-p", "grader.direct", "--submission", str(REFERENCE),
            "--probes", str(EXERCISE.probes), "-q", "-p", "no:cacheprovider", "--noconftest",
            "--import-mode=importlib", "-c", os.devnull, "--rootdir", str(EXERCISE.root), "-W", "ignore"]
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args)
    assert code == 0, f"the reference failed in-process ({code})"


def with_backend(backend) -> None:
    result = grade(REFERENCE, [EXERCISE], backend, seed=1, explicit=True)
    assert result.percent == 100, result.exercises[0].tests


def naive(image: str) -> None:
    venv = Path(sys.prefix)
    base = Path(os.path.realpath(sys.executable)).parents[1]  # the interpreter behind the venv
    command = [
        "docker", "run", "--rm", "--network", "none",
        "-v", f"{ROOT}:{ROOT}:ro", "-v", f"{base}:{base}:ro", "-v", f"{venv}:{venv}:ro",
        "-w", "/tmp", image, str(venv / "bin" / "python"), "-m", "pytest",
        str(EXERCISE.hidden_tests), "-p", "grader.direct", "--submission", str(REFERENCE),
        "--probes", str(EXERCISE.probes), "-q", "-p", "no:cacheprovider", "--noconftest",
        "--import-mode=importlib", "-c", "/dev/null", "--rootdir", str(EXERCISE.root), "-W", "ignore",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--naive-image", default="nlp-grader-base", help="image for the naive run")
    options = parser.parse_args()
    from grader.sandbox.docker_backend import DockerBackend, docker_available

    results = {"floor": timed(floor, options.repeats)}
    results["process"] = timed(lambda: with_backend(ProcessBackend(hide=secret_paths())), options.repeats)
    available, reason = docker_available()
    if available:
        results["docker"] = timed(lambda: with_backend(DockerBackend()), options.repeats)
        results["naive"] = timed(lambda: naive(options.naive_image), options.repeats)
    else:
        print(f"docker skipped: {reason}")
    print(f"cosine_similarity, reference, median of {options.repeats} (seconds per submission):")
    for name, seconds in results.items():
        print(f"  {name:8s} {seconds:7.3f} s   {seconds / results['floor']:5.2f}x floor")
    if "docker" in results:
        print(f"  docker / naive = {results['docker'] / results['naive']:.2f}")


if __name__ == "__main__":
    main()
