"""Memory and process limits for a process sandbox's whole process tree, not each process alone.

``RLIMIT_AS`` bounds one process: a submission that forks twenty children, each allocating just
under the limit, would take twenty times the memory, and the host's OOM killer would choose what
dies. Two mechanisms close that, the first this machine allows:

* a **cgroup** (v2, or v1's memory and pids hierarchies), where the grader may make one (as root,
  with cgroupfs writable): ``memory.max`` (swap off) and ``pids.max`` hold for every process the
  worker starts, and the kernel's own accounting says when the tree ran out of memory;
* a **watchdog** thread otherwise (not root, or no writable cgroupfs): every 20 ms it adds up the
  proportional memory (PSS, so that pages shared after a fork count once) of every process of the
  tree and counts them, and kills the tree over ``memory_mb`` or over ``pids`` processes.

Either way, a tree that goes over its memory is killed as a whole and the call ends as ``memory``.
The watchdog samples, so a tree can overshoot by what it allocates between two samples;
the cgroup cannot be overshot.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
POLL_SECONDS = 0.02
PREFIX = "nlp-grader-"


class TreeLimit:
    """The limits of one sandbox's process tree; :meth:`enter` runs in the child before exec."""

    def __init__(self, memory_mb: int, pids: int) -> None:
        self.memory_bytes = memory_mb * 1024 * 1024
        self.pids = pids
        self.exceeded = ""  # why the tree was killed, once it was
        self.cgroups = _make_cgroups(self.memory_bytes, pids)
        self._procs = [str(group / "cgroup.procs") for group in self.cgroups]  # made before the fork
        self._stop = threading.Event()

    def enter(self) -> None:
        """In the child, between fork and exec: join the cgroups. Only system calls on strings made
        before the fork: the judge has threads, so nothing here may take a lock."""
        pid = str(os.getpid()).encode()
        for procs in self._procs:
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def watch(self, root_pid: int, kill: Callable[[], None]) -> None:
        """Watch the tree under ``root_pid`` from a thread; call ``kill`` when it goes over."""
        thread = threading.Thread(target=self._watch, args=(root_pid, kill), name=f"tree-limit-{root_pid}",
                                  daemon=True)
        thread.start()

    def stop(self) -> None:
        """Stop watching and remove the cgroups (once their processes are gone)."""
        self._stop.set()
        for group in self.cgroups:
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # processes are still leaving it
                    time.sleep(0.02)

    def _watch(self, root_pid: int, kill: Callable[[], None]) -> None:
        while not self._stop.wait(POLL_SECONDS):
            reason = self._over(root_pid)
            if reason:
                self.exceeded = reason
                kill()
                return

    def _over(self, root_pid: int) -> str:
        megabytes = self.memory_bytes // (1024 * 1024)
        if self.cgroups:
            if any(_oom_kills(group) for group in self.cgroups):
                return f"out of memory: the sandbox's processes together went over {megabytes} MB"
            return ""
        tree = tree_pids(root_pid)
        if len(tree) > self.pids:
            return f"the sandbox started more than {self.pids} processes and threads"
        if len(tree) > 2 and sum(_pss(pid) for pid in tree) > self.memory_bytes:
            return f"out of memory: the sandbox's processes together went over {megabytes} MB"
        return ""


def tree_pids(root: int) -> list[int]:
    """``root`` and every process below it (through /proc/PID/task/TID/children)."""
    found: list[int] = []
    pending = [root]
    while pending and len(found) < 100_000:
        pid = pending.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
    return found


