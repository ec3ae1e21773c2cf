"""Hidden tests for ``rnn_forward`` and ``rnn_backward``.

The oracle is ``torch.nn.RNN`` (one layer, tanh, ``batch_first=True``, float64) loaded with the
same weights, fed through ``pack_padded_sequence`` / ``pad_packed_sequence`` when the batch has
lengths, and torch autograd on ``L = sum(grad_hs * hs) + sum(grad_h_last * h_last)`` for the
gradients. All of it runs here, on the judge's side.

Tolerances, as the statement gives them: states with ``rtol=1e-6, atol=1e-8``; every gradient
array with ``rtol=1e-6`` and ``atol=1e-9`` times the largest magnitude of the expected array, so
that a vanishing gradient (1e-30 after 100 steps) is still compared at its own scale. A correct
float64 implementation is ~1e-14 away at that scale.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from grader.testing import assert_array_close, describe

GRAD_KEYS = ("x", "h0", "W_ih", "W_hh", "b_ih", "b_hh")
GRAD_RTOL, GRAD_SCALE = 1e-6, 1e-9


# --- cases and oracle --------------------------------------------------------------------------


def random_params(rng, features: int, hidden: int, radius: float | None = None) -> dict:
    """Weights in torch's layout, of the size torch's initialisation gives (or W_hh of a set
    spectral radius)."""
    scale = float(rng.uniform(0.6, 1.6)) / np.sqrt(hidden)
    w_hh = rng.normal(size=(hidden, hidden)) * scale
    if radius is not None:
        w_hh *= radius / np.max(np.abs(np.linalg.eigvals(w_hh)))
    return {
        "W_ih": rng.normal(size=(hidden, features)) * scale,
        "W_hh": w_hh,
        "b_ih": rng.normal(size=hidden) * 0.3,
        "b_hh": rng.normal(size=hidden) * 0.3,
    }


def random_lengths(rng, n: int, steps: int) -> list[int]:
    """Unsorted lengths in [1, T], with at least one full-length and (for N > 1) one shorter one."""
    lengths = rng.integers(1, steps + 1, size=n)
    order = rng.permutation(n)
    lengths[order[0]] = steps
    if n > 1:
        lengths[order[1]] = int(rng.integers(1, steps))
    return [int(v) for v in lengths]


def pad_with_junk(rng, x: np.ndarray, lengths) -> np.ndarray:
    """x with its padded positions (t >= lengths[n]) overwritten by large finite junk."""
    x = x.copy()
    for n, length in enumerate(lengths):
        x[n, length:] = rng.uniform(-50.0, 50.0, size=x[n, length:].shape)
    return x


def _t(value, grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=grad)


def oracle(x, h0, params, lengths=None, grad_hs=None, grad_h_last=None):
    """(hs, h_last, grads) from torch.nn.RNN and autograd, in float64."""
    x = np.asarray(x, dtype=np.float64)
    n, steps, features = x.shape
    hidden = params["W_hh"].shape[0]
    layer = torch.nn.RNN(features, hidden, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        layer.weight_ih_l0.copy_(_t(params["W_ih"]))
        layer.weight_hh_l0.copy_(_t(params["W_hh"]))
        layer.bias_ih_l0.copy_(_t(params["b_ih"]))
        layer.bias_hh_l0.copy_(_t(params["b_hh"]))
    xt = _t(x, grad=True)
    ht = _t(np.zeros((n, hidden)) if h0 is None else h0, grad=True)
    if lengths is None:
        hs, h_n = layer(xt, ht[None])
    else:
        packed = pack_padded_sequence(xt, torch.as_tensor(lengths), batch_first=True, enforce_sorted=False)
        out, h_n = layer(packed, ht[None])
        hs, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
    h_last = h_n[0]
    loss = torch.zeros((), dtype=torch.float64)
    if grad_hs is not None:
        loss = loss + (hs * _t(grad_hs)).sum()
    if grad_h_last is not None:
        loss = loss + (h_last * _t(grad_h_last)).sum()
    grads = None
    if grad_hs is not None or grad_h_last is not None:
        loss.backward()
        grads = {
            "x": xt.grad.numpy(),
            "h0": ht.grad.numpy(),
            "W_ih": layer.weight_ih_l0.grad.numpy(),
            "W_hh": layer.weight_hh_l0.grad.numpy(),
            "b_ih": layer.bias_ih_l0.grad.numpy(),
            "b_hh": layer.bias_hh_l0.grad.numpy(),
        }
    return hs.detach().numpy(), h_last.detach().numpy(), grads


# --- calling and checking ----------------------------------------------------------------------


def forward(submission, x, h0, params, lengths=None):
    return submission.rnn_forward(
        x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"], lengths=lengths
    )


def backward(submission, x, h0, params, lengths=None, grad_hs=None, grad_h_last=None):
    return submission.rnn_backward(
        x,
        h0,
        params["W_ih"],
        params["W_hh"],
        params["b_ih"],
        params["b_hh"],
        grad_hs=grad_hs,
        grad_h_last=grad_h_last,
        lengths=lengths,
    )


def check_forward(result, hs, h_last, what: str) -> None:
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (hs, h_last), got {describe(result)}")
    assert_array_close(result[0], hs, what=f"{what}: hs")
    assert_array_close(result[1], h_last, what=f"{what}: h_last")


def check_grads(result, expected: dict, what: str) -> None:
    """Every key present, every gradient close at its own scale."""
    if not isinstance(result, dict):
        raise AssertionError(f"{what}: expected a dict of gradients, got {describe(result)}")
    missing = [key for key in GRAD_KEYS if key not in result]
    if missing:
        raise AssertionError(f"{what}: missing gradient(s) {missing}; got keys {sorted(map(str, result))}")
    for key in GRAD_KEYS:
        want = expected[key]
        atol = GRAD_SCALE * float(np.max(np.abs(want)))
        assert_array_close(result[key], want, what=f"{what}: gradient {key!r}", rtol=GRAD_RTOL, atol=atol)


def shape_text(x, params) -> str:
    n, steps, features = np.shape(x)
    return f"N={n}, T={steps}, D={features}, H={np.shape(params['W_hh'])[0]}"


def random_case(rng, max_n: int = 5, max_t: int = 9, min_n: int = 1):
    n, steps = int(rng.integers(min_n, max_n + 1)), int(rng.integers(2, max_t + 1))
    features, hidden = int(rng.integers(2, 6)), int(rng.integers(2, 7))
    while features == hidden:  # W_ih is (H, D): a transposed W_ih cannot go unnoticed
        hidden = int(rng.integers(2, 7))
    x = rng.normal(size=(n, steps, features))
    h0 = rng.normal(size=(n, hidden)) * 0.5
    return x, h0, random_params(rng, features, hidden)


# --- rnn_forward -------------------------------------------------------------------------------


@pytest.mark.points(8)
def test_forward_matches_torch(submission, rng):
    """Random batches, full length: every state and the last one agree with torch.nn.RNN."""
    for _ in range(3):
        x, h0, params = random_case(rng)
        hs, h_last, _ = oracle(x, h0, params)
        check_forward(forward(submission, x, h0, params), hs, h_last, f"rnn_forward({shape_text(x, params)})")


@pytest.mark.points(3)
def test_forward_h0_none_means_zeros(submission, rng):
    """h0=None starts from the zero state."""
    x, _, params = random_case(rng)
    hs, h_last, _ = oracle(x, None, params)
    check_forward(forward(submission, x, None, params), hs, h_last, f"rnn_forward(h0=None, {shape_text(x, params)})")


@pytest.mark.points(3)
def test_forward_nested_lists(submission, rng):
    """Inputs given as nested Python lists (and lengths as a list) give the same result."""
    x, h0, params = random_case(rng)
    lengths = random_lengths(rng, x.shape[0], x.shape[1])
    hs, h_last, _ = oracle(x, h0, params, lengths)
    as_lists = {key: value.tolist() for key, value in params.items()}
    result = forward(submission, x.tolist(), h0.tolist(), as_lists, lengths)
    check_forward(result, hs, h_last, f"rnn_forward(nested lists, lengths={lengths})")


@pytest.mark.points(8)
def test_forward_variable_lengths(submission, rng):
    """Unsorted lengths: states are zero after each sequence's end, h_last is the state at its end."""
    for _ in range(2):
        x, h0, params = random_case(rng, max_n=6, max_t=10, min_n=2)
        lengths = random_lengths(rng, x.shape[0], x.shape[1])
        x = pad_with_junk(rng, x, lengths)
        hs, h_last, _ = oracle(x, h0, params, lengths)
        what = f"rnn_forward({shape_text(x, params)}, lengths={lengths})"
        check_forward(forward(submission, x, h0, params, np.array(lengths)), hs, h_last, what)


