"""The matrix is built by a Python double loop over all pairs: far too slow for 1000 x 1000."""

import numpy as np


def _check_vector(x):
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("expected a non-empty 1-D vector")
    if not np.isfinite(arr).all():
        raise ValueError("the vector holds NaN or inf")
    return arr


def _norm(v):
    # Scale by the largest entry first so that the squares neither overflow nor underflow.
    m = np.abs(v).max()
    if m == 0:
        return 0.0
    return m * np.sqrt(np.sum((v / m) ** 2))


def cosine_similarity(a, b):
    """Cosine similarity of two vectors, clipped to [-1, 1]; 0.0 for a zero vector."""
    a = _check_vector(a)
    b = _check_vector(b)
    if a.shape != b.shape:
        raise ValueError("vectors must have the same length")
    na, nb = _norm(a), _norm(b)
    if na == 0 or nb == 0:
        return 0.0
    sim = np.dot(a / na, b / nb)
    return float(np.clip(sim, -1.0, 1.0))


def _normalise_rows(M):
    scale = np.abs(M).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    S = M / scale
    norms = np.sqrt((S * S).sum(axis=1, keepdims=True))
    norms[norms == 0] = 1.0
    return S / norms


def _as_matrix(M):
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError("expected a 2-D array")
    return M


def cosine_similarity_matrix(A, B=None):
    """Pairwise cosine similarities between the rows of A and the rows of B (default: A)."""
    A = _as_matrix(A)
    B = A if B is None else _as_matrix(B)
    if A.shape[1] != B.shape[1]:
        raise ValueError("A and B must have the same number of columns")
    result = np.zeros((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            result[i, j] = cosine_similarity(A[i], B[j])
    return result


def most_similar(word, embeddings, topn=3):
    """The topn words closest to word, as (word, similarity) pairs, best first."""
    if topn < 1:
        raise ValueError("topn must be at least 1")
    if word not in embeddings:
        raise KeyError(word)
    target = embeddings[word]
    scores = []
    for other, vec in embeddings.items():
        if other == word:
            continue
        scores.append((other, cosine_similarity(target, vec)))
    scores.sort(key=lambda t: (-t[1], t[0]))
    return scores[:topn]
