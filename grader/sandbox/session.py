"""A supervised conversation with one sandbox worker: frames, deadlines, output capture, restarts.

The session is backend-neutral: it owns the pipes of a worker that a :class:`Backend` started.
Every byte from the worker is hostile input. The judge-side deadline is the only clock that
counts: a call that overruns gets the worker killed (and everything it started), the call ends as
:class:`SandboxTimeout`, and the next call transparently starts a fresh worker and reloads the
modules the judge had loaded.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from typing import Any

from grader.errors import SandboxCrashed, SandboxMemory, SandboxTimeout
from grader.limits import Limits
from grader.sandbox import wire
from grader.sandbox.base import Backend, CapturedOutput, RunningSandbox
from grader.sandbox.untrusted import clean_strings

READ_CHUNK = 1 << 20


class Session:
    """One submission's sandbox: serves every call of every exercise, restarting after a kill."""

    def __init__(self, backend: Backend, limits: Limits) -> None:
        self.backend = backend
        self.limits = limits
        self.output = CapturedOutput(limits.output_bytes)
        self.budget_deadline: float | None = None
        self.starts = 0
        self._sandbox: RunningSandbox | None = None
        self._loads: list[dict] = []
        self._inbox = bytearray()
        self._next_id = 0

    # -- public API ----------------------------------------------------------------------------

    def load(self, module: str, source: str, filename: str, timeout: float | None = None) -> dict:
        """Load a module into the worker (and into every restarted worker). Returns the response."""
        message = {"op": "load", "module": module, "source": source, "filename": filename}
        response = self.request(message, timeout=timeout or self.limits.load_seconds)
        if response.get("ok"):
            self._loads = [m for m in self._loads if m["module"] != module] + [message]
        return response

    def request(self, message: dict, timeout: float | None = None) -> dict:
        """Send one request and wait for its response; raise a SandboxFailure if none comes."""
        deadline = self._deadline(timeout)
        sandbox = self._ensure_started()
        self._next_id += 1
        message = dict(message, id=self._next_id)
        try:
            self._write(sandbox, wire.pack_frame(message), deadline)
            response = self._read_response(sandbox, deadline)
        except _Deadline:
            self.kill()
            raise SandboxTimeout(self._timeout_message(timeout)) from None
        except _WorkerGone:
            raise self._death() from None
        except wire.ProtocolError as exc:
            self.kill()
            raise SandboxCrashed(f"the sandbox broke the protocol: {exc}") from None
        if not isinstance(response, dict) or response.get("id") != self._next_id:
            self.kill()
            raise SandboxCrashed("the sandbox answered out of turn (a forged or stray frame)")
        return response

    def kill(self) -> None:
        """Kill the worker now; the next request starts a fresh one."""
        if self._sandbox is not None:
            sandbox, self._sandbox = self._sandbox, None
            sandbox.kill()
            self._drain_stderr(sandbox)
            sandbox.cleanup()
        self._inbox.clear()

    def close(self) -> None:
        """End the session: close the worker's stdin, give it a moment, then make sure it is gone.

        A backend with ``retire`` (:mod:`grader.sandbox.prestart`) ends the worker in the background.
        """
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

    def _timeout_message(self, timeout: float | None) -> str:
        if self.budget_deadline is not None and time.monotonic() >= self.budget_deadline:
            return "the time budget for this exercise is used up"
        seconds = timeout if timeout is not None else self.limits.call_seconds
        return f"the call did not finish within {seconds:g} s"

    def _death(self) -> Exception:
        """Explain why the worker went away, then forget it."""
        sandbox = self._sandbox
        assert sandbox is not None
        self._drain_until_exit(sandbox, seconds=5)
        info = sandbox.exit_info()
        self.kill()
        if info.out_of_memory:
            return SandboxMemory(info.detail or f"out of memory (limit {self.limits.memory_mb} MB)")
        return SandboxCrashed(info.detail or _describe_exit(info.returncode))

    # -- pipes ---------------------------------------------------------------------------------

    def _write(self, sandbox: RunningSandbox, frame: bytes, deadline: float) -> None:
        stdin = sandbox.process.stdin
        assert stdin is not None
        fd = stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(frame)
        while view:
            _, writable, _ = select.select(self._readers(sandbox), [fd], [], _remaining(deadline))
            self._pump(sandbox)
            if writable:
                try:
                    view = view[os.write(fd, view[: 1 << 16]) :]
                except (BrokenPipeError, ConnectionResetError):
                    raise _WorkerGone() from None

    def _read_response(self, sandbox: RunningSandbox, deadline: float) -> Any:
        while True:
            frame = self._take_frame()
            if frame is not None:
                return clean_strings(wire.parse_payload(frame))  # the trust boundary for text
            select.select(self._readers(sandbox), [], [], _remaining(deadline))
            self._pump(sandbox)

    def _take_frame(self) -> bytes | None:
        if len(self._inbox) < wire.HEADER.size:
            return None
        length = wire.payload_length(bytes(self._inbox[: wire.HEADER.size]))
        end = wire.HEADER.size + length
        if len(self._inbox) < end:
            return None
        payload = bytes(self._inbox[wire.HEADER.size : end])
        del self._inbox[:end]
        return payload

    def _readers(self, sandbox: RunningSandbox) -> list[int]:
        return [s.fileno() for s in (sandbox.process.stdout, sandbox.process.stderr) if s and not s.closed]

    def _pump(self, sandbox: RunningSandbox) -> None:
        """Move whatever the worker has written into the inbox and the output capture."""
        self._drain_stderr(sandbox)
        stdout = sandbox.process.stdout
        assert stdout is not None
        if stdout.closed:
            raise _WorkerGone()
        ready, _, _ = select.select([stdout.fileno()], [], [], 0)
        if ready:
            chunk = os.read(stdout.fileno(), READ_CHUNK)
            if not chunk:
                raise _WorkerGone()
            self._inbox += chunk
            if len(self._inbox) > wire.MAX_FRAME + wire.HEADER.size:
                raise wire.ProtocolError("the sandbox sent more than one frame's worth of data")

    def _drain_stderr(self, sandbox: RunningSandbox) -> None:
        stderr = sandbox.process.stderr
        if stderr is None or stderr.closed:
            return
        fd = stderr.fileno()
        for _ in range(64):  # bounded: a flood is drained over several pumps, never forever
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                return
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                stderr.close()
                return
            self.output.add(chunk)


    def _drain_until_exit(self, sandbox: RunningSandbox, seconds: float) -> None:
        """Wait for the worker to end while reading its stderr, so a full pipe cannot block it."""
        deadline = time.monotonic() + seconds
        while sandbox.process.poll() is None and time.monotonic() < deadline:
            stderr = sandbox.process.stderr
            if stderr is None or stderr.closed:
                with contextlib.suppress(Exception):
                    sandbox.process.wait(timeout=max(deadline - time.monotonic(), 0))
                return
            select.select([stderr.fileno()], [], [], 0.1)
            self._drain_stderr(sandbox)


class _Deadline(Exception):
    pass


class _WorkerGone(Exception):
    pass


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
