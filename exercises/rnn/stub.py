"""Elman RNN, backpropagation through time and gradient clipping. See the statement (README.md)."""


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, lengths=None):
    """Run a one-layer tanh RNN over a batch-first batch; return ``(hs, h_last)``.

    ``x`` is (N, T, D), ``h0`` is (N, H) or None (zeros), ``W_ih`` is (H, D), ``W_hh`` is (H, H),
    ``b_ih`` and ``b_hh`` are (H,): ``h_t = tanh(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)``.
    ``lengths`` is None (every sequence has length T) or N integers in [1, T].

    Returns ``hs`` (N, T, H), with ``hs[n, t] = 0`` once ``t >= lengths[n]``, and ``h_last`` (N, H),
    the state at each sequence's own end. Both float64.

    Raises ValueError if the shapes do not fit together or a length is out of range.
    """
    raise NotImplementedError("rnn_forward is not implemented yet")


def rnn_backward(x, h0, W_ih, W_hh, b_ih, b_hh, grad_hs=None, grad_h_last=None, lengths=None):
    """Backpropagation through time for ``L = sum(grad_hs * hs) + sum(grad_h_last * h_last)``.

    ``hs, h_last = rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, lengths)``; ``grad_hs`` (N, T, H) and
    ``grad_h_last`` (N, H) are the upstream gradients (None means zeros).

    Returns a dict of float64 arrays with the keys ``"x"``, ``"h0"``, ``"W_ih"``, ``"W_hh"``,
    ``"b_ih"`` and ``"b_hh"``: the gradient of L with respect to each, shaped like it (``"h0"`` is
    (N, H) even when ``h0`` is None).
    """
    raise NotImplementedError("rnn_backward is not implemented yet")


def clip_grad_norm(grads, max_norm):
    """Clip gradients by their global norm, as ``torch.nn.utils.clip_grad_norm_`` does.

    ``grads`` is a dict of arrays. Returns ``(total_norm, clipped)``: the 2-norm of all entries of
    all arrays together (before clipping), as a float, and a NEW dict with the same keys where
    every array is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``. ``grads`` is not
    modified.

    Raises ValueError if ``max_norm`` is negative.
    """
    raise NotImplementedError("clip_grad_norm is not implemented yet")
