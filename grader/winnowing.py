"""Winnowing fingerprints of Python code, as MOSS takes them, and what two fingerprints share.

The method is Schleimer, Wilkerson and Aiken's ("Winnowing: local algorithms for document
fingerprinting", SIGMOD 2003):

1. **Normalise.** The code is split into tokens by one regular expression that accepts any text
   (a candidate's file may not even parse). Comments and layout are dropped; identifiers become
   ``V``, the name a ``def`` introduces ``F`` and the one a ``class`` introduces ``O``; every string
   literal becomes ``S``. Keywords, builtins, numbers and operators stay as written. Renaming
   variables or reformatting therefore changes nothing. Each character of the normalised text
   remembers the span of the source it came from, so that a match can be shown in the original.
2. **Hash** every k-gram (k consecutive normalised characters) and **winnow**: in each window of
   ``window`` consecutive hashes keep the smallest (the rightmost on a tie). Any run of at least
   ``k + window - 1`` characters that two files share is then found, and no run under ``k``.
3. **Compare** two fingerprints through the hashes they share: the positions of those hashes,
   merged where they overlap, are the shared regions; a file's share is the part of its
   fingerprinted characters that the regions cover.

Hashes are Python's string hashes: equal within one process, which is where files are compared.
"""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import re
from typing import Any

import numpy as np

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>[rRbBuUfF]{0,2}(?:
        '''(?:\\.|[^\\])*?(?:'''|\Z)          # triple-quoted; an unterminated one runs to the end
      | \"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)
      | '(?:\\.|[^'\\\r\n])*(?:'|$)            # one line; an unterminated one ends with the line
      | "(?:\\.|[^"\\\r\n])*(?:"|$)
    ))
  | (?P<name>[^\W\d]\w*)
  | (?P<number>\d[\w.]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)
_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_DEFINERS = {"def": "F", "class": "O"}


@dataclasses.dataclass(frozen=True)
class Normalised:
    """A file's normalised text, and for each of its characters the source span it stands for."""

    text: str
    starts: Any  # int64 array: source offset where character i's token starts...
    ends: Any  # ... and ends (exclusive)


def normalise(source: str) -> Normalised:
    """Drop comments and layout, and replace names and strings by placeholders (see the module)."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    defining, previous = "", ""
    for match in _TOKEN.finditer(source):
        kind, text, start, end = match.lastgroup, match.group(), match.start(), match.end()
        if kind in ("space", "comment"):
            continue
        if kind == "name" and (text not in _KEPT_NAMES or previous == "."):  # x.sum is an attribute, not sum()
            text = defining or "V"
        elif kind == "string":
            text = "S"
        defining = _DEFINERS.get(text, "") if kind == "name" else ""
        previous = text
        pieces.append(text)
        if text == match.group():  # kept as written: each character stands for itself
            starts.extend(range(start, end))
            ends.extend(range(start + 1, end + 1))
        else:  # a placeholder stands for the whole token
            starts.append(start)
            ends.append(end)
    return Normalised("".join(pieces), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))


def kgram_hashes(text: str, k: int) -> Any:
    """The hash of every k-gram of ``text``, in order (none when it is shorter than k)."""
    return np.array([hash(text[i:i + k]) for i in range(len(text) - k + 1)], dtype=np.int64)


def winnow(hashes: Any, window: int) -> Any:
    """The positions winnowing keeps: each window's smallest hash, the rightmost on a tie."""
    if window < 1:
        raise ValueError("the winnowing window must be at least 1")
    if len(hashes) == 0:
        return np.array([], dtype=np.int64)
    width = min(window, len(hashes))
    windows = np.lib.stride_tricks.sliding_window_view(hashes, width)
    rightmost = width - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(rightmost + np.arange(len(windows)))


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """A file's winnowed hashes, where they are in its normalised text, and how much they cover."""

    code: Normalised
    k: int
    hashes: Any  # int64 array, one per kept position (a hash may repeat)
    positions: Any  # int64 array: where each hash's k-gram starts in the normalised text
    coverage: int  # normalised characters inside at least one kept k-gram

    @property
    def distinct(self) -> Any:
        return np.unique(self.hashes)


def fingerprint(source: str, k: int, window: int, boilerplate: Any = ()) -> Fingerprint:
    """Winnow ``source``'s normalised text; hashes in ``boilerplate`` (the stub's, say) are dropped."""
    code = normalise(source)
    every = kgram_hashes(code.text, k)
    positions = winnow(every, window)
    hashes = every[positions]
    if len(boilerplate):
        keep = ~np.isin(hashes, np.asarray(boilerplate, dtype=np.int64))
        hashes, positions = hashes[keep], positions[keep]
    return Fingerprint(code, k, hashes, positions, _covered(positions, k, len(code.text)))


def boilerplate(source: str, k: int) -> Any:
    """Every k-gram hash of ``source`` (no winnowing: a file shares any of them with it)."""
    return np.unique(kgram_hashes(normalise(source).text, k))


def _covered(positions: Any, k: int, length: int) -> int:
    """How many of ``length`` characters lie in at least one k-gram starting at ``positions``."""
    if len(positions) == 0:
        return 0
    change = np.zeros(length + 1, dtype=np.int64)
    np.add.at(change, positions, 1)
    np.add.at(change, np.minimum(positions + k, length), -1)
    return int(np.count_nonzero(np.cumsum(change[:length])))


@dataclasses.dataclass(frozen=True)
class Shared:
    """What two fingerprints have in common, seen from each side."""

    overlap_a: int  # normalised characters of a inside shared regions
    overlap_b: int
    share_a: float  # overlap_a over a's coverage: the part of a found in b
    share_b: float
    regions_a: tuple[tuple[int, int], ...]  # [start, end) in a's source text
    regions_b: tuple[tuple[int, int], ...]


def compare(a: Fingerprint, b: Fingerprint) -> Shared:
    """The regions of ``a`` and ``b`` whose fingerprints match, and each file's share of them."""
    if a.k != b.k:
        raise ValueError("fingerprints taken with different k cannot be compared")
    common = np.intersect1d(a.hashes, b.hashes)
    runs_a = _runs(a.positions[np.isin(a.hashes, common)], a.k)
    runs_b = _runs(b.positions[np.isin(b.hashes, common)], b.k)
    overlap_a, overlap_b = sum(e - s for s, e in runs_a), sum(e - s for s, e in runs_b)
    return Shared(overlap_a, overlap_b, overlap_a / a.coverage if a.coverage else 0.0,
                  overlap_b / b.coverage if b.coverage else 0.0, _in_source(runs_a, a.code),
                  _in_source(runs_b, b.code))


def _runs(positions: Any, k: int) -> list[tuple[int, int]]:
    """Merge the k-grams at ``positions`` into [start, end) runs of the normalised text."""
    runs: list[tuple[int, int]] = []
    for position in np.sort(positions).tolist():
        if runs and position <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], position + k))
        else:
            runs.append((position, position + k))
    return runs


def _in_source(runs: list[tuple[int, int]], code: Normalised) -> tuple[tuple[int, int], ...]:
    return tuple((int(code.starts[start]), int(code.ends[end - 1])) for start, end in runs)
