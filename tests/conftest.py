"""Shared fixtures for the grader's own tests, and the Docker gate.

Tests marked ``docker`` need a Docker engine and the sandbox image. Where there is none they are
skipped, unless ``GRADER_REQUIRE_DOCKER=1`` (set by ``.ci/run``), which makes them fail instead:
CI must never go green by skipping the real sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.bank import load_bank
from grader.sandbox.process_backend import ProcessBackend

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MINI_BANK = DATA / "mini_bank"
OUTPUT = Path(__file__).resolve().parent / "output"


def docker_status() -> tuple[bool, str]:
    """Whether the docker backend can run here, and why not."""
    try:
        from grader.sandbox.docker_backend import docker_available
    except ImportError as exc:  # pragma: no cover - the backend module is part of the package
        return False, str(exc)
    return docker_available()


_DOCKER: dict[str, tuple[bool, str]] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is None:
        return
    if "status" not in _DOCKER:
        _DOCKER["status"] = docker_status()
    available, reason = _DOCKER["status"]
    if available:
        return
    if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
        pytest.fail(f"GRADER_REQUIRE_DOCKER=1 but the Docker sandbox is unavailable: {reason}")
    pytest.skip(f"no Docker sandbox: {reason}")


@pytest.fixture(scope="session")
def mini_bank() -> dict:
    return load_bank(MINI_BANK)


@pytest.fixture(scope="session")
def process_backend() -> ProcessBackend:
    return ProcessBackend()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