@pytest.mark.points(4)
def test_forward_padding_fixed_case(submission, rng):
    """Hand-made batch, lengths [3, 1, 4, 2], padding filled with 1000: padding changes nothing."""
    lengths = [3, 1, 4, 2]
    x = rng.normal(size=(4, 4, 3))
    for n, length in enumerate(lengths):
        x[n, length:] = 1000.0
    h0 = rng.normal(size=(4, 5)) * 0.5
    params = random_params(rng, 3, 5)
    hs, h_last, _ = oracle(x, h0, params, lengths)
    check_forward(forward(submission, x, h0, params, lengths), hs, h_last, f"rnn_forward(lengths={lengths})")


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", ["length 0", "length above T", "lengths of the wrong count", "W_ih of the wrong width", "x not 3-D"]
)
def test_forward_invalid_inputs(submission, rng, case):
    """Invalid lengths or shapes raise ValueError (and a valid call is answered)."""
    x, h0, params = random_case(rng)
    hs, h_last, _ = oracle(x, h0, params)
    check_forward(forward(submission, x, h0, params), hs, h_last, "rnn_forward (valid call)")
    n, steps, features = x.shape
    lengths = [steps] * n
    if case == "length 0":
        lengths[-1] = 0
    elif case == "length above T":
        lengths[0] = steps + 1
    elif case == "lengths of the wrong count":
        lengths = lengths + [1]
    elif case == "W_ih of the wrong width":
        params = dict(params, W_ih=rng.normal(size=(params["W_hh"].shape[0], features + 1)))
    else:
        x = x[0]
        lengths = None
    with pytest.raises(ValueError):
        forward(submission, x, h0, params, lengths)


