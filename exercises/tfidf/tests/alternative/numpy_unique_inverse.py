"""A correct solution with another algorithm: one flat token array, np.unique(return_inverse=True)
for the vocabulary and the columns, and np.add.at for the counts.

np.unique sorts numpy strings by code point, which is Python's sorted() order for str.
"""

import re

import numpy as np

PATTERN = re.compile(r"(?u)\b\w\w+\b")


def _counts(documents):
    tokens = [PATTERN.findall(document.lower()) for document in documents]
    flat = [token for doc_tokens in tokens for token in doc_tokens]
    if not flat:
        raise ValueError("the vocabulary is empty")
    terms, columns = np.unique(np.array(flat, dtype=str), return_inverse=True)
    rows = np.repeat(np.arange(len(tokens)), [len(doc_tokens) for doc_tokens in tokens])
    counts = np.zeros((len(tokens), len(terms)), dtype=np.int64)
    np.add.at(counts, (rows, columns.ravel()), 1)
    return [str(term) for term in terms], counts


def bag_of_words(documents):
    return _counts(documents)


def tfidf(documents, *, smooth_idf=True, sublinear_tf=False, norm="l2"):
    if not (norm is None or (type(norm) is str and norm in ("l1", "l2"))):
        raise ValueError("norm must be 'l1', 'l2' or None")
    vocabulary, counts = _counts(documents)
    n = counts.shape[0] + int(smooth_idf)
    df = (counts > 0).sum(axis=0) + int(smooth_idf)
    tf = counts.astype(np.float64)
    if sublinear_tf:
        tf = np.log(tf, out=np.zeros_like(tf), where=tf > 0) + (tf > 0)
    weights = tf * (np.log(n / df) + 1.0)
    if norm is not None:
        length = np.sum(np.abs(weights) ** (2 if norm == "l2" else 1), axis=1, keepdims=True)
        length = np.sqrt(length) if norm == "l2" else length
        weights = np.divide(weights, length, out=np.zeros_like(weights), where=length > 0)
    return vocabulary, weights


def remove_stop_words(tokens, stop_words):
    stop = dict.fromkeys(map(str.lower, stop_words))
    return [token for token in tokens if token.lower() not in stop]
