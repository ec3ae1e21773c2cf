"""Attention scores are divided by sqrt(E), the model width, instead of sqrt(E / num_heads).

Known-wrong variant of the transformer exercise.
"""

from __future__ import annotations

import numpy as np

LAYER_NORM_EPS = 1e-5
WEIGHT_SHAPES = {  # name -> shape, in terms of E (model width) and F (feed-forward width)
    "self_attn.in_proj_weight": ("3E", "E"),
    "self_attn.in_proj_bias": ("3E",),
    "self_attn.out_proj.weight": ("E", "E"),
    "self_attn.out_proj.bias": ("E",),
    "linear1.weight": ("F", "E"),
    "linear1.bias": ("F",),
    "linear2.weight": ("E", "F"),
    "linear2.bias": ("E",),
    "norm1.weight": ("E",),
    "norm1.bias": ("E",),
    "norm2.weight": ("E",),
    "norm2.bias": ("E",),
}


def sinusoidal_positions(max_len, d_model):
    """The (max_len, d_model) float64 table of "Attention Is All You Need" positional encodings.

    Column j holds sin(pos * w_j) for even j and cos(pos * w_j) for odd j, where
    w_j = 10000 ** (-2 * (j // 2) / d_model). An odd d_model ends on an unpaired sine column.
    """
    max_len, d_model = int(max_len), int(d_model)
    if max_len < 1 or d_model < 1:
        raise ValueError(f"max_len and d_model must be >= 1, got {max_len} and {d_model}")
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    j = np.arange(d_model)
    freq = np.power(10000.0, -(2 * (j // 2)) / d_model)
    angles = pos * freq[None, :]
    return np.where(j % 2 == 0, np.sin(angles), np.cos(angles))


def layer_norm(x, gamma, beta, eps=LAYER_NORM_EPS):
    """Normalise over the last axis with the biased variance, then scale by gamma and shift by beta."""
    x = np.asarray(x, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    if x.ndim < 1:
        raise ValueError("x needs at least one dimension")
    width = x.shape[-1]
    if gamma.shape != (width,) or beta.shape != (width,):
        raise ValueError(f"gamma and beta must have shape ({width},), got {gamma.shape} and {beta.shape}")
    centred = x - x.mean(axis=-1, keepdims=True)  # two passes: no cancellation at large offsets
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * gamma + beta


def _weights(weights) -> tuple[dict[str, np.ndarray], int, int]:
    """The weights as float64 arrays, checked against torch's layout; returns (arrays, E, F)."""
    missing = [name for name in WEIGHT_SHAPES if name not in weights]
    if missing:
        raise ValueError(f"missing weights: {', '.join(missing)}")
    arrays = {name: np.asarray(weights[name], dtype=np.float64) for name in WEIGHT_SHAPES}
    embed = arrays["norm1.weight"].shape[0]
    ff = arrays["linear1.weight"].shape[0]
    sizes = {"E": embed, "3E": 3 * embed, "F": ff}
    for name, shape in WEIGHT_SHAPES.items():
        want = tuple(sizes[s] for s in shape)
        if arrays[name].shape != want:
            raise ValueError(f"{name} must have shape {want}, got {arrays[name].shape}")
    return arrays, embed, ff


def _softmax_allowed(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """A stable softmax over the last axis on allowed positions; rows with none allowed are 0."""
    scores = np.where(allowed, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    exps = np.exp(scores - row_max)
    totals = exps.sum(axis=-1, keepdims=True)
    return exps / np.where(totals > 0, totals, 1.0)


def _self_attention(x: np.ndarray, w: dict[str, np.ndarray], num_heads: int, padding: np.ndarray) -> np.ndarray:
    """Multi-head self-attention in nn.MultiheadAttention's layout; ``padding`` is (N, L), True = pad."""
    n, length, embed = x.shape
    head = embed // num_heads
    projected = x @ w["self_attn.in_proj_weight"].T + w["self_attn.in_proj_bias"]
    q, k, v = np.split(projected, 3, axis=-1)

    def heads(t: np.ndarray) -> np.ndarray:  # (N, L, E) -> (N, H, L, Dh), contiguous slices
        return t.reshape(n, length, num_heads, head).transpose(0, 2, 1, 3)

    scores = heads(q) @ heads(k).transpose(0, 1, 3, 2) / np.sqrt(embed)
    allowed = ~padding[:, None, None, :]
    attended = _softmax_allowed(scores, allowed) @ heads(v)
    concat = attended.transpose(0, 2, 1, 3).reshape(n, length, embed)
    return concat @ w["self_attn.out_proj.weight"].T + w["self_attn.out_proj.bias"]


def _feed_forward(x: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    hidden = np.maximum(x @ w["linear1.weight"].T + w["linear1.bias"], 0.0)
    return hidden @ w["linear2.weight"].T + w["linear2.bias"]


def encoder_layer(x, weights, num_heads, key_padding_mask=None, norm_first=False):
    """One Transformer encoder layer, as torch.nn.TransformerEncoderLayer(batch_first=True, dropout=0).

    Post-norm (``norm_first=False``): x = norm1(x + SA(x)); x = norm2(x + FF(x)).
    Pre-norm (``norm_first=True``):   x = x + SA(norm1(x)); x = x + FF(norm2(x)).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, L, E), got shape {x.shape}")
    w, embed, _ = _weights(weights)
    num_heads = int(num_heads)
    if num_heads < 1 or embed % num_heads != 0:
        raise ValueError(f"E={embed} is not divisible by num_heads={num_heads}")
    if x.shape[-1] != embed:
        raise ValueError(f"x has E={x.shape[-1]} but the weights have E={embed}")
    n, length, _ = x.shape
    if key_padding_mask is None:
        padding = np.zeros((n, length), dtype=bool)
    else:
        padding = np.asarray(key_padding_mask, dtype=bool)
        if padding.shape != (n, length):
            raise ValueError(f"key_padding_mask must be ({n}, {length}), got {padding.shape}")

    def norm(t: np.ndarray, which: str) -> np.ndarray:
        return layer_norm(t, w[f"{which}.weight"], w[f"{which}.bias"], LAYER_NORM_EPS)

    if norm_first:
        x = x + _self_attention(norm(x, "norm1"), w, num_heads, padding)
        return x + _feed_forward(norm(x, "norm2"), w)
    x = norm(x + _self_attention(x, w, num_heads, padding), "norm1")
    return norm(x + _feed_forward(x, w), "norm2")
