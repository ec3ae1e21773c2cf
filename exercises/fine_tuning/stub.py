"""Fine-tuning a small pretrained encoder: freezing, a classification head, layer-wise learning rates.

``TinyEncoder`` and ``pretrained_encoder`` are given: keep them as they are. The grader builds the
encoder with its own copy of this class and its own "pretrained" weights.

Replace each ``raise NotImplementedError`` with your implementation. Read README.md for the exact
contract.
"""

import torch
from torch import nn

# --- Given: do not change ------------------------------------------------------------------------


class TinyEncoder(nn.Module):
    """A small BERT-like encoder in float64: embeddings, then post-LN Transformer layers.

    ``forward(input_ids)`` takes a (B, T) long tensor and returns the (B, T, dim) hidden states.
    Parameter names: ``embeddings.token.weight``, ``embeddings.position.weight``,
    ``embeddings.norm.{weight,bias}``, then for each layer i ``layers.{i}.self_attn.*``,
    ``layers.{i}.linear1.*``, ``layers.{i}.linear2.*``, ``layers.{i}.norm1.*``, ``layers.{i}.norm2.*``.
    """

    def __init__(self, vocab_size=12, max_len=8, dim=8, num_layers=3, num_heads=2, ffn_dim=16):
        super().__init__()
        self.dim = dim
        self.embeddings = nn.ModuleDict(
            {
                "token": nn.Embedding(vocab_size, dim, dtype=torch.float64),
                "position": nn.Embedding(max_len, dim, dtype=torch.float64),
                "norm": nn.LayerNorm(dim, dtype=torch.float64),
            }
        )
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                dim, num_heads, ffn_dim, dropout=0.0, activation="gelu", batch_first=True, dtype=torch.float64
            )
            for _ in range(num_layers)
        )

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1])
        hidden = self.embeddings["token"](input_ids) + self.embeddings["position"](positions)
        hidden = self.embeddings["norm"](hidden)
        for layer in self.layers:
            hidden = layer(hidden)
        return hidden


def pretrained_encoder(seed=0, **config):
    """A TinyEncoder whose weights come from a fixed seed: our stand-in for downloaded weights."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return TinyEncoder(**config)


# --- Your part ------------------------------------------------------------------------------------


def freeze(model, trainable):
    """Make trainable exactly the parameters whose name matches one of the glob patterns.

    Args:
        model: an ``nn.Module``.
        trainable: a list of ``fnmatch`` patterns (case-sensitive), e.g. ``["head.*", "*.bias"]``.

    Returns:
        The names of the trainable parameters, in ``model.named_parameters()`` order.

    Raises:
        ValueError: a pattern matches no parameter name.
    """
    raise NotImplementedError


def add_classification_head(encoder, num_classes, seed=0):
    """Wrap ``encoder`` into a classifier: ``head(encoder(input_ids)[:, 0])``.

    Returns:
        An ``nn.Module`` with attributes ``encoder`` (the very encoder given, not a copy) and
        ``head`` (``nn.Linear(encoder.dim, num_classes)`` in float64, weight ~ N(0, 0.02**2) drawn
        from ``torch.Generator().manual_seed(seed)``, bias 0). Its forward returns (B, num_classes)
        logits.

    Raises:
        ValueError: num_classes < 2.
    """
    raise NotImplementedError


def layerwise_lr_groups(model, base_lr, decay):
    """Layer-wise learning-rate decay: one group per depth, as data.

    The head has depth 0, layer i of L has depth L - i, the embeddings depth L + 1; a parameter
    at depth k gets ``base_lr * decay**k``. Only trainable parameters are listed.

    Returns:
        A list of ``{"names": [...], "lr": float}`` dicts, embeddings first and head last.

    Raises:
        ValueError: base_lr <= 0, or decay not in (0, 1].
    """
    raise NotImplementedError


def fine_tune(model, input_ids, labels, *, steps, lr, weight_decay=0.01, layer_decay=None):
    """Train the trainable parameters of ``model`` with AdamW on the whole batch for ``steps`` steps.

    Args:
        model: a classifier from ``add_classification_head``, with requires_grad already set.
        input_ids: (B, T) long tensor. labels: (B,) long tensor of class ids.
        steps: number of optimizer steps (full batch each). lr: the learning rate.
        weight_decay: AdamW's decoupled weight decay.
        layer_decay: None for one learning rate, or the decay of ``layerwise_lr_groups``.

    Returns:
        The list of ``steps`` losses (mean cross-entropy), each computed before its update.

    Raises:
        ValueError: steps < 1, or no trainable parameter.
    """
    raise NotImplementedError
