"""Public examples for the attention exercise: the statement's examples, checked.

Run them against your solution with:  pytest tests/public  (see the kit's instructions).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

LN3 = np.log(3.0)
IDENTITY = np.eye(2)
W_IN = np.vstack([np.eye(2)] * 3)


def test_sdpa_one_feature(submission):
    """With d = 1 the scores are the plain dot products: [ln 3, 0] -> weights [3/4, 1/4]."""
    out, weights = submission.scaled_dot_product_attention([[LN3]], [[1.0], [0.0]], [[4.0, 0.0], [0.0, 8.0]])
    assert_allclose(weights, [[0.75, 0.25]], rtol=1e-6, atol=1e-8)
    assert_allclose(out, [[3.0, 2.0]], rtol=1e-6, atol=1e-8)


def test_sdpa_scales_by_sqrt_d(submission):
    """With d = 4 the scores are divided by 2."""
    out, weights = submission.scaled_dot_product_attention(
        [[LN3] * 4], [[1.0] * 4, [0.0] * 4], [[10.0, 0.0], [0.0, 10.0]]
    )
    assert_allclose(weights, [[0.9, 0.1]], rtol=1e-6, atol=1e-8)
    assert_allclose(out, [[9.0, 1.0]], rtol=1e-6, atol=1e-8)


def test_sdpa_mask_true_means_attend_and_fully_masked_row_is_zero(submission):
    """True = may attend; a query with no allowed key gets zeros, not NaN."""
    mask = np.array([[True, False], [False, False]])
    out, weights = submission.scaled_dot_product_attention(
        [[LN3] * 4] * 2, [[1.0] * 4, [0.0] * 4], [[10.0, 0.0], [0.0, 10.0]], mask
    )
    assert_allclose(weights, [[1.0, 0.0], [0.0, 0.0]], rtol=1e-6, atol=1e-8)
    assert_allclose(out, [[10.0, 0.0], [0.0, 0.0]], rtol=1e-6, atol=1e-8)


def test_sdpa_shapes_with_batch_dims(submission):
    """Leading batch dimensions are kept; Lq, Lk, d and dv may all differ."""
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(2, 3, 6, 7))
    out, weights = submission.scaled_dot_product_attention(q, k, v)
    assert np.shape(out) == (2, 3, 4, 7)
    assert np.shape(weights) == (2, 3, 4, 6)
    assert_allclose(np.asarray(weights).sum(axis=-1), np.ones((2, 3, 4)), rtol=1e-6)


def test_sdpa_large_scores_stay_finite(submission):
    """Scores of 1e4 give finite weights (the softmax must subtract the row maximum)."""
    out, weights = submission.scaled_dot_product_attention([[1e4]], [[1.0], [0.0]], [[1.0], [2.0]])
    assert_allclose(weights, [[1.0, 0.0]], rtol=1e-6, atol=1e-8)
    assert_allclose(out, [[1.0]], rtol=1e-6, atol=1e-8)


def _mha(submission, bias=(0.0, 0.0), **kwargs):
    return submission.multi_head_attention(
        [[[1.0, 1.0]]],
        [[[LN3, 0.0], [0.0, LN3]]],
        [[[4.0, 0.0], [0.0, 8.0]]],
        2,
        W_IN,
        np.zeros(6),
        IDENTITY,
        np.asarray(bias),
        **kwargs,
    )


def test_mha_two_heads_by_hand(submission):
    """Each head attends in its own feature; the returned weights are the heads' mean."""
    out, weights = _mha(submission)
    assert_allclose(out, [[[3.0, 6.0]]], rtol=1e-6, atol=1e-8)
    assert_allclose(weights, [[[0.5, 0.5]]], rtol=1e-6, atol=1e-8)


def test_mha_key_padding_mask_true_means_ignore(submission):
    """key_padding_mask True = padding: that key gets no weight."""
    out, weights = _mha(submission, key_padding_mask=np.array([[False, True]]))
    assert_allclose(out, [[[4.0, 0.0]]], rtol=1e-6, atol=1e-8)
    assert_allclose(weights, [[[1.0, 0.0]]], rtol=1e-6, atol=1e-8)


def test_mha_all_keys_padded_gives_output_bias(submission):
    """A query with no usable key: zero weights, and the output is out_proj_bias."""
    out, weights = _mha(submission, bias=np.array([0.5, -1.0]), key_padding_mask=np.array([[True, True]]))
    assert_allclose(out, [[[0.5, -1.0]]], rtol=1e-6, atol=1e-8)
    assert_allclose(weights, [[[0.0, 0.0]]], rtol=1e-6, atol=1e-8)


def test_mha_causal_weights_are_lower_triangular(submission):
    """causal=True: query i sees keys 0..i only, so query 0 puts all its weight on key 0."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 3, 4))
    _, weights = submission.multi_head_attention(
        x,
        x,
        x,
        2,
        rng.normal(size=(12, 4)),
        rng.normal(size=12),
        rng.normal(size=(4, 4)),
        rng.normal(size=4),
        causal=True,
    )
    weights = np.asarray(weights)
    assert_allclose(np.triu(weights[0], k=1), np.zeros((3, 3)), atol=1e-12)
    assert_allclose(weights[0, 0], [1.0, 0.0, 0.0], rtol=1e-6, atol=1e-8)


def test_mha_rejects_indivisible_heads(submission):
    """E = 6 cannot be split into 4 heads."""
    zeros = np.zeros((1, 3, 6))
    with pytest.raises(ValueError):
        submission.multi_head_attention(
            zeros, zeros, zeros, 4, np.zeros((18, 6)), np.zeros(18), np.zeros((6, 6)), np.zeros(6)
        )
