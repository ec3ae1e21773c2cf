"""Another correct solution, with the standard library only.

- Part 1 keeps a running weighted mean (``mean += n / seen * (x - mean)``) instead of a sum. It
  works on whatever ``grad_fn`` returns through ``+``, ``-`` and ``*``.
- Part 2 rounds the scale to float32 with ``struct``.
- Part 3 moves Python lists around the ring.
"""

import math
import struct

FLOAT32_MAX = 3.4028234663852886e38


def accumulated_gradients(grad_fn, params, micro_batches):
    batches = list(micro_batches)
    if len(batches) == 0:
        raise ValueError("no micro-batch")
    for inputs, targets in batches:
        if len(targets) == 0 or len(inputs) != len(targets):
            raise ValueError("every micro-batch needs as many rows of X as targets, at least one")
    seen = 0
    mean_loss = 0.0
    mean_grad = None
    for inputs, targets in batches:
        loss, grad = grad_fn(params, inputs, targets)
        n = len(targets)
        seen += n
        if mean_grad is None:
            mean_loss, mean_grad = float(loss), grad * 1.0
        else:
            mean_loss += n / seen * (float(loss) - mean_loss)
            mean_grad = mean_grad + (grad - mean_grad) * (n / seen)
    return mean_loss, mean_grad


def _float32(x):
    if math.isinf(x) or abs(x) > FLOAT32_MAX * (1 + 2.0**-25):
        return math.inf
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.inf


def _is_number(x):
    return not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x)


class LossScaler:
    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        if not all(_is_number(float(x)) for x in (init_scale, growth_factor, backoff_factor)):
            raise ValueError("the scale and factors must be finite numbers")
        if init_scale <= 0 or growth_factor <= 1 or not 0 < backoff_factor < 1:
            raise ValueError("need init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1")
        if isinstance(growth_interval, bool) or int(growth_interval) != growth_interval or growth_interval < 1:
            raise ValueError("growth_interval must be an int >= 1")
        self.scale = _float32(float(init_scale))
        self.growth_factor = float(growth_factor)
        self.backoff_factor = float(backoff_factor)
        self.growth_interval = int(growth_interval)
        self.growth_tracker = 0

    def scale_loss(self, loss):
        return float(loss) * self.scale

    def step(self, grads):
        values = [g.tolist() if hasattr(g, "tolist") else g for g in grads]
        if any(not math.isfinite(v) for v in _flatten(values)):
            self.scale = _float32(self.scale * self.backoff_factor)
            self.growth_tracker = 0
            return None
        unscaled = [_divide(v, self.scale) for v in values]
        self.growth_tracker += 1
        if self.growth_tracker >= self.growth_interval:
            grown = _float32(self.scale * self.growth_factor)
            if not math.isinf(grown):
                self.scale = grown
            self.growth_tracker = 0
        return unscaled


def _flatten(value):
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield float(value)


def _divide(value, scale):
    if isinstance(value, list):
        return [_divide(item, scale) for item in value]
    return float(value) / scale


def ring_allreduce(worker_vectors):
    rows = [list(v.tolist() if hasattr(v, "tolist") else v) for v in worker_vectors]
    if not rows:
        raise ValueError("no workers")
    if any(isinstance(x, (list, tuple)) for row in rows for x in row):
        raise ValueError("every vector must be 1-D")
    m = len(rows[0])
    if m == 0 or any(len(row) != m for row in rows):
        raise ValueError("the vectors must be non-empty and of equal length")
    n = len(rows)
    bounds = [0]
    for k in range(n):
        bounds.append(bounds[-1] + m // n + (1 if k < m % n else 0))
    held = [[float(x) for x in row] for row in rows]
    sent = [0] * n
    for phase in ("reduce-scatter", "all-gather"):
        for s in range(n - 1):
            outgoing = []
            for i in range(n):
                chunk = (i - s) % n if phase == "reduce-scatter" else (i + 1 - s) % n
                lo, hi = bounds[chunk], bounds[chunk + 1]
                outgoing.append(((i + 1) % n, lo, held[i][lo:hi]))
                sent[i] += hi - lo
            for target, lo, values in outgoing:
                for j, value in enumerate(values):
                    if phase == "reduce-scatter":
                        held[target][lo + j] += value
                    else:
                        held[target][lo + j] = value
    return held, sent
