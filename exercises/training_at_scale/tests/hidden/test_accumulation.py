"""Hidden tests for ``accumulated_gradients``.

``grad_fn`` is built in the sandbox by the probe ``accumulate`` (a callable cannot cross the
boundary); it computes a micro-batch's mean loss and gradient in closed form with numpy, and
refuses a batch larger than the largest micro-batch. The judge's oracle is torch autograd on the
whole batch at once, in float64: it shares no code with the probe. Micro-batch sizes always
differ, so averaging the micro-batch means (the classic mistake) cannot pass by luck.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import as_array, assert_array_close, assert_close, describe

KINDS = ("linear", "logistic", "softmax")


def oracle(kind, params, micro_batches):
    """Full-batch mean loss and its gradient, by torch autograd on the concatenated batch."""
    X = torch.as_tensor(np.concatenate([np.asarray(b[0], dtype=np.float64) for b in micro_batches]))
    y = np.concatenate([np.asarray(b[1]) for b in micro_batches])
    w = torch.tensor(np.asarray(params, dtype=np.float64), requires_grad=True)
    z = X @ w
    if kind == "linear":
        loss = torch.mean((z - torch.as_tensor(y, dtype=torch.float64)) ** 2)
    elif kind == "logistic":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.as_tensor(y, dtype=torch.float64))
    else:
        loss = torch.nn.functional.cross_entropy(z, torch.as_tensor(y, dtype=torch.int64))
    loss.backward()
    return float(loss.detach()), w.grad.numpy().copy()


def random_case(rng, kind, sizes=None):
    """Params and micro-batches of at least two different sizes."""
    d = int(rng.integers(2, 6))
    if sizes is None:
        count = int(rng.integers(3, 6))
        sizes = rng.integers(1, 9, size=count)
        sizes[0], sizes[1] = 1, int(rng.integers(5, 12))  # never all equal
        rng.shuffle(sizes)
    params_shape = (d, int(rng.integers(2, 5))) if kind == "softmax" else (d,)
    params = rng.normal(size=params_shape)
    batches = []
    for n in sizes:
        X = rng.normal(size=(int(n), d))
        if kind == "linear":
            y = X @ rng.normal(size=d) + rng.normal(size=int(n))
        elif kind == "logistic":
            y = (rng.random(int(n)) < 0.5).astype(np.float64)
        else:
            y = rng.integers(0, params_shape[1], size=int(n))
        batches.append([X, y])
    return params, batches


def run(submission, kind, params, batches):
    """The candidate's (loss, grad) for these micro-batches, and the inputs as left after the call."""
    limit = max(len(b[1]) for b in batches)
    reply = submission.probe("accumulate", kind, params, batches, limit)
    if not isinstance(reply, list) or len(reply) != 3:
        raise AssertionError(f"the accumulate probe returned {describe(reply)}")
    return reply


def check(result, kind, params, batches, what):
    """The (loss, grad) pair agrees with autograd on the full batch."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (loss, grad), got {describe(result)}")
    loss, grad = result
    want_loss, want_grad = oracle(kind, params, batches)
    sizes = [len(b[1]) for b in batches]
    assert_array_close(as_array(grad, f"{what}: grad"), want_grad, what=f"{what} (sizes {sizes}): grad")
    assert_close(loss, want_loss, what=f"{what} (sizes {sizes}): loss")


@pytest.mark.points(6)
def test_uneven_micro_batches_by_hand(submission):
    """Two hand-made micro-batches of 1 and 3 rows give the mean over all 4 rows, not the mean of means."""
    # w = 0: residuals -2, 0, 0, 0. Full batch: loss 4/4 = 1, grad 2*(-2)/4 = -1.
    # Mean of the micro-batch means would give loss 2 and grad -2.
    batches = [[[[1.0]], [2.0]], [[[1.0], [1.0], [1.0]], [0.0, 0.0, 0.0]]]
    result, _, _ = run(submission, "linear", [0.0], batches)
    check(result, "linear", [0.0], batches, "linear MSE, micro-batches of 1 and 3 rows")
    # Both orders: the big micro-batch first.
    batches = [[[[0.5, 1.0], [1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [1.0, 0.0, 2.0, -1.0]], [[[3.0, -1.0]], [4.0]]]
    result, _, _ = run(submission, "linear", [1.0, -1.0], batches)
    check(result, "linear", [1.0, -1.0], batches, "linear MSE, micro-batches of 4 and 1 rows")


@pytest.mark.points(9)
def test_linear_regression_random(submission, rng):
    """Random micro-batches of different sizes agree with autograd on the full batch (linear MSE)."""
    for case in range(2):
        params, batches = random_case(rng, "linear")
        result, _, _ = run(submission, "linear", params, batches)
        check(result, "linear", params, batches, f"case {case}: linear MSE")


@pytest.mark.points(6)
def test_logistic_regression_random(submission, rng):
    """Random micro-batches of different sizes agree with autograd on the full batch (logistic loss)."""
    params, batches = random_case(rng, "logistic")
    result, _, _ = run(submission, "logistic", params, batches)
    check(result, "logistic", params, batches, "logistic regression")


@pytest.mark.points(6)
def test_softmax_regression_random(submission, rng):
    """2-D parameters (softmax regression) give a gradient of the same shape that agrees with autograd."""
    params, batches = random_case(rng, "softmax")
    result, _, _ = run(submission, "softmax", params, batches)
    check(result, "softmax", params, batches, f"softmax regression with params {params.shape}")


@pytest.mark.points(3)
def test_single_micro_batch(submission, rng):
    """One micro-batch gives that micro-batch's own loss and gradient."""
    params, batches = random_case(rng, "logistic", sizes=[int(rng.integers(2, 8))])
    result, _, _ = run(submission, "logistic", params, batches)
    check(result, "logistic", params, batches, "a single micro-batch")


@pytest.mark.points(3)
def test_rejects_empty_input(submission, rng):
    """No micro-batch, an empty micro-batch, or X and y of different lengths raise ValueError."""
    params, batches = random_case(rng, "linear", sizes=[2, 5])
    result, _, _ = run(submission, "linear", params, batches)
    check(result, "linear", params, batches, "a valid call before the invalid ones")
    d = len(params)
    with pytest.raises(ValueError):
        submission.probe("accumulate", "linear", params, [], 1)
    with pytest.raises(ValueError):
        submission.probe("accumulate", "linear", params, [*batches, [np.zeros((0, d)), np.zeros(0)]], 5)
    with pytest.raises(ValueError):
        submission.probe("accumulate", "linear", params, [batches[1], [np.ones((3, d)), np.ones(2)]], 5)


@pytest.mark.points(1)
def test_inputs_not_mutated(submission, rng):
    """params and the micro-batches are left unchanged (self-reported by the sandbox: 1 point)."""
    params, batches = random_case(rng, "softmax")
    result, params_after, batches_after = run(submission, "softmax", params, batches)
    check(result, "softmax", params, batches, "mutation check")
    assert_array_close(params_after, params, what="params after the call", rtol=0, atol=0)
    if not isinstance(batches_after, list) or len(batches_after) != len(batches):
        raise AssertionError(f"micro_batches after the call: got {describe(batches_after)}")
    for i, ((X, y), after) in enumerate(zip(batches, batches_after, strict=True)):
        assert_array_close(after[0], X, what=f"micro-batch {i} X after the call", rtol=0, atol=0)
        assert_array_close(after[1], y, what=f"micro-batch {i} y after the call", rtol=0, atol=0)
