"""Sample tests for tfidf.py: the examples of the statement.

Run them with ``pytest`` next to your solution; the hidden tests check much more (every parameter
combination, Unicode text, random corpora, speed on 2,000 documents).
"""

import math

import numpy as np
import pytest

DOCS = ["The cat sat on the mat.", "The dog sat.", "A cat!"]
VOCABULARY = ["cat", "dog", "mat", "on", "sat", "the"]


def test_bag_of_words_example(submission):
    vocabulary, counts = submission.bag_of_words(DOCS)
    assert list(vocabulary) == VOCABULARY
    assert isinstance(counts, np.ndarray) and counts.dtype == np.int64
    np.testing.assert_array_equal(counts, [[1, 0, 1, 1, 1, 2], [0, 1, 0, 0, 1, 1], [1, 0, 0, 0, 0, 0]])


def test_tokenisation(submission):
    vocabulary, counts = submission.bag_of_words(["Don't stop! state-of-the-art", "snake_case x2 2024 I a Café CAFÉ"])
    assert list(vocabulary) == ["2024", "art", "café", "don", "of", "snake_case", "state", "stop", "the", "x2"]
    np.testing.assert_array_equal(counts, [[0, 1, 0, 1, 1, 0, 1, 1, 1, 0], [1, 0, 2, 0, 0, 1, 0, 0, 0, 1]])


def test_tfidf_without_normalisation(submission):
    vocabulary, weights = submission.tfidf(DOCS, norm=None)
    assert list(vocabulary) == VOCABULARY
    a, b = math.log(4 / 3) + 1, math.log(2) + 1  # idf for df = 2 and df = 1
    expected = [[a, 0, b, b, a, 2 * a], [0, b, 0, 0, a, a], [a, 0, 0, 0, 0, 0]]
    np.testing.assert_allclose(weights, expected, rtol=1e-6, atol=1e-8)


def test_tfidf_default_l2(submission):
    _, weights = submission.tfidf(DOCS)
    assert isinstance(weights, np.ndarray) and weights.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(weights, axis=1), [1, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(weights[1], [0, 0.680918, 0, 0, 0.517856, 0.517856], rtol=1e-5)


def test_tfidf_options(submission):
    _, unsmoothed = submission.tfidf(DOCS, smooth_idf=False, norm=None)
    np.testing.assert_allclose(unsmoothed[1], [0, math.log(3) + 1, 0, 0, math.log(1.5) + 1, math.log(1.5) + 1])
    _, sublinear = submission.tfidf(DOCS, sublinear_tf=True, norm=None)
    assert sublinear[0, 5] == pytest.approx((1 + math.log(2)) * (math.log(4 / 3) + 1), rel=1e-6)
    _, l1 = submission.tfidf(DOCS, norm="l1")
    np.testing.assert_allclose(l1.sum(axis=1), [1, 1, 1], rtol=1e-6)


def test_term_in_every_document_and_empty_rows(submission):
    vocabulary, weights = submission.tfidf(["red apple", "green apple"], norm=None)
    assert list(vocabulary) == ["apple", "green", "red"]
    np.testing.assert_allclose(weights[:, 0], [1, 1])
    _, weights = submission.tfidf(["", "hello world", "I ?"])
    np.testing.assert_allclose(weights, [[0, 0], [math.sqrt(0.5), math.sqrt(0.5)], [0, 0]])


def test_errors(submission):
    with pytest.raises(ValueError):
        submission.bag_of_words([])
    with pytest.raises(ValueError):
        submission.tfidf(["a b c", "!!"])
    with pytest.raises(ValueError):
        submission.tfidf(DOCS, norm="max")


def test_remove_stop_words(submission):
    tokens = ["The", "movie", "was", "NOT", "good", "the", "movie"]
    assert submission.remove_stop_words(tokens, ["the", "WAS"]) == ["movie", "NOT", "good", "movie"]
    assert submission.remove_stop_words(tokens[:5], ["the", "was", "not"]) == ["movie", "good"]
    assert submission.remove_stop_words([], ["the"]) == []
