"""Atomic writes: every file the grader leaves for someone to read appears whole or not at all.

A writer renders into a temporary sibling (``.NAME.partial-PID``), which is flushed to disk and
renamed over the target in one step; a writer that fails, or an interruption, leaves the target
as it was and no temporary file behind. The batch store, the CLI's reports and the Gradescope
results all write through here.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO


def write_text_atomically(path: Path, write: Callable[[TextIO], None]) -> None:
    """Render ``write`` into memory first (a failing writer leaves no file at all), then publish it."""
    buffer = io.StringIO()
    write(buffer)
    data = buffer.getvalue().encode("utf-8")
    with _partial(path) as (fp, _partial_path):
        fp.write(data)


@contextlib.contextmanager
def open_atomically(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through (for large outputs, such as a zip): published when
    the ``with`` block ends normally, removed when it raises."""
    with _partial(path) as (fp, _partial_path):
        yield fp


@contextlib.contextmanager
def _partial(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with partial.open("wb") as fp:
            yield fp, partial
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def fsync_folder(path: Path) -> None:
    """Flush a folder's entries, so that a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
