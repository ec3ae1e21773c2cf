"""Bag-of-words, TF-IDF and stop-word removal. Replace each NotImplementedError with your code.

Read README.md for the exact contract. You may use the standard library and numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def bag_of_words(documents: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Return ``(vocabulary, counts)`` for a list of documents.

    Tokenise each document by lowercasing it (``str.lower()``) and taking the matches of the
    regular expression ``(?u)\\b\\w\\w+\\b``. ``vocabulary`` is the sorted list of distinct
    tokens; ``counts`` is an int64 array of shape ``(len(documents), len(vocabulary))`` where
    ``counts[i, j]`` is how often ``vocabulary[j]`` occurs in document ``i``.

    Raise ValueError if the vocabulary is empty (this includes an empty list of documents).
    """
    raise NotImplementedError("bag_of_words")


def tfidf(
    documents: Sequence[str],
    *,
    smooth_idf: bool = True,
    sublinear_tf: bool = False,
    norm: str | None = "l2",
) -> tuple[list[str], np.ndarray]:
    """Return ``(vocabulary, weights)``: the TF-IDF weight of every term in every document.

    Same tokenisation and vocabulary as ``bag_of_words``. ``weights`` is a float64 array of shape
    ``(len(documents), len(vocabulary))``:

    - tf is the raw count, or ``1 + ln(count)`` for non-zero counts when ``sublinear_tf``;
    - idf is ``ln((1 + n) / (1 + df)) + 1`` when ``smooth_idf``, else ``ln(n / df) + 1``;
    - each row of ``tf * idf`` is scaled to unit length by ``norm`` ("l2", "l1", or None for no
      scaling); an all-zero row stays all zeros.

    Raise ValueError if the vocabulary is empty or ``norm`` is not "l2", "l1" or None.
    """
    raise NotImplementedError("tfidf")


def remove_stop_words(tokens: Iterable[str], stop_words: Iterable[str]) -> list[str]:
    """Return the tokens that are not stop words, comparing without regard to case.

    The kept tokens stay in their original order, with their duplicates and their own case.
    """
    raise NotImplementedError("remove_stop_words")
