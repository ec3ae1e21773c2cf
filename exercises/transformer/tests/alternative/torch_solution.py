"""A correct torch-based solution that returns float64 torch tensors (test fixture; must score 100).

It uses torch's tensor operations only (matmul, softmax, relu), none of the forbidden modules, and
checks that a candidate working in torch is graded like one returning numpy arrays.
"""

import math

import numpy as np
import torch

NAMES = [
    "self_attn.in_proj_weight",
    "self_attn.in_proj_bias",
    "self_attn.out_proj.weight",
    "self_attn.out_proj.bias",
    "linear1.weight",
    "linear1.bias",
    "linear2.weight",
    "linear2.bias",
    "norm1.weight",
    "norm1.bias",
    "norm2.weight",
    "norm2.bias",
]


def _t(x):
    """Anything array-like as a new float64 tensor (never sharing the caller's memory)."""
    if isinstance(x, torch.Tensor):
        return x.detach().to(torch.float64).clone()
    return torch.tensor(np.array(x, dtype=np.float64))


def sinusoidal_positions(max_len, d_model):
    if max_len < 1 or d_model < 1:
        raise ValueError("max_len and d_model must be positive")
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64) * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term[: d_model // 2])  # odd d_model: one cosine fewer
    return pe


def _layer_norm(x, gamma, beta, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gamma + beta


def layer_norm(x, gamma, beta, eps=1e-5):
    x, gamma, beta = _t(x), _t(gamma), _t(beta)
    if gamma.shape != x.shape[-1:] or beta.shape != x.shape[-1:]:
        raise ValueError("gamma and beta must have shape (D,)")
    return _layer_norm(x, gamma, beta, eps)


def _self_attention(x, w, num_heads, pad):
    n, length, embed = x.shape
    head = embed // num_heads
    q, k, v = (x @ w["self_attn.in_proj_weight"].T + w["self_attn.in_proj_bias"]).chunk(3, dim=-1)
    q, k, v = (t.view(n, length, num_heads, head).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(head)
    keep = ~pad[:, None, None, :]
    weights = torch.softmax(scores.masked_fill(~keep, float("-inf")), dim=-1)
    weights = torch.nan_to_num(weights, nan=0.0)  # a fully padded sequence: zero weights
    out = (weights @ v).transpose(1, 2).reshape(n, length, embed)
    return out @ w["self_attn.out_proj.weight"].T + w["self_attn.out_proj.bias"]


def encoder_layer(x, weights, num_heads, key_padding_mask=None, norm_first=False):
    x = _t(x)
    w = {name: _t(weights[name]) for name in NAMES}
    embed = x.shape[-1]
    if embed % num_heads != 0:
        raise ValueError("E must be divisible by num_heads")
    if key_padding_mask is None:
        pad = torch.zeros(x.shape[:2], dtype=torch.bool)
    else:
        pad = torch.tensor(np.array(key_padding_mask, dtype=bool))

    def norm(t, which):
        return _layer_norm(t, w[f"{which}.weight"], w[f"{which}.bias"], 1e-5)

    def ff(t):
        return torch.relu(t @ w["linear1.weight"].T + w["linear1.bias"]) @ w["linear2.weight"].T + w["linear2.bias"]

    with torch.no_grad():
        if norm_first:
            h = x + _self_attention(norm(x, "norm1"), w, num_heads, pad)
            return h + ff(norm(h, "norm2"))
        h = norm(x + _self_attention(x, w, num_heads, pad), "norm1")
        return norm(h + ff(h), "norm2")
