"""Hidden tests for ``encoder_layer`` (transformer exercise).

Oracle (judge side only): ``torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0,
activation="relu", batch_first=True, norm_first=...)`` in float64, loaded with the same
``state_dict`` and called in **training mode** under ``no_grad``. With dropout 0 that is
deterministic, and it avoids the inference fast path, which returns NaN for a fully padded
sequence; the regular path returns the statement's answer there (attention output =
``self_attn.out_proj.bias``), and the oracle checks that it holds no NaN.

Every comparison uses rtol=1e-6, atol=1e-8, as the statement says.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from grader.testing import as_array, assert_array_close, describe

TOL = {"rtol": 1e-6, "atol": 1e-8}
NAMES = [
    "self_attn.in_proj_weight",
    "self_attn.in_proj_bias",
    "self_attn.out_proj.weight",
    "self_attn.out_proj.bias",
    "linear1.weight",
    "linear1.bias",
    "linear2.weight",
    "linear2.bias",
    "norm1.weight",
    "norm1.bias",
    "norm2.weight",
    "norm2.bias",
]


def random_weights(rng, embed, ff, dtype=np.float64):
    """A state_dict-shaped dict of weights scaled like a trained layer (no trivial entries)."""
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
    weights = {}
    for name, shape in shapes.items():
        scale = 1.0 / np.sqrt(shape[-1]) if len(shape) == 2 else 0.3
        weights[name] = rng.normal(size=shape) * scale * (1.5 if name.startswith("self_attn.in") else 1.0)
    for norm in ("norm1", "norm2"):
        weights[f"{norm}.weight"] = 1.0 + 0.3 * rng.normal(size=embed)
        weights[f"{norm}.bias"] = 0.3 * rng.normal(size=embed)
    return {name: weights[name].astype(dtype) for name in NAMES}


def oracle(x, weights, num_heads, key_padding_mask=None, norm_first=False):
    """The output of torch's TransformerEncoderLayer with these weights, in float64."""
    weights = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in weights.items()}
    embed = weights["norm1.weight"].shape[0]
    ff = weights["linear1.weight"].shape[0]
    layer = torch.nn.TransformerEncoderLayer(
        embed,
        num_heads,
        dim_feedforward=ff,
        dropout=0.0,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=True,
        norm_first=norm_first,
        dtype=torch.float64,
    )
    layer.load_state_dict(weights)
    layer.train()  # dropout is 0: deterministic, and never the inference fast path
    mask = None if key_padding_mask is None else torch.as_tensor(np.asarray(key_padding_mask, dtype=bool))
    with torch.no_grad():
        out = layer(torch.as_tensor(np.asarray(x, dtype=np.float64)), src_key_padding_mask=mask).numpy()
    assert np.all(np.isfinite(out)), "oracle gave a non-finite value"
    return out


def _float64(value, what):
    if not isinstance(value, np.ndarray) or value.dtype != np.float64:
        raise AssertionError(f"{what}: expected a float64 array, got {describe(value)}")
    return value


def _finite(value, what):
    array = as_array(value, what)
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise AssertionError(f"{what}: non-finite value {array[bad]!r} at index {bad}")
    return array


def padding_mask(rng, n, length):
    """(N, L), True = padding: sequence 0 is padded by at least one position, none fully padded."""
    lengths = rng.integers(1, length + 1, size=n)
    lengths[0] = int(rng.integers(1, length))
    return np.arange(length)[None, :] >= lengths[:, None]


def check(submission, x, weights, heads, what, **kwargs):
    expected = oracle(x, weights, heads, **kwargs)
    got = _finite(submission.encoder_layer(x, weights, heads, **kwargs), what)
    assert_array_close(got, expected, what=what, **TOL)


@pytest.mark.points(12)
@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "pre_norm"])
def test_encoder_random(submission, rng, norm_first):
    """Random layers without padding agree with nn.TransformerEncoderLayer (post-norm, pre-norm)."""
    for case, (embed, heads) in enumerate([(8, 2), (12, 3)]):
        ff = embed * int(rng.integers(2, 4)) + 1
        n, length = int(rng.integers(1, 4)), int(rng.integers(3, 8))
        x = rng.normal(size=(n, length, embed))
        weights = random_weights(rng, embed, ff)
        what = f"case {case}: encoder_layer(N={n}, L={length}, E={embed}, F={ff}, heads={heads}"
        what += f", norm_first={norm_first})"
        check(submission, x, weights, heads, what, norm_first=norm_first)


@pytest.mark.points(5)
@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "pre_norm"])
def test_encoder_padding(submission, rng, norm_first):
    """Padded positions are ignored as keys and still computed as queries."""
    embed, heads, ff = 8, 4, 20
    n, length = 3, int(rng.integers(5, 9))
    x = rng.normal(size=(n, length, embed))
    pad = padding_mask(rng, n, length)
    weights = random_weights(rng, embed, ff)
    what = f"encoder_layer with key_padding_mask (norm_first={norm_first}), padded rows included"
    check(submission, x, weights, heads, what, key_padding_mask=pad, norm_first=norm_first)