def _pss(pid: int) -> int:
    """The process's proportional share of memory, in bytes (0 once it is gone).

    smaps_rollup needs the right to trace the process, which root without CAP_SYS_PTRACE (in a
    container) lacks for the sandbox's user; then the resident anonymous memory from ``status``,
    which counts pages a fork still shares with its parent in both."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "RssAnon:")):
        try:
            with open(f"/proc/{pid}/{name}") as lines:
                for line in lines:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return 0


# --- cgroups --------------------------------------------------------------------------------------


def _make_cgroups(memory_bytes: int, pids: int) -> list[Path]:
    """This sandbox's cgroups (one for v2, memory and pids for v1), or [] where none can be made."""
    if os.geteuid() != 0:
        return []
    name = PREFIX + secrets.token_hex(6)
    try:
        if (CGROUP_ROOT / "cgroup.controllers").is_file():
            return [_make_v2(name, memory_bytes, pids)]
        return _make_v1(name, memory_bytes, pids)
    except OSError:
        return []


def _own_cgroup(controller: str) -> str:
    """Our cgroup path in a hierarchy: ``""`` for v2's, else the v1 controller's name."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _id, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise OSError(f"no {controller or 'unified'} cgroup")


def _make_v2(name: str, memory_bytes: int, pids: int) -> Path:
    own = CGROUP_ROOT / _own_cgroup("").lstrip("/")
    parent = own.parent if own != CGROUP_ROOT and _delegates(own.parent) else own
    if not _delegates(parent):
        _enable_controllers(parent)
    group = parent / name
    group.mkdir()
    try:
        (group / "memory.max").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):
            (group / "memory.swap.max").write_text("0")
        with contextlib.suppress(OSError):
            (group / "memory.oom.group").write_text("1")
        (group / "pids.max").write_text(str(pids))
    except OSError:
        group.rmdir()
        raise
    return group


def _delegates(folder: Path) -> bool:
    """Whether new cgroups in ``folder`` get the memory and pids controllers."""
    try:
        enabled = (folder / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False
    return "memory" in enabled and "pids" in enabled


def _enable_controllers(own: Path) -> None:
    """Give new cgroups in our own cgroup memory and pids: cgroup v2 allows that only once no
    process is left in it, so this process moves into a leaf of its own first (as Docker-in-Docker
    entrypoints do). Where other processes share our cgroup, it fails and nothing changes."""
    leaf = own / (PREFIX + "judge")
    leaf.mkdir(exist_ok=True)
    (leaf / "cgroup.procs").write_text(str(os.getpid()))
    try:
        (own / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError:
        with contextlib.suppress(OSError):
            (own / "cgroup.procs").write_text(str(os.getpid()))
        raise


def _v1_folder(controller: str) -> Path:
    """Our cgroup's folder in a v1 hierarchy. In a container, the hierarchy's root is often our
    own cgroup already, while /proc/self/cgroup still names the path on the host."""
    root = CGROUP_ROOT / controller
    own = root / _own_cgroup(controller).lstrip("/")
    for folder in (own, root):
        with contextlib.suppress(OSError):
            if str(os.getpid()) in (folder / "cgroup.procs").read_text().split():
                return folder
    raise OSError(f"cannot find this process's {controller} cgroup")


def _make_v1(name: str, memory_bytes: int, pids: int) -> list[Path]:
    memory = _v1_folder("memory") / name
    count = _v1_folder("pids") / name
    made: list[Path] = []
    try:
        memory.mkdir()
        made.append(memory)
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):  # swap accounting may be off: then there is no swap limit
            (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        count.mkdir()
        made.append(count)
        (count / "pids.max").write_text(str(pids))
    except OSError:
        for group in reversed(made):
            with contextlib.suppress(OSError):
                group.rmdir()
        raise
    return made


def _oom_kills(group: Path) -> int:
    """How many processes the kernel killed in this cgroup for want of memory."""
    for events in ("memory.events", "memory.oom_control"):
        with contextlib.suppress(OSError, ValueError):
            for line in (group / events).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    return 0


def kill_tree(root_pid: int) -> None:
    """SIGKILL ``root_pid``'s process group and every process below it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root_pid, signal.SIGKILL)
    for pid in tree_pids(root_pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
