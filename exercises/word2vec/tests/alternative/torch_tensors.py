"""A second correct solution with torch tensor operations and no autograd.

Gradients are gathered with ``index_add_``, which adds the rows of repeated indices; the stable
log-sigmoid is ``-logaddexp(0, -x)``. The results are torch tensors: the grader turns them into
arrays.
"""

import math

import numpy as np
import torch


def _int_tensor(x, name, ndim):
    array = np.asarray(x)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D")
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers")
    return torch.as_tensor(array.astype(np.int64))


def skipgram_pairs(token_ids, window):
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError("window must be an int >= 1")
    ids = _int_tensor(token_ids, "token_ids", 1)
    if ids.numel() and ids.min() < 0:
        raise ValueError("ids must be non-negative")
    n, w = ids.numel(), int(window)
    i = torch.arange(n).repeat_interleave(2 * w)
    offsets = torch.cat([torch.arange(-w, 0), torch.arange(1, w + 1)])
    j = i + offsets.repeat(n)
    keep = (j >= 0) & (j < n)
    return torch.stack([ids[i[keep]], ids[j[keep]]], dim=1).reshape(-1, 2)


def sgns_loss_and_grads(center_vecs, context_vecs, center, context, negatives):
    w_in = torch.as_tensor(np.asarray(center_vecs, dtype=np.float64))
    w_out = torch.as_tensor(np.asarray(context_vecs, dtype=np.float64))
    if w_in.dim() != 2 or w_out.dim() != 2 or w_in.shape[1] != w_out.shape[1]:
        raise ValueError("the tables must be 2-D with the same number of columns")
    c = _int_tensor(center, "center", 1)
    o = _int_tensor(context, "context", 1)
    neg = _int_tensor(negatives, "negatives", 2)
    b = c.numel()
    if b == 0 or o.numel() != b or neg.shape[0] != b:
        raise ValueError("center, context and negatives need the same, non-zero, number of rows")
    for idx, rows in ((c, w_in.shape[0]), (o, w_out.shape[0]), (neg, w_out.shape[0])):
        if idx.numel() and (idx.min() < 0 or idx.max() >= rows):
            raise ValueError("index out of range")

    v, u_o, u_n = w_in[c], w_out[o], w_out[neg]
    s_pos = (v * u_o).sum(-1)
    s_neg = torch.bmm(u_n, v.unsqueeze(-1)).squeeze(-1)
    zero = torch.zeros((), dtype=torch.float64)
    loss = (torch.logaddexp(zero, -s_pos) + torch.logaddexp(zero, s_neg).sum(-1)).mean()

    d_pos = -torch.sigmoid(-s_pos) / b
    d_neg = torch.sigmoid(s_neg) / b
    grad_v = d_pos.unsqueeze(-1) * u_o + (d_neg.unsqueeze(-1) * u_n).sum(1)
    grad_in = torch.zeros_like(w_in).index_add_(0, c, grad_v)
    grad_out = torch.zeros_like(w_out).index_add_(0, o, d_pos.unsqueeze(-1) * v)
    grad_out.index_add_(0, neg.reshape(-1), (d_neg.unsqueeze(-1) * v.unsqueeze(1)).reshape(-1, v.shape[1]))
    return loss, grad_in, grad_out


def sgd_step(center_vecs, context_vecs, grad_center, grad_context, lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError("lr must be a finite number > 0")
    tables = [torch.as_tensor(np.asarray(x, dtype=np.float64)) for x in (center_vecs, context_vecs)]
    grads = [torch.as_tensor(np.asarray(x, dtype=np.float64)) for x in (grad_center, grad_context)]
    if any(t.shape != g.shape for t, g in zip(tables, grads, strict=True)):
        raise ValueError("each gradient must have its table's shape")
    return tables[0] - lr * grads[0], tables[1] - lr * grads[1]
