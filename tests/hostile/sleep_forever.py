"""Sleeps instead of answering (no CPU used, so only a wall-clock deadline catches it)."""

import time


def cosine_similarity(*args, **kwargs):
    time.sleep(10_000)


cosine_similarity_matrix = most_similar = cosine_similarity
