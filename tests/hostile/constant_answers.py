"""Returns the same plausible constants for everything (0.0, an empty list), solving nothing."""


def cosine_similarity(a, b):
    return 0.0


def cosine_similarity_matrix(A, B=None):
    import numpy as np

    return np.zeros((len(A), len(A if B is None else B)))


def most_similar(word, embeddings, topn=3):
    return []
