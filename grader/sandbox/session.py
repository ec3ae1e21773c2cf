"""A supervised conversation with one sandbox worker: frames, deadlines, output capture, restarts.

The session is backend-neutral: it owns the streams of a worker that a :class:`Backend` started
(its pipes, or the two connections it makes to a sandbox's channel socket: :mod:`grader.sandbox.link`).
Every byte from the worker is hostile input. The judge-side deadline is the only clock that
counts: a call that overruns gets the worker killed (and everything it started), the call ends as
:class:`SandboxTimeout`, and the next call transparently starts a fresh worker and reloads the
modules the judge had loaded.

Each kill (or death) of the worker is a strike against the exercise being graded: after
``MAX_STRIKES`` of them, every further call of that exercise ends at once the way the last one
did, without a restart. A submission that spins, forks or crashes on every call thus costs about
two call deadlines and two restarts per exercise, not one of each per hidden test. The judge
clears the strikes when it starts an exercise (:meth:`Session.new_exercise`).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from collections.abc import Sequence
from typing import Any

from grader.errors import AnswerTooLarge, SandboxCrashed, SandboxFailure, SandboxMemory, SandboxTimeout
from grader.limits import Limits
from grader.sandbox import bounds, wire
from grader.sandbox.base import Backend, CapturedOutput, RunningSandbox
from grader.sandbox.link import ChannelSocket, Link, Stream

READ_CHUNK = 1 << 20
MAX_STRIKES = 2  # kills or deaths of the worker in one exercise before the rest is not run


class Session:
    """One submission's sandbox: serves every call of every exercise, restarting after a kill."""

    def __init__(self, backend: Backend, limits: Limits) -> None:
        self.backend = backend
        self.limits = limits
        self.output = CapturedOutput(limits.output_bytes)
        self.budget_deadline: float | None = None
        self.starts = 0
        self._sandbox: RunningSandbox | None = None
        self._link: Link | None = None  # the sandbox's streams, once its worker is reachable
        self._loads: list[dict] = []
        self._inbox = bytearray()
        self._next_id = 0
        self.strikes: list[SandboxFailure] = []  # how the worker was killed or died, this exercise

    # -- public API ----------------------------------------------------------------------------

    def load(self, module: str, source: str, filename: str, timeout: float | None = None,
             forbidden: Sequence[str] = ()) -> dict:
        """Load a module into the worker (and into every restarted worker). Returns the response.
        ``forbidden``: APIs the worker traps before the module runs (grader.judge.forbidden)."""
        message: dict[str, Any] = {"op": "load", "module": module, "source": source, "filename": filename}
        if forbidden:
            message["forbidden"] = list(forbidden)
        response = self.request(message, timeout=timeout or self.limits.load_seconds)
        if response.get("ok"):
            self._loads = [m for m in self._loads if m["module"] != module] + [message]
        return response

    def new_exercise(self) -> None:
        """Another exercise begins: no strike counts against it yet."""
        self.strikes = []

    def request(self, message: dict, timeout: float | None = None) -> dict:
        """Send one request and wait for its response; raise a SandboxFailure if none comes."""
        if len(self.strikes) >= MAX_STRIKES:
            raise self._struck_out()
        deadline = self._deadline(timeout)
        sandbox = self._ensure_started()
        self._next_id += 1
        message = dict(message, id=self._next_id)
        try:
            link = self._attach(sandbox, deadline)
            self._write(link, wire.pack_frame(message), deadline)
            response = self._read_response(link, deadline)
        except _Deadline:
            raise self._fail(SandboxTimeout(self._timeout_message(timeout))) from None
        except _WorkerGone:
            raise self._death() from None
        except AnswerTooLarge as exc:
            if self._inbox:  # the rest of an oversized frame was never read: the channel is out of step
                self.kill(exc)
            raise
        except wire.ProtocolError as exc:
            raise self._fail(SandboxCrashed(f"the sandbox broke the protocol: {exc}")) from None
        if not isinstance(response, dict) or response.get("id") != self._next_id:
            raise self._fail(SandboxCrashed("the sandbox answered out of turn (a forged or stray frame)"))
        return response

    def kill(self, reason: SandboxFailure | None = None) -> None:
        """Kill the worker now; the next request starts a fresh one. With a ``reason`` (how the
        call failed), the kill is a strike against the exercise."""
        if self._sandbox is not None:
            sandbox, self._sandbox = self._sandbox, None
            link, self._link = self._link or Link.pipes(sandbox.process), None
            sandbox.kill()
            self._drain_output(link)
            link.close()
            sandbox.cleanup()
            if reason is not None:
                self.strikes.append(reason)
        self._inbox.clear()

    def _fail(self, failure: SandboxFailure) -> SandboxFailure:
        """Kill the worker for ``failure`` (a strike) and return it, to be raised."""
        self.kill(failure)
        return failure

    def close(self) -> None:
        """End the session: close the worker's stdin, give it a moment, then make sure it is gone.

        A backend with ``retire`` (:mod:`grader.sandbox.prestart`) ends the worker in the background.
        """
        link, self._link = self._link, None
        if link is not None:
            link.close()  # a worker served over sockets ends when it reads their end
        retire = getattr(self.backend, "retire", None)
        if self._sandbox is not None and retire is not None:
            sandbox, self._sandbox = self._sandbox, None
            self._inbox.clear()
            retire(sandbox)
            return
        if self._sandbox is not None:
            with contextlib.suppress(OSError):
                assert self._sandbox.process.stdin is not None
                self._sandbox.process.stdin.close()
            with contextlib.suppress(Exception):
                self._sandbox.process.wait(timeout=2)
        self.kill()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lifecycle -----------------------------------------------------------------------------

    def _ensure_started(self) -> RunningSandbox:
        if self._sandbox is not None:
            return self._sandbox
        self._sandbox = self.backend.start(self.limits)
        self.starts += 1
        for message in self._loads:  # replay what the judge loaded before the restart
            response = self.request(message, timeout=self.limits.load_seconds)
            if not response.get("ok"):
                raise SandboxCrashed("the submission failed to load again after a restart")
        return self._sandbox

    def _deadline(self, timeout: float | None) -> float:
        now = time.monotonic()
        deadline = now + (timeout if timeout is not None else self.limits.call_seconds)
        if self.budget_deadline is not None:
            if now >= self.budget_deadline:
                raise SandboxTimeout("the time budget for this exercise is used up")
            deadline = min(deadline, self.budget_deadline)
        return deadline

    def _struck_out(self) -> SandboxFailure:
        last = self.strikes[-1]
        kinds = ", ".join(_STRIKE_NAMES.get(type(strike), "crashed") for strike in self.strikes)
        return type(last)(
            f"not run: the sandbox was already stopped {len(self.strikes)} times in this exercise ({kinds}), "
            f"so its remaining tests end the way the last call did, without running. The last call: {last}"
        )

    def _timeout_message(self, timeout: float | None) -> str:
        if self.budget_deadline is not None and time.monotonic() >= self.budget_deadline:
            return "the time budget for this exercise is used up"
        seconds = timeout if timeout is not None else self.limits.call_seconds
        return f"the call did not finish within {seconds:g} s"

    def _death(self) -> Exception:
        """Explain why the worker went away, then forget it."""
        sandbox = self._sandbox
        assert sandbox is not None
        self._drain_until_exit(sandbox, self._link or Link.pipes(sandbox.process), seconds=5)
        info = sandbox.exit_info()
        failure: SandboxFailure
        if info.out_of_memory:
            failure = SandboxMemory(info.detail or f"out of memory (limit {self.limits.memory_mb} MB)")
        else:
            failure = SandboxCrashed(info.detail or _describe_exit(info.returncode))
        return self._fail(failure)

    # -- streams -------------------------------------------------------------------------------

    def _attach(self, sandbox: RunningSandbox, deadline: float) -> Link:
        """The sandbox's streams: its pipes, or the connections its worker makes to its channel."""
        if self._link is None:
            channel: ChannelSocket | None = getattr(sandbox, "channel", None)
            pipes = Link.pipes(sandbox.process)
            self._link = pipes if channel is None else self._await_worker(sandbox, channel, pipes, deadline)
        return self._link

    def _await_worker(self, sandbox: RunningSandbox, channel: ChannelSocket, pipes: Link, deadline: float) -> Link:
        """Wait for the worker's two connections (frames, then output), or for its word on stdout
        that it could not reach the socket and serves on its pipes."""
        accepted: list[socket.socket] = []
        try:
            while len(accepted) < 2:
                readers = [channel.listener.fileno(), *self._readers(pipes)]
                ready, _, _ = select.select(readers, [], [], _remaining(deadline))
                if channel.listener.fileno() in ready:
                    accepted.append(channel.accept())
                    continue
                self._pump(pipes)
                frame = self._take_frame()
                if frame is None:
                    continue
                if bounds.read_answer(frame) != wire.HELLO_PIPES:
                    raise wire.ProtocolError("the sandbox sent a frame before it was asked anything")
                return pipes
        finally:
            channel.close()  # connected (or given up on): nothing else may connect
            if len(accepted) < 2:  # the pipes serve, or the wait failed: a lone connection goes
                for connection in accepted:
                    connection.close()
        return Link.sockets(accepted[0], accepted[1], sandbox.process)

    def _write(self, link: Link, frame: bytes, deadline: float) -> None:
        fd = link.requests
        os.set_blocking(fd, False)
        view = memoryview(frame)
        while view:
            _, writable, _ = select.select(self._readers(link), [fd], [], _remaining(deadline))
            self._pump(link)
            if writable:
                try:
                    view = view[os.write(fd, view[: 1 << 16]) :]
                except (BrokenPipeError, ConnectionResetError):
                    raise _WorkerGone() from None

    def _read_response(self, link: Link, deadline: float) -> Any:
        while True:
            frame = self._take_frame()
            if frame is not None:
                return bounds.read_answer(frame)  # the trust boundary: caps, and text cleaned
            select.select(self._readers(link), [], [], _remaining(deadline))
            self._pump(link)

    def _take_frame(self) -> bytes | None:
        if len(self._inbox) < wire.HEADER.size:
            return None
        length = bounds.response_length(bytes(self._inbox[: wire.HEADER.size]))
        end = wire.HEADER.size + length
        if len(self._inbox) < end:
            return None
        with memoryview(self._inbox) as view:  # one copy of a frame that may be megabytes long
            payload = bytes(view[wire.HEADER.size : end])
        del self._inbox[:end]
        return payload

    def _readers(self, link: Link) -> list[int]:
        return [_responses_fd(link), *(stream.fileno() for stream in link.outputs)]

    def _pump(self, link: Link) -> None:
        """Move whatever the worker has written into the inbox and the output capture.

        Output first: the worker flushes the candidate's output before it answers, so whatever
        was printed during a call is read before (and credited to) that call's answer.
        """
        self._drain_output(link)
        fd = _responses_fd(link)
        ready, _, _ = select.select([fd], [], [], 0)
        if ready:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise _WorkerGone()
            self._inbox += chunk
            if len(self._inbox) > wire.MAX_RESPONSE_FRAME + wire.HEADER.size:
                raise wire.ProtocolError("the sandbox sent more than one frame's worth of data")

    def _drain_output(self, link: Link) -> None:
        if not link.outputs:
            return
        ready, _, _ = select.select([stream.fileno() for stream in link.outputs], [], [], 0)  # one call per pump
        for stream in [stream for stream in link.outputs if stream.fileno() in ready]:
            self._drain_stream(link, stream)

    def _drain_stream(self, link: Link, stream: Stream) -> None:
        fd = stream.fileno()
        for _ in range(64):  # bounded: a flood is drained over several pumps, never forever
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                return
            try:
                chunk = os.read(fd, 1 << 16)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                link.drop_output(stream)
                return
            self.output.add(chunk)

    def _drain_until_exit(self, sandbox: RunningSandbox, link: Link, seconds: float) -> None:
        """Wait for the worker to end while reading its output, so a full pipe cannot block it."""
        deadline = time.monotonic() + seconds
        while sandbox.process.poll() is None and time.monotonic() < deadline:
            if not link.outputs:
                with contextlib.suppress(Exception):
                    sandbox.process.wait(timeout=max(deadline - time.monotonic(), 0))
                return
            select.select([stream.fileno() for stream in link.outputs], [], [], 0.1)
            self._drain_output(link)


_STRIKE_NAMES = {SandboxTimeout: "timeout", SandboxMemory: "memory", AnswerTooLarge: "refused answer"}


class _Deadline(Exception):
    pass


class _WorkerGone(Exception):
    pass


def _responses_fd(link: Link) -> int:
    try:
        fd = link.responses.fileno()  # a closed pipe raises, a closed socket says -1
    except ValueError:
        fd = -1
    if fd < 0:
        raise _WorkerGone()
    return fd


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Deadline()
    return left


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "the sandbox stopped answering"
    if returncode < 0:
        import signal

        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the sandbox was killed by {name}"
    return f"the sandbox exited with status {returncode} in the middle of a call"
