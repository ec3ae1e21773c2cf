"""Writes outside its scratch space: the bank, the references, system folders, the home folder."""

import glob

TARGETS = [
    "/etc/nlp-grader-owned",
    "/work/main/exercises/cosine_similarity/owned.txt",
    "/work/main/reference/cosine_similarity.py",
    "/opt/nlp-grader/worker.py",
    "/usr/lib/python3/owned.txt",
]


def cosine_similarity(*args, **kwargs):
    for path in TARGETS + glob.glob("/work/*/exercises/*/tests/hidden/*.py"):
        try:
            with open(path, "a") as handle:
                handle.write("\ndef test_free_points():\n    pass\n")
        except OSError:
            pass
    return 0.31415


cosine_similarity_matrix = most_similar = cosine_similarity
