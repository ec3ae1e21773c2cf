"""A worker that reaches the judge over a channel socket (grader.sandbox.link), without Docker.

The Docker backend mounts the socket into each container; here the real worker runs as a plain
subprocess with $GRADER_CHANNEL set, so that the session's side of the channel (waiting for the
worker's two connections, the fall-back to its pipes, output read with the answer it belongs to)
is tested on every machine. tests/test_docker_backend.py does the same through a real engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.errors import SandboxCrashed, SandboxTimeout
from grader.limits import Limits
from grader.sandbox import wire
from grader.sandbox.base import ExitInfo, close_pipes
from grader.sandbox.link import FOLDER_PREFIX, ChannelSocket, remove_leftover_channels
from grader.sandbox.session import Session

WORKER = Path(__file__).resolve().parent.parent / "grader" / "sandbox" / "worker.py"
LIMITS = Limits(call_seconds=5, load_seconds=10)
SOURCE = """
import os, sys
def shout(i):
    print(f"call {i}")
    sys.stderr.write(f"error {i}\\n")
    return i
def channel_variable():
    return os.environ.get("GRADER_CHANNEL")
"""


class LocalWorker:
    """The real worker in a subprocess, told where its channel socket is (or a path that is not one)."""

    def __init__(self, channel: ChannelSocket, argv: list[str], announced: str) -> None:
        self.channel = channel
        env = {"GRADER_CHANNEL": announced, "PATH": os.environ.get("PATH", "")}
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603
                                        stderr=subprocess.PIPE, env=env)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def exit_info(self) -> ExitInfo:
        return ExitInfo(self.process.wait())

    def cleanup(self) -> None:
        close_pipes(self.process)
        self.channel.close()

    def end_detached(self) -> bool:
        return False


class LocalChannelBackend:
    """Starts ``argv`` (the worker by default) with a fresh channel socket for each sandbox."""

    name = "local-channel"

    def __init__(self, argv: list[str] | None = None, reachable: bool = True) -> None:
        self.argv = argv or [sys.executable, "-I", str(WORKER)]
        self.reachable = reachable
        self.started: list[LocalWorker] = []

    def start(self, limits: Limits) -> LocalWorker:
        channel = ChannelSocket()
        announced = str(channel.path) if self.reachable else str(channel.folder / "elsewhere.sock")
        self.started.append(LocalWorker(channel, self.argv, announced))
        return self.started[-1]

    def open_session(self, limits: Limits) -> Session:
        return Session(self, limits)


def call(session: Session, name: str, *args: object, timeout: float | None = None) -> object:
    response = session.request(
        {"op": "call", "module": "mod", "name": name, "args": wire.encode(list(args)), "kwargs": wire.encode({})},
        timeout,
    )
    assert response["ok"], response
    return wire.decode(response["value"])


@pytest.fixture
def channel_folders() -> Iterator[None]:
    """No test leaves a channel folder behind in the temporary folder."""
    before = set(Path(tempfile.gettempdir()).glob("nlp-grader-channel-*"))
    yield
    assert set(Path(tempfile.gettempdir()).glob("nlp-grader-channel-*")) <= before


@pytest.mark.usefixtures("channel_folders")
@pytest.mark.parametrize("reachable", [True, False], ids=["socket", "pipes-fallback"])
def test_every_call_gets_its_own_output(reachable: bool) -> None:
    backend = LocalChannelBackend(reachable=reachable)
    with Session(backend, LIMITS) as session:
        assert session.load("mod", SOURCE, "mod.py")["ok"]
        for i in range(30):
            assert call(session, "shout", i) == i
            # stdout is block-buffered and flushed when the call returns: the order of the two may vary
            assert sorted(session.output.take().splitlines()) == [f"call {i}", f"error {i}"]
        assert call(session, "channel_variable") is None  # the candidate's processes do not see it


@pytest.mark.usefixtures("channel_folders")
def test_the_socket_is_gone_once_the_worker_is_connected() -> None:
    backend = LocalChannelBackend()
    with Session(backend, LIMITS) as session:
        assert session.load("mod", SOURCE, "mod.py")["ok"]
        channel = backend.started[0].channel
        assert not channel.folder.exists()  # nothing else can connect in the worker's place
        assert channel.listener.fileno() == -1


def test_a_worker_ends_by_itself_when_its_session_closes() -> None:
    backend = LocalChannelBackend()
    with Session(backend, LIMITS) as session:
        assert session.load("mod", SOURCE, "mod.py")["ok"]
    worker = backend.started[0].process
    assert worker.returncode == 0  # it read the end of its frame socket and exited; it was not killed


def test_a_worker_that_dies_before_connecting_is_a_crash() -> None:
    backend = LocalChannelBackend([sys.executable, "-c", "import sys; sys.exit(3)"])
    started = time.monotonic()
    with Session(backend, LIMITS) as session, pytest.raises(SandboxCrashed):
        session.load("mod", SOURCE, "mod.py")
    assert time.monotonic() - started < 5  # seen at once, not at the load deadline


def test_a_worker_that_never_connects_times_out() -> None:
    backend = LocalChannelBackend([sys.executable, "-c", "import time; time.sleep(60)"])
    with Session(backend, LIMITS) as session, pytest.raises(SandboxTimeout):
        session.load("mod", SOURCE, "mod.py", timeout=1)


def test_a_frame_before_any_request_is_refused() -> None:
    forged = wire.pack_frame({"id": 1, "ok": True, "value": ["mod"]})
    code = f"import os, time; os.write(1, {forged!r}); time.sleep(60)"
    backend = LocalChannelBackend([sys.executable, "-c", code])
    with Session(backend, LIMITS) as session, pytest.raises(SandboxCrashed, match="protocol"):
        session.load("mod", SOURCE, "mod.py")


def test_channel_folders_of_dead_graders_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout.strip()
    gone = tmp_path / f"{FOLDER_PREFIX}{dead}-abc123"
    mine = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def456"
    parent = tmp_path / f"{FOLDER_PREFIX}{os.getppid()}-ghi789"  # alive, someone else's
    for folder in (gone, mine, parent):
        folder.mkdir()
        (folder / "channel.sock").write_text("")
    assert remove_leftover_channels() == 1
    assert not gone.exists() and mine.exists() and parent.exists()
