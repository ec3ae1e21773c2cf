"""A correct solution in plain Python: dicts, math.log and math.sqrt; numpy only for the returned arrays.

It checks that the hidden tests accept a solution that never vectorises (the large corpus still
fits the deadline) and builds its matrices from nested lists at the very end.
"""

import math
import re

import numpy as np

PATTERN = re.compile(r"(?u)\b\w\w+\b")


def _count(documents):
    per_document = []
    for document in documents:
        counts = {}
        for token in PATTERN.findall(document.lower()):
            counts[token] = counts.get(token, 0) + 1
        per_document.append(counts)
    vocabulary = sorted(set().union(*per_document)) if per_document else []
    if not vocabulary:
        raise ValueError("no token in any document")
    return vocabulary, per_document


def bag_of_words(documents):
    vocabulary, per_document = _count(documents)
    rows = [[counts.get(term, 0) for term in vocabulary] for counts in per_document]
    return vocabulary, np.array(rows, dtype=np.int64)


def tfidf(documents, *, smooth_idf=True, sublinear_tf=False, norm="l2"):
    if norm is not None and norm != "l1" and norm != "l2":
        raise ValueError(f"unknown norm {norm!r}")
    if norm is not None and not isinstance(norm, str):
        raise ValueError(f"unknown norm {norm!r}")
    vocabulary, per_document = _count(documents)
    n = len(per_document)
    df = {term: 0 for term in vocabulary}
    for counts in per_document:
        for term in counts:
            df[term] += 1
    extra = 1 if smooth_idf else 0
    idf = {term: math.log((n + extra) / (df[term] + extra)) + 1 for term in vocabulary}
    rows = []
    for counts in per_document:
        row = []
        for term in vocabulary:
            count = counts.get(term, 0)
            tf = (1 + math.log(count) if count else 0.0) if sublinear_tf else count
            row.append(tf * idf[term])
        if norm == "l2":
            length = math.sqrt(math.fsum(w * w for w in row))
        elif norm == "l1":
            length = math.fsum(abs(w) for w in row)
        else:
            length = 0.0
        if length > 0:
            row = [w / length for w in row]
        rows.append(row)
    return vocabulary, np.array(rows, dtype=np.float64)


def remove_stop_words(tokens, stop_words):
    lowered = [word.lower() for word in stop_words]
    kept = []
    for token in tokens:
        if token.lower() not in lowered:
            kept.append(token)
    return kept
