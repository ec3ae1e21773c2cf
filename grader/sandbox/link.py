"""The judge's ends of one worker's streams: where frames go, where they come from, and what
carries the candidate's output.

Two shapes. ``Link.pipes``: the worker's stdin and stdout carry the frames and its stderr the
candidate's output (the process sandbox, and a Docker sandbox whose worker could not reach its
socket). ``Link.sockets``: two connections the worker made to a Unix socket the judge listens on
(:class:`ChannelSocket`), one for frames, one for output; the process's own pipes are then only
drained as output. A socket reaches the worker in a container directly; pipes are relayed by the
``docker run`` client and the engine, which costs about a quarter of a millisecond of CPU per
request and its answer.

Every byte that arrives on any of them is hostile input; the session applies the caps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Protocol

from grader.sandbox.base import pid_alive

SOCKET_NAME = "channel.sock"
FOLDER_PREFIX = "nlp-grader-channel-"  # then the owner's pid, a dash and a random suffix
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, with its terminating NUL


class Stream(Protocol):
    """A pipe's file object or a socket: something with a descriptor that can be closed."""

    def fileno(self) -> int: ...

    def close(self) -> None: ...


@dataclasses.dataclass
class Link:
    """Frames are written to ``requests`` and read from ``responses``; ``outputs`` are drained
    into the candidate's captured output. ``owned`` are the sockets closed with the link."""

    requests: int
    responses: Stream
    outputs: list[Stream]
    owned: tuple[socket.socket, ...] = ()

    @classmethod
    def pipes(cls, process: subprocess.Popen[bytes]) -> Link:
        assert process.stdin is not None and process.stdout is not None
        requests = -1 if process.stdin.closed else process.stdin.fileno()  # closed: the session is ending
        return cls(requests, process.stdout, _open(process.stderr))

    @classmethod
    def sockets(cls, frames: socket.socket, output: socket.socket, process: subprocess.Popen[bytes]) -> Link:
        # The client's stdout carries nothing here (the worker moved its fd 1), but is drained
        # all the same: a stream left unread could block whoever writes to it.
        return cls(frames.fileno(), frames, [output, *_open(process.stderr, process.stdout)], (frames, output))

    def drop_output(self, stream: Stream) -> None:
        """An output stream ended: stop watching it, and close it."""
        self.outputs.remove(stream)
        with contextlib.suppress(OSError):
            stream.close()

    def close(self) -> None:
        """Close the sockets: a worker reading frames from one sees its end and exits."""
        for sock in self.owned:
            with contextlib.suppress(OSError):
                sock.close()


def _open(*streams: IO[bytes] | None) -> list[Stream]:
    return [stream for stream in streams if stream is not None and not stream.closed]


class ChannelSocket:
    """A listening Unix socket in a private folder, for one sandbox's worker to connect to.

    The folder is the judge's own (mode 0700): on the host only its owner reaches the socket;
    the socket itself is open to everyone (mode 0666) because the container's unprivileged user,
    to whom only this one file is mounted, must be able to connect. ``close`` removes both, as
    soon as the worker has connected: nothing else can connect afterwards.
    """

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        self.path = self.folder / SOCKET_NAME
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.listener.bind(str(self.path))
            os.chmod(self.path, 0o666)
            self.listener.listen(2)
        except OSError:
            self.close()
            raise

    @staticmethod
    def possible() -> bool:
        """Whether a socket in the temporary folder has a path short enough to bind, and one that a
        ``docker run -v SOURCE:TARGET`` flag can hold."""
        path = os.path.join(tempfile.gettempdir(), f"{FOLDER_PREFIX}4194304-xxxxxxxx", SOCKET_NAME)
        return len(path) <= MAX_SOCKET_PATH and not any(c in path for c in ":,")

    def accept(self) -> socket.socket:
        connection, _ = self.listener.accept()
        connection.setblocking(True)
        return connection

    def close(self) -> None:
        """Stop listening and remove the socket and its folder. Safe to call twice."""
        with contextlib.suppress(OSError):
            self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_leftover_channels() -> int:
    """Remove the channel folders of graders that are gone (killed before they could); return how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
