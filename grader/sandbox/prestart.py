"""Sandboxes started ahead of need, and ended in the background.

Starting a Docker sandbox is mostly waiting: for the engine to create and start the container, then
for Python (and numpy, which the worker imports while it waits) to load. A :class:`Prestarter`
wraps a backend and does that waiting in a background thread, while the judge does something
useful: it collects the hidden tests (``grader grade``), or grades the candidate before (``grader
batch``, where each job keeps ``ahead`` sandboxes starting for the next candidates). When a
session closes, its sandbox is killed and removed in the background too.

Isolation is unchanged. Every sandbox is fresh and serves one session only: a sandbox started
ahead has run nothing but the worker; it is handed to one session and never returns to the pool.
The sessions' deadlines are unchanged: the judge's clock starts when a request is sent.

The wrapped backend's ``start`` must be safe to call from a background thread (the Docker
backend's is: it runs ``docker run`` and asks the engine over HTTP). The process backend's is not
(it forks with a ``preexec_fn``): it is wrapped with ``early=False`` and ``ahead=0``, which starts
nothing in the background. A backend may have ``prepare()``, called from the thread that opens
sessions before anything starts in the background (the Docker backend connects to the engine and
installs its signal handlers there).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from grader.errors import SandboxUnavailable
from grader.limits import Limits
from grader.sandbox.base import Backend, RunningSandbox
from grader.sandbox.session import Session


class Prestarter:
    """A backend that starts sandboxes ahead of need and ends them in the background.

    ``early``: opening a session starts its sandbox at once, in the background, so that it boots
    while the judge prepares (before the session's first request needs it).
    ``ahead``: how many more sandboxes to keep starting, after one is handed out, for the next
    sessions with the same limits.
    """

    def __init__(self, inner: Backend, *, ahead: int = 1, early: bool = True, hand_off: bool = False) -> None:
        self.inner = inner
        self.hand_off = hand_off  # end sandboxes with their own detached helper (a command about to exit)
        self.name = inner.name
        self.ahead = ahead
        self.early = early
        self.refuse = False  # set by kill_all: nothing starts any more
        self.live: list[RunningSandbox] = []  # handed to sessions and not yet retired
        self._lock = threading.Lock()
        self._pending: list[tuple[Limits, Future[RunningSandbox]]] = []
        self._prepared = False
        background = early or ahead > 0
        self._starter = ThreadPoolExecutor(1, "sandbox-start") if background else None
        self._reaper = ThreadPoolExecutor(1, "sandbox-end")

    # -- the Backend interface -----------------------------------------------------------------

    def open_session(self, limits: Limits) -> Session:
        """A session whose sandboxes come from this backend (its first one already starting)."""
        self._prepare()
        if self.early:
            self._top_up(limits, 1)
        return Session(self, limits)

    def warm(self, limits: Limits) -> None:
        """Start a sandbox for a session with these limits now, before any session asks (a batch
        worker's first candidate then finds its container booted while the worker started)."""
        if self.early:
            self._prepare()
            self._top_up(limits, 1)

    def start(self, limits: Limits) -> RunningSandbox:
        """A fresh sandbox: one started ahead if there is one for these limits, else a new one."""
        if self.refuse:
            raise SandboxUnavailable("the batch is stopping")
        self._prepare()
        future = self._take(limits)
        sandbox = None
        if future is not None:
            with contextlib.suppress(Exception):  # it failed to start: try once more, here, and say why
                sandbox = future.result()
        # The next ones start once this one is up: started together, they would share the CPU
        # with the container that a session waits for.
        self._top_up(limits, self.ahead)
        if sandbox is None:
            sandbox = self.inner.start(limits)
        with self._lock:
            self.live.append(sandbox)
        return sandbox

    def retire(self, sandbox: RunningSandbox) -> None:
        """End a closed session's sandbox (kill, then clean up) without making the session wait."""
        with self._lock:
            if sandbox in self.live:
                self.live.remove(sandbox)
        if self.hand_off and _hand_off(sandbox):
            return
        try:
            self._reaper.submit(_end, sandbox)
        except RuntimeError:  # shut down: end it here
            _end(sandbox)

    # -- stopping ------------------------------------------------------------------------------

    def forget(self) -> None:
        """The candidate is done and its sessions closed: nothing of theirs is left to kill."""
        with self._lock:
            self.live.clear()

    def kill_all(self) -> None:
        """Refuse to start anything more, and kill every sandbox this backend started (safe to repeat)."""
        self.refuse = True
        self.close()

    def close(self) -> None:
        """Kill the sandboxes started ahead and not used, and those still in use; wait for the endings."""
        with self._lock:
            pending, self._pending = self._pending, []
            live, self.live = self.live, []
        for _limits, future in pending:
            future.add_done_callback(_end_started)  # now if it is done, or as soon as it is
        if self._starter is not None:
            self._starter.shutdown(wait=True, cancel_futures=True)  # a start under way ends, then is ended
        for sandbox in live:
            _end(sandbox)
        self._reaper.shutdown(wait=True)

    # -- internals -----------------------------------------------------------------------------

    def _prepare(self) -> None:
        if not self._prepared:
            prepare = getattr(self.inner, "prepare", None)
            if prepare is not None:
                prepare()
            self._prepared = True

    def _take(self, limits: Limits) -> Future[RunningSandbox] | None:
        """The oldest sandbox started for these limits; those started for other limits are ended."""
        with self._lock:
            found = next((entry for entry in self._pending if entry[0] == limits), None)
            others = [entry for entry in self._pending if entry[0] != limits]
            self._pending = [entry for entry in self._pending if entry[0] == limits and entry is not found]
        for _limits, future in others:
            future.add_done_callback(_end_started)
        return found[1] if found is not None else None

    def _top_up(self, limits: Limits, count: int) -> None:
        """Have ``count`` sandboxes for these limits starting (or started) in the background."""
        if self._starter is None or self.refuse:
            return
        with self._lock:
            missing = count - sum(1 for entry in self._pending if entry[0] == limits)
            for _ in range(missing):
                try:
                    self._pending.append((limits, self._starter.submit(self.inner.start, limits)))
                except RuntimeError:  # shut down
                    return


def _end(sandbox: RunningSandbox) -> None:
    """Kill and clean up a sandbox; an engine that fails here costs nothing but a leftover to sweep."""
    with contextlib.suppress(Exception):
        sandbox.kill()
    with contextlib.suppress(Exception):
        sandbox.cleanup()


def _hand_off(sandbox: RunningSandbox) -> bool:
    """Have the sandbox ended after this process exits, if it can (the Docker sandbox can)."""
    try:
        return sandbox.end_detached()
    except Exception:  # noqa: BLE001 - the helper could not start: the caller ends it here
        return False


def _end_started(future: Future[RunningSandbox]) -> None:
    if future.cancelled() or future.exception() is not None:
        return
    _end(future.result())


def prestarting(backend: Backend, ahead: int = 0, hand_off: bool = False) -> Backend:
    """``backend`` wrapped in a :class:`Prestarter` where starting in the background is safe (Docker).

    ``hand_off``: for a command that exits after its last session (``grader grade``): a closed
    session's container is removed by a detached helper rather than waited for (the engine takes
    about 40 ms to kill a container).
    """
    if backend.name != "docker":
        return backend
    return Prestarter(backend, ahead=ahead, early=True, hand_off=hand_off)
