"""Training at scale: gradient accumulation, dynamic loss scaling, ring all-reduce.

Replace each ``raise NotImplementedError`` with your implementation. You may use numpy or torch
(but not torch.amp.GradScaler, torch.distributed or autograd). Read README.md for the exact contract.
"""


def accumulated_gradients(grad_fn, params, micro_batches):
    """The mean loss and its gradient over all the samples of ``micro_batches``.

    Args:
        grad_fn: ``grad_fn(params, X, y) -> (mean_loss, mean_grad)`` for one micro-batch: the mean
            loss over its samples (a float) and the gradient of that mean (shaped like params).
            Call it once per micro-batch; it may refuse a batch larger than the largest one.
        params: the parameters, an array (1-D or 2-D). Pass it to grad_fn as it is.
        micro_batches: a list of ``(X, y)`` pairs; micro-batch i has ``len(y)`` samples, and the
            sizes may differ.

    Returns:
        ``(loss, grad)``: the mean loss over all samples (float) and its gradient (float64 array
        shaped like params), as if grad_fn had seen the whole batch at once.

    Raises:
        ValueError: no micro-batch, an empty micro-batch, or X and y of different lengths.
    """
    raise NotImplementedError


class LossScaler:
    """Dynamic loss scaling with the semantics of ``torch.amp.GradScaler``.

    Attributes:
        scale: the current scale (a float, kept at float32 precision).
        growth_tracker: clean steps since the scale last changed or a step was skipped (an int).
    """

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        """Raise ValueError unless init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1 and
        growth_interval is an int >= 1."""
        raise NotImplementedError

    def scale_loss(self, loss):
        """Return ``loss * scale``."""
        raise NotImplementedError

    def step(self, grads):
        """Unscale ``grads`` (a list of arrays of the scaled loss's gradients) and update the scale.

        Returns the list of unscaled arrays ``g / scale`` (scale before this update), or None when
        any entry is inf or NaN: then the step is skipped, the scale is multiplied by
        backoff_factor and growth_tracker goes back to 0. After growth_interval clean steps in a
        row, the scale is multiplied by growth_factor (unless that overflows float32).
        """
        raise NotImplementedError


def ring_allreduce(worker_vectors):
    """Simulate a ring all-reduce: reduce-scatter then all-gather, 2(N-1) steps.

    Args:
        worker_vectors: N 1-D vectors of the same length M (worker i holds vector i).

    Returns:
        ``(results, sent)``: the N workers' final vectors (each the sum of all vectors, identical
        bit for bit) and, for each worker, the number of values it sent.

    Raises:
        ValueError: no worker, empty vectors, different lengths, or a vector that is not 1-D.
    """
    raise NotImplementedError
