"""A correct solution with another algorithm: the online softmax of FlashAttention.

The keys are visited in blocks; each query keeps a running maximum, a running sum of exponentials
and a running weighted sum of values, rescaled whenever the maximum grows. The weights are then
recomputed block by block from the final maximum and sum. Nothing larger than one block of scores
is ever exponentiated, and a query with no allowed key ends with a sum of 0: zeros, not NaN.
"""

import numpy as np

BLOCKS = 4  # the keys are cut into (about) this many blocks, so every test spans several


def _floats(x):
    array = np.asarray(x)
    return array if array.dtype == np.float32 else array.astype(np.float64)


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = _floats(q), _floats(k), _floats(v)
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    lq, lk = q.shape[-2], k.shape[-2]
    allowed = np.ones(lead + (lq, lk), dtype=bool)
    if mask is not None:
        allowed = np.broadcast_to(np.asarray(mask, dtype=bool), lead + (lq, lk))
    scale = 1.0 / np.sqrt(q.shape[-1])
    dtype = np.result_type(q, k, v)
    running_max = np.full(lead + (lq, 1), -np.inf, dtype=dtype)
    running_sum = np.zeros(lead + (lq, 1), dtype=dtype)
    accumulated = np.zeros(lead + (lq, v.shape[-1]), dtype=dtype)
    blocks = []
    size = max(1, -(-lk // BLOCKS))
    for start in range(0, lk, size):
        stop = min(start + size, lk)
        scores = (q @ np.swapaxes(k[..., start:stop, :], -1, -2)) * scale
        scores = np.where(allowed[..., start:stop], scores, -np.inf)
        blocks.append(scores)
        new_max = np.maximum(running_max, scores.max(axis=-1, keepdims=True))
        safe_max = np.where(np.isfinite(new_max), new_max, 0.0)
        correction = np.exp(np.where(np.isfinite(running_max), running_max - safe_max, -np.inf))
        exps = np.exp(scores - safe_max)
        running_sum = running_sum * correction + exps.sum(axis=-1, keepdims=True)
        accumulated = accumulated * correction + exps @ v[..., start:stop, :]
        running_max = new_max
    safe_sum = np.where(running_sum > 0, running_sum, 1.0)
    safe_max = np.where(np.isfinite(running_max), running_max, 0.0)
    weights = np.concatenate([np.exp(block - safe_max) for block in blocks], axis=-1) / safe_sum
    return accumulated / safe_sum, weights


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, causal=False):
    query, key, value = _floats(query), _floats(key), _floats(value)
    n, length, embed = query.shape
    source = key.shape[1]
    if embed % num_heads:
        raise ValueError(f"E={embed} is not divisible by num_heads={num_heads}")
    head = embed // num_heads
    w, b = _floats(in_proj_weight), _floats(in_proj_bias)

    def project(x, i):
        y = x @ w[i * embed : (i + 1) * embed].T + b[i * embed : (i + 1) * embed]
        return y.reshape(n, -1, num_heads, head).transpose(0, 2, 1, 3)

    allowed = np.ones((n, 1, length, source), dtype=bool)
    if key_padding_mask is not None:
        allowed = allowed & ~np.asarray(key_padding_mask, dtype=bool)[:, None, None, :]
    if causal:
        allowed = allowed & (np.arange(source)[None, :] <= np.arange(length)[:, None])
    out, weights = scaled_dot_product_attention(project(query, 0), project(key, 1), project(value, 2), allowed)
    out = out.transpose(0, 2, 1, 3).reshape(n, length, embed)
    return out @ _floats(out_proj_weight).T + _floats(out_proj_bias), weights.mean(axis=1)
