"""Forks a dozen children that each allocate just under the per-process memory limit: together
far more than the sandbox may use. The whole tree must end as `memory`, never as a host OOM."""

import os
import time

CHILD_BYTES = 600 * 1024 * 1024


def cosine_similarity(*args, **kwargs):
    for _ in range(12):
        try:
            if os.fork() == 0:
                try:
                    hog = b"x" * CHILD_BYTES  # written, so every page is really used
                    time.sleep(60 + len(hog) * 0)
                finally:
                    os._exit(0)
        except OSError:
            break
    time.sleep(60)
    return 0.0


cosine_similarity_matrix = most_similar = cosine_similarity
