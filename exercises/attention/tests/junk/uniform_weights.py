"""Junk: uniform attention weights (1 / Lk on every key) and the mean of the values, whatever the
scores and masks. It must score 0: every test needs the real weights."""

import numpy as np


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = np.asarray(q, dtype=float), np.asarray(k, dtype=float), np.asarray(v, dtype=float)
    lk = k.shape[-2]
    weights = np.full(q.shape[:-1] + (lk,), 1.0 / lk)
    return weights @ v, weights


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, causal=False):
    query, value = np.asarray(query, dtype=float), np.asarray(value, dtype=float)
    if query.shape[-1] % num_heads:
        raise ValueError("E is not divisible by num_heads")
    n, length, embed = query.shape
    src = value.shape[1]
    w_v = np.asarray(in_proj_weight, dtype=float)[2 * embed :]
    b_v = np.asarray(in_proj_bias, dtype=float)[2 * embed :]
    mean_value = (value @ w_v.T + b_v).mean(axis=1, keepdims=True)
    output = np.repeat(mean_value, length, axis=1) @ np.asarray(out_proj_weight, dtype=float).T
    output = output + np.asarray(out_proj_bias, dtype=float)
    return output, np.full((n, length, src), 1.0 / src)
