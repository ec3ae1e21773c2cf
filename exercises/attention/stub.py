"""Attention: scaled dot-product attention and batch-first multi-head attention.

Replace each ``raise NotImplementedError`` with your implementation. You may use numpy or torch.
Read README.md for the exact contract.
"""


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention of queries ``q`` over keys ``k`` and values ``v``.

    Args:
        q: (..., Lq, d) queries.
        k: (..., Lk, d) keys.
        v: (..., Lk, dv) values.
        mask: optional boolean array broadcastable to (..., Lq, Lk).
            True means "this query may attend to this key".
            A query row with no True entry gets all-zero weights and an all-zero output.

    Returns:
        ``(output, weights)``: arrays of shapes (..., Lq, dv) and (..., Lq, Lk).
    """
    raise NotImplementedError


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
    """Batch-first multi-head attention, with the parameter layout of ``torch.nn.MultiheadAttention``.

    Args:
        query: (N, L, E). key, value: (N, S, E).
        num_heads: the number of heads H. Raise ValueError if E is not divisible by H.
        in_proj_weight: (3E, E), the rows of W_q, then W_k, then W_v. in_proj_bias: (3E,).
        out_proj_weight: (E, E). out_proj_bias: (E,). Every projection computes ``x @ W.T + b``.
        key_padding_mask: optional (N, S) boolean array.
            True means "this key is padding: ignore it" (the OPPOSITE polarity of ``mask`` above).
        causal: if True, query position i may only attend to key positions j <= i.

    Returns:
        ``(output, weights)``: the output (N, L, E) and the attention weights averaged over the
        heads, (N, L, S).
    """
    raise NotImplementedError
