"""Blocks reading stdin, and then every file descriptor it can find, hoping to stall or desync."""

import os
import sys


def cosine_similarity(*args, **kwargs):
    data = sys.stdin.read()
    for fd in range(0, 32):
        try:
            data += os.read(fd, 1 << 16).decode("latin-1")
        except OSError:
            pass
    return len(data) + 0.5


cosine_similarity_matrix = most_similar = cosine_similarity
