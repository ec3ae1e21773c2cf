"""A sample candidate's answer to the cosine_similarity exercise, as `make demo` grades it.

It is mostly right, with the mistakes real candidates make: the norms are computed naively (they
overflow at 1e200), and a zero vector divides by zero instead of giving 0.0.
"""

import numpy as np


def cosine_similarity(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError("a and b must be 1-D vectors of the same non-zero length")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("vectors must be finite")
    value = a @ b / (np.sqrt(np.sum(a * a)) * np.sqrt(np.sum(b * b)))
    return float(np.clip(value, -1.0, 1.0))


def cosine_similarity_matrix(A, B=None):
    A = np.asarray(A, dtype=float)
    B = A if B is None else np.asarray(B, dtype=float)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError("A and B must be 2-D with the same number of columns")
    norms_a = np.linalg.norm(A, axis=1, keepdims=True)
    norms_b = np.linalg.norm(B, axis=1, keepdims=True)
    norms_a[norms_a == 0] = 1.0
    norms_b[norms_b == 0] = 1.0
    return np.clip((A / norms_a) @ (B / norms_b).T, -1.0, 1.0)


def most_similar(word, embeddings, topn=3):
    if topn < 1:
        raise ValueError("topn must be at least 1")
    target = embeddings[word]
    scores = [(other, cosine_similarity(target, vector))
              for other, vector in embeddings.items() if other != word]
    scores.sort(key=lambda pair: (-pair[1], pair[0]))
    return scores[:topn]
