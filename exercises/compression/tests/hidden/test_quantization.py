"""Hidden tests for ``quantize_per_channel`` and ``dequantize`` (compression exercise).

Oracles (judge side only):
- scales: ``torch.ao.quantization.PerChannelMinMaxObserver(qscheme=torch.per_channel_symmetric,
  dtype=torch.qint8, quant_min=-127, quant_max=127)``, i.e. max|w_c| / 127. Where the contract
  departs from it, the expectation follows the contract: an all-zero channel gets scale 1.0
  (the observer gives float32's eps).
- integers: ``torch.quantize_per_channel(...).int_repr()`` with those scales, clipped to -127..127
  (our range; torch.qint8 goes down to -128).
- values: ``torch.dequantize`` of ``torch._make_per_channel_quantized_tensor``.

torch quantises in float32, so the random weights are nudged until every ``w / scale`` is at least
0.008 away from a tie ``k + 0.5``: every formulation then agrees. Exact ties are tested on
hand-made cases with power-of-two scales, with the expected integers written out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.ao.quantization.observer import PerChannelMinMaxObserver

from grader.testing import as_int_array, assert_array_close, describe

TOL = {"rtol": 1e-6, "atol": 1e-8}
EXACT = {"rtol": 0, "atol": 0}


def oracle_scales(w, axis):
    """The observer's per-channel scales; channels are moved first and flattened, (C, rest)."""
    channels = np.moveaxis(np.asarray(w, dtype=np.float64), axis, 0)
    channels = channels.reshape(channels.shape[0], -1)
    observer = PerChannelMinMaxObserver(
        ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric, quant_min=-127, quant_max=127
    )
    observer(torch.as_tensor(channels.astype(np.float32)))
    scales, _ = observer.calculate_qparams()
    max_abs = np.abs(channels).max(axis=1)
    return np.where(max_abs > 0, scales.double().numpy(), 1.0)  # the contract: all-zero channel -> 1.0


def oracle_ints(w, axis, scales):
    w32 = torch.as_tensor(np.asarray(w, dtype=np.float32))
    zero = torch.zeros(len(scales), dtype=torch.long)
    scales = torch.as_tensor(np.asarray(scales, dtype=np.float64))
    with warnings.catch_warnings():  # torch warns that quantized dtypes are deprecated
        warnings.simplefilter("ignore")
        q = torch.quantize_per_channel(w32, scales, zero, axis % w32.dim(), torch.qint8)
    ints = q.int_repr().numpy().astype(np.int64)
    return np.clip(ints, -127, 127)  # the contract's symmetric range; qint8 would allow -128


