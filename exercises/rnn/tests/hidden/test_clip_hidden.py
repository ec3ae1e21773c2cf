"""Hidden tests for ``clip_grad_norm(grads, max_norm)``.

The oracle is ``torch.nn.utils.clip_grad_norm_`` in float64, on tensors whose ``.grad`` holds the
same arrays; it runs here, on the judge's side. Its semantics: the total norm is the 2-norm of all
entries of all gradients taken together, and every gradient is multiplied by
``clamp(max_norm / (total_norm + 1e-6), max=1)``, so the 1e-6 matters for small norms and a
gradient is scaled even when its norm is a hair below ``max_norm``.

Tolerances, as the statement gives them: ``total_norm`` with ``rtol=1e-6`` and no absolute
tolerance; every clipped array with ``rtol=1e-6`` and ``atol=1e-9`` times the largest magnitude
of the expected array (the fixed cases use norms around 1e-6, where an absolute 1e-8 would hide
everything).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import assert_array_close, assert_close, describe

RTOL, SCALE = 1e-6, 1e-9


def oracle(grads: dict, max_norm: float):
    """(total_norm, clipped) from torch.nn.utils.clip_grad_norm_, in float64."""
    params = []
    for value in grads.values():
        tensor = torch.zeros(np.shape(value), dtype=torch.float64, requires_grad=True)
        tensor.grad = torch.tensor(np.asarray(value, dtype=np.float64))
        params.append(tensor)
    total = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    return total, {key: p.grad.numpy() for key, p in zip(grads, params, strict=True)}


def check(result, expected, what: str) -> None:
    """The pair (total_norm, clipped): the norm, the same keys, every array at its own scale."""
    total, clipped = expected
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (total_norm, clipped), got {describe(result)}")
    assert_close(result[0], total, what=f"{what}: total_norm", rtol=RTOL, atol=0.0)
    got = result[1]
    if not isinstance(got, dict) or sorted(map(str, got)) != sorted(clipped):
        keys = sorted(map(str, got)) if isinstance(got, dict) else None
        raise AssertionError(
            f"{what}: expected a dict with keys {sorted(clipped)}, got {describe(got) if keys is None else keys}"
        )
    for key, want in clipped.items():
        value = got[key]
        if np.ndim(want) == 0 and np.size(value) == 1 and not isinstance(value, (str, bytes, dict)):
            # The sandbox protocol sends a 0-d array as shape (1,): accept either for a number.
            value = np.reshape(np.asarray(value), ())
        atol = SCALE * float(np.max(np.abs(want))) if np.size(want) else 0.0
        assert_array_close(value, want, what=f"{what}: clipped[{key!r}]", rtol=RTOL, atol=atol)


def rnn_like_grads(rng, scale: float) -> dict:
    """Gradients shaped like rnn_backward's, with entries of about ``scale``."""
    n, steps, features, hidden = (int(v) for v in rng.integers(2, 7, size=4))
    shapes = {
        "x": (n, steps, features),
        "h0": (n, hidden),
        "W_ih": (hidden, features),
        "W_hh": (hidden, hidden),
        "b_ih": (hidden,),
        "b_hh": (hidden,),
    }
    return {key: rng.normal(size=shape) * scale * rng.uniform(0.2, 5.0) for key, shape in shapes.items()}


def norm_of(grads: dict) -> float:
    return float(np.sqrt(sum(np.sum(np.square(v)) for v in grads.values())))


@pytest.mark.points(6)
def test_clip_scales_to_max_norm(submission, rng):
    """Gradients over max_norm are scaled together to the global norm, as clip_grad_norm_ does."""
    for scale in (1e-2, 1.0, 1e3):
        grads = rnn_like_grads(rng, scale)
        max_norm = norm_of(grads) * float(rng.uniform(0.05, 0.8))
        what = f"clip_grad_norm(norm ~{norm_of(grads):.3g}, max_norm={max_norm:.3g})"
        check(submission.clip_grad_norm(grads, max_norm), oracle(grads, max_norm), what)


