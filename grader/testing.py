"""Helpers for exercise tests: tolerant comparisons with messages that say what differs and where.

Hidden tests run on the judge's side and compare what the candidate's code returned (plain data that
crossed the sandbox boundary) with an oracle. A value of the wrong type or shape is a *wrong answer*,
so every helper raises ``AssertionError`` for it, never ``TypeError``: the test then ends as
``failed`` with a readable message instead of a crash. Each helper's time counts against the
deadline of the call whose answer it checks (:mod:`grader.judge.budget`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.judge.budget import charged
from grader.judge.proxy import Handle
from grader.judge.remote import CandidateError
from grader.judge.seeds import case_rng

__all__ = [
    "CandidateError",
    "Handle",
    "as_array",
    "as_float",
    "as_int_array",
    "assert_array_close",
    "assert_close",
    "assert_equal",
    "case_rng",
    "describe",
    "pairs",
]

RTOL = 1e-6
ATOL = 1e-8


@charged
def describe(value: Any, limit: int = 200) -> str:
    """A short, safe description of a returned value for failure messages."""
    if isinstance(value, np.ndarray):
        text = f"array(shape={value.shape}, dtype={value.dtype})"
        if value.size <= 12:
            text += f" {np.array2string(value, precision=6, threshold=12)}"
        return text
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@charged
def as_float(value: Any, what: str) -> float:
    """The returned value as a Python float; a non-number is a wrong answer."""
    if isinstance(value, bool) or isinstance(value, (str, bytes)) or value is None:
        raise AssertionError(f"{what}: expected a number, got {describe(value)}")
    if isinstance(value, np.ndarray):
        if value.size != 1 or value.dtype.kind not in "iuf":
            raise AssertionError(f"{what}: expected a single number, got {describe(value)}")
        return float(value.reshape(()))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise AssertionError(f"{what}: expected a number, got {describe(value)}")


@charged
def as_array(value: Any, what: str, *, ndim: int | None = None, dtype: Any = np.float64) -> np.ndarray:
    """The returned value as a numeric array; ragged, textual or object data is a wrong answer."""
    if isinstance(value, Handle) or value is None or isinstance(value, (str, bytes, dict)):
        raise AssertionError(f"{what}: expected an array, got {describe(value)}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise AssertionError(f"{what}: expected an array, got {describe(value)} ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise AssertionError(f"{what}: expected numbers, got {describe(value)}")
    if ndim is not None and array.ndim != ndim:
        raise AssertionError(f"{what}: expected a {ndim}-D array, got shape {array.shape}")
    return array.astype(dtype, copy=False)


@charged
def as_int_array(value: Any, what: str, *, ndim: int | None = None) -> np.ndarray:
    """The returned value as an integer array; non-integral numbers are a wrong answer."""
    array = as_array(value, what, ndim=ndim, dtype=np.float64)
    if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
        raise AssertionError(f"{what}: expected whole numbers, got {describe(value)}")
    return array.astype(np.int64)


@charged
def assert_close(actual: Any, expected: float, *, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """A scalar result equals ``expected`` within tolerance; NaN is never close to anything."""
    got = as_float(actual, what)
    if math.isnan(got) or not math.isclose(got, expected, rel_tol=rtol, abs_tol=atol):
        if math.isinf(expected) and got == expected:
            return
        raise AssertionError(f"{what}: expected {expected!r}, got {got!r}")


@charged
def assert_array_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """An array result matches ``expected`` in shape and values; the message names the worst entry."""
    want = np.asarray(expected, dtype=np.float64)
    got = as_array(actual, what)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: expected shape {want.shape}, got shape {got.shape}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=False)
    both_inf = np.isinf(want) & (got == want)
    bad &= ~both_inf
    if bad.any():
        index = _worst_index(got, want, bad)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} entries differ; at index {index} expected "
            f"{float(want[index])!r}, got {float(got[index])!r}"
        )


@charged
def assert_equal(actual: Any, expected: Any, *, what: str) -> None:
    """Exact equality of plain data (token lists, vocabularies, keys), with a readable diff."""
    if _plain(actual) != _plain(expected):
        raise AssertionError(f"{what}: expected {describe(expected)}, got {describe(actual)}")


def _plain(value: Any) -> Any:
    """Normalise tuples/arrays to lists so that equality is about content, not container type."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _worst_index(got: np.ndarray, want: np.ndarray, bad: np.ndarray) -> tuple[int, ...]:
    with np.errstate(invalid="ignore"):
        error = np.where(bad, np.abs(np.nan_to_num(got - want, nan=np.inf)), -1.0)
    flat = int(np.argmax(error))
    return tuple(int(i) for i in np.unravel_index(flat, want.shape))


@charged
def pairs(values: Sequence[Any], what: str) -> list[tuple[Any, Any]]:
    """A returned list of 2-tuples (e.g. ``[(word, score), ...]``), checked for shape."""
    if not isinstance(values, (list, tuple)):
        raise AssertionError(f"{what}: expected a list of pairs, got {describe(values)}")
    out = []
    for i, item in enumerate(values):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise AssertionError(f"{what}: item {i} should be a pair, got {describe(item)}")
        out.append((item[0], item[1]))
    return out
