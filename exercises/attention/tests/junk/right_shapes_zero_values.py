"""Junk: pairs of float64 arrays of the right shapes, all zeros (the output of multi-head attention
is its output bias). It must score 0: every test needs correct values, not only shapes."""

import numpy as np


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = np.asarray(q, dtype=float), np.asarray(k, dtype=float), np.asarray(v, dtype=float)
    return np.zeros(q.shape[:-1] + v.shape[-1:]), np.zeros(q.shape[:-1] + k.shape[-2:-1])


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, key_padding_mask=None, causal=False):
    query, key = np.asarray(query, dtype=float), np.asarray(key, dtype=float)
    if query.shape[-1] % num_heads:
        raise ValueError("E is not divisible by num_heads")
    n, length, embed = query.shape
    output = np.broadcast_to(np.asarray(out_proj_bias, dtype=float), (n, length, embed)).copy()
    return output, np.zeros((n, length, key.shape[1]))
