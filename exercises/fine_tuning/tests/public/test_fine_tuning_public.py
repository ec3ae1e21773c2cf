"""Sample tests for fine_tuning: the statement's examples. Run them with pytest in your kit.

In your kit they use the TinyEncoder of your file. The grader builds the model with its own copy
and its own weights, and checks much more:
- every parameter bit for bit;
- a replay of the training with torch.optim.AdamW;
- random patterns, depths and learning rates;
- the shared encoder;
- the head's initialisation;
- invalid arguments.
"""

import types

import pytest

CONFIG = {"vocab_size": 12, "max_len": 8, "dim": 8, "num_layers": 3, "num_heads": 2, "ffn_dim": 16}
EMBEDDINGS = [
    "encoder.embeddings.token.weight",
    "encoder.embeddings.position.weight",
    "encoder.embeddings.norm.weight",
    "encoder.embeddings.norm.bias",
]


def in_kit(submission):
    return isinstance(submission, types.ModuleType)  # your module, imported directly


def classifier(submission):
    return submission.add_classification_head(submission.pretrained_encoder(seed=0, **CONFIG), 3, seed=0)


def freeze_trace(submission, calls):
    """[returned names, {name: requires_grad}] after each call of freeze."""
    if in_kit(submission):
        model, trace = classifier(submission), []
        for patterns in calls:
            names = submission.freeze(model, patterns)
            trace.append([names, {n: p.requires_grad for n, p in model.named_parameters()}])
        return trace
    # In the grader the model stays in the sandbox: a probe builds it there and calls freeze.
    return submission.probe("freeze_calls", CONFIG, None, 3, calls)


def test_freeze_head_only(submission):
    ((names, flags),) = freeze_trace(submission, [["head.*"]])
    assert list(names) == ["head.weight", "head.bias"]
    assert [n for n, trainable in flags.items() if trainable] == ["head.weight", "head.bias"]


def test_freeze_biases_only_and_second_call(submission):
    first, second = freeze_trace(submission, [["*.bias"], ["head.*", "encoder.layers.2.*"]])
    # 5 per layer: self_attn.in_proj_bias does not match "*.bias" (no dot before "bias").
    assert all(name.endswith(".bias") for name in first[0]) and len(first[0]) == 2 + 3 * 5
    assert second[0][-2:] == ["head.weight", "head.bias"] and len(second[0]) == 2 + 12
    assert second[1]["encoder.layers.0.linear1.bias"] is False  # trainable after the first call, not now


def test_freeze_unmatched_pattern_is_an_error(submission):
    with pytest.raises(ValueError):
        freeze_trace(submission, [["head.*", "encoder.layer.2.*"]])  # "layer", not "layers"


def test_layerwise_lr_groups(submission):
    if in_kit(submission):
        groups = submission.layerwise_lr_groups(classifier(submission), 1.0, 0.5)
    else:
        names = [n for n, _ in freeze_trace(submission, [["*"]])[0][1].items()]
        groups = submission.probe("lr_groups", CONFIG, None, 3, names, 1.0, 0.5)
    assert [g["lr"] for g in groups] == pytest.approx([0.0625, 0.125, 0.25, 0.5, 1.0], rel=1e-12)
    assert list(groups[0]["names"]) == EMBEDDINGS
    assert list(groups[-1]["names"]) == ["head.weight", "head.bias"]
    assert all(name.startswith("encoder.layers.2.") for name in groups[-2]["names"])


def test_fine_tune_head_only(submission):
    import torch

    ids = torch.randint(0, 12, (16, 6), generator=torch.Generator().manual_seed(0))
    labels = ids[:, 1] % 3
    kwargs = {"steps": 5, "lr": 0.05, "weight_decay": 0.01}
    if in_kit(submission):
        model = classifier(submission)
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        submission.freeze(model, ["head.*"])
        losses = submission.fine_tune(model, ids, labels, **kwargs)
        after = {n: p.detach() for n, p in model.named_parameters()}
        grads = {n: p.grad is not None for n, p in model.named_parameters()}
    else:
        names = list(freeze_trace(submission, [["*"]])[0][1])
        reply = submission.probe("train", CONFIG, None, 3, ["head.weight", "head.bias"], ids, labels, kwargs)
        losses, grads, after, before = reply["losses"], reply["has_grad"], reply["state"], None
        assert len(names) == len(after)
    assert len(losses) == 5 and losses[-1] < losses[0]
    assert not any(grads[n] for n in grads if not n.startswith("head."))  # frozen: no gradient
    if before is not None:
        assert all(torch.equal(before[n], after[n]) for n in before if not n.startswith("head."))
