"""The ``docker`` sandbox: one hardened container per session, running the worker from the image.

The run flags follow the OWASP Docker security cheat sheet and what PrairieLearn, Exercism and
Judge0 do (docs/docker.md explains each): no network, a read-only root with a small tmpfs, an
unprivileged user, no capabilities, no privilege escalation, and cgroup limits on memory, CPU and
processes taken from :class:`~grader.limits.Limits` in :func:`limit_flags`. The container never
sees docker.sock, never runs privileged and never gets the host's environment.

The worker's frames and the candidate's output travel over a Unix socket that the judge listens on
and mounts into the container (:class:`~grader.sandbox.link.ChannelSocket`), where the engine runs
on this machine's filesystem; elsewhere, and whenever the worker cannot reach the socket, over the
pipes of the ``docker run -i`` client, which the engine relays. The Docker SDK does the management:
finding the image, waiting for the container, killing it by name, reading ``OOMKilled``, removing
it, and sweeping containers that an interrupted grader left behind (they carry labels naming the
grader's host and pid).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import docker
import docker.errors
import requests

from grader.errors import ImageError, SandboxUnavailable
from grader.limits import Limits
from grader.sandbox import wire
from grader.sandbox.base import ExitInfo, close_pipes, pid_alive
from grader.sandbox.image import docker_client, expected_image_tag, image_exists
from grader.sandbox.link import ChannelSocket, remove_leftover_channels
from grader.sandbox.session import Session

SANDBOX_USER = "65534:65534"  # nobody:nogroup
TMPFS = "/tmp:rw,nosuid,nodev,size=256m"  # tmpfs pages count against --memory too
LABEL_SANDBOX = "nlp-grader.sandbox"
LABEL_OWNER_HOST = "nlp-grader.owner-host"
LABEL_OWNER_PID = "nlp-grader.owner-pid"
NAME_PREFIX = "nlp-grader-"
POLL_SECONDS = 0.02
CLIENT_EXIT_SECONDS = 5.0  # the `docker run` client ends once its container is gone
CHANNEL_SETTING_ENV = "GRADER_DOCKER_CHANNEL"  # "pipes": never a socket (the default: one where possible)
CHANNEL_IN_CONTAINER = "/run/nlp-grader-channel.sock"

# Flags that do not depend on the limits. See docs/docker.md for why each is here.
# (fmt: off keeps each flag beside its value.)
# fmt: off
HARDENING_FLAGS = (
    "--init",  # a real PID 1 reaps zombies and passes signals on
    "--network", "none",
    "--read-only",
    "--tmpfs", TMPFS,
    "--user", SANDBOX_USER,
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
    # The worker's stdout/stderr reach us through the attached client; a logging driver would
    # also copy every byte the candidate prints onto the host's disk, without a cap.
    "--log-driver", "none",
    "-e", "HOME=/tmp",
    "-e", "TMPDIR=/tmp",
    # The worker runs with -I -B, which ignores this; it is for Python processes the candidate
    # starts itself (multiprocessing, subprocess), which inherit the environment.
    "-e", "PYTHONDONTWRITEBYTECODE=1",
)
# fmt: on


def limit_flags(limits: Limits) -> list[str]:
    """The one place where :class:`Limits` become ``docker run`` flags."""
    memory = f"{limits.memory_mb}m"
    threads = str(max(1, int(limits.cpus)))  # BLAS/OpenMP would otherwise start one per host core
    # fmt: off
    return [
        "--memory", memory,
        "--memory-swap", memory,  # equal to --memory: no swap, so the limit is a hard one
        "--cpus", f"{limits.cpus:g}",
        "--pids-limit", str(limits.pids),
        "--ulimit", "nofile=1024:1024",
        "--ulimit", f"fsize={limits.file_size_mb * 1024 * 1024}",  # bytes, as setrlimit takes
        "--ulimit", "core=0",
        "-e", f"OMP_NUM_THREADS={threads}",
        "-e", f"MKL_NUM_THREADS={threads}",
        "-e", f"OPENBLAS_NUM_THREADS={threads}",
    ]
    # fmt: on


def docker_run_command(
    limits: Limits, *, name: str, image: str, command: Sequence[str] | None = None, channel: str | None = None,
) -> list[str]:
    """The full ``docker run`` argv for one sandbox; ``command=None`` runs the image's worker, and
    ``channel`` is a socket on this host to mount for it (read-only: connecting needs no more)."""
    labels = {LABEL_SANDBOX: "1", LABEL_OWNER_HOST: socket.gethostname(), LABEL_OWNER_PID: str(os.getpid())}
    label_flags = [flag for key, value in labels.items() for flag in ("--label", f"{key}={value}")]
    channel_flags = ["-v", f"{channel}:{CHANNEL_IN_CONTAINER}:ro", "-e", f"{wire.CHANNEL_ENV}={CHANNEL_IN_CONTAINER}"] \
        if channel else []
    # -i attaches stdin; no -t, which would mangle binary frames. --sig-proxy=false: signals
    # meant for the grader must not be forwarded into the sandbox; the grader kills it by name.
    return [
        "docker",
        "run",
        "-i",
        "--sig-proxy=false",
        "--name",
        name,
        *label_flags,
        *HARDENING_FLAGS,
        *limit_flags(limits),
        *channel_flags,
        image,
        *(command or ()),
    ]


class DockerSandbox:
    """One container running the worker, attached through a ``docker run -i`` client and, when
    there is one, the ``channel`` socket its worker connects to."""

    def __init__(
        self, process: subprocess.Popen[bytes], name: str, client: docker.DockerClient, limits: Limits,
        channel: ChannelSocket | None = None,
    ) -> None:
        self.process = process
        self.name = name
        self.client = client
        self.limits = limits
        self.channel = channel
        self._killed = False

    def kill(self) -> None:
        """Kill the container by name (killing the client alone would leave it running)."""
        self._killed = True
        # The client first: it only relays the streams, and while it is stuck writing a flood of
        # candidate output into a pipe nobody reads, the engine's kill can hang behind it.
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with _engine_errors(f"cannot kill container {self.name}"), _gone_is_fine():
            self.client.api.kill(self.name)
        _stop_client(self.process)

    def exit_info(self) -> ExitInfo:
        """The container's exit status, with out_of_memory from OOMKilled or a lone SIGKILL."""
        with _engine_errors(f"cannot inspect container {self.name}"):
            state = self._final_state()
        if state is None:
            return ExitInfo(self.process.poll(), detail="docker could not create the container")
        return _exit_info(state, self._killed, self.limits.memory_mb)

    def cleanup(self) -> None:
        """Remove the container and close the client's pipes. Safe to call twice."""
        # Remove first: force-removing a running container kills it, and then the client ends
        # at once instead of after a wait.
        with _engine_errors(f"cannot remove container {self.name}"), _gone_is_fine():
            self.client.api.remove_container(self.name, force=True)
        _stop_client(self.process)
        close_pipes(self.process)
        self._close_channel()
        _LIVE.discard(self)

    def _close_channel(self) -> None:
        if self.channel is not None:
            self.channel.close()

    def end_detached(self) -> bool:
        """Hand the container's removal to a detached ``docker rm -f`` and return at once.

        For a grader about to exit: it need not wait the 40 ms that the engine takes to kill a
        container. ``sh`` starts the helper in the background and exits, so that the helper belongs
        to init, not to this process, and outlives it. Should the helper fail, the container is a
        leftover that the next grader on this host sweeps (its owner is gone).
        """
        self._killed = True
        helper = subprocess.Popen(  # noqa: S603 - fixed argv; the name is ours and passed as an argument
            ["sh", "-c", 'docker rm -f "$1" >/dev/null 2>&1 &', "sh", self.name],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
        helper.wait()
        close_pipes(self.process)
        self._close_channel()
        _LIVE.discard(self)
        # The `docker run` client ends with its container; kept until then, so that it is reaped
        # (poll) rather than left to a Popen finaliser that would warn about a running child.
        _ENDING_CLIENTS[:] = [p for p in _ENDING_CLIENTS if p.poll() is None] + [self.process]
        return True

    def _final_state(self) -> dict[str, Any] | None:
        try:
            state = self.client.api.inspect_container(self.name)["State"]
        except docker.errors.NotFound:
            return None
        if state.get("Running"):
            # The client has seen the end of the stream; the daemon may lag a moment behind.
            with contextlib.suppress(requests.RequestException):
                self.client.api.wait(self.name, timeout=CLIENT_EXIT_SECONDS)
            state = self.client.api.inspect_container(self.name)["State"]
        return state


class DockerBackend:
    """Starts each session's worker in a fresh, hardened container of the sandbox image."""

    name = "docker"

    def __init__(self, image: str | None = None) -> None:
        self._image = image
        self._client: docker.DockerClient | None = None
        self._swept = False
        self._sockets = False  # whether the engine's containers can reach a socket on this host

    def open_session(self, limits: Limits) -> Session:
        """A session whose workers run in containers of this backend."""
        return Session(self, limits)

    def prepare(self) -> None:
        """Connect to the engine and arm the exit hooks from this thread, before any start in the
        background (:mod:`grader.sandbox.prestart`): signal handlers can only be set from the main thread."""
        self._connect()
        _LIVE.arm()

    def start(self, limits: Limits, command: Sequence[str] | None = None) -> DockerSandbox:
        """Launch a fresh container under these limits; ``command`` replaces the worker (tests)."""
        client, image = self._connect()
        if not self._swept:
            remove_leftover_containers(client=client)  # what earlier, killed graders left
            remove_leftover_channels()
            self._swept = True
        name = f"{NAME_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        channel = _open_channel() if self._sockets and command is None else None
        argv = docker_run_command(limits, name=name, image=image, command=command,
                                  channel=str(channel.path) if channel else None)
        _LIVE.arm()
        # The pipes come from the `docker run` client rather than the SDK's attach socket: the
        # socket multiplexes stdout and stderr into one stream with its own framing, has to be
        # demultiplexed by hand and cannot half-close stdin, whereas the client gives three
        # plain pipes, exactly what a local worker has. The client gets the grader's
        # environment (DOCKER_HOST...), the container does not: it sees only the -e flags.
        # A new session keeps a Ctrl-C at the terminal from reaching the client.
        try:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            if channel is not None:
                channel.close()
            raise
        sandbox = DockerSandbox(process, name, client, limits, channel)
        _LIVE.add(sandbox)
        try:
            _wait_until_started(sandbox, limits.load_seconds)
        except BaseException:
            _quietly_discard(sandbox)
            raise
        return sandbox

    def close(self) -> None:
        """Release the engine connection (its sockets). The backend reconnects if used again."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _connect(self) -> tuple[docker.DockerClient, str]:
        """Check once per backend that the engine answers and the image is there."""
        if self._client is None:
            try:
                client = docker_client()
            except ImageError as exc:
                raise SandboxUnavailable(str(exc)) from None
            image = self._image or expected_image_tag()
            try:
                found = image_exists(image, client)
            except (docker.errors.DockerException, requests.RequestException) as exc:
                client.close()
                raise SandboxUnavailable(f"the Docker engine stopped answering: {exc}") from None
            if not found:
                client.close()
                raise SandboxUnavailable(f"image {image} not found: run `grader image build`")
            self._client, self._image = client, image
            self._sockets = _sockets_reach_containers(client)
        assert self._image is not None
        return self._client, self._image


def _sockets_reach_containers(client: docker.DockerClient) -> bool:
    """Whether a socket made here can be mounted into the engine's containers and reached there.

    Not where the engine sees another filesystem: a remote engine, Docker Desktop (a virtual
    machine), or a grader that itself runs in a container beside the engine. Whatever this
    misses, the worker falls back to its pipes when it cannot connect (wire.HELLO_PIPES).
    """
    if os.environ.get(CHANNEL_SETTING_ENV, "").strip().lower() == "pipes" or sys.platform != "linux":
        return False
    if not os.environ.get("DOCKER_HOST", "unix://").startswith("unix://"):
        return False
    if not ChannelSocket.possible():
        return False
    try:
        platform = str((client.version().get("Platform") or {}).get("Name", ""))
        return "desktop" not in platform.lower() and not _in_a_container_of(client)
    except (docker.errors.DockerException, requests.RequestException):
        return False


def _in_a_container_of(client: docker.DockerClient) -> bool:
    """Whether this grader runs in one of the engine's own containers (a mounted docker.sock),
    where the engine resolves a mount's source on its host, not in here. A container's host name
    is its id unless someone chose another."""
    if not (os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")):
        return False
    try:
        client.api.inspect_container(socket.gethostname())
    except docker.errors.NotFound:
        return False
    return True


def _open_channel() -> ChannelSocket | None:
    try:
        return ChannelSocket()
    except OSError:
        return None  # the worker serves on its pipes


def docker_available() -> tuple[bool, str]:
    """For ``--sandbox auto``: whether an engine answers and holds the sandbox image, and why."""
    backend = DockerBackend()
    try:
        _client, image = backend._connect()
    except SandboxUnavailable as exc:
        return False, str(exc)
    finally:
        backend.close()
    return True, f"Docker engine answers and image {image} is present"


def remove_leftover_containers(
    *, mine: bool = False, everything: bool = False, client: docker.DockerClient | None = None
) -> int:
    """Remove sandbox containers whose grader (on this host) is dead; return how many.

    ``mine`` also removes this process's own (at exit); ``everything`` removes every sandbox
    container on the engine, whoever started it.
    """
    if client is None:
        with _engine_errors("cannot connect to the Docker engine"):
            own = docker_client()
        with contextlib.closing(own):
            return remove_leftover_containers(mine=mine, everything=everything, client=own)
    with _engine_errors("cannot list sandbox containers"):
        found = client.api.containers(all=True, filters={"label": f"{LABEL_SANDBOX}=1"})
    removed = 0
    for container in found:
        if everything or _is_leftover(container.get("Labels") or {}, mine):
            with _engine_errors("cannot remove a leftover container"), _gone_is_fine():
                client.api.remove_container(container["Id"], force=True)
                removed += 1
    return removed


def _is_leftover(labels: dict[str, str], mine: bool) -> bool:
    """Started on this host by a grader that is gone (or by this one, when ``mine``)."""
    if labels.get(LABEL_OWNER_HOST) != socket.gethostname():
        return False  # another machine's grader shares this engine: its pids mean nothing here
    try:
        pid = int(labels.get(LABEL_OWNER_PID, ""))
    except ValueError:
        return False
    if pid == os.getpid():
        return mine
    return not pid_alive(pid)


# --- starting and stopping --------------------------------------------------------------------


def _wait_until_started(sandbox: DockerSandbox, timeout: float) -> None:
    """Wait until the container runs (or already ran), so kill-by-name finds it from now on."""
    deadline = time.monotonic() + timeout
    while True:
        client_ended = sandbox.process.poll() is not None  # before inspecting: see below
        with _engine_errors(f"cannot inspect container {sandbox.name}"):
            state = _state_or_none(sandbox)
        if (state or {}).get("Status") in ("running", "exited", "dead"):
            return
        # The client ended before this inspection, yet the container never ran: docker failed.
        if client_ended:
            code = sandbox.process.returncode
            raise SandboxUnavailable(f"docker run failed ({code}): {_client_error(sandbox)}")
        if time.monotonic() > deadline:
            raise SandboxUnavailable(f"container {sandbox.name} did not start in {timeout:g} s")
        time.sleep(POLL_SECONDS)


def _state_or_none(sandbox: DockerSandbox) -> dict[str, Any] | None:
    try:
        return sandbox.client.api.inspect_container(sandbox.name)["State"]
    except docker.errors.NotFound:
        return None


def _client_error(sandbox: DockerSandbox) -> str:
    """What the dead `docker run` client said; only read when the container never ran."""
    assert sandbox.process.stderr is not None
    text = sandbox.process.stderr.read(4096).decode("utf-8", "replace").strip()
    return text or "no message"


def _stop_client(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=CLIENT_EXIT_SECONDS if process.poll() is None else 0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _exit_info(state: dict[str, Any], killed: bool, memory_mb: int) -> ExitInfo:
    code = state.get("ExitCode")
    if state.get("OOMKilled"):
        return ExitInfo(code, True, f"out of memory: the sandbox went over {memory_mb} MB")
    if code == 128 + signal.SIGKILL and not killed:
        # Nobody here sent SIGKILL: the kernel's OOM killer is the likely sender, even when
        # the engine missed the event.
        return ExitInfo(code, True, f"killed by SIGKILL, most likely out of memory (limit {memory_mb} MB)")
    return ExitInfo(code, detail=_signal_detail(code))


def _signal_detail(code: int | None) -> str:
    """With --init, a worker killed by signal N ends the container with status 128 + N."""
    if code is None or code <= 128:
        return ""
    try:
        return f"the sandbox was killed by {signal.Signals(code - 128).name}"
    except ValueError:
        return ""


def _quietly_discard(sandbox: DockerSandbox) -> None:
    with contextlib.suppress(Exception):
        sandbox.kill()
    with contextlib.suppress(Exception):
        sandbox.cleanup()


# --- error translation ------------------------------------------------------------------------


@contextlib.contextmanager
def _engine_errors(action: str) -> Iterator[None]:
    """Docker and transport errors become SandboxUnavailable: a grader fault, not a verdict."""
    try:
        yield
    except ImageError as exc:
        raise SandboxUnavailable(str(exc)) from None
    except (docker.errors.DockerException, requests.RequestException) as exc:
        raise SandboxUnavailable(f"{action}: {exc} (is dockerd still running?)") from None


@contextlib.contextmanager
def _gone_is_fine() -> Iterator[None]:
    """A container that is already gone or stopped is what kill and remove want anyway."""
    try:
        yield
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # "is not running", "removal already in progress"
            raise


# --- leaving nothing behind -------------------------------------------------------------------


class _LiveSandboxes:
    """The containers this process runs, removed at exit or on SIGTERM/SIGHUP."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandboxes: set[DockerSandbox] = set()
        self._atexit_registered = False
        self._signals_handled = False

    def add(self, sandbox: DockerSandbox) -> None:
        with self._lock:
            self._sandboxes.add(sandbox)

    def discard(self, sandbox: DockerSandbox) -> None:
        with self._lock:
            self._sandboxes.discard(sandbox)

    def arm(self) -> None:
        """Register the exit hooks, once, before a container starts.

        Signal handlers can only be set from the main thread: when sessions start in worker
        threads, the first start from the main thread (or none) sets them.
        """
        with self._lock:
            register_atexit = not self._atexit_registered
            self._atexit_registered = True
            on_main = threading.current_thread() is threading.main_thread()
            handle_signals = on_main and not self._signals_handled
            self._signals_handled = self._signals_handled or on_main
        if register_atexit:
            atexit.register(self.remove_all)
        if handle_signals:
            _exit_cleanly_on_termination()

    def remove_all(self) -> None:
        """Kill and remove every container of this process, then sweep by label for stragglers."""
        with self._lock:
            sandboxes, self._sandboxes = list(self._sandboxes), set()
        for sandbox in sandboxes:
            _quietly_discard(sandbox)
        with contextlib.suppress(Exception):
            remove_leftover_containers(mine=True)


_LIVE = _LiveSandboxes()
_ENDING_CLIENTS: list[subprocess.Popen[bytes]] = []  # clients of containers handed to end_detached


def _exit_cleanly_on_termination() -> None:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt, so finally blocks and atexit hooks run.

    Python's default for these signals is to die on the spot, which would leave containers
    running. KeyboardInterrupt rather than SystemExit: pytest treats a SystemExit raised inside a
    hidden test as that test's failure and carries on, but stops the whole run on an interrupt.
    A handler someone else installed is kept.
    """
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _raise_interrupt)


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
