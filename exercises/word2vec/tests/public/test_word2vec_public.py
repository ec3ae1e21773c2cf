"""Sample tests for the word2vec exercise: the statement's examples, checked.

Run them against your solution with:  pytest tests/public  (see the kit's instructions).
The hidden tests check much more: random sequences and batches against autograd, repeated
indices, negatives equal to the context, dot products of magnitude 1000, float32 tables, invalid
arguments, inputs left unchanged, and several training steps in a row.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

LN3 = np.log(3.0)


def test_pairs_window_1(submission):
    got = submission.skipgram_pairs([10, 11, 12, 13], 1)
    assert np.asarray(got).tolist() == [[10, 11], [11, 10], [11, 12], [12, 11], [12, 13], [13, 12]]


def test_pairs_window_2(submission):
    got = submission.skipgram_pairs([10, 11, 12, 13], 2)
    expected = [[10, 11], [10, 12], [11, 10], [11, 12], [11, 13], [12, 10], [12, 11], [12, 13], [13, 11], [13, 12]]
    assert np.asarray(got).tolist() == expected


def test_pairs_same_id_at_other_positions(submission):
    assert np.asarray(submission.skipgram_pairs([7, 7, 7], 1)).tolist() == [[7, 7]] * 4


def test_pairs_empty(submission):
    assert np.shape(submission.skipgram_pairs([], 3)) == (0, 2)


def test_loss_and_grads_worked_example(submission):
    loss, g_center, g_context = submission.sgns_loss_and_grads([[1.0], [5.0]], [[LN3], [-LN3], [7.0]], [0], [0], [[1]])
    assert_allclose(loss, 2 * np.log(4 / 3), rtol=1e-6, atol=1e-8)
    assert_allclose(g_center, [[-LN3 / 2], [0.0]], rtol=1e-6, atol=1e-8)
    assert_allclose(g_context, [[-0.25], [0.25], [0.0]], rtol=1e-6, atol=1e-8)


def test_large_dot_products_give_a_finite_loss(submission):
    # u_o . v = -1000 and u_1 . v = +1000: each term of the loss is 1000.
    loss, _, _ = submission.sgns_loss_and_grads([[10.0, 0.0]], [[-100.0, 0.0], [100.0, 0.0]], [0], [0], [[1]])
    assert_allclose(loss, 2000.0, rtol=1e-6, atol=1e-8)


def test_sgd_step(submission):
    new_center, new_context = submission.sgd_step([[1.0, 2.0]], [[3.0]], [[0.5, -1.0]], [[2.0]], 0.1)
    assert_allclose(new_center, [[0.95, 2.1]], rtol=1e-6, atol=1e-8)
    assert_allclose(new_context, [[2.8]], rtol=1e-6, atol=1e-8)


def test_invalid_window(submission):
    with pytest.raises(ValueError):
        submission.skipgram_pairs([1, 2, 3], 0)
