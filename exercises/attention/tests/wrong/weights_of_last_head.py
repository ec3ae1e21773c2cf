"""multi_head_attention returns the last head's weights instead of their mean over the heads.

Known-wrong variant of the attention exercise: otherwise the reference solution.
"""

from __future__ import annotations

import numpy as np


def _as_float_array(x, name: str) -> np.ndarray:
    """``x`` as a float array: float32 stays float32, anything else becomes float64."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    if array.dtype != np.float32:
        array = array.astype(np.float64)
    return array


def _as_bool_mask(mask, name: str) -> np.ndarray:
    """``mask`` as a boolean array; anything but booleans is rejected."""
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise ValueError(f"{name} must be boolean, got dtype {array.dtype}")
    return array


def masked_softmax(scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis, stable for large scores, restricted to ``allowed`` positions.

    Rows where nothing is allowed come out as all zeros instead of NaN.
    """
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    # A fully masked row has max -inf; shifting by 0 keeps its exponentials at exactly 0.
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    exps = np.exp(scores - row_max)
    totals = exps.sum(axis=-1, keepdims=True)
    safe_totals = np.where(totals > 0, totals, 1.0)
    return exps / safe_totals


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention of queries ``q`` over keys ``k`` and values ``v``.

    Args:
        q: (..., Lq, d) queries.
        k: (..., Lk, d) keys.
        v: (..., Lk, dv) values.
        mask: optional boolean array broadcastable to (..., Lq, Lk); True means the query may
            attend to that key. A query whose keys are all masked gets zero weights and output.

    Returns:
        ``(output, weights)`` with shapes (..., Lq, dv) and (..., Lq, Lk).
    """
    q = _as_float_array(q, "q")
    k = _as_float_array(k, "k")
    v = _as_float_array(v, "v")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError("q, k and v need at least 2 dimensions: (..., length, features)")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k feature sizes differ: {q.shape[-1]} != {k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v lengths differ: {k.shape[-2]} != {v.shape[-2]}")
    allowed = None if mask is None else _as_bool_mask(mask, "mask")

    d = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    weights = masked_softmax(scores, allowed)
    return weights @ v, weights


def _split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """(N, L, E) -> (N, H, L, E/H): head h owns the contiguous feature slice h*Dh:(h+1)*Dh."""
    n, length, embed = x.shape
    return x.reshape(n, length, num_heads, embed // num_heads).transpose(0, 2, 1, 3)


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
    """Batch-first multi-head attention with the parameter layout of ``torch.nn.MultiheadAttention``.

    Args:
        query: (N, L, E); key and value: (N, S, E).
        num_heads: number of heads H; E must be divisible by H.
        in_proj_weight: (3E, E), the stacked [W_q; W_k; W_v]; in_proj_bias: (3E,).
        out_proj_weight: (E, E); out_proj_bias: (E,). Every projection is ``x @ W.T + b``.
        key_padding_mask: optional (N, S) boolean; True marks padding that must be ignored.
        causal: if True, query i only attends to keys j <= i.

    Returns:
        ``(output, weights)``: (N, L, E) and the attention weights averaged over heads, (N, L, S).
    """
    query = _as_float_array(query, "query")
    key = _as_float_array(key, "key")
    value = _as_float_array(value, "value")
    if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
        raise ValueError("query, key and value must be (N, length, E) arrays")
    n, length, embed = query.shape
    src_length = key.shape[1]
    if key.shape != (n, src_length, embed) or value.shape != key.shape:
        raise ValueError("key and value must both be (N, S, E) with the query's N and E")
    if isinstance(num_heads, bool) or int(num_heads) != num_heads or num_heads < 1:
        raise ValueError(f"num_heads must be a positive integer, got {num_heads!r}")
    num_heads = int(num_heads)
    if embed % num_heads != 0:
        raise ValueError(f"embedding size {embed} is not divisible by num_heads={num_heads}")

    w_in = _as_float_array(in_proj_weight, "in_proj_weight")
    b_in = _as_float_array(in_proj_bias, "in_proj_bias")
    w_out = _as_float_array(out_proj_weight, "out_proj_weight")
    b_out = _as_float_array(out_proj_bias, "out_proj_bias")
    if w_in.shape != (3 * embed, embed) or b_in.shape != (3 * embed,):
        raise ValueError("in_proj_weight must be (3E, E) and in_proj_bias (3E,)")
    if w_out.shape != (embed, embed) or b_out.shape != (embed,):
        raise ValueError("out_proj_weight must be (E, E) and out_proj_bias (E,)")

    w_q, w_k, w_v = np.split(w_in, 3)
    b_q, b_k, b_v = np.split(b_in, 3)
    q = _split_heads(query @ w_q.T + b_q, num_heads)
    k = _split_heads(key @ w_k.T + b_k, num_heads)
    v = _split_heads(value @ w_v.T + b_v, num_heads)

    # One "may attend" mask of shape (N, 1, L, S), shared by every head.
    allowed = np.ones((n, 1, length, src_length), dtype=bool)
    if key_padding_mask is not None:
        padding = _as_bool_mask(key_padding_mask, "key_padding_mask")
        if padding.shape != (n, src_length):
            raise ValueError(f"key_padding_mask must be (N, S) = {(n, src_length)}")
        allowed &= ~padding[:, None, None, :]
    if causal:
        allowed &= np.tril(np.ones((length, src_length), dtype=bool))

    heads, weights = scaled_dot_product_attention(q, k, v, allowed)
    concat = heads.transpose(0, 2, 1, 3).reshape(n, length, embed)
    return concat @ w_out.T + b_out, weights[:, -1]
