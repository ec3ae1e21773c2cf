"""Sample tests for cosine_similarity.py: the examples of the statement.

Run them with ``pytest`` next to your solution; the hidden tests check much more.
"""

import math

import numpy as np
import pytest


def test_small_examples(submission):
    assert submission.cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0, abs=1e-12)
    assert submission.cosine_similarity([3, 4], [4, 3]) == pytest.approx(0.96, rel=1e-12)
    assert submission.cosine_similarity([1, 2, 3], [4, 5, 6]) == pytest.approx(32 / math.sqrt(14 * 77), rel=1e-12)
    assert submission.cosine_similarity([1, 1], [-2, -2]) == pytest.approx(-1.0, rel=1e-12)


def test_zero_vector_gives_zero(submission):
    assert submission.cosine_similarity([0, 0, 0], [1, 2, 3]) == 0.0


def test_extreme_magnitudes(submission):
    assert submission.cosine_similarity([3e200, 4e200], [4e-200, 3e-200]) == pytest.approx(0.96, rel=1e-9)


def test_never_above_one(submission):
    a = [0.1, 0.2, 0.3, 0.7]
    assert submission.cosine_similarity(a, [3 * x for x in a]) <= 1.0


def test_different_lengths_raise(submission):
    with pytest.raises(ValueError):
        submission.cosine_similarity([1, 2], [1, 2, 3])


def test_matrix_example(submission):
    got = submission.cosine_similarity_matrix([[1, 0], [0, 0], [1, 1]])
    r = 1 / math.sqrt(2)
    expected = np.array([[1.0, 0.0, r], [0.0, 0.0, 0.0], [r, 0.0, 1.0]])
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_matrix_shape(submission):
    got = submission.cosine_similarity_matrix(np.ones((4, 3)), np.ones((2, 3)))
    assert got.shape == (4, 2)


def test_most_similar_example(submission):
    embeddings = {
        "cat": [1.0, 0.0, 0.0],
        "kitten": [0.9, 0.1, 0.0],
        "tiger": [0.9, 0.1, 0.0],
        "dog": [0.5, 0.5, 0.0],
        "car": [0.0, 0.0, 1.0],
    }
    got = submission.most_similar("cat", embeddings)
    assert [w for w, _ in got] == ["kitten", "tiger", "dog"]
    assert got[0][1] == pytest.approx(0.9 / math.sqrt(0.82), rel=1e-9)
    assert [w for w, _ in submission.most_similar("cat", embeddings, topn=10)] == ["kitten", "tiger", "dog", "car"]


def test_most_similar_missing_word(submission):
    with pytest.raises(KeyError):
        submission.most_similar("zebra", {"cat": [1.0, 0.0]})
