"""Sample tests for training_at_scale: the statement's examples. Run them with pytest in your kit.

The hidden tests check much more: logistic and softmax models, random micro-batch sizes, random
scaler settings against torch.amp.GradScaler, float32 overflow, uneven chunks, many workers,
bit-identical results, invalid arguments, inputs left unchanged.
"""

import types

import numpy as np
import pytest
from numpy.testing import assert_allclose

BATCHES = [([[1.0]], [2.0]), ([[1.0], [1.0], [1.0]], [0.0, 0.0, 0.0])]


def grad_fn(w, X, y):
    """Linear regression, mean squared error over one micro-batch."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    r = X @ np.asarray(w, dtype=float) - y
    return float(np.mean(r**2)), 2 * X.T @ r / len(y)


def accumulate(submission, params, batches):
    if isinstance(submission, types.ModuleType):  # your kit: your module, imported directly
        return submission.accumulated_gradients(grad_fn, np.asarray(params, dtype=float), batches)
    # The grader's sandbox cannot receive a Python function; its probe builds the same one there.
    result, _, _ = submission.probe("accumulate", "linear", params, [list(b) for b in batches], 3)
    return result


def test_micro_batches_of_different_sizes(submission):
    loss, grad = accumulate(submission, [0.0], BATCHES)
    assert loss == pytest.approx(1.0, rel=1e-6, abs=1e-8)
    assert_allclose(grad, [-1.0], rtol=1e-6, atol=1e-8)


def test_one_micro_batch(submission):
    loss, grad = accumulate(submission, [0.0], BATCHES[:1])
    assert loss == pytest.approx(4.0, rel=1e-6, abs=1e-8)
    assert_allclose(grad, [-4.0], rtol=1e-6, atol=1e-8)


def test_no_micro_batch_is_an_error(submission):
    with pytest.raises(ValueError):
        accumulate(submission, [0.0], [])


def scaler_steps(submission, kwargs, grads_per_step):
    """[unscaled or None, scale, growth_tracker] after each step."""
    if isinstance(submission, types.ModuleType):
        scaler = submission.LossScaler(**kwargs)
        trace = []
        for grads in grads_per_step:
            returned = scaler.step([np.asarray(g, dtype=np.float32) for g in grads])
            trace.append([returned, scaler.scale, scaler.growth_tracker])
        return trace
    return [entry[:3] for entry in submission.probe("scaler_steps", kwargs, grads_per_step)]


def test_loss_scaler_example(submission):
    steps = [[[8.0, -16.0]], [[4.0, 4.0]], [[8.0, 0.0]], [[np.inf, 1.0]]]
    trace = scaler_steps(submission, {"init_scale": 8.0, "growth_interval": 3}, steps)
    assert [entry[1] for entry in trace] == [8.0, 8.0, 16.0, 8.0]
    assert [entry[2] for entry in trace] == [1, 2, 0, 0]
    assert_allclose(trace[0][0][0], [1.0, -2.0], rtol=1e-5)
    assert_allclose(trace[2][0][0], [1.0, 0.0], rtol=1e-5)  # unscaled by 8, before growing to 16
    assert trace[3][0] is None


def test_loss_scaler_scale_loss(submission):
    scaler = submission.LossScaler(init_scale=8.0)
    if isinstance(submission, types.ModuleType):
        assert scaler.scale_loss(0.5) == pytest.approx(4.0)
    else:  # in the grader, the object stays in the sandbox and is used through a handle
        assert scaler.call_method("scale_loss", 0.5) == pytest.approx(4.0)


def test_ring_allreduce_three_workers(submission):
    vectors = [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [10.0, 20.0, 30.0, 40.0, 50.0, 60.0], [100.0] * 6]
    results, sent = submission.ring_allreduce(vectors)
    for result in results:
        assert_allclose(result, [111.0, 122.0, 133.0, 144.0, 155.0, 166.0], rtol=1e-6, atol=1e-8)
    assert list(sent) == [8, 8, 8]


def test_ring_allreduce_uneven_chunks(submission):
    results, sent = submission.ring_allreduce(np.ones((3, 7)))
    assert len(results) == 3
    for result in results:
        assert_allclose(result, np.full(7, 3.0), rtol=1e-6, atol=1e-8)
    assert list(sent) == [10, 9, 9]
