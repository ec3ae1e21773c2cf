"""Model compression: int8 quantisation, magnitude pruning and distillation.

Replace each ``raise NotImplementedError`` with your implementation. You may use numpy or torch
tensor operations (but not torch's quantisation, pruning or loss functions: see README.md).
Read README.md for the exact contract.
"""

# REPORT (not graded; see "Also: measure it" in README.md). Replace these lines with your numbers:
# size:     float32 (4096, 4096) weight = ... bytes; int8 q + scales = ... bytes
# latency:  x @ W.T = ... ms; dequantize then multiply = ... ms; quantize_dynamic model: ... (hardware: ...)
# accuracy: max |W - dequantize(q)| / max|W| per channel = ...; with one scale per tensor = ...


def quantize_per_channel(w, axis, scales=None):
    """Symmetric per-channel int8 quantisation of w along axis.

    Without scales: scale_c = max|w_c| / 127 (1.0 for an all-zero channel).
    q = clip(round_half_to_even(w / scale_c), -127, 127).

    Returns:
        (q, scales): q an int8 array of w's shape, scales a float64 array of shape (w.shape[axis],).
    """
    raise NotImplementedError


def dequantize(q, scales, axis):
    """The float64 array q * scale_c, with one scale per index along axis."""
    raise NotImplementedError


def magnitude_prune(weights, sparsity):
    """Global unstructured magnitude pruning of a dict or list of arrays.

    Prunes k = round(sparsity * n) entries with the smallest |w| over all arrays; among equal
    |w|, the first in order (arrays in order, then row-major) is pruned first.

    Returns:
        (pruned, masks) in the structure of weights; masks are True where an entry is kept.
    """
    raise NotImplementedError


def distillation_loss(student_logits, teacher_logits, labels, T, alpha):
    """alpha * T**2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student, labels).

    KL summed over classes and averaged over the batch; CE at T = 1, averaged over the batch.
    Returns a float.
    """
    raise NotImplementedError
