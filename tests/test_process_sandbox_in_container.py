"""The process sandbox's containment, graded for real inside a throwaway test container.

Fork-then-allocate, System V IPC between candidates, files left in world-writable folders and the
grader's git history are attacks on the host: they run here inside a container, never on the host
itself. The container gets the capability that ``unshare`` needs (SYS_ADMIN, never given to a
sandbox), a memory limit of its own (a tree that escaped the sandbox's limit would take the
container, not the host) and the checkout and its interpreter read-only at their own paths.

Three machines, one container each: root with a writable cgroupfs (the cgroup path), root without
one, and an ordinary user (both: the watchdog). About a minute each; the last two are ``slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.process_backend import _git_folders

from .conftest import ROOT

pytestmark = pytest.mark.docker
TEST_IMAGE = "nlp-grader-process-test"
SCRIPT = ROOT / "tests" / "data" / "process_sandbox_in_container.py"


@pytest.fixture(scope="module")
def image() -> str:
    """A test image: the sandbox image's userland, as root, with /root traversable."""
    from grader.image import expected_image_tag

    dockerfile = f"FROM {expected_image_tag()}\nUSER root\nRUN chmod 0755 /root\n"
    done = subprocess.run(["docker", "build", "-q", "-t", TEST_IMAGE, "-"], input=dockerfile, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return TEST_IMAGE


def run_in_container(image: str, *extra: str) -> dict:
    base = Path(os.path.realpath(sys.base_prefix))
    interpreter = Path("/usr") if base.is_relative_to("/usr") else base
    mounts = [interpreter, ROOT, *_git_folders(ROOT)]
    volumes = [flag for path in dict.fromkeys(mounts) for flag in ("-v", f"{path}:{path}:ro")]
    command = [
        "docker", "run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
        "--security-opt", "apparmor=unconfined", "--memory", "3g", "--memory-swap", "3g", "--pids-limit", "4096",
        "--network", "none", "-e", "PYTHONDONTWRITEBYTECODE=1", *volumes, *extra, image,
        sys.executable, "-I", str(SCRIPT),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"the container failed ({done.returncode}): {done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(report: dict) -> None:
    assert report["isolation"], "no namespaces in the test container"
    cases = report["cases"]
    for case, runs in cases.items():
        for run in runs:
            assert run["score"] == 0, (case, run)
            assert not run["left_running"], (case, run)
            said = " ".join(run["messages"])
            assert "FOUND-OTHER" not in said and "LEAK" not in said, (case, said)
    for run in cases["fork_then_allocate"]:
        assert run["outcomes"] == ["memory"], run
        assert any("together went over 1024 MB" in m for m in run["messages"]), run
        assert run["seconds"] < 60, run
    assert any("LEFT-A-MARK" in m for m in cases["ipc_channel"][0]["messages"])  # the attack did run
    assert any("HIDDEN" in m for m in cases["read_the_git_history"][0]["messages"])
    assert report["shm_left"] == [] and report["files_left"] == []


def test_as_root_with_a_cgroup(image):
    report = run_in_container(image, "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw")
    assert report["uid"] == 0 and report["cgroup"], report
    check(report)


@pytest.mark.slow
def test_as_root_without_a_cgroup(image):
    report = run_in_container(image)
    assert report["uid"] == 0 and not report["cgroup"], report
    check(report)


@pytest.mark.slow
def test_as_an_ordinary_user(image):
    # An ordinary user may mount a /proc of its own only where the container's /proc is not masked.
    report = run_in_container(image, "--user", "1000:1000", "--security-opt", "systempaths=unconfined")
    assert report["uid"] == 1000 and not report["cgroup"], report
    check(report)
