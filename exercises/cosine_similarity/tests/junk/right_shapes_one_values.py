"""Junk: the right types and shapes with the value 1.0 everywhere (parallel vectors' answer).
It must score 0: every test needs a correct value."""

import numpy as np


def cosine_similarity(a, b):
    return 1.0


def cosine_similarity_matrix(A, B=None):
    A = np.asarray(A, dtype=float)
    B = A if B is None else np.asarray(B, dtype=float)
    return np.ones((len(A), len(B)), dtype=np.float64)


def most_similar(word, embeddings, topn=3):
    others = sorted(w for w in embeddings if w != word)
    return [(w, 1.0) for w in others[:topn]]
