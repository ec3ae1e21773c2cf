"""An all-zero channel quantises to zeros but reports scale 0.0 instead of 1.0.

Known-wrong variant of the compression exercise.
"""

from __future__ import annotations

import math

import numpy as np

QMAX = 127


def _finite_array(x, name: str) -> np.ndarray:
    array = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return array


def _channel_axis(axis, ndim: int) -> int:
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


def _channel_shape(ndim: int, axis: int, channels: int) -> tuple[int, ...]:
    """The shape that broadcasts one value per channel along ``axis``."""
    shape = [1] * ndim
    shape[axis] = channels
    return tuple(shape)


def _checked_scales(scales, channels: int) -> np.ndarray:
    scales = np.asarray(scales, dtype=np.float64)
    if scales.shape != (channels,):
        raise ValueError(f"scales must have shape ({channels},), got {scales.shape}")
    if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
        raise ValueError("scales must be finite and positive")
    return scales


def quantize_per_channel(w, axis, scales=None):
    """Symmetric per-channel int8 quantisation of ``w`` along ``axis``: returns (q int8, scales float64).

    Without ``scales``: scale_c = max|w_c| / 127, or 1.0 for an all-zero channel.
    q = clip(round_half_even(w / scale_c), -127, 127).
    """
    w = _finite_array(w, "w")
    if w.ndim < 1:
        raise ValueError("w needs at least one dimension")
    axis = _channel_axis(axis, w.ndim)
    channels = w.shape[axis]
    if scales is None:
        others = tuple(i for i in range(w.ndim) if i != axis)
        max_abs = np.abs(w).max(axis=others) if others else np.abs(w)
        scales = max_abs / QMAX
    else:
        scales = _checked_scales(scales, channels)
    safe = np.where(scales > 0, scales, 1.0)  # avoid 0 / 0
    ratio = w / safe.reshape(_channel_shape(w.ndim, axis, channels))
    q = np.clip(np.rint(ratio), -QMAX, QMAX).astype(np.int8)  # np.rint rounds half to even
    return q, scales


def dequantize(q, scales, axis):
    """The float64 values ``q * scale_c`` along ``axis``."""
    q = np.asarray(q)
    if q.dtype.kind not in "iu":
        raise ValueError(f"q must hold integers, got dtype {q.dtype}")
    if q.ndim < 1:
        raise ValueError("q needs at least one dimension")
    axis = _channel_axis(axis, q.ndim)
    scales = np.asarray(scales, dtype=np.float64)
    if scales.shape != (q.shape[axis],):
        raise ValueError(f"scales must have shape ({q.shape[axis]},), got {scales.shape}")
    return q.astype(np.float64) * scales.reshape(_channel_shape(q.ndim, axis, q.shape[axis]))


def magnitude_prune(weights, sparsity):
    """Global unstructured magnitude pruning: returns (pruned weights, masks), True = kept.

    k = round(sparsity * n) entries with the smallest |w| over all arrays are zeroed; among equal
    magnitudes, the entry that comes first (array order, then row-major) is pruned first.
    """
    if isinstance(weights, dict):
        keys = list(weights)
        arrays = [_finite_array(weights[k], f"weights[{k!r}]") for k in keys]
    elif isinstance(weights, (list, tuple)):
        keys = None
        arrays = [_finite_array(a, f"weights[{i}]") for i, a in enumerate(weights)]
    else:
        raise ValueError("weights must be a dict or a list of arrays")
    total = sum(a.size for a in arrays)
    if total == 0:
        raise ValueError("weights hold no entries")
    sparsity = float(sparsity)
    if not 0.0 <= sparsity <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")

    k = round(sparsity * total)  # Python's round: halves go to the even integer, as in torch
    flat = np.concatenate([a.ravel() for a in arrays])
    order = np.argsort(np.abs(flat), kind="stable")  # stable: ties keep their position order
    keep = np.ones(total, dtype=bool)
    keep[order[:k]] = False

    masks, pruned, start = [], [], 0
    for a in arrays:
        mask = keep[start : start + a.size].reshape(a.shape)
        masks.append(mask)
        pruned.append(np.where(mask, a, 0.0))
        start += a.size
    if keys is None:
        return pruned, masks
    return dict(zip(keys, pruned, strict=True)), dict(zip(keys, masks, strict=True))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    """alpha * T**2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels), batch means."""
    student = _finite_array(student_logits, "student_logits")
    teacher = _finite_array(teacher_logits, "teacher_logits")
    if student.ndim != 2 or student.shape != teacher.shape:
        raise ValueError(f"logits must be two (N, C) arrays of one shape, got {student.shape} and {teacher.shape}")
    n, classes = student.shape
    labels = np.asarray(labels)
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be {n} integers")
    if np.any(labels < 0) or np.any(labels >= classes):
        raise ValueError(f"labels must be in [0, {classes})")
    T, alpha = float(T), float(alpha)
    if not (math.isfinite(T) and T > 0):
        raise ValueError(f"T must be positive, got {T}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")

    log_p_teacher = _log_softmax(teacher / T)
    log_q_student = _log_softmax(student / T)
    # p * (log p - log q), with exp(log p) = 0 where the teacher's probability underflows: no NaN.
    kl = np.sum(np.exp(log_p_teacher) * (log_p_teacher - log_q_student)) / n
    hard = -np.mean(_log_softmax(student)[np.arange(n), labels])
    return float(alpha * T * T * kl + (1.0 - alpha) * hard)
