"""With sublinear_tf the term frequency is ln(count), without the + 1, so a term counted once gets weight 0.

A known-wrong variant: otherwise the reference solution.

Every function shares one tokeniser: lowercase the whole text with ``str.lower()``, then keep the
matches of ``(?u)\\b\\w\\w+\\b`` (runs of two or more word characters). The vocabulary is the sorted
set of distinct tokens, and column ``j`` of every matrix belongs to ``vocabulary[j]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")
NORMS = ("l2", "l1", None)


def tokenize(text: str) -> list[str]:
    """The tokens of one document, in order: lowercase first, then match the token pattern."""
    return TOKEN.findall(text.lower())


def bag_of_words(documents: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Count every vocabulary term in every document.

    Returns ``(vocabulary, counts)``: the sorted distinct tokens, and an int64 matrix of shape
    ``(len(documents), len(vocabulary))`` where ``counts[i, j]`` is how many times
    ``vocabulary[j]`` occurs in document ``i``.

    Raises ValueError if no document has a single token (this includes an empty corpus).
    """
    if isinstance(documents, str):
        raise ValueError("documents must be a sequence of strings, not a single string")
    token_lists = [tokenize(doc) for doc in documents]
    vocabulary = sorted({token for tokens in token_lists for token in tokens})
    if not vocabulary:
        raise ValueError("empty vocabulary: no document contains a token of two or more word characters")

    column = {term: j for j, term in enumerate(vocabulary)}
    n_docs, n_terms = len(token_lists), len(vocabulary)
    # One flat index per token occurrence (row * n_terms + column); bincount adds them up.
    rows = np.repeat(np.arange(n_docs), [len(tokens) for tokens in token_lists])
    cols = np.fromiter((column[t] for tokens in token_lists for t in tokens), dtype=np.int64, count=len(rows))
    flat = np.bincount(rows * n_terms + cols, minlength=n_docs * n_terms)
    return vocabulary, flat.reshape(n_docs, n_terms).astype(np.int64, copy=False)


def tfidf(
    documents: Sequence[str],
    *,
    smooth_idf: bool = True,
    sublinear_tf: bool = False,
    norm: str | None = "l2",
) -> tuple[list[str], np.ndarray]:
    """TF-IDF weights of every vocabulary term in every document.

    - ``tf`` is the raw count, or ``1 + ln(count)`` for non-zero counts when ``sublinear_tf``.
    - ``idf = ln((1 + n) / (1 + df)) + 1`` when ``smooth_idf``, else ``ln(n / df) + 1``, where
      ``n`` is the number of documents and ``df`` the number of documents containing the term.
    - Each row of ``tf * idf`` is then scaled to unit L2 or L1 norm (``norm=None``: left as is).
      A row of zeros (a document without tokens) stays zeros.

    Returns ``(vocabulary, weights)`` with float64 weights. Raises ValueError for an empty
    vocabulary or a ``norm`` other than ``"l2"``, ``"l1"`` or ``None``.
    """
    if not (norm is None or (isinstance(norm, str) and norm in NORMS)):
        raise ValueError(f"norm must be 'l2', 'l1' or None, not {norm!r}")
    vocabulary, counts = bag_of_words(documents)

    tf = counts.astype(np.float64)
    if sublinear_tf:
        present = tf > 0
        tf[present] = np.log(tf[present])

    n_docs = counts.shape[0]
    df = np.count_nonzero(counts, axis=0)
    if smooth_idf:
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    else:
        idf = np.log(n_docs / df) + 1.0

    weights = tf * idf
    if norm is not None:
        weights = _normalise_rows(weights, norm)
    return vocabulary, weights


def _normalise_rows(weights: np.ndarray, norm: str) -> np.ndarray:
    """Divide each row by its L2 or L1 length; rows of length 0 are left untouched."""
    if norm == "l2":
        lengths = np.sqrt(np.einsum("ij,ij->i", weights, weights))
    else:
        lengths = np.abs(weights).sum(axis=1)
    lengths[lengths == 0.0] = 1.0
    return weights / lengths[:, np.newaxis]


def remove_stop_words(tokens: Iterable[str], stop_words: Iterable[str]) -> list[str]:
    """The tokens that are not stop words, in their original order, duplicates and case kept.

    Matching ignores case: a token is dropped when ``token.lower()`` equals ``word.lower()`` for
    some stop word.
    """
    stop = {word.lower() for word in stop_words}
    return [token for token in tokens if token.lower() not in stop]
