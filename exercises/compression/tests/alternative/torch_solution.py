"""A correct torch-based solution that returns torch tensors (test fixture; must score 100).

It uses tensor operations only (``torch.round``, ``torch.sort(stable=True)``, ``log_softmax``),
none of the forbidden quantisation, pruning or loss functions, and returns int8, bool and float64
tensors and a 0-d tensor for the loss.
"""

import math

import numpy as np
import torch


def _t(x, dtype=torch.float64):
    return torch.tensor(np.array(x), dtype=dtype)  # np.array copies: the caller's data is never shared


def _broadcast_shape(ndim, axis, count):
    shape = [1] * ndim
    shape[axis] = count
    return shape


def quantize_per_channel(w, axis, scales=None):
    w = _t(w)
    if w.dim() == 0 or not -w.dim() <= axis < w.dim():
        raise ValueError("axis out of range")
    if not torch.isfinite(w).all():
        raise ValueError("w holds NaN or infinity")
    axis %= w.dim()
    count = w.shape[axis]
    if scales is None:
        max_abs = w.abs().movedim(axis, 0).reshape(count, -1).amax(dim=1)
        scales = torch.where(max_abs > 0, max_abs / 127, torch.ones_like(max_abs))
    else:
        scales = _t(scales)
        if scales.shape != (count,) or not torch.isfinite(scales).all() or (scales <= 0).any():
            raise ValueError("scales must be positive and finite, one per channel")
    q = torch.round(w / scales.view(_broadcast_shape(w.dim(), axis, count)))  # half to even
    return q.clamp(-127, 127).to(torch.int8), scales


def dequantize(q, scales, axis):
    array = np.asarray(q)
    if array.dtype.kind not in "iu":
        raise ValueError("q must hold integers")
    q = torch.tensor(array.astype(np.int64))
    if q.dim() == 0 or not -q.dim() <= axis < q.dim():
        raise ValueError("axis out of range")
    axis %= q.dim()
    scales = _t(scales)
    if scales.shape != (q.shape[axis],):
        raise ValueError("one scale per channel")
    return q.double() * scales.view(_broadcast_shape(q.dim(), axis, q.shape[axis]))


def magnitude_prune(weights, sparsity):
    names = list(weights) if isinstance(weights, dict) else None
    tensors = [_t(weights[k]) for k in names] if names is not None else [_t(a) for a in weights]
    if not tensors or sum(t.numel() for t in tensors) == 0:
        raise ValueError("no weights")
    if not all(torch.isfinite(t).all() for t in tensors):
        raise ValueError("weights must be finite")
    if math.isnan(sparsity) or not 0 <= sparsity <= 1:
        raise ValueError("sparsity must be in [0, 1]")
    flat = torch.cat([t.reshape(-1) for t in tensors])
    k = round(sparsity * flat.numel())
    order = torch.sort(flat.abs(), stable=True).indices
    keep = torch.ones_like(flat, dtype=torch.bool)
    keep[order[:k]] = False
    masks = [m.reshape(t.shape) for m, t in zip(keep.split([t.numel() for t in tensors]), tensors, strict=True)]
    pruned = [t * m for t, m in zip(tensors, masks, strict=True)]
    if names is None:
        return pruned, masks
    return dict(zip(names, pruned, strict=True)), dict(zip(names, masks, strict=True))


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    student, teacher = _t(student_logits), _t(teacher_logits)
    if student.dim() != 2 or student.shape != teacher.shape:
        raise ValueError("logits must be (N, C) of one shape")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (student.shape[0],):
        raise ValueError("one integer label per example")
    labels = torch.tensor(labels.astype(np.int64))
    if (labels < 0).any() or (labels >= student.shape[1]).any():
        raise ValueError("label out of range")
    if not T > 0 or not 0 <= alpha <= 1:
        raise ValueError("T must be positive and alpha in [0, 1]")
    log_p = torch.log_softmax(teacher / T, dim=1)
    log_q = torch.log_softmax(student / T, dim=1)
    soft = (log_p.exp() * (log_p - log_q)).sum() / student.shape[0]
    hard = -torch.log_softmax(student, dim=1).gather(1, labels[:, None]).mean()
    return alpha * T * T * soft + (1 - alpha) * hard
