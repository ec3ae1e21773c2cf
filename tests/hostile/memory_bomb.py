"""Allocates far more memory than the sandbox allows."""

import numpy as np


def cosine_similarity(*args, **kwargs):
    hog = np.ones(8 * 1024**3 // 8)  # 8 GB, touched
    return float(hog.sum())


cosine_similarity_matrix = most_similar = cosine_similarity
