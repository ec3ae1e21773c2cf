"""Junk: the right vocabulary with all-zero matrices of the right shape and dtype, and the tokens
returned unchanged. It must score 0: every test needs correct values, not only types and shapes."""

import re

import numpy as np


def _vocabulary(documents):
    vocabulary = sorted({t for d in documents for t in re.findall(r"(?u)\b\w\w+\b", d.lower())})
    if not vocabulary:
        raise ValueError("empty vocabulary")
    return vocabulary


def bag_of_words(documents):
    vocabulary = _vocabulary(documents)
    return vocabulary, np.zeros((len(documents), len(vocabulary)), dtype=np.int64)


def tfidf(documents, *, smooth_idf=True, sublinear_tf=False, norm="l2"):
    if norm not in ("l1", "l2", None) or norm is False or norm == 0:
        raise ValueError("norm")
    vocabulary = _vocabulary(documents)
    return vocabulary, np.zeros((len(documents), len(vocabulary)), dtype=np.float64)


def remove_stop_words(tokens, stop_words):
    return list(tokens)
