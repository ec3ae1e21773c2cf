"""Another correct solution, in torch: tensors in, tensors out.

The scale is a float32 tensor, as in torch.amp.GradScaler. Part 3 moves the chunks with
``torch.tensor_split``, whose chunks are those of ``np.array_split``.
"""

import torch


def accumulated_gradients(grad_fn, params, micro_batches):
    batches = list(micro_batches)
    if not batches:
        raise ValueError("no micro-batch")
    sizes = torch.tensor([len(y) for _, y in batches], dtype=torch.float64)
    if any(len(X) != len(y) for X, y in batches) or bool((sizes == 0).any()):
        raise ValueError("every micro-batch needs as many rows as targets, at least one")
    weights = sizes / sizes.sum()
    losses, grads = [], []
    for X, y in batches:
        loss, grad = grad_fn(params, X, y)
        losses.append(float(loss))
        grads.append(torch.as_tensor(grad, dtype=torch.float64))
    loss = torch.dot(weights, torch.tensor(losses, dtype=torch.float64))
    grad = torch.tensordot(weights, torch.stack(grads), dims=1)
    return loss.item(), grad


class LossScaler:
    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
        if not init_scale > 0:
            raise ValueError("init_scale must be positive")
        if not growth_factor > 1:
            raise ValueError("growth_factor must be > 1")
        if not 0 < backoff_factor < 1:
            raise ValueError("backoff_factor must be between 0 and 1")
        if type(growth_interval) is not int or growth_interval < 1:
            raise ValueError("growth_interval must be an int >= 1")
        self._scale = torch.tensor(float(init_scale), dtype=torch.float32)
        self._growth = growth_factor
        self._backoff = backoff_factor
        self._interval = growth_interval
        self.growth_tracker = 0

    @property
    def scale(self):
        return self._scale.item()

    def scale_loss(self, loss):
        return float(loss) * self.scale

    def step(self, grads):
        tensors = [torch.as_tensor(g, dtype=torch.float64) for g in grads]
        if not all(bool(torch.isfinite(t).all()) for t in tensors):
            self._scale = self._scale * self._backoff
            self.growth_tracker = 0
            return None
        unscaled = [t / self._scale.double() for t in tensors]
        self.growth_tracker += 1
        if self.growth_tracker == self._interval:
            grown = self._scale * self._growth
            if bool(torch.isfinite(grown)):
                self._scale = grown
            self.growth_tracker = 0
        return unscaled


def ring_allreduce(worker_vectors):
    if len(worker_vectors) == 0:
        raise ValueError("no workers")
    vectors = [torch.as_tensor(v, dtype=torch.float64) for v in worker_vectors]
    if any(v.dim() != 1 or v.shape != vectors[0].shape for v in vectors) or vectors[0].numel() == 0:
        raise ValueError("need N non-empty 1-D vectors of the same length")
    data = torch.stack(vectors).clone()
    n = data.shape[0]
    index_chunks = torch.tensor_split(torch.arange(data.shape[1]), n)
    sent = [0] * n
    for s in range(n - 1):  # reduce-scatter
        updates = [(i, index_chunks[(i - s) % n]) for i in range(n)]
        incoming = [data[i, idx].clone() for i, idx in updates]
        for (i, idx), values in zip(updates, incoming, strict=True):
            data[(i + 1) % n, idx] += values
            sent[i] += idx.numel()
    for s in range(n - 1):  # all-gather
        updates = [(i, index_chunks[(i + 1 - s) % n]) for i in range(n)]
        incoming = [data[i, idx].clone() for i, idx in updates]
        for (i, idx), values in zip(updates, incoming, strict=True):
            data[(i + 1) % n, idx] = values
            sent[i] += idx.numel()
    return data, sent