def oracle_dequantize(q, scales, axis):
    q8 = torch.as_tensor(np.asarray(q, dtype=np.int8))
    zero = torch.zeros(len(scales), dtype=torch.long)
    scales = torch.as_tensor(np.asarray(scales, dtype=np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = torch._make_per_channel_quantized_tensor(q8, scales, zero, axis % q8.dim())
        return quantized.dequantize().double().numpy()


def avoid_ties(w, scales, axis):
    """Move every w / scale that lies within 0.002 of a tie k + 0.5 by 0.01 towards zero.

    Ratios of 126.9 and more are left alone, so a channel's maximum (ratio 127) never moves.
    """
    w = np.asarray(w, dtype=np.float64)
    bshape = [1] * w.ndim
    bshape[axis] = w.shape[axis]
    step = np.asarray(scales, dtype=np.float64).reshape(bshape)
    ratio = w / step
    near = (np.abs(ratio - np.floor(ratio) - 0.5) < 0.002) & (np.abs(ratio) < 126.9)
    return np.where(near, w - np.sign(w) * 0.01 * step, w)


def tie_free_weights(rng, shape, axis):
    """Random weights, channels of very different ranges, no w / scale near a tie k + 0.5."""
    shape = tuple(shape)
    bshape = [1] * len(shape)
    bshape[axis] = shape[axis]
    w = rng.normal(size=shape) * np.exp(rng.uniform(-4, 2, size=shape[axis])).reshape(bshape)
    max_abs = np.abs(np.moveaxis(w, axis, 0)).reshape(shape[axis], -1).max(axis=1)
    return avoid_ties(w, max_abs / 127, axis)


def _pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (q, scales), got {describe(result)}")
    return result


def check_quantize(submission, w, axis, what, scales=None):
    """Compare the candidate's (q, scales) with the oracles; returns the candidate's pair."""
    expected_scales = oracle_scales(w, axis) if scales is None else np.asarray(scales, dtype=np.float64)
    expected_q = oracle_ints(w, axis, expected_scales)
    if scales is None:
        result = submission.quantize_per_channel(w, axis)
    else:
        result = submission.quantize_per_channel(w, axis, scales=scales)
    q, got_scales = _pair(result, what)
    assert_array_close(got_scales, expected_scales, what=f"{what}: scales", **TOL)
    assert_array_close(as_int_array(q, f"{what}: q"), expected_q, what=f"{what}: q", **EXACT)
    return q, got_scales


# --------------------------------------------------------------------------------------------
# quantize_per_channel


@pytest.mark.points(5)
def test_quantize_half_to_even(submission):
    """Exact ties k + 0.5 round to the even integer, in both signs."""
    # Channel 0 has max 31.75, so scale 0.25; channel 1 has max 127, so scale 1.
    w = np.array(
        [
            [31.75, 0.125, 0.375, 0.625, -0.125, -0.375, -0.625, 31.625, -31.625, 0.875],
            [-127.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -126.5, 3.5],
        ]
    )
    expected_q = np.array(
        [
            [127, 0, 2, 2, 0, -2, -2, 126, -126, 4],
            [-127, 0, 2, 2, 0, -2, -2, 126, -126, 4],
        ]
    )
    assert np.array_equal(oracle_ints(w, 0, np.array([0.25, 1.0])), expected_q), "oracle disagrees"
    q, scales = _pair(submission.quantize_per_channel(w, 0), "quantize_per_channel on exact ties")
    assert_array_close(scales, [0.25, 1.0], what="quantize_per_channel on exact ties: scales", **TOL)
    assert_array_close(as_int_array(q, "q"), expected_q, what="quantize_per_channel on exact ties: q", **EXACT)


@pytest.mark.points(5)
def test_quantize_rows_of_a_linear_weight(submission, rng):
    """A random (out, in) weight with axis=0 agrees with torch's per-channel quantisation."""
    for case in range(2):
        shape = (int(rng.integers(3, 9)), int(rng.integers(5, 40)))
        w = tie_free_weights(rng, shape, 0)
        check_quantize(submission, w, 0, f"case {case}: quantize_per_channel(w {shape}, axis=0)")


@pytest.mark.points(2)
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((6, 9), 1), ((5, 7), -1), ((4, 3, 5), 1), ((11,), 0)],
    ids=["columns", "last_axis_negative", "middle_axis_3d", "one_dimensional"],
)
def test_quantize_other_axes(submission, rng, shape, axis):
    """Other channel axes (1, -1, the middle of 3-D, 1-D weights) agree with torch."""
    w = tie_free_weights(rng, shape, axis)
    check_quantize(submission, w, axis, f"quantize_per_channel(w {shape}, axis={axis})")


@pytest.mark.points(3)
def test_quantize_zero_channel(submission, rng):
    """An all-zero channel gets scale 1.0 and zeros, with no NaN or division error."""
    w = tie_free_weights(rng, (5, int(rng.integers(4, 10))), 0)
    dead = int(rng.integers(0, 5))
    w[dead] = 0.0
    check_quantize(submission, w, 0, f"quantize_per_channel with channel {dead} all zero")