@pytest.mark.points(2)
def test_clip_leaves_small_gradients(submission, rng):
    """Gradients well under max_norm come back unchanged, with their total norm."""
    grads = rnn_like_grads(rng, 1.0)
    max_norm = norm_of(grads) * float(rng.uniform(1.5, 10.0))
    check(
        submission.clip_grad_norm(grads, max_norm), oracle(grads, max_norm), f"clip_grad_norm(max_norm={max_norm:.3g})"
    )


@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["norm 5e-7, max_norm 2.5e-7", "norm 5e-6, max_norm 5e-6"])
def test_clip_eps_in_the_denominator(submission, rng, case):
    """Small norms: the scale is max_norm / (total_norm + 1e-6), so the 1e-6 shows."""
    norm = 5e-7 if case.startswith("norm 5e-7") else 5e-6
    max_norm = 2.5e-7 if norm == 5e-7 else 5e-6
    direction = rng.normal(size=7)
    direction *= norm / np.linalg.norm(direction)
    grads = {"W": direction[:4].reshape(2, 2), "b": direction[4:]}
    check(submission.clip_grad_norm(grads, max_norm), oracle(grads, max_norm), f"clip_grad_norm({case})")


@pytest.mark.points(3)
def test_clip_just_below_max_norm(submission):
    """A norm slightly under max_norm (by less than 1e-6) is still scaled, by max_norm / (norm + 1e-6)."""
    grads = {"a": np.array([3e-7, 0.0]), "b": np.array([[4e-7]])}  # norm 5e-7
    check(submission.clip_grad_norm(grads, 1e-6), oracle(grads, 1e-6), "clip_grad_norm(norm 5e-7, max_norm 1e-6)")


@pytest.mark.points(3)
def test_clip_global_not_per_array(submission, rng):
    """Hand-made: arrays of norms 3 and 4 with max_norm 1 share one scale, 1 / (5 + 1e-6)."""
    grads = {"first": np.array([3.0]), "second": np.array([[0.0, 4.0]])}
    check(submission.clip_grad_norm(grads, 1.0), oracle(grads, 1.0), "clip_grad_norm({[3], [[0, 4]]}, 1)")
    grads = rnn_like_grads(rng, 1.0)
    grads["b_hh"] = grads["b_hh"] * 1e3  # one array dominates the norm
    max_norm = norm_of(grads) / 10
    check(submission.clip_grad_norm(grads, max_norm), oracle(grads, max_norm), "clip_grad_norm(one large array)")


@pytest.mark.points(3)
def test_clip_lists_and_scalars(submission, rng):
    """Gradients given as nested lists, 0-d values and 3-D arrays are clipped alike, as float64."""
    grads = {
        "scalar": float(rng.normal()) * 3,
        "matrix": rng.normal(size=(3, 2)).tolist(),
        "cube": rng.normal(size=(2, 3, 2)),
        "row": [float(v) for v in rng.normal(size=4)],
    }
    max_norm = norm_of(grads) * float(rng.uniform(0.1, 0.9))
    check(
        submission.clip_grad_norm(grads, max_norm),
        oracle(grads, max_norm),
        f"clip_grad_norm(mixed, max_norm={max_norm:.3g})",
    )


@pytest.mark.points(2)
def test_clip_zero_and_negative_max_norm(submission, rng):
    """max_norm = 0 zeroes every gradient (and reports the norm); a negative max_norm raises ValueError."""
    grads = rnn_like_grads(rng, 1.0)
    check(submission.clip_grad_norm(grads, 0.0), oracle(grads, 0.0), "clip_grad_norm(max_norm=0)")
    with pytest.raises(ValueError):
        submission.clip_grad_norm(grads, -1.0)


@pytest.mark.points(1)
def test_clip_does_not_mutate_inputs(submission, rng):
    """The gradients passed in are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    grads = rnn_like_grads(rng, 1.0)
    max_norm = norm_of(grads) / 4
    before = {key: value.copy() for key, value in grads.items()}
    result, after, _ = submission.call_with_inputs("clip_grad_norm", grads, max_norm)
    check(result, oracle(before, max_norm), "clip_grad_norm (mutation check)")
    if not isinstance(after[0], dict):
        raise AssertionError(f"argument grads after the call: expected a dict, got {describe(after[0])}")
    for key, old in before.items():
        assert_array_close(after[0].get(key), old, what=f"grads[{key!r}] after the call", rtol=0, atol=0)
