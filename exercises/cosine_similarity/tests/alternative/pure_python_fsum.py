"""An alternative correct solution with another algorithm: exact power-of-two rescaling.

Parts 1 and 3 are pure Python (math.frexp / math.ldexp rescale a vector by a power of two, which
is exact, and math.fsum adds without rounding error); Part 2 does the same in numpy with
np.frexp / np.ldexp and einsum, so that it stays vectorised.
"""

import math

import numpy as np


def _as_list(x, name):
    """x as a list of finite floats; a scalar, a nested list or an empty vector is an error."""
    if hasattr(x, "tolist"):
        x = x.tolist()  # numpy arrays and scalars become plain Python values
    if not isinstance(x, (list, tuple)):
        raise ValueError(f"{name} must be a 1-D sequence")
    values = []
    for item in x:
        if isinstance(item, (list, tuple)) or not isinstance(item, (int, float)):
            raise ValueError(f"{name} must be a 1-D sequence of numbers")
        value = float(item)
        if not math.isfinite(value):
            raise ValueError(f"{name} holds NaN or infinity")
        values.append(value)
    if not values:
        raise ValueError(f"{name} is empty")
    return values


def _rescaled(values):
    """values times a power of two that brings the largest magnitude into [0.5, 1); None if all zero."""
    peak = max(abs(v) for v in values)
    if peak == 0.0:
        return None
    exponent = math.frexp(peak)[1]
    return [math.ldexp(v, -exponent) for v in values]


def cosine_similarity(a, b):
    u, v = _as_list(a, "a"), _as_list(b, "b")
    if len(u) != len(v):
        raise ValueError("the vectors differ in length")
    u, v = _rescaled(u), _rescaled(v)
    if u is None or v is None:
        return 0.0
    dot = math.fsum(x * y for x, y in zip(u, v, strict=True))
    norms = math.sqrt(math.fsum(x * x for x in u)) * math.sqrt(math.fsum(y * y for y in v))
    return min(1.0, max(-1.0, dot / norms))


def _unit_rows(M):
    _, exponent = np.frexp(np.abs(M).max(axis=1))
    scaled = np.ldexp(M, -exponent[:, None])  # exact: a power of two per row
    norms = np.sqrt(np.einsum("ij,ij->i", scaled, scaled))[:, None]
    return np.divide(scaled, norms, out=np.zeros_like(scaled), where=norms > 0)


def cosine_similarity_matrix(A, B=None):
    left = np.array(A, dtype=np.float64)
    right = left if B is None else np.array(B, dtype=np.float64)
    if left.ndim != 2 or right.ndim != 2:
        raise ValueError("A and B must be 2-D")
    if left.shape[1] != right.shape[1]:
        raise ValueError("A and B have rows of different lengths")
    return np.clip(np.einsum("ik,jk->ij", _unit_rows(left), _unit_rows(right), optimize=True), -1.0, 1.0)


def most_similar(word, embeddings, topn=3):
    if topn < 1:
        raise ValueError("topn must be at least 1")
    if word not in embeddings:
        raise KeyError(word)
    query = embeddings[word]
    scored = [(other, cosine_similarity(query, vector)) for other, vector in embeddings.items() if other != word]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:topn]
