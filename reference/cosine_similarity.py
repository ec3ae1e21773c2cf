"""Cosine similarity between word vectors: one pair, all pairs of two sets, and nearest neighbours.

Cosine similarity compares directions and ignores lengths: ``a·b / (‖a‖‖b‖)``. Two details make
the difference between a textbook formula and a function that can be trusted:

* Norms are computed on vectors first divided by their largest absolute entry, so ``x*x`` can
  neither overflow (entries near 1e200) nor underflow to zero (entries near 1e-200).
* Rounding can push the quotient of parallel vectors a hair past 1, so results are clipped to
  [-1, 1]; downstream code such as ``arccos`` then never sees an impossible value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine similarity of two 1-D vectors, clipped to [-1, 1]; 0.0 if either vector is zero.

    Raises ValueError if the vectors differ in length, are empty, are not 1-D, or hold NaN or
    infinite values.
    """
    u = _as_vector(a, "a")
    v = _as_vector(b, "b")
    if u.shape != v.shape:
        raise ValueError(f"vectors differ in length: {u.size} and {v.size}")
    unit_u, unit_v = _unit(u), _unit(v)
    if unit_u is None or unit_v is None:
        return 0.0
    return float(np.clip(np.dot(unit_u, unit_v), -1.0, 1.0))


def cosine_similarity_matrix(A: Any, B: Any = None) -> np.ndarray:
    """All pairwise cosine similarities between the rows of ``A`` (n, d) and ``B`` (m, d).

    ``B=None`` compares ``A`` with itself. Returns a new (n, m) float64 array, clipped to [-1, 1];
    a zero row has similarity 0 with every row. Raises ValueError if an input is not 2-D or the
    row lengths differ.
    """
    left = _as_matrix(A, "A")
    right = left if B is None else _as_matrix(B, "B")
    if left.shape[1] != right.shape[1]:
        raise ValueError(f"rows differ in length: A has {left.shape[1]}, B has {right.shape[1]}")
    unit_left = _unit_rows(left)
    unit_right = unit_left if B is None else _unit_rows(right)
    similarities = unit_left @ unit_right.T
    return np.clip(similarities, -1.0, 1.0, out=similarities)


def most_similar(word: str, embeddings: Mapping[str, Sequence[float]], topn: int = 3) -> list[tuple[str, float]]:
    """The ``topn`` other words closest to ``word`` by cosine similarity, best first.

    Ties go to the alphabetically smaller word, and ``word`` itself is never returned. Fewer than
    ``topn`` pairs come back when the vocabulary has fewer other words. ``embeddings`` is not
    modified. Raises KeyError if ``word`` has no vector and ValueError if ``topn < 1``.
    """
    if topn < 1:
        raise ValueError(f"topn must be at least 1, got {topn}")
    if word not in embeddings:
        raise KeyError(word)
    query = embeddings[word]
    scored = [(other, cosine_similarity(query, vector)) for other, vector in embeddings.items() if other != word]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:topn]


def _as_vector(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 1-D array of finite numbers (a new array: the caller's is never touched)."""
    vector = np.array(x, dtype=np.float64)
    if vector.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {vector.ndim} dimensions")
    if vector.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return vector


def _as_matrix(x: Any, name: str) -> np.ndarray:
    """``x`` as a float64 2-D array with at least one column."""
    matrix = np.asarray(x, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got {matrix.ndim} dimensions")
    if matrix.shape[1] == 0:
        raise ValueError(f"{name} has rows of length 0")
    return matrix


def _unit(vector: np.ndarray) -> np.ndarray | None:
    """``vector`` scaled to length 1, or None for the zero vector.

    Dividing by the largest absolute entry first brings every entry into [-1, 1], so the sum of
    squares is at least 1 and at most the length: no overflow, no underflow.
    """
    scale = np.max(np.abs(vector))
    if scale == 0.0:
        return None
    scaled = vector / scale
    return scaled / np.sqrt(np.dot(scaled, scaled))


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (zero rows stay zero), with the same guard as ``_unit``."""
    scale = np.max(np.abs(matrix), axis=1, keepdims=True)
    scale = np.where(scale == 0.0, 1.0, scale)
    scaled = matrix / scale
    norms = np.sqrt(np.einsum("ij,ij->i", scaled, scaled))[:, None]
    return scaled / np.where(norms == 0.0, 1.0, norms)