@pytest.mark.points(1)
def test_forward_does_not_mutate_inputs(submission, rng):
    """The arguments are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    x, h0, params = random_case(rng, min_n=2)
    lengths = np.array(random_lengths(rng, x.shape[0], x.shape[1]))
    args = [x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"], lengths]
    before = [np.array(a, copy=True) for a in args]
    result, after, _ = submission.call_with_inputs("rnn_forward", *args)
    hs, h_last, _ = oracle(x, h0, params, lengths.tolist())
    check_forward(result, hs, h_last, "rnn_forward (mutation check)")
    names = ["x", "h0", "W_ih", "W_hh", "b_ih", "b_hh", "lengths"]
    for name, old, new in zip(names, before, after, strict=True):
        assert_array_close(new, old, what=f"argument {name} after the call", rtol=0, atol=0)


# --- rnn_backward ------------------------------------------------------------------------------


@pytest.mark.points(8)
def test_backward_loss_on_all_states(submission, rng):
    """An upstream gradient on every state (grad_h_last=None): all six gradients agree with autograd."""
    for _ in range(2):
        x, h0, params = random_case(rng)
        grad_hs = rng.normal(size=(*x.shape[:2], params["W_hh"].shape[0]))
        _, _, grads = oracle(x, h0, params, grad_hs=grad_hs)
        result = backward(submission, x, h0, params, grad_hs=grad_hs)
        check_grads(result, grads, f"rnn_backward(grad_hs only, {shape_text(x, params)})")


@pytest.mark.points(6)
def test_backward_loss_on_last_state(submission, rng):
    """An upstream gradient on the last state only (grad_hs=None) agrees with autograd."""
    for _ in range(2):
        x, h0, params = random_case(rng)
        grad_h_last = rng.normal(size=h0.shape)
        _, _, grads = oracle(x, h0, params, grad_h_last=grad_h_last)
        result = backward(submission, x, h0, params, grad_h_last=grad_h_last)
        check_grads(result, grads, f"rnn_backward(grad_h_last only, {shape_text(x, params)})")


@pytest.mark.points(5)
def test_backward_both_upstream_gradients(submission, rng):
    """Upstream gradients on every state and on the last state add up, as autograd says."""
    x, h0, params = random_case(rng)
    grad_hs = rng.normal(size=(*x.shape[:2], params["W_hh"].shape[0]))
    grad_h_last = rng.normal(size=h0.shape)
    _, _, grads = oracle(x, h0, params, grad_hs=grad_hs, grad_h_last=grad_h_last)
    result = backward(submission, x, h0, params, grad_hs=grad_hs, grad_h_last=grad_h_last)
    check_grads(result, grads, f"rnn_backward(both, {shape_text(x, params)})")


@pytest.mark.points(2)
def test_backward_h0_none(submission, rng):
    """With h0=None, the gradients (including the one for the zero initial state) agree with autograd."""
    x, _, params = random_case(rng)
    hidden = params["W_hh"].shape[0]
    grad_hs, grad_h_last = rng.normal(size=(*x.shape[:2], hidden)), rng.normal(size=(x.shape[0], hidden))
    _, _, grads = oracle(x, None, params, grad_hs=grad_hs, grad_h_last=grad_h_last)
    result = backward(submission, x, None, params, grad_hs=grad_hs, grad_h_last=grad_h_last)
    check_grads(result, grads, f"rnn_backward(h0=None, {shape_text(x, params)})")


@pytest.mark.points(2)
def test_backward_nested_lists(submission, rng):
    """Inputs and upstream gradients given as nested lists give the same gradients."""
    x, h0, params = random_case(rng)
    lengths = random_lengths(rng, x.shape[0], x.shape[1])
    hidden = params["W_hh"].shape[0]
    grad_hs, grad_h_last = rng.normal(size=(*x.shape[:2], hidden)), rng.normal(size=h0.shape)
    _, _, grads = oracle(x, h0, params, lengths, grad_hs, grad_h_last)
    as_lists = {key: value.tolist() for key, value in params.items()}
    result = backward(submission, x.tolist(), h0.tolist(), as_lists, lengths, grad_hs.tolist(), grad_h_last.tolist())
    check_grads(result, grads, f"rnn_backward(nested lists, lengths={lengths})")


@pytest.mark.points(8)
def test_backward_variable_lengths(submission, rng):
    """Unsorted lengths: gradients agree with autograd, and upstream gradients on padding are ignored."""
    for _ in range(2):
        x, h0, params = random_case(rng, max_n=6, max_t=10, min_n=2)
        lengths = random_lengths(rng, x.shape[0], x.shape[1])
        x = pad_with_junk(rng, x, lengths)
        grad_hs = rng.normal(size=(*x.shape[:2], params["W_hh"].shape[0]))  # non-zero on padding too
        grad_h_last = rng.normal(size=h0.shape)
        _, _, grads = oracle(x, h0, params, lengths, grad_hs, grad_h_last)
        result = backward(submission, x, h0, params, np.array(lengths), grad_hs, grad_h_last)
        check_grads(result, grads, f"rnn_backward({shape_text(x, params)}, lengths={lengths})")


@pytest.mark.points(4)
def test_backward_padding_fixed_case(submission, rng):
    """Hand-made batch, lengths [2, 4, 1]: upstream gradients of 100 on padding change nothing."""
    lengths = [2, 4, 1]
    x = rng.normal(size=(3, 4, 2))
    grad_hs = rng.normal(size=(3, 4, 3))
    for n, length in enumerate(lengths):
        x[n, length:] = -1000.0
        grad_hs[n, length:] = 100.0
    h0 = rng.normal(size=(3, 3)) * 0.5
    params = random_params(rng, 2, 3)
    grad_h_last = rng.normal(size=(3, 3))
    _, _, grads = oracle(x, h0, params, lengths, grad_hs, grad_h_last)
    result = backward(submission, x, h0, params, lengths, grad_hs, grad_h_last)
    check_grads(result, grads, f"rnn_backward(lengths={lengths}, upstream 100 on padding)")


@pytest.mark.points(8)
def test_backward_vanishing_gradient_long_sequence(submission, rng):
    """100 steps, loss on the last state: the tiny gradient for h0 still matches at its own scale."""
    while True:
        n, steps, features, hidden = 3, 100, 4, 6
        x = rng.normal(size=(n, steps, features))
        h0 = rng.normal(size=(n, hidden)) * 0.5
        params = random_params(rng, features, hidden, radius=float(rng.uniform(0.4, 0.7)))
        grad_h_last = rng.normal(size=(n, hidden))
        _, _, grads = oracle(x, h0, params, grad_h_last=grad_h_last)
        tiny, large = np.max(np.abs(grads["h0"])), np.max(np.abs(grads["W_hh"]))
        if 1e-200 < tiny < 1e-15 * large:  # it did vanish, and is still a normal float64
            break
    result = backward(submission, x, h0, params, grad_h_last=grad_h_last)
    check_grads(result, grads, f"rnn_backward(100 steps, |d h0| ~ {tiny:.1e}, |d W_hh| ~ {large:.1e})")


@pytest.mark.points(1)
def test_backward_does_not_mutate_inputs(submission, rng):
    """The arguments are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    x, h0, params = random_case(rng, min_n=2)
    lengths = np.array(random_lengths(rng, x.shape[0], x.shape[1]))
    hidden = params["W_hh"].shape[0]
    grad_hs, grad_h_last = rng.normal(size=(*x.shape[:2], hidden)), rng.normal(size=h0.shape)
    args = [x, h0, params["W_ih"], params["W_hh"], params["b_ih"], params["b_hh"], grad_hs, grad_h_last, lengths]
    before = [np.array(a, copy=True) for a in args]
    result, after, _ = submission.call_with_inputs("rnn_backward", *args)
    _, _, grads = oracle(x, h0, params, lengths.tolist(), grad_hs, grad_h_last)
    check_grads(result, grads, "rnn_backward (mutation check)")
    names = ["x", "h0", "W_ih", "W_hh", "b_ih", "b_hh", "grad_hs", "grad_h_last", "lengths"]
    for name, old, new in zip(names, before, after, strict=True):
        assert_array_close(new, old, what=f"argument {name} after the call", rtol=0, atol=0)
