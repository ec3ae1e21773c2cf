"""grad_center_vecs has only the positive pair's part: the negatives' terms are left out.

Known-wrong variant of the word2vec exercise: the reference with this one bug.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np


def _token_ids(token_ids) -> np.ndarray:
    """A 1-D int64 array of non-negative ids; an empty sequence is allowed."""
    array = np.asarray(token_ids)
    if array.ndim != 1:
        raise ValueError(f"token_ids must be 1-D, got {array.ndim} dimensions")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"token_ids must hold integers, got dtype {array.dtype}")
    if array.min() < 0:
        raise ValueError("token ids must not be negative")
    return array.astype(np.int64)


def skipgram_pairs(token_ids, window):
    """The (center, context) pairs of skip-gram, as an (n_pairs, 2) int64 array.

    Center positions in increasing order; for each, context positions i - window .. i + window in
    increasing order, skipping the center's own position and positions outside the sequence.
    """
    if isinstance(window, bool) or not isinstance(window, Integral):
        raise ValueError(f"window must be an int, got {type(window).__name__}")
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    ids = _token_ids(token_ids)
    n = len(ids)
    offsets = np.array([o for o in range(-int(window), int(window) + 1) if o != 0])
    centers = np.repeat(np.arange(n), len(offsets))
    contexts = centers + np.tile(offsets, n)
    keep = (contexts >= 0) & (contexts < n)
    return np.stack([ids[centers[keep]], ids[contexts[keep]]], axis=1).astype(np.int64).reshape(-1, 2)


def _table(x, name: str) -> np.ndarray:
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (V, d) array, got {array.ndim} dimensions")
    return array


def _indices(x, name: str, ndim: int, rows: int) -> np.ndarray:
    array = np.asarray(x)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= rows):
        raise ValueError(f"{name} holds an index outside [0, {rows})")
    return array


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(sigmoid(x)) = -log(1 + exp(-x)), stable for any x."""
    return -np.logaddexp(0.0, -x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(_log_sigmoid(x))


def sgns_loss_and_grads(center_vecs, context_vecs, center, context, negatives):
    """Mean skip-gram negative-sampling loss over a batch, and its gradients w.r.t. both tables.

    Returns ``(loss, grad_center_vecs, grad_context_vecs)``: a float and two float64 arrays of
    the tables' shapes.
    """
    w_in = _table(center_vecs, "center_vecs")
    w_out = _table(context_vecs, "context_vecs")
    if w_in.shape[1] != w_out.shape[1]:
        raise ValueError(f"the tables' dimensions differ: {w_in.shape[1]} and {w_out.shape[1]}")
    c = _indices(center, "center", 1, w_in.shape[0])
    o = _indices(context, "context", 1, w_out.shape[0])
    neg = _indices(negatives, "negatives", 2, w_out.shape[0])
    batch = len(c)
    if batch == 0:
        raise ValueError("the batch is empty")
    if len(o) != batch or neg.shape[0] != batch:
        raise ValueError(f"center, context and negatives must have {batch} rows")

    v = w_in[c]  # (B, d)
    u_pos = w_out[o]  # (B, d)
    u_neg = w_out[neg]  # (B, K, d)
    s_pos = np.einsum("bd,bd->b", u_pos, v)
    s_neg = np.einsum("bkd,bd->bk", u_neg, v)
    loss = float(np.mean(-_log_sigmoid(s_pos) - _log_sigmoid(-s_neg).sum(axis=1)))

    g_pos = -_sigmoid(-s_pos) / batch  # dL/ds_pos
    g_neg = _sigmoid(s_neg) / batch  # dL/ds_neg
    grad_v = g_pos[:, None] * u_pos
    grad_in = np.zeros_like(w_in)
    np.add.at(grad_in, c, grad_v)
    grad_out = np.zeros_like(w_out)
    np.add.at(grad_out, o, g_pos[:, None] * v)
    np.add.at(grad_out, neg.ravel(), (g_neg[:, :, None] * v[:, None, :]).reshape(-1, w_out.shape[1]))
    return loss, grad_in, grad_out


def sgd_step(center_vecs, context_vecs, grad_center, grad_context, lr):
    """One plain SGD step: new tables ``table - lr * grad``; the inputs are left unchanged."""
    if isinstance(lr, bool) or not isinstance(lr, Real) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    w_in = _table(center_vecs, "center_vecs")
    w_out = _table(context_vecs, "context_vecs")
    g_in = np.asarray(grad_center, dtype=np.float64)
    g_out = np.asarray(grad_context, dtype=np.float64)
    if g_in.shape != w_in.shape or g_out.shape != w_out.shape:
        raise ValueError("each gradient must have the shape of its table")
    return w_in - lr * g_in, w_out - lr * g_out
