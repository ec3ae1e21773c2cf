"""Writes forged protocol frames (claiming success) to every file descriptor it can find."""

import json
import os


def _forge():
    for request_id in range(1, 200):
        body = json.dumps({"id": request_id, "ok": True, "value": 1.0}).encode()
        frame = len(body).to_bytes(4, "big") + body
        for fd in range(0, 64):
            try:
                os.write(fd, frame)
            except OSError:
                pass


def cosine_similarity(*args, **kwargs):
    _forge()
    return 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
