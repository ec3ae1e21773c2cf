"""Never zeroes the gradients: each step adds its gradient to those of all earlier steps."""

import re
from fnmatch import fnmatchcase
from numbers import Integral

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


# --- Solution ----------------------------------------------------------------------------------

LAYER = re.compile(r"encoder\.layers\.(\d+)\.")


def freeze(model, trainable):
    """Make trainable exactly the parameters whose name matches one of the glob patterns."""
    patterns = list(trainable)
    names = [name for name, _ in model.named_parameters()]
    unmatched = [p for p in patterns if not any(fnmatchcase(name, p) for name in names)]
    if unmatched:
        raise ValueError(f"patterns that match no parameter: {unmatched}")
    kept = []
    for name, param in model.named_parameters():
        wanted = any(fnmatchcase(name, p) for p in patterns)
        param.requires_grad_(wanted)
        if wanted:
            kept.append(name)
    return kept


class EncoderClassifier(nn.Module):
    """A pretrained encoder and a linear head on the first token's hidden state (BERT's [CLS])."""

    def __init__(self, encoder, num_classes, seed=0):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.dim, num_classes, dtype=torch.float64)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            self.head.weight.copy_(torch.randn(self.head.weight.shape, generator=generator, dtype=torch.float64) * 0.02)
            self.head.bias.zero_()

    def forward(self, input_ids):
        return self.head(self.encoder(input_ids)[:, 0])


def add_classification_head(encoder, num_classes, seed=0):
    """Wrap ``encoder`` (shared, not copied) with a fresh linear head."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, Integral) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    return EncoderClassifier(encoder, int(num_classes), seed)


def layerwise_lr_groups(model, base_lr, decay):
    """One ``{"names", "lr"}`` group per depth that has trainable parameters, embeddings first."""
    if not base_lr > 0:
        raise ValueError(f"base_lr must be positive, got {base_lr!r}")
    if not 0 < decay <= 1:
        raise ValueError(f"decay must be in (0, 1], got {decay!r}")
    num_layers = len(model.encoder.layers)
    groups = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        depth = _depth(name, num_layers)
        groups.setdefault(depth, []).append(name)
    return [{"names": groups[d], "lr": base_lr * decay**d} for d in sorted(groups, reverse=True)]


def _depth(name, num_layers):
    if name.startswith("encoder.embeddings."):
        return num_layers + 1
    match = LAYER.match(name)
    if match:
        return num_layers - int(match.group(1))
    return 0


def fine_tune(model, input_ids, labels, *, steps, lr, weight_decay=0.01, layer_decay=None):
    """Full-batch AdamW on the trainable parameters; the loss before each step."""
    if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    params = dict(model.named_parameters())
    if layer_decay is None:
        groups = [{"params": [p for p in params.values() if p.requires_grad], "lr": lr}]
    else:
        groups = [
            {"params": [params[n] for n in group["names"]], "lr": group["lr"]}
            for group in layerwise_lr_groups(model, lr, layer_decay)
        ]
    if not any(group["params"] for group in groups):
        raise ValueError("no trainable parameter: nothing to fine-tune")
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    model.train()
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(input_ids), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
