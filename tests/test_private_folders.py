"""The process sandbox from a checkout inside a private folder (``mktemp -d``, root's home).

As root, the worker runs as an unprivileged user id, which cannot traverse a folder of mode 0700.
Where mount namespaces are allowed, the sandbox reopens exactly its runtime (the worker, the
interpreter and its installation) through such folders and nothing else; where they are not, it
refuses to start with one message that says why and what to do.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.grading import grade
from grader.sandbox import process_backend
from grader.sandbox.base import SandboxUnavailable
from grader.sandbox.process_backend import ProcessBackend, private_ancestors

SANDBOX_CODE = Path(process_backend.__file__).parent
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root drops to another user id")


def private_worker(tmp_path: Path) -> Path:
    """A copy of the worker (and the wire codec beside it) two levels inside a 0700 folder."""
    private = tmp_path / "private"
    target = private / "checkout" / "sandbox"
    target.mkdir(parents=True)
    for name in ("worker.py", "wire.py"):
        shutil.copy(SANDBOX_CODE / name, target / name)
    private.chmod(0o700)
    return target / "worker.py"


def test_private_ancestors_finds_the_outermost_private_folder(tmp_path):
    outer, inner = tmp_path / "a" / "outer", tmp_path / "a" / "outer" / "b" / "inner"
    deep = inner / "c"
    deep.mkdir(parents=True)
    for folder in (outer, inner):
        folder.chmod(0o700)
    (found,) = private_ancestors([deep])
    # tmp_path may itself lie below a private folder (pytest's own is 0700): then that one is found.
    above = [p for p in tmp_path.parents if not p.stat().st_mode & 0o001]
    assert found == (above[-1] if above else outer)
    assert private_ancestors([tmp_path / "a"]) == ([above[-1]] if above else [])


@as_root
def test_worker_inside_a_private_folder_grades(tmp_path, mini_bank):
    if not process_backend.isolation_available():
        pytest.skip("no mount namespaces here: covered by the refusal test")
    backend = ProcessBackend(worker=private_worker(tmp_path))
    reference = Path(__file__).parent / "data" / "reference" / "adder.py"
    result = grade(reference, list(mini_bank.values()), backend, seed=7, explicit=True)
    assert result.exercises[0].percent == 100, [(t.name, t.message) for t in result.exercises[0].tests]


@as_root
def test_without_namespaces_a_private_folder_is_refused_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(process_backend, "_namespaces_allowed", lambda drop: False)
    backend = ProcessBackend(worker=private_worker(tmp_path))
    with pytest.raises(SandboxUnavailable, match=r"private folder.*chmod o\+x.*--sandbox docker"):
        backend.start(backend_limits())


def backend_limits():
    from grader.limits import Limits

    return Limits()
