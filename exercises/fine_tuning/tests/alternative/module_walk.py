"""Another correct solution: parameter groups found by walking the modules, fnmatch.filter.

The depth of each parameter comes from the module that owns it (``model.encoder.embeddings``,
``model.encoder.layers[i]``), matched by identity, not from its name.
"""

import fnmatch

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


def freeze(model, trainable):
    names = [name for name, _ in model.named_parameters()]
    chosen = set()
    for pattern in trainable:
        hits = fnmatch.filter(names, pattern)
        if not hits:
            raise ValueError(f"no parameter matches {pattern!r}")
        chosen.update(hits)
    for name, param in model.named_parameters():
        param.requires_grad_(name in chosen)
    return [name for name in names if name in chosen]


class SequenceClassifier(nn.Module):
    def __init__(self, encoder, head):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids):
        return self.head(self.encoder(input_ids).select(1, 0))


def add_classification_head(encoder, num_classes, seed=0):
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    head = nn.Linear(encoder.dim, num_classes).double()
    generator = torch.Generator()
    generator.manual_seed(seed)
    with torch.no_grad():
        head.weight.copy_(torch.normal(0.0, 0.02, size=tuple(head.weight.shape), generator=generator))
        head.bias.zero_()
    return SequenceClassifier(encoder, head)


def layerwise_lr_groups(model, base_lr, decay):
    if not (base_lr > 0 and 0 < decay <= 1):
        raise ValueError("base_lr must be > 0 and decay in (0, 1]")
    layers = model.encoder.layers
    depth = {id(p): len(layers) + 1 for p in model.encoder.embeddings.parameters()}
    for i, layer in enumerate(layers):
        depth.update({id(p): len(layers) - i for p in layer.parameters()})
    by_depth = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            by_depth.setdefault(depth.get(id(param), 0), []).append(name)
    return [
        {"names": names, "lr": base_lr * decay**d, "depth": d}
        for d, names in sorted(by_depth.items(), key=lambda item: -item[0])
    ]


def fine_tune(model, input_ids, labels, *, steps, lr, weight_decay=0.01, layer_decay=None):
    if steps < 1:
        raise ValueError("at least one step")
    named = dict(model.named_parameters())
    if layer_decay is None:
        groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
    else:
        groups = [
            {"params": [named[n] for n in g["names"]], "lr": g["lr"]}
            for g in layerwise_lr_groups(model, lr, layer_decay)
        ]
    if not any(g["params"] for g in groups):
        raise ValueError("every parameter is frozen: nothing to fine-tune")
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)
    model.train()
    history = []
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = nn.CrossEntropyLoss()(model(input_ids), labels)
        history.append(loss.item())
        loss.backward()
        optimizer.step()
    return history
