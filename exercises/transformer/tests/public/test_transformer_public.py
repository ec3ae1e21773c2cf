"""Sample tests for the transformer exercise: the statement's examples and a few properties.

Run them against your solution with:  pytest tests/public  (see the kit's instructions).
The hidden tests check much more, against PyTorch in float64.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

TOL = {"rtol": 1e-6, "atol": 1e-8}


def test_positions_small_table(submission):
    """Columns 2i and 2i+1 share the frequency 10000 ** (-2i / d_model)."""
    got = submission.sinusoidal_positions(3, 4)
    expected = [
        [0.0, 1.0, 0.0, 1.0],
        [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)],
        [np.sin(2), np.cos(2), np.sin(0.02), np.cos(0.02)],
    ]
    assert np.asarray(got).dtype == np.float64
    assert_allclose(got, expected, **TOL)


def test_positions_odd_d_model(submission):
    """An odd d_model ends on a sine column; the exponent's denominator stays d_model."""
    got = submission.sinusoidal_positions(2, 3)
    assert_allclose(got, [[0.0, 1.0, 0.0], [np.sin(1), np.cos(1), np.sin(10000 ** (-2 / 3))]], **TOL)


def test_layer_norm_examples(submission):
    """The biased variance, eps inside the root, and a constant row giving beta."""
    assert_allclose(
        submission.layer_norm([[1.0, 2.0, 3.0, 4.0]], [1, 1, 1, 1], [0, 0, 0, 0]),
        [[-1.34163542, -0.44721181, 0.44721181, 1.34163542]],
        rtol=1e-6,
    )
    assert_allclose(submission.layer_norm([0.0, 2.0], [1, 1], [0, 0], eps=0.0), [-1.0, 1.0], **TOL)
    got = submission.layer_norm([[5.0, 5.0, 5.0], [1.0, 2.0, 3.0]], [2, 2, 2], [0.5, -1, 0])
    assert_allclose(got, [[0.5, -1.0, 0.0], [-1.94947137, -1.0, 2.44947137]], rtol=1e-6, atol=1e-8)


def test_layer_norm_rejects_bad_gamma(submission):
    """gamma must have shape (D,)."""
    with pytest.raises(ValueError):
        submission.layer_norm([[1.0, 2.0, 3.0]], [1.0, 1.0], [0.0, 0.0, 0.0])


def _weights(rng, embed, ff, zero=False):
    shapes = {
        "self_attn.in_proj_weight": (3 * embed, embed),
        "self_attn.in_proj_bias": (3 * embed,),
        "self_attn.out_proj.weight": (embed, embed),
        "self_attn.out_proj.bias": (embed,),
        "linear1.weight": (ff, embed),
        "linear1.bias": (ff,),
        "linear2.weight": (embed, ff),
        "linear2.bias": (embed,),
    }
    weights = {k: (np.zeros(s) if zero else rng.normal(size=s) / np.sqrt(embed)) for k, s in shapes.items()}
    for norm in ("norm1", "norm2"):
        weights[f"{norm}.weight"] = np.ones(embed) if zero else 1.0 + 0.1 * rng.normal(size=embed)
        weights[f"{norm}.bias"] = np.zeros(embed) if zero else 0.1 * rng.normal(size=embed)
    return weights


def _plain_layer_norm(t):
    centred = t - t.mean(axis=-1, keepdims=True)
    return centred / np.sqrt((centred**2).mean(axis=-1, keepdims=True) + 1e-5)


def test_encoder_zero_weights(submission):
    """With zero attention and feed-forward weights: pre-norm is the identity, post-norm two norms."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4))
    weights = _weights(rng, 4, 6, zero=True)
    assert_allclose(submission.encoder_layer(x, weights, 2, norm_first=True), x, **TOL)
    expected = _plain_layer_norm(_plain_layer_norm(x))
    assert_allclose(submission.encoder_layer(x, weights, 2, norm_first=False), expected, **TOL)


def test_encoder_padding_is_never_a_key(submission):
    """Changing padded positions' inputs does not change the other positions' outputs."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 5, 8))
    weights = _weights(rng, 8, 12)
    pad = np.array([[False, False, False, True, True]])
    changed = x.copy()
    changed[0, 3:] = rng.normal(size=(2, 8)) * 10
    for norm_first in (False, True):
        a = np.asarray(submission.encoder_layer(x, weights, 4, key_padding_mask=pad, norm_first=norm_first))
        b = np.asarray(submission.encoder_layer(changed, weights, 4, key_padding_mask=pad, norm_first=norm_first))
        assert a.shape == (1, 5, 8) and a.dtype == np.float64
        assert_allclose(a[0, :3], b[0, :3], **TOL)
        assert not np.allclose(a[0, 3:], b[0, 3:])  # padded queries are still computed


def test_encoder_rejects_indivisible_heads(submission):
    """E = 6 cannot be split into 4 heads."""
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError):
        submission.encoder_layer(rng.normal(size=(1, 2, 6)), _weights(rng, 6, 8), 4)
