"""The hostile corpus (tests/hostile): no submission can raise its own score or touch the host.

Each case in ``tests/hostile/cases.toml`` is graded for real in each backend it lists. It must
score no more than an honest stub (0: ``grader validate`` proves every stub scores 0), end every
test in one of the expected outcomes, leave no process or container behind, leave the host's
files alone, and leave the grader healthy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import resource
import socket
import threading
import time
import tomllib
from pathlib import Path

import pytest

from grader.bank import load_bank, secret_paths
from grader.grading import grade
from grader.sandbox.process_backend import ProcessBackend, marked_processes

HOSTILE = Path(__file__).parent / "hostile"
CASES = tomllib.loads((HOSTILE / "cases.toml").read_text())
# Paths attacks try to write on the host; none may exist after grading.
ROOT = Path(__file__).resolve().parent.parent
HOST_SENTINELS = [
    Path("/autograder"),
    Path("/tmp/results.json"),
    Path("/etc/nlp-grader-owned"),
    ROOT / "exercises" / "cosine_similarity" / "owned.txt",
    ROOT / "results.json",
]
LIMITS = {"call_seconds": 2, "submission_seconds": 10, "load_seconds": 10, "memory_mb": 1024}
LISTENER_PORTS = range(47123, 47131)  # network_exfiltration.py tries each of them
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


def leftovers(backend) -> list[str]:
    """Processes or containers that this backend started and that are still there."""
    if isinstance(backend, ProcessBackend):
        return [str(pid) for marker in backend.markers for pid in marked_processes(marker)]
    import docker

    label = f"nlp-grader.owner-pid={os.getpid()}"
    return [c.name for c in docker.from_env().containers.list(all=True, filters={"label": label})]


def bank_digest() -> str:
    """One hash over every file of the bank and the references: proof that nothing changed."""
    digest = hashlib.sha256()
    for folder in (ROOT / "exercises", ROOT / "reference"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def loopback_listener():
    """A server on the host's loopback that no sandbox may reach; yields the accepted count."""
    accepted: list[int] = []
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for port in LISTENER_PORTS:  # the first free one: test runs may overlap on one machine
        try:
            server.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        server.close()
        pytest.fail(f"no free port in {LISTENER_PORTS} for the loopback listener")
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                server.accept()[0].close()
                accepted.append(1)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield accepted
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize(("case", "backend"), list(params()))
def test_hostile_submission_gains_nothing(case, backend, loopback_listener):
    spec = CASES[case]
    exercise = load_bank()[spec["exercise"]]
    if spec.get("forbidden"):
        names = tuple(dict.fromkeys(exercise.forbidden + tuple(spec["forbidden"])))
        exercise = dataclasses.replace(exercise, forbidden=names)
    submission = HOSTILE / case if (HOSTILE / case).is_dir() else HOSTILE / f"{case}.py"
    for sentinel in HOST_SENTINELS:
        assert not sentinel.exists(), f"{sentinel} exists before the test: clean the host first"
    before = bank_digest()

    sandbox = make_backend(backend)
    started = time.monotonic()
    overrides = {**LIMITS, **spec.get("limits", {})}
    result = grade(submission, [exercise], sandbox, seed=11, overrides=overrides, explicit=True)
    seconds = time.monotonic() - started

    graded = result.exercises[0]
    assert graded.score == 0, [(t.name, t.outcome.value) for t in graded.tests if t.passed]
    unexpected = {(t.name, t.outcome.value) for t in graded.tests if t.outcome.value not in spec["outcomes"]}
    assert not unexpected, f"outcomes outside {spec['outcomes']}: {sorted(unexpected)}"
    assert seconds < spec.get("max_seconds", float("inf")), f"grading took {seconds:.1f} s"
    for text in spec.get("never_said", []):
        assert not [t.message for t in graded.tests if text in t.message], f"the attack worked: {text}"
    if spec.get("strikes_out"):  # a forbidden-API verdict, found statically, replaces the message
        last = graded.tests[-1]
        assert last.message.startswith(("not run: the sandbox was already stopped 2 times", "forbidden:"))
    assert not leftovers(sandbox), "the sandbox left processes or containers behind"
    for sentinel in HOST_SENTINELS:
        assert not sentinel.exists(), f"the submission wrote {sentinel} on the host"
    assert bank_digest() == before, "the bank or a reference changed"
    assert not loopback_listener, "the sandbox reached a server on the host's loopback"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < MAX_GRADER_RSS_MB
    assert os.getpid() > 0  # still here: the grader process survived
