"""Values that hidden tests compute from the seed alone, kept for the next candidate (issue #16).

In a batch every candidate is graded with the same seed, so each test draws the same inputs and
computes the same expected values for every candidate. A test that asks for them through the
``oracle_cache`` fixture computes them once per grader process (a batch worker grades many
candidates) instead of once per candidate::

    def test_large_matrix(submission, rng, oracle_cache):
        A, B, expected = oracle_cache("case", lambda: make_case(rng))
        ...

Caching is invisible to the grade:

* the key is the test (its file and name), the run's seed and the test's own key;
* the test's ``rng`` must be in the same state as when the value was computed, and is left in the
  state the computation left it in: the test draws the same numbers afterwards, cached or not.
  In any other state the value is computed afresh (and not kept);
* the value is deep-copied on the way in and out, except numpy arrays, which are kept read-only
  and handed out as read-only views, to the first candidate as to the others (copying a 12 MB
  expected matrix cost each candidate 13 ms): a test that changes what it got cannot change what
  the next candidate gets, and a test that writes into a cached array fails alike for everyone.

Only the judge's own values are kept: nothing of a candidate's, and nothing crosses into the
sandbox that the test would not have sent anyway. The cache holds at most ``MAX_ENTRIES`` values
per process (oldest out first).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
MAX_ENTRIES = 512

_STORE: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}  # key -> (rng state before, value, rng state after)


class OracleCache:
    """The ``oracle_cache`` fixture of one test: ``oracle_cache(key, compute)`` returns ``compute()``."""

    def __init__(self, test: tuple[Any, ...], rng: np.random.Generator, keep: bool = True) -> None:
        self._test = test
        self._rng = rng
        self._keep = keep

    def __call__(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, or a copy of what it returned for an earlier candidate in the same state."""
        full = (*self._test, key)
        before = self._rng.bit_generator.state
        entry = _STORE.get(full) if self._keep else None
        if entry is not None and entry[0] == before:
            self._rng.bit_generator.state = entry[2]
            return _copy(entry[1])  # type: ignore[no-any-return]
        value = _copy(compute())  # read-only arrays for the first candidate too: every candidate alike
        if self._keep and entry is None:
            while len(_STORE) >= MAX_ENTRIES:
                del _STORE[next(iter(_STORE))]
            _STORE[full] = (before, _copy(value), self._rng.bit_generator.state)
        return value


def _copy(value: Any) -> Any:
    """A deep copy in which numpy arrays are read-only views: of ``value``'s arrays when they are
    already read-only, of fresh copies otherwise."""
    memo: dict[int, Any] = {}
    for array in _arrays(value):
        if id(array) not in memo:
            kept = array if not array.flags.writeable else array.copy()
            kept.flags.writeable = False
            memo[id(array)] = kept.view()  # a view of a read-only array is read-only, for good
    return copy.deepcopy(value, memo)


def _arrays(value: Any) -> list[np.ndarray]:
    """The numpy arrays in lists, tuples and dicts of ``value`` (what a test keeps)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in _arrays(item)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in _arrays(item)]
    return []


def clear() -> None:
    """Forget every kept value (tests of the grader use this)."""
    _STORE.clear()