@pytest.mark.points(4)
def test_quantize_given_scales_clamp(submission, rng):
    """Given scales are used as they are; values beyond the range clamp to 127 and -127 (not -128)."""
    scales = np.array([0.5, 2.0, 0.25])
    w = np.array(
        [
            [300.0, -300.0, 63.625, -63.875, 1.75, -0.25],  # ratios 600, -600, 127.25, -127.75, 3.5, -0.5
            [254.0, -255.0, -1000.0, 3.0, 5.0, 0.0],  # 127, -127.5, -500, 1.5, 2.5, 0
            [0.3, -0.3, 31.8, -31.8, 0.0625, 0.1875],  # 1.2, -1.2, 127.2, -127.2, 0.25, 0.75
        ]
    )
    expected_q = np.array(
        [
            [127, -127, 127, -127, 4, 0],
            [127, -127, -127, 2, 2, 0],
            [1, -1, 127, -127, 0, 1],
        ]
    )
    assert np.array_equal(oracle_ints(w, 0, scales), expected_q), "oracle disagrees"
    got = _pair(submission.quantize_per_channel(w, 0, scales=scales), "quantize_per_channel with given scales")
    assert_array_close(got[1], scales, what="quantize_per_channel with given scales: scales", **TOL)
    q = as_int_array(got[0], "q")
    assert_array_close(q, expected_q, what="quantize_per_channel with given scales: q", **EXACT)
    # And given scales on random data, along the columns.
    w = rng.normal(size=(4, 6))
    given = np.exp(rng.uniform(-5, -2, size=6))
    given[0] = np.abs(w[:, 0]).max() / 300  # far too small: this column clamps
    w = avoid_ties(w, given, 1)
    check_quantize(submission, w, 1, "quantize_per_channel(axis=1) with random given scales", scales=given)


@pytest.mark.points(2)
def test_quantize_returns_int8(submission, rng):
    """q is an int8 array (and scales float64 values), with the right values."""
    w = tie_free_weights(rng, (4, 8), 0)
    q, _ = check_quantize(submission, w, 0, "quantize_per_channel(w (4, 8), axis=0)")
    if not isinstance(q, np.ndarray) or q.dtype != np.int8:
        raise AssertionError(f"quantize_per_channel: q must be an int8 array, got {describe(q)}")


@pytest.mark.points(1)
def test_quantize_nested_lists(submission, rng):
    """w and scales given as nested lists are accepted."""
    w = tie_free_weights(rng, (3, 5), 0)
    expected_scales = oracle_scales(w, 0)
    q, scales = _pair(submission.quantize_per_channel(w.tolist(), 0), "quantize_per_channel on lists")
    assert_array_close(scales, expected_scales, what="quantize_per_channel on lists: scales", **TOL)
    assert_array_close(as_int_array(q, "q"), oracle_ints(w, 0, expected_scales), what="q from lists", **EXACT)
    given = [0.01, 0.02, 0.05]
    w = avoid_ties(w, given, 0)
    q, _ = _pair(submission.quantize_per_channel(w.tolist(), 0, scales=given), "with list scales")
    assert_array_close(as_int_array(q, "q"), oracle_ints(w, 0, np.array(given)), what="q with list scales", **EXACT)


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "bad",
    ["axis_too_large", "axis_too_negative", "nan_weight", "infinite_weight", "scales_wrong_length", "bad_scale"],
)
def test_quantize_invalid(submission, rng, bad):
    """Out-of-range axes, non-finite weights and bad given scales raise ValueError (after a valid call)."""
    w = tie_free_weights(rng, (3, 4), 0)
    check_quantize(submission, w, 0, "quantize_per_channel (valid call)")
    args, kwargs = (w, 0), {}
    if bad == "axis_too_large":
        args = (w, 2)
    elif bad == "axis_too_negative":
        args = (w, -3)
    elif bad in ("nan_weight", "infinite_weight"):
        w = w.copy()
        w[1, 2] = np.nan if bad == "nan_weight" else -np.inf
        args = (w, 0)
    elif bad == "scales_wrong_length":
        kwargs = {"scales": np.array([0.1, 0.2])}
    else:  # zero, negative and infinite scales
        for value in (0.0, -0.2, np.inf):
            with pytest.raises(ValueError):
                submission.quantize_per_channel(w, 0, scales=np.array([0.1, value, 0.3]))
        return
    with pytest.raises(ValueError):
        submission.quantize_per_channel(*args, **kwargs)


