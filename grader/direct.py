"""Run exercise tests against a module imported directly, with no sandbox and no judge.

For exercise authors iterating on a bank, and for the candidate kit's public tests::

    pytest -p grader.direct exercises/tfidf/tests/hidden --submission reference/tfidf.py

This runs the candidate's code *in the test process*: it is a convenience for trusted code, never
a way to grade. Grading goes through ``grader grade``.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.judge.cache import OracleCache
from grader.judge.seeds import case_rng


class DirectSubmission:
    """The same calls as the judge's proxy, served by an imported module."""

    def __init__(self, path: Path, probes_path: Path | None) -> None:
        self._module = _import(path, "submission_under_test")
        self._probes = _import(probes_path, "exercise_probes") if probes_path else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def call(self, name: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return getattr(self._module, name)(*args, **kwargs)

    def call_with_inputs(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        args_copy, kwargs_copy = copy.deepcopy(list(args)), copy.deepcopy(kwargs)
        value = getattr(self._module, name)(*args_copy, **kwargs_copy)
        return value, args_copy, kwargs_copy

    def probe(self, name: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        if self._probes is None:
            raise RuntimeError("this exercise has no probes.py")
        return getattr(self._probes, name)(self._module, *args, **kwargs)


def _import(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise pytest.UsageError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--submission", required=True, help="the solution file to test")
    parser.addoption("--probes", default=None, help="the exercise's probes.py, if any")
    parser.addoption("--grading-seed", type=int, default=0, help="seed for randomised cases")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points the test is worth")


@pytest.fixture(scope="session")
def submission(pytestconfig: pytest.Config) -> DirectSubmission:
    probes = pytestconfig.getoption("--probes")
    return DirectSubmission(Path(pytestconfig.getoption("--submission")), Path(probes) if probes else None)


@pytest.fixture
def grading_seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("--grading-seed"))


@pytest.fixture
def rng(grading_seed: int, request: pytest.FixtureRequest) -> np.random.Generator:
    return case_rng(grading_seed, request.node)


@pytest.fixture
def oracle_cache(request: pytest.FixtureRequest, rng: np.random.Generator) -> OracleCache:
    """The judge's ``oracle_cache``, computing every time: one run has nothing to share."""
    return OracleCache((str(request.node.path), request.node.name), rng, keep=False)
