"""A correct solution in another style: explicit Python loops over batch items and heads (allowed),
2-D matrices only, float64 throughout, and a log-sum-exp softmax: weights = exp(s - logsumexp(s)).
"""

import numpy as np


def _attend_2d(q, k, v, allowed):
    """One (Lq, d) x (Lk, d) x (Lk, dv) attention with an (Lq, Lk) boolean mask."""
    scores = np.where(allowed, q @ k.T / np.sqrt(q.shape[1]), -np.inf)
    weights = np.zeros_like(scores)
    output = np.zeros((q.shape[0], v.shape[1]))
    for i in range(scores.shape[0]):
        row = scores[i]
        if not allowed[i].any():
            continue  # no key to attend to: zeros
        top = row.max()
        log_total = top + np.log(np.sum(np.exp(row - top)))
        weights[i] = np.exp(row - log_total)
        output[i] = weights[i] @ v
    return output, weights


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.array(x, dtype=np.float64) for x in (q, k, v))
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    lq, lk = q.shape[-2], k.shape[-2]
    allowed = np.ones((lq, lk), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    allowed = np.broadcast_to(allowed, lead + (lq, lk)).reshape(-1, lq, lk)
    q = np.broadcast_to(q, lead + q.shape[-2:]).reshape(-1, lq, q.shape[-1])
    k = np.broadcast_to(k, lead + k.shape[-2:]).reshape(-1, lk, k.shape[-1])
    v = np.broadcast_to(v, lead + v.shape[-2:]).reshape(-1, lk, v.shape[-1])
    outputs, weights = zip(*(_attend_2d(*items) for items in zip(q, k, v, allowed, strict=True)), strict=True)
    return np.reshape(outputs, lead + (lq, v.shape[-1])), np.reshape(weights, lead + (lq, lk))


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, causal=False):
    query, key, value = (np.array(x, dtype=np.float64) for x in (query, key, value))
    n, length, embed = query.shape
    source = key.shape[1]
    if embed % num_heads != 0:
        raise ValueError("E must be divisible by num_heads")
    head = embed // num_heads
    w_in, b_in = np.array(in_proj_weight, dtype=np.float64), np.array(in_proj_bias, dtype=np.float64)
    w_out, b_out = np.array(out_proj_weight, dtype=np.float64), np.array(out_proj_bias, dtype=np.float64)
    q_all = query @ w_in[:embed].T + b_in[:embed]
    k_all = key @ w_in[embed : 2 * embed].T + b_in[embed : 2 * embed]
    v_all = value @ w_in[2 * embed :].T + b_in[2 * embed :]
    padding = np.zeros((n, source), dtype=bool) if key_padding_mask is None else np.asarray(key_padding_mask, bool)
    causal_mask = np.tril(np.ones((length, source), dtype=bool)) if causal else np.ones((length, source), bool)
    concat = np.zeros((n, length, embed))
    mean_weights = np.zeros((n, length, source))
    for b in range(n):
        allowed = causal_mask & ~padding[b][None, :]
        for h in range(num_heads):
            features = slice(h * head, (h + 1) * head)
            out, weights = _attend_2d(q_all[b, :, features], k_all[b, :, features], v_all[b, :, features], allowed)
            concat[b, :, features] = out
            mean_weights[b] += weights / num_heads
    return concat @ w_out.T + b_out, mean_weights
