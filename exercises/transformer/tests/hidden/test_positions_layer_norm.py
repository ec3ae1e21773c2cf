"""Hidden tests for ``sinusoidal_positions`` and ``layer_norm`` (transformer exercise).

Oracles (judge side only):
- the positional-encoding formula of the statement, evaluated entry by entry with ``math.sin`` /
  ``math.cos`` and ``10000 ** (-(2 * (j // 2)) / d_model)``: a loop, not the reference's numpy;
- ``torch.nn.functional.layer_norm`` in float64.

Every comparison uses rtol=1e-6, atol=1e-8, as the statement says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import as_array, assert_array_close, describe

TOL = {"rtol": 1e-6, "atol": 1e-8}


def oracle_positions(max_len: int, d_model: int) -> np.ndarray:
    """The statement's formula, one entry at a time."""
    table = np.empty((max_len, d_model))
    for j in range(d_model):
        freq = 10000.0 ** (-(2 * (j // 2)) / d_model)
        trig = math.sin if j % 2 == 0 else math.cos
        for pos in range(max_len):
            table[pos, j] = trig(pos * freq)
    return table


def oracle_layer_norm(x, gamma, beta, eps=1e-5) -> np.ndarray:
    x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    g = torch.as_tensor(np.asarray(gamma, dtype=np.float64))
    b = torch.as_tensor(np.asarray(beta, dtype=np.float64))
    with torch.no_grad():
        return F.layer_norm(x, (x.shape[-1],), g, b, eps).numpy()


def _float64(value, what):
    """The result, after checking it is a float64 numpy array as the statement promises."""
    if not isinstance(value, np.ndarray) or value.dtype != np.float64:
        raise AssertionError(f"{what}: expected a float64 array, got {describe(value)}")
    return value


def _finite(value, what):
    array = as_array(value, what)
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise AssertionError(f"{what}: non-finite value {array[bad]!r} at index {bad}")
    return array


def random_affine(rng, width):
    """gamma and beta of a trained-looking layer norm: near 1 and near 0, never trivial."""
    return 1.0 + 0.5 * rng.normal(size=width), 0.5 * rng.normal(size=width)


# --------------------------------------------------------------------------------------------
# sinusoidal_positions


@pytest.mark.points(3)
def test_positions_small_by_hand(submission):
    """A 3 x 4 table: sines on even columns, cosines on odd ones, paired frequencies."""
    expected = np.array(
        [
            [0.0, 1.0, 0.0, 1.0],
            [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)],
            [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)],
        ]
    )
    assert_array_close(submission.sinusoidal_positions(3, 4), expected, what="sinusoidal_positions(3, 4)", **TOL)


@pytest.mark.points(5)
def test_positions_random_even(submission, rng):
    """Random tables with an even d_model agree with the paper's formula."""
    for _ in range(2):
        max_len, d_model = int(rng.integers(5, 60)), 2 * int(rng.integers(2, 40))
        expected = oracle_positions(max_len, d_model)
        got = submission.sinusoidal_positions(max_len, d_model)
        assert_array_close(got, expected, what=f"sinusoidal_positions({max_len}, {d_model})", **TOL)


@pytest.mark.points(6)
def test_positions_odd_d_model(submission, rng):
    """An odd d_model (1, 3 and a random one) ends on a sine column and keeps d_model in the exponent."""
    odd = 2 * int(rng.integers(3, 40)) + 1
    for max_len, d_model in [(4, 1), (5, 3), (int(rng.integers(5, 50)), odd)]:
        expected = oracle_positions(max_len, d_model)
        got = submission.sinusoidal_positions(max_len, d_model)
        assert_array_close(got, expected, what=f"sinusoidal_positions({max_len}, {d_model})", **TOL)


@pytest.mark.points(3)
def test_positions_float64_at_large_positions(submission, rng):
    """A long table is float64 and exact at positions in the thousands."""
    max_len, d_model = int(rng.integers(3000, 4000)), 2 * int(rng.integers(4, 16))
    expected = oracle_positions(max_len, d_model)
    what = f"sinusoidal_positions({max_len}, {d_model})"
    got = _float64(submission.sinusoidal_positions(max_len, d_model), what)
    assert_array_close(got, expected, what=what, **TOL)


@pytest.mark.points(1)
@pytest.mark.parametrize(("max_len", "d_model"), [(0, 4), (4, 0), (-2, 6)])
def test_positions_invalid_sizes(submission, rng, max_len, d_model):
    """max_len < 1 or d_model < 1 raises ValueError (after a valid call works)."""
    size = int(rng.integers(2, 6))
    assert_array_close(
        submission.sinusoidal_positions(size, size),
        oracle_positions(size, size),
        what=f"sinusoidal_positions({size}, {size})",
        **TOL,
    )
    with pytest.raises(ValueError):
        submission.sinusoidal_positions(max_len, d_model)


# --------------------------------------------------------------------------------------------
# layer_norm


@pytest.mark.points(3)
def test_layer_norm_by_hand(submission):
    """Two hand-checked rows, one of them constant, with gamma and beta applied."""
    x = [[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]]
    gamma, beta = [2.0, 1.0, -1.0, 0.5], [0.5, -1.0, 0.0, 1.0]
    s = math.sqrt(1.25 + 1e-5)
    expected = [[-3.0 / s + 0.5, -0.5 / s - 1.0, -0.5 / s, 0.75 / s + 1.0], beta]
    assert_array_close(submission.layer_norm(x, gamma, beta), expected, what="layer_norm(2 x 4 by hand)", **TOL)


@pytest.mark.points(4)
def test_layer_norm_random(submission, rng):
    """Random 2-D and 3-D inputs with random gamma and beta agree with F.layer_norm."""
    for shape in [(int(rng.integers(2, 6)), int(rng.integers(3, 20))), tuple(int(s) for s in rng.integers(2, 7, 3))]:
        x = rng.normal(size=shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
        gamma, beta = random_affine(rng, shape[-1])
        expected = oracle_layer_norm(x, gamma, beta)
        assert_array_close(submission.layer_norm(x, gamma, beta), expected, what=f"layer_norm on {shape}", **TOL)


@pytest.mark.points(3)
def test_layer_norm_biased_variance(submission, rng):
    """Two-feature rows are normalised with the biased variance (divide by D)."""
    x = np.array([[0.0, 2.0], [-1.0, 3.0], [5.0, 4.0]]) * rng.uniform(0.5, 2)
    gamma, beta = np.ones(2), np.zeros(2)
    expected = oracle_layer_norm(x, gamma, beta)  # +-1 up to eps: the unbiased variance gives +-0.71
    assert_array_close(submission.layer_norm(x, gamma, beta), expected, what="layer_norm on 2-feature rows", **TOL)


@pytest.mark.points(3)
def test_layer_norm_custom_eps(submission, rng):
    """A large eps goes inside the square root, on rows whose variance is comparable to it."""
    x = rng.normal(size=(4, 6)) * np.array([[0.1], [0.5], [1.0], [2.0]])
    gamma, beta = random_affine(rng, 6)
    for eps in (0.5, 0.0):
        expected = oracle_layer_norm(x, gamma, beta, eps)
        got = submission.layer_norm(x, gamma, beta, eps=eps)
        assert_array_close(got, expected, what=f"layer_norm with eps={eps}", **TOL)


@pytest.mark.points(3)
def test_layer_norm_constant_rows(submission, rng):
    """Constant rows (zero variance) come out as beta, with no NaN."""
    width = int(rng.integers(3, 9))
    x = rng.normal(size=(4, width))
    x[0] = 0.0
    x[2] = float(rng.integers(-5, 6))
    gamma, beta = random_affine(rng, width)
    expected = oracle_layer_norm(x, gamma, beta)
    got = _finite(submission.layer_norm(x, gamma, beta), "layer_norm with constant rows")
    assert_array_close(got, expected, what="layer_norm with constant rows 0 and 2", **TOL)


@pytest.mark.points(4)
def test_layer_norm_large_offset(submission, rng):
    """Rows of 1e6 plus unit noise are normalised accurately (no one-pass variance)."""
    x = 1e6 + rng.normal(size=(3, int(rng.integers(8, 17))))
    gamma, beta = random_affine(rng, x.shape[1])
    expected = oracle_layer_norm(x, gamma, beta)
    got = _finite(submission.layer_norm(x, gamma, beta), "layer_norm at offset 1e6")
    assert_array_close(got, expected, what="layer_norm on rows of 1e6 + N(0, 1)", rtol=1e-6, atol=1e-8)


@pytest.mark.points(2)
def test_layer_norm_vector_and_lists(submission, rng):
    """A single 1-D vector, and nested lists, are accepted."""
    width = int(rng.integers(3, 9))
    x = rng.normal(size=width)
    gamma, beta = random_affine(rng, width)
    expected = oracle_layer_norm(x, gamma, beta)
    assert_array_close(submission.layer_norm(x, gamma, beta), expected, what="layer_norm on a 1-D vector", **TOL)
    x2 = rng.normal(size=(2, 3, width))
    expected = oracle_layer_norm(x2, gamma, beta)
    got = submission.layer_norm(x2.tolist(), gamma.tolist(), beta.tolist())
    assert_array_close(got, expected, what="layer_norm on nested lists", **TOL)


@pytest.mark.points(1)
def test_layer_norm_float32_input_gives_float64(submission, rng):
    """float32 input gives a float64 result, computed in float64."""
    width = int(rng.integers(4, 12))
    x = rng.normal(size=(3, width)).astype(np.float32)
    gamma, beta = (a.astype(np.float32) for a in random_affine(rng, width))
    expected = oracle_layer_norm(x, gamma, beta)
    got = _float64(submission.layer_norm(x, gamma, beta), "layer_norm on float32 input")
    assert_array_close(got, expected, what="layer_norm on float32 input", **TOL)


@pytest.mark.points(1)
def test_layer_norm_invalid_gamma_beta(submission, rng):
    """gamma or beta of the wrong shape, (1,) included, raises ValueError (after a valid call works)."""
    width = int(rng.integers(3, 8))
    x = rng.normal(size=(2, width))
    gamma, beta = random_affine(rng, width)
    expected = oracle_layer_norm(x, gamma, beta)
    assert_array_close(submission.layer_norm(x, gamma, beta), expected, what="layer_norm (valid call)", **TOL)
    with pytest.raises(ValueError):
        submission.layer_norm(x, gamma[:-1], beta)
    with pytest.raises(ValueError):
        submission.layer_norm(x, gamma[:1], beta)  # would broadcast: the shape must be checked
    with pytest.raises(ValueError):
        submission.layer_norm(x, gamma, np.append(beta, 1.0))


@pytest.mark.points(1)
def test_layer_norm_does_not_mutate_inputs(submission, rng):
    """x, gamma and beta are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    width = int(rng.integers(3, 8))
    x = rng.normal(size=(3, width)) + 2.0
    gamma, beta = random_affine(rng, width)
    before = [x.copy(), gamma.copy(), beta.copy()]
    result, after, _ = submission.call_with_inputs("layer_norm", x, gamma, beta)
    assert_array_close(result, oracle_layer_norm(*before), what="layer_norm (mutation check)", **TOL)
    for name, old, new in zip(["x", "gamma", "beta"], before, after, strict=True):
        assert_array_close(new, old, what=f"argument {name} after the call", rtol=0, atol=0)
