"""A correct solution written differently: Counter per document, Python loops, numpy.linalg.norm.

It checks that the hidden tests accept any implementation of the contract, not only the
reference's vectorised one.
"""

import re
from collections import Counter

import numpy as np

WORD = re.compile(r"(?u)\b\w\w+\b")


def _counters(documents):
    return [Counter(WORD.findall(doc.lower())) for doc in documents]


def bag_of_words(documents):
    counters = _counters(documents)
    vocabulary = sorted(set().union(*counters)) if counters else []
    if len(vocabulary) == 0:
        raise ValueError("the documents contain no tokens")
    rows = [[counter.get(term, 0) for term in vocabulary] for counter in counters]
    return vocabulary, np.array(rows, dtype=np.int64)


def tfidf(documents, *, smooth_idf=True, sublinear_tf=False, norm="l2"):
    if norm not in ("l1", "l2") and norm is not None:
        raise ValueError("unknown norm")
    vocabulary, counts = bag_of_words(documents)
    n = len(counts)
    df = (counts > 0).sum(axis=0)
    extra = 1 if smooth_idf else 0
    idf = np.log((n + extra) / (df + extra)) + 1
    tf = counts.astype(float)
    if sublinear_tf:
        with np.errstate(divide="ignore"):
            tf = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0.0)
    weights = tf * idf
    if norm is not None:
        lengths = np.linalg.norm(weights, ord=1 if norm == "l1" else 2, axis=1, keepdims=True)
        weights = np.divide(weights, lengths, out=np.zeros_like(weights), where=lengths > 0)
    return vocabulary, weights


def remove_stop_words(tokens, stop_words):
    lowered = set(map(str.lower, stop_words))
    return list(filter(lambda token: token.lower() not in lowered, tokens))
