"""Choosing a sandbox backend: ``docker``, ``process``, or ``auto`` (docker when it can run)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.base import Backend
from grader.sandbox.process_backend import ProcessBackend

CHOICES = ("auto", "docker", "process")


def choose_backend(name: str, hide: Sequence[Path] = (), fallback: bool = True) -> tuple[Backend, str]:
    """The backend to grade with, and a warning to show (empty when there is none).

    ``hide`` is for the process backend: folders its workers must not see. A Docker container
    sees none of the host's files in the first place. Without ``fallback``, ``auto`` never
    settles for the process sandbox: it raises SandboxUnavailable instead (``grader batch``).
    """
    if name == "process":
        return ProcessBackend(hide), ""
    from grader.sandbox import docker_backend  # imported late: the docker SDK is only needed here

    available, reason = docker_backend.docker_available()
    if available:
        return docker_backend.DockerBackend(), ""
    if name == "docker":
        raise SandboxUnavailable(reason)
    if not fallback:
        raise SandboxUnavailable(
            f"the Docker sandbox is unavailable ({reason}), and a batch never falls back to the weaker "
            "process sandbox by itself: a ranking of candidates should not be computed in it by accident. "
            "Pass --sandbox process to grade in it anyway, or --sandbox docker once Docker works"
        )
    return ProcessBackend(hide), (
        f"WARNING: Docker sandbox unavailable ({reason}); grading in the weaker 'process' sandbox, "
        "which is not a security boundary."
    )
