"""A correct torch solution: manual BPTT on float64 tensors, returning tensors (must score 100).

No autograd, no nn.RNN: tensors are used as arrays. The batch is handled with a boolean "alive"
mask per step, and the backward pass stores the per-step gradients and sums them with einsum.
"""

import torch

KEYS = ("x", "h0", "W_ih", "W_hh", "b_ih", "b_hh")


def _t(value, name, ndim):
    tensor = torch.as_tensor(value, dtype=torch.float64).clone()
    if tensor.dim() != ndim:
        raise ValueError(f"{name} must be {ndim}-D")
    return tensor


def _prepare(x, h0, W_ih, W_hh, b_ih, b_hh, lengths):
    x, W_ih, W_hh = _t(x, "x", 3), _t(W_ih, "W_ih", 2), _t(W_hh, "W_hh", 2)
    b_ih, b_hh = _t(b_ih, "b_ih", 1), _t(b_hh, "b_hh", 1)
    n, steps, features = x.shape
    hidden = W_ih.shape[0]
    if W_ih.shape[1] != features or W_hh.shape != (hidden, hidden):
        raise ValueError("weights do not fit x")
    if b_ih.shape != (hidden,) or b_hh.shape != (hidden,):
        raise ValueError("weights do not fit x")
    h0 = torch.zeros(n, hidden, dtype=torch.float64) if h0 is None else _t(h0, "h0", 2)
    if h0.shape != (n, hidden):
        raise ValueError("h0 must be (N, H)")
    if lengths is None:
        lengths = torch.full((n,), steps, dtype=torch.int64)
    else:
        lengths = torch.as_tensor(lengths)
        if lengths.shape != (n,) or lengths.is_floating_point():
            raise ValueError("lengths must be N integers")
        if bool((lengths < 1).any()) or bool((lengths > steps).any()):
            raise ValueError("lengths out of range")
    alive = torch.arange(steps)[None, :] < lengths[:, None]  # (N, T)
    return x, h0, W_ih, W_hh, b_ih + b_hh, alive


def _states(x, h0, W_ih, W_hh, bias, alive):
    states = [h0]
    for t in range(x.shape[1]):
        new = torch.tanh(x[:, t] @ W_ih.T + states[-1] @ W_hh.T + bias)
        states.append(torch.where(alive[:, t, None], new, states[-1]))
    return torch.stack(states, dim=1)  # (N, T+1, H)


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, lengths=None):
    x, h0, W_ih, W_hh, bias, alive = _prepare(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    states = _states(x, h0, W_ih, W_hh, bias, alive)
    return states[:, 1:] * alive[..., None], states[:, -1]


def rnn_backward(x, h0, W_ih, W_hh, b_ih, b_hh, grad_hs=None, grad_h_last=None, lengths=None):
    x, h0, W_ih, W_hh, bias, alive = _prepare(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)
    n, steps, _ = x.shape
    hidden = h0.shape[1]
    states = _states(x, h0, W_ih, W_hh, bias, alive)
    g_hs = torch.zeros(n, steps, hidden, dtype=torch.float64) if grad_hs is None else _t(grad_hs, "grad_hs", 3)
    g_hs = g_hs * alive[..., None]
    d_h = torch.zeros(n, hidden, dtype=torch.float64) if grad_h_last is None else _t(grad_h_last, "grad_h_last", 2)
    # h_last is the final row of the frozen states, so its gradient enters at t = T and flows
    # back unchanged through the padded steps to each sequence's own end.
    d_pre = torch.zeros(n, steps, hidden, dtype=torch.float64)
    for t in reversed(range(steps)):
        d_h = d_h + g_hs[:, t]
        step_pre = d_h * (1 - states[:, t + 1] ** 2)
        d_pre[:, t] = torch.where(alive[:, t, None], step_pre, torch.zeros_like(step_pre))
        d_h = torch.where(alive[:, t, None], d_pre[:, t] @ W_hh, d_h)
    d_b = torch.einsum("nth->h", d_pre)
    return {
        "x": d_pre @ W_ih,
        "h0": d_h,
        "W_ih": torch.einsum("nth,ntd->hd", d_pre, x),
        "W_hh": torch.einsum("nth,ntk->hk", d_pre, states[:, :-1]),
        "b_ih": d_b,
        "b_hh": d_b.clone(),
    }


def clip_grad_norm(grads, max_norm):
    if max_norm < 0:
        raise ValueError("max_norm must not be negative")
    tensors = {key: torch.as_tensor(value, dtype=torch.float64) for key, value in grads.items()}
    if not tensors:
        return 0.0, {}
    norms = torch.stack([torch.linalg.vector_norm(t) for t in tensors.values()])
    total = torch.linalg.vector_norm(norms)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return float(total), {key: t * coef for key, t in tensors.items()}
