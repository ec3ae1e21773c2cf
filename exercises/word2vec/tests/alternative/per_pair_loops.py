"""A third correct solution: plain loops over pairs and negatives, one row update at a time.

No vectorisation and no np.add.at: each contribution is added to its row as it is computed, so
repeated indices accumulate naturally. The stable log-sigmoid is written with math.log1p.
"""

import math

import numpy as np


def _log_sigmoid(x):
    """log(1 / (1 + exp(-x))), without overflow for any x."""
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _ids(x, name, rows=None):
    array = np.asarray(x)
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers")
    for value in array.ravel().tolist():
        if value < 0 or (rows is not None and value >= rows):
            raise ValueError(f"{name}: index {value} out of range")
    return array.astype(np.int64)


def skipgram_pairs(token_ids, window):
    if type(window) is bool or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError("window must be an int >= 1")
    if np.ndim(token_ids) != 1:
        raise ValueError("token_ids must be 1-D")
    ids = _ids(token_ids, "token_ids").tolist()
    pairs = []
    for i, center in enumerate(ids):
        for j in range(max(0, i - window), min(len(ids), i + window + 1)):
            if j != i:
                pairs.append((center, ids[j]))
    return np.array(pairs, dtype=np.int64).reshape(len(pairs), 2)


def sgns_loss_and_grads(center_vecs, context_vecs, center, context, negatives):
    w_in = np.array(center_vecs, dtype=np.float64)
    w_out = np.array(context_vecs, dtype=np.float64)
    if w_in.ndim != 2 or w_out.ndim != 2 or w_in.shape[1] != w_out.shape[1]:
        raise ValueError("tables must be 2-D with the same d")
    if np.ndim(center) != 1 or np.ndim(context) != 1 or np.ndim(negatives) != 2:
        raise ValueError("center and context must be 1-D, negatives 2-D")
    c = _ids(center, "center", w_in.shape[0])
    o = _ids(context, "context", w_out.shape[0])
    neg = _ids(negatives, "negatives", w_out.shape[0])
    batch = len(c)
    if batch == 0 or len(o) != batch or len(neg) != batch:
        raise ValueError("center, context and negatives need the same, non-zero, number of rows")

    grad_in = np.zeros_like(w_in)
    grad_out = np.zeros_like(w_out)
    total = 0.0
    for b in range(batch):
        v = w_in[c[b]]
        s = float(w_out[o[b]] @ v)
        total -= _log_sigmoid(s)
        g = -_sigmoid(-s) / batch
        grad_in[c[b]] += g * w_out[o[b]]
        grad_out[o[b]] += g * v
        for k in neg[b]:
            s = float(w_out[k] @ v)
            total -= _log_sigmoid(-s)
            g = _sigmoid(s) / batch
            grad_in[c[b]] += g * w_out[k]
            grad_out[k] += g * v
    return total / batch, grad_in, grad_out


def sgd_step(center_vecs, context_vecs, grad_center, grad_context, lr):
    if type(lr) is bool or not isinstance(lr, (int, float, np.floating, np.integer)):
        raise ValueError("lr must be a number")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError("lr must be finite and > 0")
    new = []
    for table, grad in ((center_vecs, grad_center), (context_vecs, grad_context)):
        table, grad = np.array(table, dtype=np.float64), np.asarray(grad, dtype=np.float64)
        if table.shape != grad.shape:
            raise ValueError("a gradient's shape differs from its table's")
        new.append(table - lr * grad)
    return tuple(new)
