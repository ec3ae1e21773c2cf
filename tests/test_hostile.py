"""The hostile corpus (tests/hostile): no submission can raise its own score or touch the host.

Each case in ``tests/hostile/cases.toml`` is graded for real in each backend it lists. It must
score no more than an honest stub (0: ``grader validate`` proves every stub scores 0), end every
test in one of the expected outcomes, leave no process or container behind, leave the host's
files alone, and leave the grader healthy.
"""

from __future__ import annotations

import os
import resource
import tomllib
from pathlib import Path

import pytest

from grader.bank import load_bank, secret_paths
from grader.grading import grade
from grader.limits import Limits
from grader.sandbox.process_backend import ProcessBackend

HOSTILE = Path(__file__).parent / "hostile"
CASES = tomllib.loads((HOSTILE / "cases.toml").read_text())
# Paths attacks try to write on the host; none may exist after grading.
HOST_SENTINELS = [Path("/autograder"), Path("/tmp/results.json"), Path("/etc/nlp-grader-owned")]
LIMITS = Limits(call_seconds=3, submission_seconds=40, memory_mb=1024)
MAX_GRADER_RSS_MB = 3000


def params():
    for name, case in CASES.items():
        for backend in case["backends"]:
            marks = [pytest.mark.docker] if backend == "docker" else []
            yield pytest.param(name, backend, id=f"{name}-{backend}", marks=marks)


def make_backend(name: str):
    if name == "process":
        return ProcessBackend(hide=secret_paths())
    from grader.sandbox.docker_backend import DockerBackend

    return DockerBackend()


def leftover_sandbox_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"NLP_GRADER_SANDBOX=" in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def leftover_containers() -> list[str]:
    from grader.sandbox import docker_backend

    return docker_backend.list_sandbox_containers()


@pytest.mark.parametrize(("case", "backend"), list(params()))
def test_hostile_submission_gains_nothing(case, backend):
    spec = CASES[case]
    exercise = load_bank()[spec["exercise"]]
    submission = HOSTILE / f"{case}.py"
    for sentinel in HOST_SENTINELS:
        assert not sentinel.exists(), f"{sentinel} exists before the test: clean the host first"

    result = grade(submission, [exercise], make_backend(backend), seed=11, limits=LIMITS, explicit=True)

    graded = result.exercises[0]
    assert graded.score == 0, [(t.name, t.outcome.value) for t in graded.tests if t.passed]
    unexpected = {(t.name, t.outcome.value) for t in graded.tests if t.outcome.value not in spec["outcomes"]}
    assert not unexpected, f"outcomes outside {spec['outcomes']}: {sorted(unexpected)}"
    assert not leftover_sandbox_processes()
    if backend == "docker":
        assert not leftover_containers()
    for sentinel in HOST_SENTINELS:
        assert not sentinel.exists(), f"the submission wrote {sentinel} on the host"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < MAX_GRADER_RSS_MB
    assert os.getpid() > 0  # still here: the grader process survived
