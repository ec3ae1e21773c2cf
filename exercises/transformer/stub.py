"""The Transformer encoder layer: sinusoidal positions, layer norm, and one encoder layer.

Replace each ``raise NotImplementedError`` with your implementation. You may use numpy or torch
(but not torch's attention, Transformer or layer-norm modules: see README.md).
Read README.md for the exact contract.
"""


def sinusoidal_positions(max_len, d_model):
    """The (max_len, d_model) float64 table of sinusoidal positional encodings.

    Column j is sin(pos * w_j) for even j and cos(pos * w_j) for odd j, with
    w_j = 10000 ** (-(2 * (j // 2)) / d_model). An odd d_model ends on a sine column.
    Raise ValueError if max_len < 1 or d_model < 1.
    """
    raise NotImplementedError


def layer_norm(x, gamma, beta, eps=1e-5):
    """Layer normalisation over the last axis of x, (..., D), as torch.nn.functional.layer_norm.

    y = (x - mean) / sqrt(var + eps) * gamma + beta, with the BIASED variance (divide by D).
    gamma and beta have shape (D,); otherwise raise ValueError. Returns float64.
    """
    raise NotImplementedError


def encoder_layer(x, weights, num_heads, key_padding_mask=None, norm_first=False):
    """One torch.nn.TransformerEncoderLayer(batch_first=True, dropout=0.0, activation="relu").

    Args:
        x: (N, L, E).
        weights: dict in the module's state_dict layout: "self_attn.in_proj_weight" (3E, E),
            "self_attn.in_proj_bias" (3E,), "self_attn.out_proj.weight" (E, E),
            "self_attn.out_proj.bias" (E,), "linear1.weight" (F, E), "linear1.bias" (F,),
            "linear2.weight" (E, F), "linear2.bias" (E,), "norm1.weight", "norm1.bias",
            "norm2.weight", "norm2.bias" (E,). Layer norms use eps = 1e-5.
        num_heads: number of heads; raise ValueError if E is not divisible by it.
        key_padding_mask: optional (N, L) boolean array, True = padding (never attended to).
        norm_first: False = post-norm, True = pre-norm.

    Returns:
        The (N, L, E) float64 output.
    """
    raise NotImplementedError
