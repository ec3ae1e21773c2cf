"""Another correct solution: AdamW and cross-entropy written by hand, patterns as regular expressions.

No ``torch.optim``: the update is the one ``torch.optim.AdamW`` documents (decoupled weight decay,
then the bias-corrected Adam step). Patterns go through ``fnmatch.translate``.
"""

import math
import re
from fnmatch import translate

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
    regexes = [re.compile(translate(p)) for p in trainable]
    names = [n for n, _ in model.named_parameters()]
    for pattern, regex in zip(trainable, regexes, strict=True):
        if not any(regex.match(n) for n in names):
            raise ValueError(f"{pattern!r} matches no parameter")
    for name, param in model.named_parameters():
        param.requires_grad = any(regex.match(name) for regex in regexes)
    return [n for n, p in model.named_parameters() if p.requires_grad]


class _Classifier(nn.Module):
    def __init__(self, encoder, num_classes, seed):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.dim, num_classes, dtype=torch.float64)
        with torch.no_grad():
            self.head.weight.normal_(0.0, 0.02, generator=torch.Generator().manual_seed(seed))
            self.head.bias.fill_(0.0)

    def forward(self, input_ids):
        cls = self.encoder(input_ids)[:, 0, :]
        return cls @ self.head.weight.T + self.head.bias


def add_classification_head(encoder, num_classes, seed=0):
    if type(num_classes) is not int or num_classes < 2:
        raise ValueError("a classifier needs at least 2 classes")
    return _Classifier(encoder, num_classes, seed)


def layerwise_lr_groups(model, base_lr, decay):
    if base_lr <= 0 or decay <= 0 or decay > 1:
        raise ValueError("need base_lr > 0 and 0 < decay <= 1")
    depth_of_layer = len(model.encoder.layers)
    groups = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        match = re.fullmatch(r"encoder\.layers\.(\d+)\..+", name)
        if name.startswith("encoder.embeddings."):
            depth = depth_of_layer + 1
        elif match:
            depth = depth_of_layer - int(match.group(1))
        else:
            depth = 0
        if groups and groups[-1]["depth"] == depth:
            groups[-1]["names"].append(name)
        else:
            groups.append({"depth": depth, "names": [name], "lr": base_lr * decay**depth})
    return [{"names": g["names"], "lr": g["lr"]} for g in groups]


def fine_tune(model, input_ids, labels, *, steps, lr, weight_decay=0.01, layer_decay=None):
    if steps < 1:
        raise ValueError("steps must be >= 1")
    params = dict(model.named_parameters())
    if layer_decay is None:
        plan = [(p, lr) for p in params.values() if p.requires_grad]
    else:
        plan = [(params[n], g["lr"]) for g in layerwise_lr_groups(model, lr, layer_decay) for n in g["names"]]
    if not plan:
        raise ValueError("no trainable parameter")
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p, _ in plan]
    model.train()
    losses = []
    for t in range(1, steps + 1):
        logits = model(input_ids)
        log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        loss = -log_probs[torch.arange(len(labels)), labels].mean()
        for p, _ in plan:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for (p, p_lr), (m, v) in zip(plan, moments, strict=True):
                p.mul_(1 - p_lr * weight_decay)
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denom = (v.sqrt() / math.sqrt(1 - beta2**t)).add_(eps)
                p.addcdiv_(m, denom, value=-p_lr / (1 - beta1**t))
        losses.append(loss.item())
    return losses
