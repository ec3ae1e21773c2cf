"""Sample tests for rnn: the statement's examples. Run them with pytest in your kit.

The hidden tests check much more: random batches against torch.nn.RNN and autograd, unsorted
lengths with junk in the padding, a 100-step sequence whose gradient vanishes, clipping at small
norms, invalid arguments, and that inputs are not modified.
"""

import math

import numpy as np
import pytest

X = [[[1.0], [0.0], [2.0]], [[-1.0], [5.0], [5.0]]]
H0 = [[0.0], [0.5]]
PARAMS = ([[1.0]], [[0.5]], [0.0], [0.0])  # W_ih, W_hh, b_ih, b_hh


def close(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-6, atol=1e-8)


def test_forward_example(submission):
    hs, h_last = submission.rnn_forward(X, H0, *PARAMS)
    h1 = math.tanh(1.0)
    h2 = math.tanh(0.5 * h1)
    close(hs[0], [[h1], [h2], [math.tanh(2.0 + 0.5 * h2)]])
    close(h_last, [[math.tanh(2.0 + 0.5 * h2)], [hs[1][2][0]]])
    close(hs[1][0], [math.tanh(-1.0 + 0.5 * 0.5)])


def test_forward_lengths_pad_with_zeros(submission):
    hs, h_last = submission.rnn_forward(X, H0, *PARAMS, lengths=[3, 1])
    first = math.tanh(-1.0 + 0.5 * 0.5)
    close(hs[1], [[first], [0.0], [0.0]])
    close(h_last[1], [first])


def test_backward_one_step(submission):
    grads = submission.rnn_backward([[[1.0]]], [[0.5]], [[2.0]], [[-1.0]], [0.25], [0.25], grad_h_last=[[1.0]])
    d = 1.0 - math.tanh(2.0) ** 2  # dL/d(pre-activation)
    assert sorted(grads) == ["W_hh", "W_ih", "b_hh", "b_ih", "h0", "x"]
    close(grads["x"], [[[2.0 * d]]])
    close(grads["h0"], [[-1.0 * d]])
    close(grads["W_ih"], [[d]])
    close(grads["W_hh"], [[0.5 * d]])
    close(grads["b_ih"], [d])
    close(grads["b_hh"], [d])


def test_clip_scales_by_the_global_norm(submission):
    total, clipped = submission.clip_grad_norm({"W": [[3.0, 0.0]], "b": [4.0]}, 1.0)
    assert total == pytest.approx(5.0, rel=1e-6)
    coef = 1.0 / (5.0 + 1e-6)
    close(clipped["W"], [[3.0 * coef, 0.0]])
    close(clipped["b"], [4.0 * coef])


def test_clip_small_norm_eps(submission):
    total, clipped = submission.clip_grad_norm({"w": [3e-7, 4e-7]}, 5e-7)
    assert total == pytest.approx(5e-7, rel=1e-6)
    np.testing.assert_allclose(clipped["w"], [1e-7, 4e-7 / 3], rtol=1e-6, atol=0)


def test_clip_negative_max_norm(submission):
    with pytest.raises(ValueError):
        submission.clip_grad_norm({"w": [1.0]}, -1.0)
