"""Cosine similarity between word vectors. Replace each NotImplementedError with your code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine similarity ``a·b / (‖a‖‖b‖)`` of two 1-D vectors, as a float clipped to [-1, 1].

    If either vector is all zeros, return 0.0. Raise ValueError if the vectors differ in length,
    are empty, are not 1-D, or hold NaN or infinite values. Stay accurate for entries as large as
    1e200 or as small as 1e-200.
    """
    raise NotImplementedError


def cosine_similarity_matrix(A: Any, B: Any = None) -> np.ndarray:
    """The (n, m) float64 matrix of cosine similarities between the rows of A (n, d) and B (m, d).

    ``B=None`` means B is A. A zero row has similarity 0 with every row. Raise ValueError if A or
    B is not 2-D or their rows differ in length. Must be vectorised (no Python loop over pairs).
    """
    raise NotImplementedError


def most_similar(word: str, embeddings: Mapping[str, Sequence[float]], topn: int = 3) -> list[tuple[str, float]]:
    """The ``topn`` other words most similar to ``word``, as ``(word, similarity)`` pairs.

    Sorted by similarity, descending; ties go to the alphabetically smaller word. ``word`` itself
    is excluded and ``embeddings`` is left unchanged. Raise KeyError if ``word`` is not in
    ``embeddings`` and ValueError if ``topn < 1``.
    """
    raise NotImplementedError
