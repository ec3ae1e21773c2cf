"""A correct solution in plain Python (test fixture; must score 100).

The arithmetic runs in Python loops over flat lists with ``math`` and the built-in ``round``
(which rounds half to even). numpy only reads the inputs and builds the returned arrays.
"""

import math

import numpy as np


def _flat(x):
    """(values as a flat list of floats in row-major order, shape)."""
    array = np.asarray(x)
    return [float(v) for v in array.ravel().tolist()], array.shape


def _channel_of(shape, axis):
    """For each flat (row-major) index, the index along ``axis``."""
    inner = 1
    for size in shape[axis + 1 :]:
        inner *= size
    total = math.prod(shape)
    return [(i // inner) % shape[axis] for i in range(total)]


def _axis(axis, ndim):
    if ndim < 1 or not -ndim <= axis < ndim:
        raise ValueError("axis out of range")
    return axis + ndim if axis < 0 else axis


def quantize_per_channel(w, axis, scales=None):
    values, shape = _flat(w)
    if any(not math.isfinite(v) for v in values):
        raise ValueError("w must be finite")
    axis = _axis(axis, len(shape))
    channel = _channel_of(shape, axis)
    count = shape[axis]
    if scales is None:
        biggest = [0.0] * count
        for c, v in zip(channel, values, strict=True):
            biggest[c] = max(biggest[c], abs(v))
        scales = [m / 127 if m > 0 else 1.0 for m in biggest]
    else:
        scales = [float(s) for s in np.asarray(scales, dtype=np.float64).ravel().tolist()]
        if np.ndim(scales) != 1 or len(scales) != count or any(not (math.isfinite(s) and s > 0) for s in scales):
            raise ValueError("scales must be one positive finite value per channel")
    q = [max(-127, min(127, round(v / scales[c]))) for c, v in zip(channel, values, strict=True)]
    return np.array(q, dtype=np.int8).reshape(shape), np.array(scales, dtype=np.float64)


def dequantize(q, scales, axis):
    array = np.asarray(q)
    if array.dtype.kind not in "iu":
        raise ValueError("q must hold integers")
    values, shape = [int(v) for v in array.ravel().tolist()], array.shape
    axis = _axis(axis, len(shape))
    scales = np.asarray(scales, dtype=np.float64)
    if scales.shape != (shape[axis],):
        raise ValueError("one scale per channel")
    scales = scales.tolist()
    out = [v * scales[c] for c, v in zip(_channel_of(shape, axis), values, strict=True)]
    return np.array(out, dtype=np.float64).reshape(shape)


def magnitude_prune(weights, sparsity):
    names = list(weights) if isinstance(weights, dict) else None
    arrays = [weights[k] for k in names] if names is not None else list(weights)
    flats = [_flat(a) for a in arrays]
    everything = [v for values, _ in flats for v in values]
    if not everything:
        raise ValueError("nothing to prune")
    if any(not math.isfinite(v) for v in everything):
        raise ValueError("weights must be finite")
    if not (0 <= sparsity <= 1):
        raise ValueError("sparsity must be in [0, 1]")
    k = round(sparsity * len(everything))
    # sorted() is stable, and the key puts earlier positions first among equal magnitudes anyway.
    doomed = set(sorted(range(len(everything)), key=lambda i: (abs(everything[i]), i))[:k])
    pruned, masks, start = [], [], 0
    for values, shape in flats:
        keep = [start + i not in doomed for i in range(len(values))]
        masks.append(np.array(keep, dtype=bool).reshape(shape))
        pruned.append(
            np.array([v if kept else 0.0 for v, kept in zip(values, keep, strict=True)], dtype=np.float64).reshape(
                shape
            )
        )
        start += len(values)
    if names is None:
        return pruned, masks
    return dict(zip(names, pruned, strict=True)), dict(zip(names, masks, strict=True))


def _log_softmax(row):
    top = max(row)
    log_total = top + math.log(sum(math.exp(v - top) for v in row))
    return [v - log_total for v in row]


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    student, teacher = np.asarray(student_logits), np.asarray(teacher_logits)
    if student.ndim != 2 or student.shape != teacher.shape:
        raise ValueError("logits must be (N, C) arrays of the same shape")
    student, teacher = student.astype(float).tolist(), teacher.astype(float).tolist()
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (len(student),):
        raise ValueError("one integer label per example")
    labels = labels.tolist()
    classes = len(student[0])
    if any(not 0 <= y < classes for y in labels):
        raise ValueError("label out of range")
    if not T > 0:
        raise ValueError("T must be positive")
    if not 0 <= alpha <= 1:
        raise ValueError("alpha must be in [0, 1]")
    soft = hard = 0.0
    for s_row, t_row, y in zip(student, teacher, labels, strict=True):
        log_p = _log_softmax([v / T for v in t_row])
        log_q = _log_softmax([v / T for v in s_row])
        soft += sum(math.exp(lp) * (lp - lq) for lp, lq in zip(log_p, log_q, strict=True))
        hard -= _log_softmax(s_row)[y]
    n = len(student)
    return alpha * T * T * soft / n + (1 - alpha) * hard / n