@pytest.mark.points(5)
def test_encoder_fully_padded_sequence(submission, rng):
    """A sequence with every position padded gets attention output out_proj.bias, with no NaN."""
    embed, heads, ff = 6, 2, 10
    x = rng.normal(size=(2, 4, embed))
    pad = np.zeros((2, 4), dtype=bool)
    pad[1] = True
    pad[0, -1] = True
    weights = random_weights(rng, embed, ff)
    for norm_first in (False, True):
        what = f"encoder_layer with sequence 1 fully padded (norm_first={norm_first})"
        check(submission, x, weights, heads, what, key_padding_mask=pad, norm_first=norm_first)


@pytest.mark.points(5)
def test_encoder_one_head_and_one_feature_heads(submission, rng):
    """num_heads = 1 and num_heads = E both agree with PyTorch."""
    embed, ff = 6, 9
    x = rng.normal(size=(2, 5, embed))
    weights = random_weights(rng, embed, ff)
    for heads in (1, embed):
        check(submission, x, weights, heads, f"encoder_layer with E={embed}, heads={heads}")


@pytest.mark.points(2)
def test_encoder_indivisible_heads(submission, rng):
    """num_heads that does not divide E raises ValueError (after a valid call works)."""
    embed, ff = 6, 8
    x = rng.normal(size=(1, 3, embed))
    weights = random_weights(rng, embed, ff)
    check(submission, x, weights, 3, "encoder_layer with E=6, heads=3 (valid call)")
    with pytest.raises(ValueError):
        submission.encoder_layer(x, weights, 4)


@pytest.mark.points(2)
def test_encoder_nested_lists(submission, rng):
    """x, the weights and the mask given as nested lists are accepted."""
    embed, heads, ff = 4, 2, 6
    x = rng.normal(size=(2, 3, embed))
    pad = np.array([[False, False, True], [False, False, False]])
    weights = random_weights(rng, embed, ff)
    expected = oracle(x, weights, heads, key_padding_mask=pad, norm_first=True)
    got = submission.encoder_layer(
        x.tolist(),
        {k: v.tolist() for k, v in weights.items()},
        heads,
        key_padding_mask=pad.tolist(),
        norm_first=True,
    )
    assert_array_close(got, expected, what="encoder_layer on nested lists", **TOL)


@pytest.mark.points(2)
def test_encoder_float32_input_gives_float64(submission, rng):
    """float32 input and weights give a float64 result, computed in float64."""
    embed, heads, ff = 8, 2, 12
    x = rng.normal(size=(2, 4, embed)).astype(np.float32)
    weights = random_weights(rng, embed, ff, dtype=np.float32)
    expected = oracle(x, weights, heads)
    got = _float64(submission.encoder_layer(x, weights, heads), "encoder_layer on float32 input")
    assert_array_close(got, expected, what="encoder_layer on float32 input", **TOL)


@pytest.mark.points(4)
def test_encoder_long_sequence_speed(submission, rng):
    """Two 768-position sequences with 8 heads finish within a generous deadline."""
    # The reference takes about 0.5 s; a Python loop over the 9.4M (query, key) pairs of the
    # heads takes well over the deadline.
    n, length, embed, heads, ff = 2, 768, 64, 8, 128
    x = rng.normal(size=(n, length, embed))
    pad = np.zeros((n, length), dtype=bool)
    pad[1, int(rng.integers(400, 700)) :] = True
    weights = random_weights(rng, embed, ff)
    start = time.monotonic()
    got = submission.call("encoder_layer", x, weights, heads, key_padding_mask=pad, norm_first=True, timeout=8.0)
    elapsed = time.monotonic() - start
    expected = oracle(x, weights, heads, key_padding_mask=pad, norm_first=True)
    assert_array_close(got, expected, what=f"encoder_layer on N={n}, L={length} ({elapsed:.1f} s)", **TOL)


@pytest.mark.points(1)
def test_encoder_does_not_mutate_inputs(submission, rng):
    """x, the weights and the mask are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    embed, heads, ff = 4, 2, 6
    x = rng.normal(size=(2, 3, embed))
    weights = random_weights(rng, embed, ff)
    pad = np.array([[False, False, True], [False, True, True]])
    for norm_first in (False, True):
        before_x, before_w = x.copy(), {k: v.copy() for k, v in weights.items()}
        result, after, kwargs_after = submission.call_with_inputs(
            "encoder_layer", x, weights, heads, key_padding_mask=pad.copy(), norm_first=norm_first
        )
        what = f"encoder_layer (mutation check, norm_first={norm_first})"
        expected = oracle(before_x, before_w, heads, key_padding_mask=pad, norm_first=norm_first)
        assert_array_close(result, expected, what=what, **TOL)
        assert_array_close(after[0], before_x, what=f"{what}: argument x after the call", rtol=0, atol=0)
        after_w = after[1]
        if not isinstance(after_w, dict) or set(after_w) != set(before_w):
            raise AssertionError(f"{what}: argument weights after the call: keys changed to {describe(after_w)}")
        for name, old in before_w.items():
            assert_array_close(after_w[name], old, what=f"{what}: weights[{name!r}] after the call", rtol=0, atol=0)
        assert_array_close(
            kwargs_after.get("key_padding_mask"), pad, what=f"{what}: key_padding_mask after the call", rtol=0, atol=0
        )
