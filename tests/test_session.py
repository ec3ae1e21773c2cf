"""The process sandbox and the session over it: deadlines, deaths, output capture, isolation."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from grader.errors import SandboxCrashed, SandboxTimeout
from grader.limits import Limits
from grader.sandbox import wire
from grader.sandbox.process_backend import ProcessBackend, isolation_available
from grader.sandbox.session import Session

SOURCE = '''
import os, sys, time
def echo(x):
    return x
def shout(n):
    print("x" * n)
    return n
def spin():
    while True:
        pass
def die():
    os._exit(0)
def forge():
    fake = b'{"id": 999, "ok": true, "value": 1}'
    for fd in range(3, 64):
        try:
            os.write(fd, len(fake).to_bytes(4, "big") + fake)
        except OSError:
            pass
    return 0
def read_stdin():
    return sys.stdin.read()
def uid():
    return os.getuid()
def connect():
    import socket
    socket.create_connection(("127.0.0.1", 9), timeout=2)
def write_outside(path):
    with open(path, "w") as f:
        f.write("x")
def hog():
    return bytearray(4 * 1024 ** 3)
'''


@pytest.fixture
def session():
    with Session(ProcessBackend(), Limits(call_seconds=5, memory_mb=1024)) as s:
        assert s.load("mod", SOURCE, "mod.py")["ok"]
        yield s


def call(session, name, *args, timeout=None):
    response = session.request(
        {"op": "call", "module": "mod", "name": name, "args": wire.encode(list(args)), "kwargs": wire.encode({})},
        timeout,
    )
    if response["ok"]:
        return wire.decode(response["value"])
    return response["error"]


def test_values_cross_both_ways(session):
    array = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(call(session, "echo", array), array)
    assert call(session, "echo", {"a": (1, "b")}) == {"a": (1, "b")}


def test_a_call_over_its_deadline_is_killed_and_the_next_call_gets_a_fresh_worker(session):
    started = time.monotonic()
    with pytest.raises(SandboxTimeout):
        call(session, "spin", timeout=0.5)
    assert time.monotonic() - started < 3
    assert call(session, "echo", 5) == 5
    assert session.starts == 2


def test_after_two_kills_the_rest_of_the_exercise_ends_at_once(session):
    for _ in range(2):
        with pytest.raises(SandboxTimeout):
            call(session, "spin", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(SandboxTimeout, match="not run: the sandbox was already stopped 2 times .*timeout, timeout"):
        call(session, "echo", 1)
    assert time.monotonic() - started < 0.5 and session.starts == 2  # no third start
    session.new_exercise()  # the next exercise starts afresh
    assert call(session, "echo", 1) == 1 and session.starts == 3


def test_crashes_are_strikes_too(session):
    for _ in range(2):
        with pytest.raises(SandboxCrashed):
            call(session, "die")
    with pytest.raises(SandboxCrashed, match="not run"):
        call(session, "echo", 1)


def test_os_exit_is_a_crash_not_an_answer(session):
    with pytest.raises(SandboxCrashed):
        call(session, "die")
    assert call(session, "echo", 1) == 1


def test_candidate_output_is_captured_apart_and_truncated(session):
    assert call(session, "shout", 10 * 1024 * 1024) == 10 * 1024 * 1024
    text = session.output.take()
    assert text.startswith("xxx") and "more bytes of output were dropped" in text
    assert len(text) < session.limits.output_bytes + 200


def test_forged_frames_cannot_answer_for_the_worker(session):
    try:
        result = call(session, "forge")
    except SandboxCrashed:
        return  # the forged frame was read out of turn and rejected: fine
    assert result == 0  # the real answer, not the forged value 1


def test_stdin_is_not_the_frame_channel(session):
    assert call(session, "read_stdin") == ""
    assert call(session, "echo", 2) == 2


def test_memory_bomb_is_a_memory_error(session):
    error = call(session, "hog")
    assert error["builtin"] == "MemoryError"


def test_the_worker_cannot_write_outside_its_directory(session):
    if os.geteuid() != 0:
        pytest.skip("privilege drop only happens when the grader runs as root")
    target = Path(__file__).parent / "owned-by-the-sandbox"
    error = call(session, "write_outside", str(target))
    assert error["builtin"] in ("PermissionError", "OSError", "FileNotFoundError")
    assert not target.exists()
    assert call(session, "uid") >= 200_000  # a user of its own, not root and not a shared one


def test_no_network_where_unshare_allows(session):
    if not isolation_available():
        pytest.skip("this machine does not allow a private network namespace")
    error = call(session, "connect")
    assert isinstance(error, dict) and error["builtin"] == "OSError"


def test_close_leaves_no_process_behind():
    session = Session(ProcessBackend(), Limits())
    session.load("mod", SOURCE, "mod.py")
    pid = session._sandbox.process.pid  # noqa: SLF001 - the test needs the real pid
    session.close()
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_hidden_folders_are_empty_and_home_is_private():
    if not isolation_available():
        pytest.skip("this machine does not allow private namespaces")
    (Path(__file__).parent / "output").mkdir(exist_ok=True)
    secret = Path(tempfile.mkdtemp(prefix="bank-", dir=Path(__file__).parent / "output"))
    os.chmod(secret, 0o755)
    host_tmp = Path(tempfile.mkdtemp(prefix="host-tmp-"))
    (host_tmp / "other-candidate.txt").write_text("private")
    (secret / "answers.txt").write_text("42")
    os.chmod(secret / "answers.txt", 0o644)
    source = (
        "import os\ndef look(p):\n    return sorted(os.listdir(p))\n"
        "def write():\n    open('x.txt', 'w').write('hi')\n"
        "    return sorted(os.listdir('.')), len(os.listdir('/proc'))\n"
    )
    with Session(ProcessBackend(hide=[secret]), Limits()) as session:
        session.load("mod", source, "mod.py")
        for folder in (secret, host_tmp):  # the host's /tmp is not the worker's
            seen = call(session, "look", str(folder))  # empty, or gone with the checkout that holds it
            assert seen == [] or (isinstance(seen, dict) and seen["builtin"] == "FileNotFoundError")
        names, proc_entries = call(session, "write")
        assert names == ["x.txt"]
        assert proc_entries < 80  # a private /proc: no host processes to signal or read
    shutil.rmtree(secret)
    shutil.rmtree(host_tmp)


def test_a_hidden_folder_inside_another_is_fine():
    if not isolation_available():
        pytest.skip("this machine does not allow private namespaces")
    (Path(__file__).parent / "output").mkdir(exist_ok=True)
    outer = Path(tempfile.mkdtemp(prefix="outer-", dir=Path(__file__).parent / "output"))
    inner = outer / "inner"
    inner.mkdir()
    try:
        with Session(ProcessBackend(hide=[outer, inner]), Limits()) as session:
            session.load("mod", "import os\ndef look(p):\n    return os.listdir(p)\n", "mod.py")
            seen = call(session, "look", str(outer))  # empty, or gone with the checkout that holds it
            assert seen == [] or (isinstance(seen, dict) and seen["builtin"] == "FileNotFoundError")
    finally:
        shutil.rmtree(outer)