@pytest.mark.points(1)
def test_quantize_does_not_mutate_inputs(submission, rng):
    """w and scales are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    given = np.exp(rng.uniform(-5, -2, size=5))
    w = avoid_ties(rng.normal(size=(4, 5)), given, 1)
    before_w, before_s = w.copy(), given.copy()
    result, after, kwargs_after = submission.call_with_inputs("quantize_per_channel", w, 1, scales=given)
    q, _ = _pair(result, "quantize_per_channel (mutation check)")
    assert_array_close(as_int_array(q, "q"), oracle_ints(before_w, 1, before_s), what="q (mutation check)", **EXACT)
    assert_array_close(after[0], before_w, what="argument w after the call", **EXACT)
    assert_array_close(kwargs_after.get("scales"), before_s, what="argument scales after the call", **EXACT)


# --------------------------------------------------------------------------------------------
# dequantize


@pytest.mark.points(2)
@pytest.mark.parametrize(("shape", "axis"), [((5, 7), 0), ((4, 6), 1), ((3, 4, 5), -1)])
def test_dequantize_random(submission, rng, shape, axis):
    """Random int8 arrays and scales dequantise like torch.dequantize."""
    q = rng.integers(-127, 128, size=shape).astype(np.int8)
    scales = np.exp(rng.uniform(-5, 1, size=shape[axis]))
    expected = oracle_dequantize(q, scales, axis)
    got = submission.dequantize(q, scales, axis)
    assert_array_close(got, expected, what=f"dequantize(q {shape}, axis={axis})", **TOL)


@pytest.mark.points(2)
def test_round_trip_within_half_a_step(submission, rng):
    """dequantize(quantize_per_channel(w)) is within scale/2 of w and matches torch's round trip."""
    w = tie_free_weights(rng, (6, 10), 0)
    q, scales = check_quantize(submission, w, 0, "quantize_per_channel before the round trip")
    q = as_int_array(q, "q")
    expected = oracle_dequantize(q, oracle_scales(w, 0), 0)
    got = submission.dequantize(q, np.asarray(scales, dtype=np.float64), 0)
    assert_array_close(got, expected, what="dequantize after quantize_per_channel", **TOL)
    error = np.abs(np.asarray(got, dtype=np.float64) - w)
    bound = oracle_scales(w, 0)[:, None] / 2 * (1 + 1e-6)
    assert np.all(error <= bound), "round trip error above half a quantisation step"


@pytest.mark.points(1)
@pytest.mark.parametrize("bad", ["scales_wrong_length", "axis_out_of_range", "float_q"])
def test_dequantize_invalid(submission, rng, bad):
    """Wrong-length scales, an out-of-range axis and a float q raise ValueError (after a valid call)."""
    q = rng.integers(-127, 128, size=(3, 4)).astype(np.int8)
    scales = np.exp(rng.uniform(-3, 0, size=3))
    expected = oracle_dequantize(q, scales, 0)
    assert_array_close(submission.dequantize(q, scales, 0), expected, what="dequantize (valid call)", **TOL)
    args = {
        "scales_wrong_length": (q, scales, 1),
        "axis_out_of_range": (q, scales, 2),
        "float_q": (q.astype(np.float64) + 0.5, scales, 0),
    }[bad]
    with pytest.raises(ValueError):
        submission.dequantize(*args)
