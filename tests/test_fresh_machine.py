"""A machine with no Docker engine, or one that vanishes, leaves no trace in the grader.

The Docker client opens a socket as soon as it is asked anything. When the engine is absent,
refuses, or answers once and then disappears, ``--sandbox auto`` must fall back to the process
sandbox without leaving that socket (or anything else) open: under ``-W error`` an unclosed socket
is a ``ResourceWarning`` that turns into an error wherever the garbage collector happens to run.

Each case runs in a fresh interpreter with ``-W error -X dev``, imports every module of the
package and calls ``choose_backend("auto")``; whatever the interpreter prints about an unclosed
resource, or an ignored exception in a finaliser, fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

PROBE = r"""
import gc, importlib, pkgutil, warnings
import grader
for module in pkgutil.walk_packages(grader.__path__, "grader."):
    if not module.name.endswith((".worker", ".__main__")):  # entry points, run as scripts
        importlib.import_module(module.name)
from grader.sandbox.choose import choose_backend
backend, warning = choose_backend("auto")
print(backend.name)
print(warning)
del backend
gc.collect()
"""


def run_probe(docker_host: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_HOST"] = docker_host
    return subprocess.run(
        [sys.executable, "-W", "error", "-X", "dev", "-c", PROBE],
        capture_output=True, text=True, env=env, timeout=120,
    )


def assert_clean_fallback(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    name, warning = result.stdout.splitlines()[:2]
    assert name == "process"
    assert warning.startswith("WARNING: Docker sandbox unavailable")
    for leak in ("ResourceWarning", "unclosed", "Exception ignored"):
        assert leak not in result.stderr, result.stderr


def test_no_engine_at_all_leaves_nothing_open():
    assert_clean_fallback(run_probe("unix:///nonexistent/docker.sock"))


def test_an_engine_that_refuses_leaves_nothing_open():
    with socket.socket() as closed:  # a port that was free a moment ago: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert_clean_fallback(run_probe(f"tcp://127.0.0.1:{port}"))


class VanishingEngine:
    """A Unix socket that answers the first request (the client's ping) like an engine, then
    stops listening: the engine disappears between two calls of the same grading run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(str(path))
        self.server.listen(4)
        self.thread = threading.Thread(target=self._answer_once, daemon=True)

    def _answer_once(self) -> None:
        self.server.settimeout(30)
        while True:
            conn, _ = self.server.accept()
            with conn:
                if not conn.recv(65536):  # a bare connection attempt: no request to answer
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nApi-Version: 1.45\r\n"
                             b"Content-Length: 2\r\nConnection: close\r\n\r\nOK")
                break
        self.server.close()
        self.path.unlink()

    def __enter__(self) -> VanishingEngine:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(timeout=5)
        self.server.close()


def test_an_engine_that_vanishes_mid_run_leaves_nothing_open(tmp_path):
    with VanishingEngine(tmp_path / "docker.sock") as engine:
        result = run_probe(f"unix://{engine.path}")
    assert_clean_fallback(result)


@pytest.mark.parametrize("host", ["unix:///nonexistent/docker.sock"])
def test_docker_backend_reports_unavailable_and_closes(host, monkeypatch):
    """In this process too: the backend's failure is a clean SandboxUnavailable."""
    from grader.sandbox.base import SandboxUnavailable
    from grader.sandbox.docker_backend import DockerBackend

    monkeypatch.setenv("DOCKER_HOST", host)
    backend = DockerBackend()
    with pytest.raises(SandboxUnavailable, match="no Docker engine answers"):
        backend._connect()
    backend.close()
