"""A correct solution in another style (test fixture; must score 100).

Positions are built in plain Python with ``math``; layer norm uses ``np.var`` (two-pass); the
attention loops over sequences and heads with ``np.einsum`` and a log-sum-exp softmax, and drops
padded keys by indexing instead of masking.
"""

import math

import numpy as np

EPS = 1e-5


def sinusoidal_positions(max_len, d_model):
    if max_len < 1 or d_model < 1:
        raise ValueError("max_len and d_model must be at least 1")
    rows = []
    for pos in range(max_len):
        row = []
        for j in range(d_model):
            angle = pos / 10000.0 ** ((j - j % 2) / d_model)
            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
        rows.append(row)
    return np.array(rows, dtype=np.float64)


def layer_norm(x, gamma, beta, eps=EPS):
    x = np.array(x, dtype=np.float64)  # a copy
    gamma = np.array(gamma, dtype=np.float64)
    beta = np.array(beta, dtype=np.float64)
    if gamma.ndim != 1 or beta.ndim != 1 or len(gamma) != x.shape[-1] or len(beta) != x.shape[-1]:
        raise ValueError("gamma and beta must be 1-D with one entry per feature")
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)  # ddof=0: the biased variance
    return gamma * ((x - mean) / np.sqrt(var + eps)) + beta


def _attend(q, k, v):
    """One head of one sequence; k and v hold only the usable keys (possibly none)."""
    if k.shape[0] == 0:
        return np.zeros((q.shape[0], v.shape[1]))
    scores = np.einsum("id,jd->ij", q, k) / math.sqrt(q.shape[1])
    log_norm = np.logaddexp.reduce(scores, axis=1, keepdims=True)
    return np.einsum("ij,jd->id", np.exp(scores - log_norm), v)


def _self_attention(x, w, num_heads, pad):
    n, length, embed = x.shape
    dh = embed // num_heads
    wq, wk, wv = np.split(np.asarray(w["self_attn.in_proj_weight"], dtype=np.float64), 3)
    bq, bk, bv = np.split(np.asarray(w["self_attn.in_proj_bias"], dtype=np.float64), 3)
    out = np.empty_like(x)
    for b in range(n):
        keep = ~pad[b]
        q = x[b] @ wq.T + bq
        k = x[b][keep] @ wk.T + bk
        v = x[b][keep] @ wv.T + bv
        heads = [
            _attend(q[:, h * dh : (h + 1) * dh], k[:, h * dh : (h + 1) * dh], v[:, h * dh : (h + 1) * dh])
            for h in range(num_heads)
        ]
        out[b] = np.concatenate(heads, axis=1)
    wo = np.asarray(w["self_attn.out_proj.weight"], dtype=np.float64)
    return np.einsum("nle,fe->nlf", out, wo) + np.asarray(w["self_attn.out_proj.bias"], dtype=np.float64)


def _ff(x, w):
    w1, b1 = np.asarray(w["linear1.weight"], dtype=np.float64), np.asarray(w["linear1.bias"], dtype=np.float64)
    w2, b2 = np.asarray(w["linear2.weight"], dtype=np.float64), np.asarray(w["linear2.bias"], dtype=np.float64)
    hidden = np.einsum("nle,fe->nlf", x, w1) + b1
    hidden[hidden < 0] = 0.0
    return np.einsum("nlf,ef->nle", hidden, w2) + b2


def encoder_layer(x, weights, num_heads, key_padding_mask=None, norm_first=False):
    x = np.array(x, dtype=np.float64)
    n, length, embed = x.shape
    if num_heads < 1 or embed % num_heads:
        raise ValueError(f"{embed} features cannot be split into {num_heads} heads")
    pad = np.zeros((n, length), bool) if key_padding_mask is None else np.array(key_padding_mask, dtype=bool)

    def norm(t, i):
        return layer_norm(t, weights[f"norm{i}.weight"], weights[f"norm{i}.bias"])

    if not norm_first:
        h = norm(x + _self_attention(x, weights, num_heads, pad), 1)
        return norm(h + _ff(h, weights), 2)
    h = x + _self_attention(norm(x, 1), weights, num_heads, pad)
    return h + _ff(norm(h, 2), weights)
