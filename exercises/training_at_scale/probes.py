"""Sandbox-side helpers for the training_at_scale exercise.

``accumulated_gradients`` takes a callable, which cannot cross the sandbox boundary: the hidden
tests send the model kind and the data, and ``accumulate`` builds ``grad_fn`` next to the
candidate's code. ``grad_fn`` refuses a batch larger than the largest micro-batch, as a GPU would
run out of memory, so the full batch cannot be sent through it in one call.

``scaler_steps`` drives a ``LossScaler`` and also returns the gradients as the candidate's code
left them (the "inputs not mutated" check, self-reported by nature).

These probes only build inputs and drive the candidate's code: they hold no expected value, and
the judge checks every entry of what comes back against its own oracle.
"""

import numpy as np


def accumulate(candidate, kind, params, micro_batches, limit):
    """Call ``candidate.accumulated_gradients(grad_fn, params, micro_batches)``.

    ``micro_batches`` arrives as a list of ``[X, y]`` pairs and is handed over as a list of
    ``(X, y)`` tuples of arrays. Returns ``[result, params_after, micro_batches_after]``.
    """
    params = np.array(params, dtype=np.float64)
    batches = [(np.array(X, dtype=np.float64), _targets(kind, y)) for X, y in micro_batches]
    result = candidate.accumulated_gradients(make_grad_fn(kind, int(limit)), params, batches)
    return [_plain(result), params, [[X, y] for X, y in batches]]


def scaler_steps(candidate, kwargs, grads_per_step):
    """Build ``candidate.LossScaler(**kwargs)`` and call ``step`` once per entry of ``grads_per_step``.

    Returns, per step: ``[returned value, scale after, growth_tracker after, grads as left]``.
    """
    scaler = candidate.LossScaler(**kwargs)
    trace = []
    for grads in grads_per_step:
        arrays = [np.array(g, dtype=np.float32) for g in grads]
        returned = scaler.step(arrays)
        trace.append([_plain(returned), _plain(scaler.scale), _plain(scaler.growth_tracker), arrays])
    return trace


def make_grad_fn(kind, limit):
    """``grad_fn(params, X, y) -> (mean loss, gradient of the mean loss)`` for one model kind.

    linear:   params w (d,);    loss = mean((X w - y)**2)
    logistic: params w (d,);    loss = mean(log(1 + exp(z)) - y z), z = X w, y in {0, 1}
    softmax:  params W (d, C);  loss = mean(logsumexp(Z) - Z[y]), Z = X W, y class ids
    """

    def grad_fn(params, X, y):
        params = np.asarray(params, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        y = _targets(kind, y)
        n = X.shape[0]
        if n > limit:
            raise RuntimeError(
                f"out of memory (simulated): grad_fn got {n} rows, at most {limit} fit; "
                "call grad_fn once per micro-batch"
            )
        if n == 0 or y.shape[0] != n:
            raise RuntimeError(f"grad_fn got {n} rows of X and {y.shape[0]} targets")
        if kind == "linear":
            residual = X @ params - y
            return float(np.mean(residual**2)), 2.0 * X.T @ residual / n
        if kind == "logistic":
            z = X @ params
            loss = np.mean(np.logaddexp(0.0, z) - y * z)
            return float(loss), X.T @ (_sigmoid(z) - y) / n
        if kind == "softmax":
            z = X @ params
            z = z - z.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(z).sum(axis=1))
            loss = np.mean(log_norm - z[np.arange(n), y])
            probs = np.exp(z - log_norm[:, None])
            probs[np.arange(n), y] -= 1.0
            return float(loss), X.T @ probs / n
        raise RuntimeError(f"unknown model kind {kind!r}")

    return grad_fn


def _targets(kind, y):
    return np.array(y, dtype=np.int64 if kind == "softmax" else np.float64)


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _plain(value):
    """Lists and tuples are rebuilt (their items may be numpy values); everything else as is."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value
