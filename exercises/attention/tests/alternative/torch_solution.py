"""A correct torch-based solution that returns torch tensors (test fixture; must score 100).

It checks that a candidate who works in torch and returns tensors is graded like one who returns
numpy arrays: the sandbox converts the tensors to arrays on the way out.
"""

import math

import numpy as np
import torch


def _tensor(x):
    """float32 input stays float32; everything else (lists, ints, float64) becomes float64."""
    if isinstance(x, torch.Tensor):
        return x if x.dtype in (torch.float32, torch.float64) else x.double()
    array = np.asarray(x)
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    return torch.as_tensor(array.astype(dtype))  # astype copies: the caller's array is never shared


def _attend(q, k, v, allowed):
    """(output, weights) with ``allowed`` (True = may attend) or None."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # torch's softmax subtracts the max itself
    if allowed is not None:
        # Rows with no allowed key give NaN in softmax; the contract wants zeros.
        has_key = allowed.expand(scores.shape).any(dim=-1, keepdim=True)
        weights = torch.where(has_key, weights, torch.zeros_like(weights))
    return weights @ v, weights


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / sqrt(d)) v, with True in ``mask`` meaning "may attend"."""
    q, k, v = _tensor(q), _tensor(k), _tensor(v)
    allowed = None if mask is None else torch.as_tensor(np.asarray(mask, dtype=bool))
    with torch.no_grad():
        return _attend(q, k, v, allowed)


def multi_head_attention(
    query,
    key,
    value,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    out_proj_weight,
    out_proj_bias,
    key_padding_mask=None,
    causal=False,
):
    """Batch-first multi-head attention in nn.MultiheadAttention's parameter layout."""
    query, key, value = _tensor(query), _tensor(key), _tensor(value)
    n, length, embed = query.shape
    src = key.shape[1]
    if embed % num_heads != 0:
        raise ValueError(f"E={embed} is not divisible by num_heads={num_heads}")
    head_dim = embed // num_heads
    w_q, w_k, w_v = _tensor(in_proj_weight).chunk(3)
    b_q, b_k, b_v = _tensor(in_proj_bias).chunk(3)

    def heads(x, w, b):
        return (x @ w.T + b).view(n, -1, num_heads, head_dim).transpose(1, 2)

    allowed = torch.ones(n, 1, length, src, dtype=torch.bool)
    if key_padding_mask is not None:
        pad = torch.as_tensor(np.asarray(key_padding_mask, dtype=bool))
        allowed = allowed & ~pad[:, None, None, :]
    if causal:
        allowed = allowed & torch.ones(length, src, dtype=torch.bool).tril()
    with torch.no_grad():
        out, weights = _attend(heads(query, w_q, b_q), heads(key, w_k, b_k), heads(value, w_v, b_v), allowed)
        out = out.transpose(1, 2).reshape(n, length, embed)
        out = out @ _tensor(out_proj_weight).T + _tensor(out_proj_bias)
        return out, weights.mean(dim=1)
