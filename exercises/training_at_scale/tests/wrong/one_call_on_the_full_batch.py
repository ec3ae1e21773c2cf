"""Concatenates the micro-batches and calls grad_fn once on the full batch, which grad_fn refuses (out of memory)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

# --- Part 1 -------------------------------------------------------------------------------------


def accumulated_gradients(grad_fn, params, micro_batches):
    """The full-batch mean loss and its gradient, from one ``grad_fn`` call per micro-batch.

    ``grad_fn(params, X, y)`` returns ``(mean_loss, mean_grad)`` over the rows of one micro-batch.
    Micro-batch ``i`` has ``n_i`` rows; the full batch's mean is ``sum_i n_i * mean_i / sum_i n_i``.
    """
    batches = list(micro_batches)
    if not batches:
        raise ValueError("micro_batches is empty")
    sizes = []
    for index, (inputs, targets) in enumerate(batches):
        n = len(targets)
        if len(inputs) != n:
            raise ValueError(f"micro-batch {index}: {len(inputs)} rows of X but {len(targets)} targets")
        if n == 0:
            raise ValueError(f"micro-batch {index} is empty")
        sizes.append(n)

    inputs = np.concatenate([np.asarray(b[0]) for b in batches])
    targets = np.concatenate([np.asarray(b[1]) for b in batches])
    loss, grad = grad_fn(params, inputs, targets)
    return float(loss), np.asarray(grad, dtype=np.float64)


# --- Part 2 -------------------------------------------------------------------------------------


class LossScaler:
    """Dynamic loss scaling with the semantics of ``torch.amp.GradScaler``."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        for name, value in [
            ("init_scale", init_scale),
            ("growth_factor", growth_factor),
            ("backoff_factor", backoff_factor),
        ]:
            if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if init_scale <= 0:
            raise ValueError(f"init_scale must be positive, got {init_scale!r}")
        if growth_factor <= 1:
            raise ValueError(f"growth_factor must be > 1, got {growth_factor!r}")
        if not 0 < backoff_factor < 1:
            raise ValueError(f"backoff_factor must be in (0, 1), got {backoff_factor!r}")
        if isinstance(growth_interval, bool) or not isinstance(growth_interval, Integral) or growth_interval < 1:
            raise ValueError(f"growth_interval must be an int >= 1, got {growth_interval!r}")
        self.scale = float(np.float32(init_scale))
        self.growth_factor = float(growth_factor)
        self.backoff_factor = float(backoff_factor)
        self.growth_interval = int(growth_interval)
        self.growth_tracker = 0

    def scale_loss(self, loss):
        """The loss multiplied by the current scale (what ``GradScaler.scale`` does)."""
        return float(loss) * self.scale

    def step(self, grads):
        """Unscale ``grads`` (a list of arrays) and update the scale; None if the step is skipped."""
        arrays = [np.asarray(g, dtype=np.float64) for g in grads]
        found_inf = not all(np.all(np.isfinite(a)) for a in arrays)
        unscaled = None if found_inf else [a / self.scale for a in arrays]
        self._update(found_inf)
        return unscaled

    def _update(self, found_inf):
        if found_inf:
            self.scale = _to_float32(self.scale * self.backoff_factor)
            self.growth_tracker = 0
            return
        self.growth_tracker += 1
        if self.growth_tracker == self.growth_interval:
            grown = _to_float32(self.scale * self.growth_factor)
            if np.isfinite(grown):
                self.scale = grown
            self.growth_tracker = 0


def _to_float32(value):
    """``value`` rounded to float32, as torch stores the scale; inf when it overflows float32."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


# --- Part 3 -------------------------------------------------------------------------------------


def ring_allreduce(worker_vectors):
    """Sum N workers' vectors by ring all-reduce; return every worker's result and values sent."""
    vectors = [np.asarray(v, dtype=np.float64) for v in worker_vectors]
    if not vectors:
        raise ValueError("no workers")
    if any(v.ndim != 1 for v in vectors):
        raise ValueError("every worker's vector must be 1-D")
    length = vectors[0].shape[0]
    if length == 0:
        raise ValueError("the vectors are empty")
    if any(v.shape[0] != length for v in vectors):
        raise ValueError("the workers' vectors have different lengths")

    n = len(vectors)
    chunks = _chunk_slices(length, n)
    buffers = [v.copy() for v in vectors]
    sent = [0] * n

    def ring_step(chunk_of, combine):
        # Every worker sends at the same time: read all messages before applying any.
        messages = [(i, chunk_of(i), buffers[i][chunks[chunk_of(i)]].copy()) for i in range(n)]
        for i, chunk, data in messages:
            target = buffers[(i + 1) % n]
            target[chunks[chunk]] = combine(target[chunks[chunk]], data)
            sent[i] += data.size

    for s in range(n - 1):  # reduce-scatter: worker i ends holding the full sum of chunk i + 1
        ring_step(lambda i, s=s: (i - s) % n, lambda own, incoming: own + incoming)
    for s in range(n - 1):  # all-gather: pass the finished chunks around the ring
        ring_step(lambda i, s=s: (i + 1 - s) % n, lambda own, incoming: incoming)
    return buffers, sent


def _chunk_slices(length, n):
    """``np.array_split``'s chunks: the first ``length % n`` chunks have one more element."""
    base, extra = divmod(length, n)
    slices, start = [], 0
    for k in range(n):
        stop = start + base + (1 if k < extra else 0)
        slices.append(slice(start, stop))
        start = stop
    return slices
