"""Computes in float32 (torch's default dtype), so the long sequence's gradient is inaccurate."""

from __future__ import annotations

import math

import numpy as np

GRAD_KEYS = ("x", "h0", "W_ih", "W_hh", "b_ih", "b_hh")


def _float_array(value, name: str, ndim: int) -> np.ndarray:
    array = np.array(value, dtype=np.float32)  # a copy: the caller's arrays are never written
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


def _inputs(x, h0, W_ih, W_hh, b_ih, b_hh, lengths):
    """Checked float64 copies of the inputs, the zero h0 for None, and (N,) int lengths."""
    x = _float_array(x, "x", 3)
    n, steps, features = x.shape
    W_ih = _float_array(W_ih, "W_ih", 2)
    hidden = W_ih.shape[0]
    if W_ih.shape != (hidden, features):
        raise ValueError(f"W_ih must be (H, D) = (H, {features}), got {W_ih.shape}")
    W_hh = _float_array(W_hh, "W_hh", 2)
    if W_hh.shape != (hidden, hidden):
        raise ValueError(f"W_hh must be ({hidden}, {hidden}), got {W_hh.shape}")
    b_ih, b_hh = _float_array(b_ih, "b_ih", 1), _float_array(b_hh, "b_hh", 1)
    if b_ih.shape != (hidden,) or b_hh.shape != (hidden,):
        raise ValueError(f"b_ih and b_hh must be ({hidden},), got {b_ih.shape} and {b_hh.shape}")
    h0 = np.zeros((n, hidden), dtype=np.float32) if h0 is None else _float_array(h0, "h0", 2)
    if h0.shape != (n, hidden):
        raise ValueError(f"h0 must be ({n}, {hidden}), got {h0.shape}")
    return x, h0, W_ih, W_hh, b_ih, b_hh, _lengths(lengths, n, steps)


def _lengths(lengths, n: int, steps: int) -> np.ndarray:
    if lengths is None:
        return np.full(n, steps, dtype=np.int64)
    array = np.asarray(lengths)
    if array.shape != (n,) or array.dtype.kind not in "iu":
        raise ValueError(f"lengths must be {n} integers, got {array!r}")
    if np.any(array < 1) or np.any(array > steps):
        raise ValueError(f"lengths must lie in [1, {steps}], got {array.tolist()}")
    return array.astype(np.int64)


def _run(x, h0, W_ih, W_hh, b_ih, b_hh, lengths):
    """The recurrence. Returns the states h_0..h_T, (N, T+1, H), frozen after each sequence's end."""
    n, steps, _ = x.shape
    states = np.empty((n, steps + 1, h0.shape[1]), dtype=np.float32)
    states[:, 0] = h0
    inputs = x @ W_ih.T + b_ih + b_hh  # every step's input part at once
    for t in range(steps):
        new = np.tanh(inputs[:, t] + states[:, t] @ W_hh.T)
        alive = (t < lengths)[:, None]
        states[:, t + 1] = np.where(alive, new, states[:, t])
    return states


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, lengths=None):
    """All hidden states (N, T, H) and the last one (N, H) of a one-layer tanh RNN, batch-first.

    ``hs[n, t]`` is the state after reading ``x[n, t]``, or 0 once ``t >= lengths[n]``;
    ``h_last[n]`` is ``hs[n, lengths[n] - 1]``. ``h0=None`` means zeros.
    """
    x, h0, W_ih, W_hh, b_ih, b_hh, lengths = _inputs(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    states = _run(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    valid = np.arange(x.shape[1])[None, :] < lengths[:, None]  # (N, T)
    hs = np.where(valid[..., None], states[:, 1:], 0.0)
    return hs, states[:, -1].copy()  # frozen after the end: the final row is each one's last state


def rnn_backward(x, h0, W_ih, W_hh, b_ih, b_hh, grad_hs=None, grad_h_last=None, lengths=None):
    """Backpropagation through time for ``L = sum(grad_hs * hs) + sum(grad_h_last * h_last)``.

    Returns a dict of float64 arrays keyed ``x``, ``h0``, ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``,
    each shaped like its input (``h0`` is (N, H) even when given as None).
    """
    x, h0, W_ih, W_hh, b_ih, b_hh, lengths = _inputs(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    n, steps, _ = x.shape
    hidden = h0.shape[1]
    states = _run(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    valid = np.arange(steps)[None, :] < lengths[:, None]
    g_hs = np.zeros((n, steps, hidden), dtype=np.float32)
    if grad_hs is not None:
        g_hs = _float_array(grad_hs, "grad_hs", 3)
    g_last = (
        np.zeros((n, hidden), dtype=np.float32) if grad_h_last is None else _float_array(grad_h_last, "grad_h_last", 2)
    )
    if g_hs.shape != (n, steps, hidden) or g_last.shape != (n, hidden):
        raise ValueError(f"grad_hs must be {(n, steps, hidden)} and grad_h_last {(n, hidden)}")
    g_hs = np.where(valid[..., None], g_hs, 0.0)  # padded states are constants: no gradient
    g_hs[np.arange(n), lengths - 1] += g_last

    d_pre = np.zeros((n, steps, hidden), dtype=np.float32)  # gradient w.r.t. each step's tanh argument
    d_h = np.zeros((n, hidden), dtype=np.float32)  # gradient flowing into h_t from later steps
    for t in range(steps - 1, -1, -1):
        d_h = d_h + g_hs[:, t]
        d_pre[:, t] = np.where(valid[:, t, None], d_h * (1.0 - states[:, t + 1] ** 2), 0.0)
        # A padded step copies h_{t} to h_{t+1}: its gradient passes through unchanged.
        d_h = np.where(valid[:, t, None], d_pre[:, t] @ W_hh, d_h)

    flat_pre = d_pre.reshape(-1, hidden)
    return {
        "x": d_pre @ W_ih,
        "h0": d_h,
        "W_ih": flat_pre.T @ x.reshape(-1, x.shape[2]),
        "W_hh": flat_pre.T @ states[:, :-1].reshape(-1, hidden),
        "b_ih": flat_pre.sum(axis=0),
        "b_hh": flat_pre.sum(axis=0),
    }


def clip_grad_norm(grads, max_norm):
    """Global-norm clipping as ``torch.nn.utils.clip_grad_norm_``, without touching ``grads``.

    Returns ``(total_norm, clipped)``: the norm of all entries of all arrays taken together
    (before clipping), and a new dict where every array is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``.
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:  # also catches NaN
        raise ValueError(f"max_norm must be a non-negative number, got {max_norm}")
    arrays = {key: np.array(value, dtype=np.float64) for key, value in grads.items()}
    total = math.sqrt(sum(float(np.sum(a * a)) for a in arrays.values()))
    coef = min(1.0, max_norm / (total + 1e-6))
    return total, {key: a * coef for key, a in arrays.items()}
