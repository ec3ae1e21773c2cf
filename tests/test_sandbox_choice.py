"""``--sandbox auto`` falls back to the process sandbox for one grading, never for a batch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import choose, docker_backend
from grader.sandbox.base import SandboxUnavailable
from grader.sandbox.process_backend import ProcessBackend

from .conftest import DATA, MINI_BANK


@pytest.fixture
def no_docker(monkeypatch):
    monkeypatch.setattr(docker_backend, "docker_available", lambda: (False, "no engine here"))


def test_auto_falls_back_with_a_warning_for_one_grading(no_docker):
    backend, warning = choose.choose_backend("auto")
    assert isinstance(backend, ProcessBackend) and "not a security boundary" in warning


def test_auto_without_fallback_refuses_and_says_how_to_choose(no_docker):
    with pytest.raises(SandboxUnavailable, match="never falls back .* --sandbox process"):
        choose.choose_backend("auto", fallback=False)
    backend, warning = choose.choose_backend("process", fallback=False)
    assert isinstance(backend, ProcessBackend) and not warning


def test_grader_batch_on_a_machine_without_docker_refuses_auto(tmp_path):
    submissions = tmp_path / "takehomes"
    submissions.mkdir()
    (submissions / "ada.py").write_text((DATA / "reference" / "adder.py").read_text())
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    grader = str(Path(sys.executable).with_name("grader"))
    command = [grader, "batch", str(submissions), "-o", str(tmp_path / "results"), "--bank", str(MINI_BANK)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "never falls back" in done.stderr and "--sandbox process" in done.stderr
    assert not (tmp_path / "results" / "summary.csv").exists()
