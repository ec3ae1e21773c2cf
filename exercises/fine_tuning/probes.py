"""Sandbox-side helpers for the fine_tuning exercise.

A torch model cannot cross the sandbox boundary, so the hidden tests send the encoder's
configuration and every weight as data (the public examples send none: then the weights come
from a fixed seed), and these probes build the model next to the candidate's
code (with this file's own copy of ``TinyEncoder``, not the candidate's), call the candidate's
functions on it, and send back full parameter arrays, logits, flags and returned values.

The probes hold no expected value and decide nothing: the judge rebuilds the same model from the
same weights, replays the training with torch.optim.AdamW, and checks every entry itself.
"""

import torch
from torch import nn


class TinyEncoder(nn.Module):
    """The statement's encoder: embeddings, then post-LN Transformer layers, in float64."""

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


class Classifier(nn.Module):
    """The classifier of the statement (``encoder`` then ``head`` on the first token)."""

    def __init__(self, encoder, num_classes):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.dim, num_classes, dtype=torch.float64)

    def forward(self, input_ids):
        return self.head(self.encoder(input_ids)[:, 0])


# --- probes --------------------------------------------------------------------------------------


def freeze_calls(candidate, config, weights, num_classes, calls):
    """Call ``candidate.freeze(model, patterns)`` for each patterns list in ``calls``, in turn.

    Returns, per call: ``[returned value, {name: requires_grad}]``.
    """
    model = _classifier(config, weights, num_classes)
    trace = []
    for patterns in calls:
        returned = candidate.freeze(model, list(patterns))
        trace.append([_plain(returned), _flags(model)])
    return trace


def add_head(candidate, config, weights, num_classes, seed, input_ids, delta):
    """Build the encoder, call ``candidate.add_classification_head(encoder, num_classes, seed=seed)``.

    Returns the classifier's parameters, its logits on ``input_ids``, and its logits again after
    ``delta`` is added in place to the encoder's token embeddings (through the encoder object).
    """
    encoder = _encoder(config, weights)
    model = candidate.add_classification_head(encoder, num_classes, seed=seed)
    state = _state(model)
    flags = _flags(model)
    ids = _ids(input_ids)
    with torch.no_grad():
        logits = model(ids)
        encoder.embeddings["token"].weight.add_(torch.as_tensor(delta, dtype=torch.float64))
        logits_after = model(ids)
    return {"state": state, "requires_grad": flags, "logits": logits, "logits_after": logits_after}


def lr_groups(candidate, config, weights, num_classes, trainable, base_lr, decay):
    """Set requires_grad from the ``trainable`` names, then call ``candidate.layerwise_lr_groups``."""
    model = _classifier(config, weights, num_classes, trainable)
    return _plain(candidate.layerwise_lr_groups(model, base_lr, decay))


def train(candidate, config, weights, num_classes, trainable, input_ids, labels, kwargs):
    """Set requires_grad from ``trainable``, call ``candidate.fine_tune(model, ids, labels, **kwargs)``.

    Returns the returned losses, every parameter after training, the flags, which parameters have
    a ``.grad``, and the data tensors as the candidate's code left them.
    """
    model = _classifier(config, weights, num_classes, trainable)
    ids, targets = _ids(input_ids), _ids(labels)
    losses = candidate.fine_tune(model, ids, targets, **kwargs)
    return {
        "losses": _plain(losses),
        "state": _state(model),
        "requires_grad": _flags(model),
        "has_grad": {name: param.grad is not None for name, param in model.named_parameters()},
        "input_ids": ids,
        "labels": targets,
    }


def pipeline(candidate, config, weights, num_classes, seed, patterns, input_ids, labels, kwargs):
    """The whole recipe with the candidate's functions only: head, freeze, groups, fine_tune.

    Returns the classifier's parameters before and after training, the values returned by
    ``freeze``, ``layerwise_lr_groups`` and ``fine_tune``, the flags and which parameters have a
    ``.grad``.
    """
    model = candidate.add_classification_head(_encoder(config, weights), num_classes, seed=seed)
    before = _state(model)
    kept = candidate.freeze(model, list(patterns))
    groups = None
    if kwargs.get("layer_decay") is not None:
        groups = candidate.layerwise_lr_groups(model, kwargs["lr"], kwargs["layer_decay"])
    losses = candidate.fine_tune(model, _ids(input_ids), _ids(labels), **kwargs)
    return {
        "before": before,
        "freeze": _plain(kept),
        "groups": _plain(groups),
        "losses": _plain(losses),
        "state": _state(model),
        "requires_grad": _flags(model),
        "has_grad": {name: param.grad is not None for name, param in model.named_parameters()},
    }


# --- helpers -------------------------------------------------------------------------------------


def _encoder(config, weights):
    encoder = _new_encoder(config)
    _load(encoder, weights)
    return encoder


def _classifier(config, weights, num_classes, trainable=None):
    model = Classifier(_new_encoder(config), num_classes)
    _load(model, weights)
    if trainable is not None:
        wanted = set(trainable)
        for name, param in model.named_parameters():
            param.requires_grad_(name in wanted)
    return model


def _new_encoder(config):
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the weights of the public examples, which send no weights
        return TinyEncoder(**config)


def _load(model, weights):
    if weights is None:
        return
    params = dict(model.named_parameters())
    if set(params) != set(weights):
        raise RuntimeError("the probe's model and the test's weights have different parameter names")
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(torch.as_tensor(value, dtype=torch.float64))


def _ids(values):
    return torch.as_tensor(values, dtype=torch.long).clone()


def _state(model):
    return {name: param.detach().clone() for name, param in model.named_parameters()}


def _flags(model):
    return {name: bool(param.requires_grad) for name, param in model.named_parameters()}


def _plain(value):
    """Lists, tuples and dicts are rebuilt; tensors are detached copies; the rest as is."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
