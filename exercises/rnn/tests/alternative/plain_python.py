"""A correct solution in plain Python: lists and loops, no numpy (test fixture; must score 100).

Each sequence is run on its own up to its length (no masks), and the backward pass walks each
sequence back from its own end. Results are nested lists of floats.
"""

import math


def _matrix(value, name):
    rows = [[float(v) for v in row] for row in _tolist(value)]
    if not rows or any(len(row) != len(rows[0]) for row in rows):
        raise ValueError(f"{name} must be a non-empty 2-D array")
    return rows


def _tolist(value):
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _vector(value, name, size):
    vec = [float(v) for v in _tolist(value)]
    if len(vec) != size:
        raise ValueError(f"{name} must have {size} entries")
    return vec


def _check(x, h0, W_ih, W_hh, b_ih, b_hh, lengths):
    x = _tolist(x)
    try:
        x = [[[float(v) for v in step] for step in seq] for seq in x]
    except TypeError:
        raise ValueError("x must be 3-D (N, T, D)") from None
    if not x or not x[0] or any(len(seq) != len(x[0]) for seq in x):
        raise ValueError("x must be a non-empty (N, T, D) array")
    n, steps, features = len(x), len(x[0]), len(x[0][0])
    if any(len(step) != features for seq in x for step in seq):
        raise ValueError("x must be a rectangular (N, T, D) array")
    W_ih, W_hh = _matrix(W_ih, "W_ih"), _matrix(W_hh, "W_hh")
    hidden = len(W_ih)
    if len(W_ih[0]) != features or len(W_hh) != hidden or len(W_hh[0]) != hidden:
        raise ValueError("W_ih must be (H, D) and W_hh (H, H)")
    b_ih, b_hh = _vector(b_ih, "b_ih", hidden), _vector(b_hh, "b_hh", hidden)
    if h0 is None:
        h0 = [[0.0] * hidden for _ in range(n)]
    else:
        h0 = _matrix(h0, "h0")
        if len(h0) != n or len(h0[0]) != hidden:
            raise ValueError("h0 must be (N, H)")
    if lengths is None:
        lengths = [steps] * n
    else:
        lengths = _tolist(lengths)
        if len(lengths) != n or any(not float(v).is_integer() or isinstance(v, float) for v in lengths):
            raise ValueError("lengths must hold N integers")
        lengths = [int(v) for v in lengths]
        if any(not 1 <= v <= steps for v in lengths):
            raise ValueError("lengths must lie in [1, T]")
    return x, h0, W_ih, W_hh, b_ih, b_hh, lengths


def _step(x_t, h, W_ih, W_hh, bias):
    out = []
    for i in range(len(W_ih)):
        from_input = sum(w * v for w, v in zip(W_ih[i], x_t, strict=True))
        from_state = sum(w * v for w, v in zip(W_hh[i], h, strict=True))
        out.append(math.tanh(from_input + from_state + bias[i]))
    return out


def _states(seq, h, length, W_ih, W_hh, bias):
    """[h_0, h_1, ..., h_length] of one sequence."""
    states = [h]
    for t in range(length):
        states.append(_step(seq[t], states[-1], W_ih, W_hh, bias))
    return states


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, lengths=None):
    x, h0, W_ih, W_hh, b_ih, b_hh, lengths = _check(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    bias = [a + b for a, b in zip(b_ih, b_hh, strict=False)]
    hidden, steps = len(W_ih), len(x[0])
    hs, last = [], []
    for seq, h, length in zip(x, h0, lengths, strict=False):
        states = _states(seq, h, length, W_ih, W_hh, bias)
        hs.append(states[1:] + [[0.0] * hidden for _ in range(steps - length)])
        last.append(states[-1])
    return hs, last


def rnn_backward(x, h0, W_ih, W_hh, b_ih, b_hh, grad_hs=None, grad_h_last=None, lengths=None):
    x, h0, W_ih, W_hh, b_ih, b_hh, lengths = _check(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    bias = [a + b for a, b in zip(b_ih, b_hh, strict=False)]
    n, steps, features, hidden = len(x), len(x[0]), len(x[0][0]), len(W_ih)
    g_hs = [[[0.0] * hidden for _ in range(steps)] for _ in range(n)] if grad_hs is None else _tolist(grad_hs)
    g_last = [[0.0] * hidden for _ in range(n)] if grad_h_last is None else _tolist(grad_h_last)
    d_x = [[[0.0] * features for _ in range(steps)] for _ in range(n)]
    d_h0 = []
    d_wih = [[0.0] * features for _ in range(hidden)]
    d_whh = [[0.0] * hidden for _ in range(hidden)]
    d_b = [0.0] * hidden
    for k in range(n):
        length = lengths[k]
        states = _states(x[k], h0[k], length, W_ih, W_hh, bias)
        d_h = [float(v) for v in g_last[k]]
        for t in range(length - 1, -1, -1):
            d_h = [a + float(b) for a, b in zip(d_h, g_hs[k][t], strict=False)]
            h_new, h_old = states[t + 1], states[t]
            d_pre = [d_h[i] * (1.0 - h_new[i] ** 2) for i in range(hidden)]
            for i in range(hidden):
                d_b[i] += d_pre[i]
                for j in range(features):
                    d_wih[i][j] += d_pre[i] * x[k][t][j]
                for j in range(hidden):
                    d_whh[i][j] += d_pre[i] * h_old[j]
            d_x[k][t] = [sum(d_pre[i] * W_ih[i][j] for i in range(hidden)) for j in range(features)]
            d_h = [sum(d_pre[i] * W_hh[i][j] for i in range(hidden)) for j in range(hidden)]
        d_h0.append(d_h)
    return {"x": d_x, "h0": d_h0, "W_ih": d_wih, "W_hh": d_whh, "b_ih": list(d_b), "b_hh": list(d_b)}


def _flatten(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flatten(item)]
    return [float(value)]


def _scale(value, coef):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_scale(item, coef) for item in value]
    return float(value) * coef


def clip_grad_norm(grads, max_norm):
    if not float(max_norm) >= 0:
        raise ValueError("max_norm must not be negative")
    total = math.sqrt(math.fsum(v * v for value in grads.values() for v in _flatten(value)))
    coef = min(1.0, float(max_norm) / (total + 1e-6))
    return total, {key: _scale(value, coef) for key, value in grads.items()}
