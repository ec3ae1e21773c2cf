"""Randomised hidden cases: each test's random generator, from the run's seed and the test's id.

A grading run draws one seed (recorded in every report, replayed with ``--seed``). Each test gets
its own generator from that seed and its file and name, so a case is the same under
``grader grade --seed N`` and under ``pytest -p grader.direct``, and adding a test does not change
the cases of the others.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np


def case_rng(seed: int, item: Any) -> np.random.Generator:
    """The random generator of one test (``item``: a pytest item): the run's seed and the test's id."""
    key = f"{Path(str(item.path)).name}::{item.name}".encode()
    return np.random.default_rng([seed, zlib.crc32(key)])
