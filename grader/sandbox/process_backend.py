"""The ``process`` sandbox: the worker as a confined subprocess, for machines with no Docker engine.

Confinement, as far as an ordinary process allows:

* ``python -I`` (no environment variables, no user site, no script directory on sys.path) in a
  private temporary directory, with a scrubbed environment;
* rlimits: address space, CPU time, file size, open files, no core dumps, and a process count
  once the worker runs as its own unprivileged user;
* no network, through a new network namespace, where ``unshare`` is allowed;
* when the grader runs as root, the worker drops to ``nobody`` (65534) first.

This is plainly weaker than the ``docker`` backend: the worker shares the host's kernel view,
filesystem and Python installation, so it can read world-readable files. It is for quick local
checks, not a security boundary; reports record which sandbox graded.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.limits import Limits
from grader.sandbox.base import ExitInfo

WORKER_FILES = ("worker.py", "wire.py")
SANDBOX_UID = 65534
# Passed through because some CPUs need them for a correct BLAS; they carry no secrets.
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class ProcessSandbox:
    """One confined worker process and its private directory."""

    def __init__(self, process: subprocess.Popen[bytes], workdir: Path, marker: str) -> None:
        self.process = process
        self.workdir = workdir
        self.marker = marker

    def kill(self) -> None:
        """Kill the worker's process group, then any process that still carries its marker."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        _kill_marked(self.marker)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def exit_info(self) -> ExitInfo:
        """Status of the ended worker. rlimit exhaustion shows up as MemoryError, not here."""
        code = self.process.poll()
        if code == -signal.SIGXCPU:
            return ExitInfo(code, detail="the sandbox used up its CPU-time limit")
        return ExitInfo(code)

    def cleanup(self) -> None:
        """Remove the private directory (and whatever the candidate wrote into it)."""
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class ProcessBackend:
    """Starts workers as confined subprocesses of the grader."""

    name = "process"

    def start(self, limits: Limits) -> ProcessSandbox:
        """Launch a fresh worker under these limits."""
        workdir = Path(tempfile.mkdtemp(prefix="nlp-grader-"))
        home = workdir / "home"
        home.mkdir()
        for name in WORKER_FILES:
            shutil.copyfile(Path(__file__).with_name(name), workdir / name)
        drop = os.geteuid() == 0
        if drop:
            os.chmod(workdir, 0o755)
            os.chown(home, SANDBOX_UID, SANDBOX_UID)
        marker = secrets.token_hex(8)
        command = _isolation_prefix(drop) + [sys.executable, "-I", str(workdir / "worker.py")]
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=home,
            env=_environment(home, limits, marker),
            preexec_fn=functools.partial(_apply_rlimits, limits, drop),  # noqa: PLW1509
            process_group=0,
            close_fds=True,
        )
        return ProcessSandbox(process, workdir, marker)


def _environment(home: Path, limits: Limits, marker: str) -> dict[str, str]:
    threads = str(max(1, int(limits.cpus)))
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "PYTHONDONTWRITEBYTECODE": "1",
        "NLP_GRADER_SANDBOX": marker,
    }
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env


def _apply_rlimits(limits: Limits, drop: bool) -> None:
    """Runs in the child between fork and exec: only async-signal-safe work here."""
    memory = limits.memory_mb * 1024 * 1024
    cpu = int(limits.submission_seconds + limits.load_seconds) + 5
    file_size = limits.file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    if drop:  # counted per user: only meaningful once the worker has a user of its own
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))


@functools.cache
def _isolation_prefix(drop: bool) -> list[str]:
    """``unshare`` for no network, and ``setpriv`` to drop root, where this machine allows."""
    prefix: list[str] = []
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    net = ["--net"] if drop else ["--user", "--net"]
    if unshare and _works([unshare, *net, "true"]):
        prefix = [unshare, *net, "--"]
    if drop:
        if not setpriv:
            raise RuntimeError("running as root needs setpriv (util-linux) to drop privileges")
        prefix += [setpriv, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups", "--"]
    return prefix


def network_isolated() -> bool:
    """Whether process sandboxes get a network namespace of their own on this machine."""
    return bool(_isolation_prefix(os.geteuid() == 0)) and "--net" in _isolation_prefix(os.geteuid() == 0)


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return False


def _kill_marked(marker: str) -> None:
    """Kill stragglers that left the process group (setsid) but kept the sandbox's environment."""
    needle = f"NLP_GRADER_SANDBOX={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
