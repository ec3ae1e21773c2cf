"""Where a batch's candidates are graded: the local process pool (the default) or a Dask cluster.

:func:`grader.batch.run.run_batch` holds the results folder, the settings and the summaries either
way; an :class:`Executor` only grades and stores candidates. The Dask one
(:class:`grader.batch.distributed.DaskExecutor`) is an optional extra, imported only when a
scheduler is given.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

from grader.batch.candidates import Candidate
from grader.batch.pool import Progress, Task, grade_all, start_forkserver, wait_for_workers
from grader.batch.worker import WorkerConfig, grade_candidate
from grader.errors import UsageError
from grader.sandbox.choose import choose_backend


class Executor(Protocol):
    """Grades and stores candidates, for :func:`grader.batch.run.run_batch`."""

    sweeps_here: bool  # whether run_batch sweeps this host's leftover sandbox containers before and after

    def sandbox(self, requested: str, hide: list[Path]) -> tuple[str, str]:
        """The sandbox the candidates are graded in (``auto`` resolved), and a warning to show ("" if none)."""
        ...

    def grade(self, todo: list[Candidate], config: WorkerConfig, progress: Progress) -> None:
        """Grade and store every candidate of ``todo``; KeyboardInterrupt stops it."""
        ...

    def finish(self) -> None:
        """Wait for what :meth:`grade` left ending (workers exiting while the summaries are written)."""
        ...


@dataclasses.dataclass
class PoolExecutor:
    """The default: a process pool on this machine (:mod:`grader.batch.pool`)."""

    jobs: int
    task: Task = grade_candidate
    sweeps_here = True

    def __post_init__(self) -> None:
        start_forkserver()  # its imports overlap the batch's reading of its folders

    def sandbox(self, requested: str, hide: list[Path]) -> tuple[str, str]:
        backend, warning = choose_backend(requested, hide=hide, fallback=False)  # process only when asked for
        return backend.name, warning

    def grade(self, todo: list[Candidate], config: WorkerConfig, progress: Progress) -> None:
        grade_all(todo, self.jobs, config, self.task, progress)

    def finish(self) -> None:
        wait_for_workers()


def choose_executor(scheduler: str | None, jobs: int, task: Task = grade_candidate) -> Executor:
    """The pool of ``jobs`` processes, or the Dask cluster at ``scheduler`` ("local": ``jobs`` local workers)."""
    if not scheduler:
        return PoolExecutor(jobs, task)
    try:
        from grader.batch.distributed import DaskExecutor  # the optional extra
    except ImportError as exc:
        raise UsageError(f"--scheduler needs Dask ({exc}): pip install 'nlp-grader[distributed]'") from None
    return DaskExecutor(scheduler, jobs)
