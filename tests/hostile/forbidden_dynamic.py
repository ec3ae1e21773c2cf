"""Reaches the forbidden oracles by names built at run time, which no static scan can read; the
sandbox's trap sees the calls."""

import numpy as np
import torch

_NAME = "scaled_dot_" + "product_attention"


def _oracle():
    functional = object.__getattribute__(torch.nn, "functio" + "nal")
    return object.__getattribute__(functional, _NAME)


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (torch.as_tensor(np.asarray(x, dtype=np.float64)) for x in (q, k, v))
    allowed = None if mask is None else torch.as_tensor(np.asarray(mask, dtype=bool))
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1))
    return torch.nan_to_num(_oracle()(q, k, v, attn_mask=allowed)).numpy(), weights.numpy()


def multi_head_attention(query, key, value, num_heads, *params, key_padding_mask=None, causal=False):
    layer_class = object.__getattribute__(torch.nn, "Multihead" + "Attention")
    embed = np.shape(query)[-1]
    layer_class(embed, num_heads, batch_first=True)  # builds it, to use it (the trap sees this)
    raise ValueError("not finished")
