"""Hidden tests for the ``fine_tuning`` exercise.

The judge draws the "pretrained" weights itself (from the run's seed) and sends them as data; the
probes build the model in the sandbox with their own copy of ``TinyEncoder`` and return full
parameter arrays, logits and flags. Nothing the sandbox says is taken on trust:

- frozen parameters are compared bit for bit with the weights the judge sent;
- trainable ones with a replay of the training on the judge's side, with its own copy of the
  model and ``torch.optim.AdamW`` (rtol=1e-6, atol=1e-9 on parameters and losses, float64);
- logits with the judge's own forward pass (rtol=1e-6, atol=1e-9);
- learning-rate groups with the judge's own grouping (exact names, rtol=1e-12 on learning rates);
- flags (``requires_grad``, ``.grad is None``) entry by entry against the expected sets.
"""

from __future__ import annotations

import contextlib
from fnmatch import fnmatchcase

import numpy as np
import pytest
import torch
from torch import nn

from grader.testing import as_array, as_float, assert_array_close, assert_close, assert_equal, describe

TOL = {"rtol": 1e-6, "atol": 1e-9}
EXACT = {"rtol": 0.0, "atol": 0.0}
VOCAB, MAX_LEN, BATCH, SEQ = 12, 8, 16, 6


# --------------------------------------------------------------------------------------------
# the judge's own copy of the model


class TinyEncoder(nn.Module):
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
        hidden = self.embeddings["token"](input_ids) + self.embeddings["position"](torch.arange(input_ids.shape[1]))
        hidden = self.embeddings["norm"](hidden)
        for layer in self.layers:
            hidden = layer(hidden)
        return hidden


class Classifier(nn.Module):
    def __init__(self, encoder, num_classes):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.dim, num_classes, dtype=torch.float64)

    def forward(self, input_ids):
        return self.head(self.encoder(input_ids)[:, 0])


@contextlib.contextmanager
def one_thread():
    """Tiny float64 models run faster on one thread, and a loaded machine makes threads slow."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def random_config(rng, num_layers=None, dim=8):
    layers = int(rng.integers(2, 5)) if num_layers is None else num_layers
    return {"vocab_size": VOCAB, "max_len": MAX_LEN, "dim": dim, "num_layers": layers, "num_heads": 2, "ffn_dim": 16}


def random_weights(rng, model):
    """'Pretrained' weights for every parameter of ``model``, by name, in model order."""
    weights = {}
    for name, param in model.named_parameters():
        shape = tuple(param.shape)
        if len(shape) >= 2:
            weights[name] = rng.normal(size=shape) * 0.3
        elif name.endswith("weight"):  # LayerNorm scales
            weights[name] = 1.0 + 0.1 * rng.normal(size=shape)
        else:
            weights[name] = 0.1 * rng.normal(size=shape)
    return weights


def classifier_weights(rng, config, num_classes):
    return random_weights(rng, Classifier(TinyEncoder(**config), num_classes))


def oracle_classifier(config, weights, num_classes, trainable=None):
    model = Classifier(TinyEncoder(**config), num_classes)
    params = dict(model.named_parameters())
    assert list(params) == list(weights), "oracle: parameter names"
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(torch.as_tensor(value))
    if trainable is not None:
        for name, param in params.items():
            param.requires_grad_(name in trainable)
    return model


def toy_task(rng, num_classes, batch=BATCH):
    """Token ids and labels: the class is the token at position 1, modulo the number of classes."""
    ids = rng.integers(0, VOCAB, size=(batch, SEQ))
    return ids, ids[:, 1] % num_classes


def expected_groups(names, trainable, num_layers, base_lr, decay):
    """The judge's layer-wise grouping, written from the statement."""
    by_depth: dict[int, list[str]] = {}
    for name in names:
        if name not in trainable:
            continue
        parts = name.split(".")
        if parts[:2] == ["encoder", "embeddings"]:
            depth = num_layers + 1
        elif parts[:2] == ["encoder", "layers"]:
            depth = num_layers - int(parts[2])
        else:
            depth = 0
        by_depth.setdefault(depth, []).append(name)
    return [(by_depth[d], base_lr * decay**d) for d in sorted(by_depth, reverse=True)]


def replay(config, weights, num_classes, trainable, ids, labels, steps, lr, weight_decay=0.01, layer_decay=None):
    """The expected losses and final parameters, trained on the judge's side with torch AdamW."""
    with one_thread():
        model = oracle_classifier(config, weights, num_classes, set(trainable))
        params = dict(model.named_parameters())
        if layer_decay is None:
            groups = [{"params": [params[n] for n in params if n in trainable], "lr": lr}]
        else:
            grouping = expected_groups(list(params), set(trainable), config["num_layers"], lr, layer_decay)
            groups = [{"params": [params[n] for n in names], "lr": group_lr} for names, group_lr in grouping]
        optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
        ids_t, labels_t = torch.as_tensor(ids), torch.as_tensor(labels)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(ids_t), labels_t)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
        state = {name: p.detach().numpy().copy() for name, p in params.items()}
    return losses, state


def mean_loss(config, weights, num_classes, ids, labels):
    """Cross-entropy of the classifier with these weights, computed by the judge."""
    with one_thread(), torch.no_grad():
        model = oracle_classifier(config, weights, num_classes)
        return float(nn.functional.cross_entropy(model(torch.as_tensor(ids)), torch.as_tensor(labels)))


def reply_dict(reply, keys, what):
    if not isinstance(reply, dict) or not set(keys) <= set(reply):
        raise AssertionError(f"{what}: the probe returned {describe(reply)}")
    return reply


def check_flags(got, want, what):
    """A {name: bool} mapping equals the expected one, name by name."""
    if not isinstance(got, dict) or set(got) != set(want):
        raise AssertionError(f"{what}: expected flags for {sorted(want)}, got {describe(got)}")
    wrong = sorted(name for name in want if got[name] is not want[name])
    if wrong:
        raise AssertionError(f"{what}: wrong for {wrong[:6]} (expected {want[wrong[0]]} for {wrong[0]})")


def check_state(got, want, what, frozen=(), initial=None):
    """Every parameter matches: frozen ones bit for bit with ``initial``, others with ``want``."""
    if not isinstance(got, dict) or set(got) != set(want):
        raise AssertionError(f"{what}: expected parameters {sorted(want)[:4]}..., got {describe(got)}")
    for name, value in want.items():
        if name in frozen:
            assert_array_close(got[name], initial[name], what=f"{what}: frozen {name}", **EXACT)
        else:
            assert_array_close(got[name], value, what=f"{what}: {name}", **TOL)


def check_losses(got, want, what):
    if not isinstance(got, (list, tuple)) or len(got) != len(want):
        raise AssertionError(f"{what}: expected a list of {len(want)} losses, got {describe(got)}")
    for step, (g, w) in enumerate(zip(got, want, strict=True)):
        assert_close(as_float(g, f"{what}: loss {step}"), w, what=f"{what}: loss of step {step + 1}", **TOL)


# --------------------------------------------------------------------------------------------
# freeze


def run_freeze(submission, rng, calls, num_layers=3):
    config = random_config(rng, num_layers)
    weights = classifier_weights(rng, config, 3)
    trace = submission.probe("freeze_calls", config, weights, 3, calls)
    if not isinstance(trace, list) or len(trace) != len(calls):
        raise AssertionError(f"freeze_calls returned {describe(trace)}")
    return list(weights), trace


def check_freeze(names, entry, patterns, what):
    """freeze's returned names and the flags it left agree with fnmatch on every name."""
    returned, flags = entry
    want = [n for n in names if any(fnmatchcase(n, p) for p in patterns)]
    assert_equal(returned, want, what=f"{what}: names returned by freeze({patterns})")
    check_flags(flags, {n: n in want for n in names}, f"{what}: requires_grad after freeze({patterns})")


@pytest.mark.points(4)
def test_freeze_head_only(submission, rng):
    """freeze(model, ["head.*"]) leaves only the head trainable (feature extraction)."""
    names, trace = run_freeze(submission, rng, [["head.*"]])
    check_freeze(names, trace[0], ["head.*"], "head only")


@pytest.mark.points(4)
def test_freeze_biases_only(submission, rng):
    """freeze(model, ["*.bias"]) trains every bias and nothing else (BitFit): * matches dots too."""
    names, trace = run_freeze(submission, rng, [["*.bias"]])
    check_freeze(names, trace[0], ["*.bias"], "BitFit")


@pytest.mark.points(5)
def test_freeze_random_layers(submission, rng):
    """Patterns naming random layers, LayerNorms or the head leave exactly the matching parameters trainable."""
    num_layers = int(rng.integers(2, 5))
    chosen = sorted(rng.choice(num_layers, size=int(rng.integers(1, num_layers + 1)), replace=False).tolist())
    patterns = [f"encoder.layers.{i}.*" for i in chosen] + ["head.*"]
    extra = ["*norm*", "encoder.embeddings.position.weight", "encoder.layers.?.linear[12].bias"]
    patterns.append(str(rng.choice(extra)))
    rng.shuffle(patterns)
    names, trace = run_freeze(submission, rng, [patterns], num_layers)
    check_freeze(names, trace[0], patterns, f"{num_layers} layers")


@pytest.mark.points(4)
def test_freeze_second_call_replaces_the_first(submission, rng):
    """A second call sets every flag again (frozen parameters train again if they match); ? and [..] work."""
    calls = [["head.*"], ["encoder.*"], ["encoder.layers.?.norm[12].weight", "encoder.layers.1.*", "head.bias"]]
    names, trace = run_freeze(submission, rng, calls)
    for k, patterns in enumerate(calls):
        check_freeze(names, trace[k], patterns, f"call {k + 1} of {len(calls)}")


@pytest.mark.points(3)
def test_freeze_returns_names_in_model_order(submission, rng):
    """The returned names follow model.named_parameters(), not the order of the patterns."""
    patterns = ["head.weight", "encoder.layers.0.norm2.*", "encoder.embeddings.token.weight"]
    names, trace = run_freeze(submission, rng, [patterns])
    check_freeze(names, trace[0], patterns, "patterns in reverse model order")


@pytest.mark.points(4)
def test_freeze_rejects_unmatched_pattern(submission, rng):
    """A pattern that matches no parameter (a typo) raises ValueError; valid patterns work."""
    names, trace = run_freeze(submission, rng, [["head.*", "encoder.layers.2.*"]])
    check_freeze(names, trace[0], ["head.*", "encoder.layers.2.*"], "valid patterns")
    for bad in (["head.*", "encoder.layer.2.*"], ["Head.*"], ["encoder.layers.3.*"]):
        with pytest.raises(ValueError):
            run_freeze(submission, rng, [bad])


# --------------------------------------------------------------------------------------------
# add_classification_head


def run_head(submission, rng, num_classes, dim=8, delta_scale=0.0):
    config = random_config(rng, dim=dim)
    weights = random_weights(rng, TinyEncoder(**config))
    seed = int(rng.integers(0, 2**31))
    ids = rng.integers(0, VOCAB, size=(5, SEQ))
    delta = rng.normal(size=weights["embeddings.token.weight"].shape) * delta_scale
    reply = submission.probe("add_head", config, weights, num_classes, seed, ids, delta)
    keys = ("state", "requires_grad", "logits", "logits_after")
    return config, weights, ids, delta, reply_dict(reply, keys, "add_classification_head")


def head_state(reply, weights, num_classes, dim, what):
    """The classifier's parameters: the encoder's own, unchanged, plus a head of the right shapes."""
    state = reply["state"]
    want_names = {f"encoder.{n}" for n in weights} | {"head.weight", "head.bias"}
    if not isinstance(state, dict) or set(state) != want_names:
        got = sorted(state) if isinstance(state, dict) else describe(state)
        raise AssertionError(f"{what}: expected parameters encoder.* and head.weight, head.bias, got {got}")
    for name, value in weights.items():
        assert_array_close(state[f"encoder.{name}"], value, what=f"{what}: encoder.{name}", **EXACT)
    weight = as_array(state["head.weight"], f"{what}: head.weight", ndim=2)
    if weight.shape != (num_classes, dim):
        raise AssertionError(f"{what}: head.weight should be {(num_classes, dim)}, got {weight.shape}")
    assert_array_close(state["head.bias"], np.zeros(num_classes), what=f"{what}: head.bias", **EXACT)
    return {
        **{f"encoder.{n}": v for n, v in weights.items()},
        "head.weight": weight,
        "head.bias": np.zeros(num_classes),
    }


def oracle_logits(config, state, num_classes, ids):
    with one_thread(), torch.no_grad():
        return oracle_classifier(config, state, num_classes)(torch.as_tensor(ids)).numpy()


@pytest.mark.points(5)
def test_head_parameters_and_initialisation(submission, rng):
    """The classifier keeps the pretrained weights, adds head.weight ~ N(0, 0.02^2) and a zero head.bias."""
    num_classes, dim = int(rng.integers(6, 9)), 16
    config, weights, _, _, reply = run_head(submission, rng, num_classes, dim=dim)
    state = head_state(reply, weights, num_classes, dim, f"add_classification_head(encoder, {num_classes})")
    weight = state["head.weight"]
    std, mean = float(weight.std()), float(weight.mean())
    # 96+ draws: the sample std of N(0, 0.02^2) is within 0.02 * (1 +- 0.5) by more than 7 sigma.
    if not (0.01 <= std <= 0.03 and abs(mean) <= 0.01):
        raise AssertionError(f"head.weight should be drawn from N(0, 0.02^2): got mean {mean:.4f}, std {std:.4f}")
    check_flags(reply["requires_grad"], {n: True for n in state}, "requires_grad of a new classifier")


@pytest.mark.points(7)
def test_head_logits_read_the_first_token(submission, rng):
    """forward returns head(encoder(input_ids)[:, 0]): raw logits of shape (B, num_classes)."""
    for num_classes in (2, int(rng.integers(3, 6))):
        config, weights, ids, _, reply = run_head(submission, rng, num_classes)
        state = head_state(reply, weights, num_classes, 8, f"add_classification_head(encoder, {num_classes})")
        want = oracle_logits(config, state, num_classes, ids)
        assert_array_close(reply["logits"], want, what=f"logits with {num_classes} classes", **TOL)


@pytest.mark.points(5)
def test_head_shares_the_encoder(submission, rng):
    """The classifier uses the encoder object it was given: changing the encoder changes its logits."""
    config, weights, ids, delta, reply = run_head(submission, rng, 3, delta_scale=0.5)
    state = head_state(reply, weights, 3, 8, "add_classification_head(encoder, 3)")
    assert_array_close(reply["logits"], oracle_logits(config, state, 3, ids), what="logits", **TOL)
    changed = dict(state, **{"encoder.embeddings.token.weight": weights["embeddings.token.weight"] + delta})
    want = oracle_logits(config, changed, 3, ids)
    assert_array_close(reply["logits_after"], want, what="logits after the encoder's embeddings changed", **TOL)


@pytest.mark.points(3)
def test_head_rejects_fewer_than_two_classes(submission, rng):
    """num_classes below 2 raises ValueError; 2 classes work."""
    _, weights, _, _, reply = run_head(submission, rng, 2)
    head_state(reply, weights, 2, 8, "add_classification_head(encoder, 2)")
    for bad in (1, 0):
        with pytest.raises(ValueError):
            run_head(submission, rng, bad)


# --------------------------------------------------------------------------------------------
# layerwise_lr_groups


def run_groups(submission, rng, num_layers, trainable_of, base_lr, decay):
    config = random_config(rng, num_layers)
    weights = classifier_weights(rng, config, 3)
    names = list(weights)
    trainable = [n for n in names if trainable_of(n)]
    got = submission.probe("lr_groups", config, weights, 3, trainable, base_lr, decay)
    return names, trainable, got


def check_groups(got, want, what):
    """A list of {"names", "lr"} dicts equal to the expected groups, in order."""
    if not isinstance(got, (list, tuple)) or not all(isinstance(g, dict) and {"names", "lr"} <= set(g) for g in got):
        raise AssertionError(f"{what}: expected a list of {{'names', 'lr'}} dicts, got {describe(got)}")
    got_names = [list(g["names"]) if isinstance(g["names"], (list, tuple)) else g["names"] for g in got]
    assert_equal(got_names, [names for names, _ in want], what=f"{what}: the groups' names")
    for k, (group, (_, lr)) in enumerate(zip(got, want, strict=True)):
        assert_close(group["lr"], lr, what=f"{what}: lr of group {k}", rtol=1e-12, atol=0.0)


@pytest.mark.points(7)
def test_groups_by_hand(submission, rng):
    """Three layers, decay 0.5: embeddings 1/16, layers 1/8, 1/4, 1/2, head 1 (times base_lr)."""
    names, trainable, got = run_groups(submission, rng, 3, lambda n: True, 1.0, 0.5)
    want = expected_groups(names, set(trainable), 3, 1.0, 0.5)
    assert [lr for _, lr in want] == [0.0625, 0.125, 0.25, 0.5, 1.0], "oracle"
    check_groups(got, want, "layerwise_lr_groups(model, 1.0, 0.5), 3 layers")


@pytest.mark.points(6)
def test_groups_skip_frozen_parameters(submission, rng):
    """Frozen parameters are left out, empty depths give no group, and L still counts every layer."""
    base_lr, decay = float(rng.choice([2e-5, 1e-4, 3e-3])), float(rng.choice([0.8, 0.65, 0.9]))

    def trainable(name):  # embeddings and layer 0 frozen; in layer 1, only the biases train
        if name.startswith(("encoder.embeddings.", "encoder.layers.0.")):
            return False
        return not name.startswith("encoder.layers.1.") or name.endswith("bias")

    names, kept, got = run_groups(submission, rng, 4, trainable, base_lr, decay)
    check_groups(got, expected_groups(names, set(kept), 4, base_lr, decay), f"decay {decay}, partly frozen model")


@pytest.mark.points(6)
def test_groups_random(submission, rng):
    """Random depths, learning rates, decays and frozen parameters give the expected groups."""
    for case in range(2):
        num_layers = int(rng.integers(2, 5))
        base_lr, decay = float(10.0 ** rng.uniform(-5, -2)), float(rng.uniform(0.5, 1.0))
        frozen = set(rng.choice(["embeddings", "layers.0", "layers.1", "norm", "bias"], size=2, replace=False))
        names, kept, got = run_groups(
            submission, rng, num_layers, lambda n, f=frozen: not any(part in n for part in f), base_lr, decay
        )
        want = expected_groups(names, set(kept), num_layers, base_lr, decay)
        check_groups(got, want, f"case {case}: {num_layers} layers, decay {decay:.3f}, frozen {sorted(frozen)}")


@pytest.mark.points(3)
def test_groups_reject_bad_arguments(submission, rng):
    """base_lr <= 0 or decay outside (0, 1] raises ValueError; decay = 1 gives one lr per depth."""
    names, kept, got = run_groups(submission, rng, 2, lambda n: True, 1e-3, 1.0)
    check_groups(got, expected_groups(names, set(kept), 2, 1e-3, 1.0), "decay 1")
    for base_lr, decay in ((0.0, 0.5), (-1e-3, 0.5), (1e-3, 0.0), (1e-3, 1.5)):
        with pytest.raises(ValueError):
            run_groups(submission, rng, 2, lambda n: True, base_lr, decay)


# --------------------------------------------------------------------------------------------
# fine_tune


def run_train(submission, rng, trainable_of, num_classes=3, **kwargs):
    """Fine-tune in the sandbox and replay on the judge's side; return what both gave."""
    config = random_config(rng)
    weights = classifier_weights(rng, config, num_classes)
    names = list(weights)
    trainable = [n for n in names if trainable_of(n)]
    ids, labels = toy_task(rng, num_classes)
    reply = submission.probe("train", config, weights, num_classes, trainable, ids, labels, kwargs)
    reply = reply_dict(reply, ("losses", "state", "requires_grad", "has_grad", "input_ids", "labels"), "fine_tune")
    want_losses, want_state = replay(config, weights, num_classes, trainable, ids, labels, **kwargs)
    return {
        "config": config, "weights": weights, "names": names, "trainable": set(trainable), "ids": ids,
        "labels": labels, "reply": reply, "losses": want_losses, "state": want_state,
    }  # fmt: skip


def check_training(run, what):
    """Losses and parameters match the replay; frozen parameters are untouched and got no gradient."""
    reply, frozen = run["reply"], set(run["names"]) - run["trainable"]
    check_flags(reply["requires_grad"], {n: n in run["trainable"] for n in run["names"]}, f"{what}: requires_grad")
    check_state(reply["state"], run["state"], what, frozen=frozen, initial=run["weights"])
    check_losses(reply["losses"], run["losses"], what)
    check_flags(
        {n: reply["has_grad"].get(n) for n in frozen} if isinstance(reply["has_grad"], dict) else None,
        dict.fromkeys(frozen, False),
        f"{what}: a .grad on frozen parameters",
    )


@pytest.mark.points(6)
def test_fine_tune_head_only(submission, rng):
    """Head only: the encoder stays bit for bit and gets no gradient; the head follows AdamW."""
    run = run_train(submission, rng, lambda n: n.startswith("head."), steps=5, lr=0.05, weight_decay=0.01)
    check_training(run, "fine_tune with a frozen encoder")


@pytest.mark.points(6)
def test_fine_tune_top_layer_and_head(submission, rng):
    """The top layer and the head train with decoupled weight decay; everything else is untouched."""
    run = run_train(
        submission,
        rng,
        lambda n: n.startswith(("head.", "encoder.layers.1.")) and "norm" not in n,
        steps=4,
        lr=float(rng.choice([0.01, 0.02])),
        weight_decay=float(rng.choice([0.05, 0.1])),
    )
    check_training(run, "fine_tune of layer 1 and the head")


@pytest.mark.points(5)
def test_fine_tune_with_layer_decay(submission, rng):
    """layer_decay gives every depth its own learning rate, as layerwise_lr_groups defines it."""
    decay = float(rng.choice([0.5, 0.7]))
    run = run_train(
        submission,
        rng,
        lambda n: "embeddings.position" not in n,
        steps=3,
        lr=0.02,
        weight_decay=0.01,
        layer_decay=decay,
    )
    check_training(run, f"fine_tune with layer_decay={decay}")


@pytest.mark.points(3)
def test_fine_tune_loss_goes_down(submission, rng):
    """The returned losses fall, and the judge's own loss on the returned parameters is lower than at the start."""
    run = run_train(submission, rng, lambda n: True, steps=6, lr=0.01, weight_decay=0.0)
    check_training(run, "fine_tune of the whole model")
    losses = [as_float(x, "loss") for x in run["reply"]["losses"]]
    assert run["losses"][-1] < run["losses"][0], "oracle: the replay's loss should fall"
    if not losses[-1] < losses[0]:
        raise AssertionError(f"the loss did not fall: {losses}")
    final = {n: np.asarray(run["reply"]["state"][n], dtype=np.float64) for n in run["names"]}
    before = mean_loss(run["config"], run["weights"], 3, run["ids"], run["labels"])
    after = mean_loss(run["config"], final, 3, run["ids"], run["labels"])
    if not after < before:
        raise AssertionError(f"the judge's loss on the returned parameters is {after:.6f}, {before:.6f} before")


@pytest.mark.points(3)
def test_fine_tune_rejects_nothing_to_do(submission, rng):
    """No trainable parameter or steps < 1 raise ValueError; one step on the head works."""
    run = run_train(submission, rng, lambda n: n == "head.bias", steps=1, lr=0.1)
    check_training(run, "one step on head.bias")
    config, weights = run["config"], run["weights"]
    for trainable, steps in (([], 2), (list(weights), 0)):
        # The probe only: no replay on the judge's side, whose own AdamW would raise ValueError too.
        with pytest.raises(ValueError):
            kwargs = {"steps": steps, "lr": 0.1}
            submission.probe("train", config, weights, 3, trainable, run["ids"], run["labels"], kwargs)


@pytest.mark.points(2)
def test_fine_tune_biases_only(submission, rng):
    """BitFit: only the biases train, with weight decay; every weight stays bit for bit."""
    run = run_train(submission, rng, lambda n: n.endswith(".bias") or n.endswith("in_proj_bias"), steps=3, lr=0.03)
    check_training(run, "fine_tune of the biases")


@pytest.mark.points(1)
def test_fine_tune_does_not_modify_the_data(submission, rng):
    """input_ids and labels are left unchanged (self-reported by the sandbox: 1 point)."""
    run = run_train(submission, rng, lambda n: n.startswith("head."), steps=2, lr=0.05)
    check_training(run, "mutation check")
    assert_array_close(run["reply"]["input_ids"], run["ids"], what="input_ids after fine_tune", **EXACT)
    assert_array_close(run["reply"]["labels"], run["labels"], what="labels after fine_tune", **EXACT)


# --------------------------------------------------------------------------------------------
# the whole recipe


@pytest.mark.points(8)
def test_pipeline_end_to_end(submission, rng):
    """Head, freeze, layer-wise groups and fine_tune together give the judge's replay from the same start."""
    config = random_config(rng, 3)
    encoder_weights = random_weights(rng, TinyEncoder(**config))
    num_classes, seed = 3, int(rng.integers(0, 2**31))
    patterns = ["head.*", "encoder.layers.2.*", "encoder.layers.1.*"]
    ids, labels = toy_task(rng, num_classes)
    kwargs = {"steps": 4, "lr": 0.02, "weight_decay": 0.01, "layer_decay": 0.6}
    reply = submission.probe("pipeline", config, encoder_weights, num_classes, seed, patterns, ids, labels, kwargs)
    keys = ("before", "freeze", "groups", "losses", "state", "requires_grad", "has_grad")
    reply = reply_dict(reply, keys, "the pipeline")
    start = head_state({"state": reply["before"]}, encoder_weights, num_classes, 8, "the new classifier")
    names = list(start)
    trainable = [n for n in names if any(fnmatchcase(n, p) for p in patterns)]
    assert_equal(reply["freeze"], trainable, what="names returned by freeze")
    check_groups(reply["groups"], expected_groups(names, set(trainable), 3, 0.02, 0.6), "layerwise_lr_groups")
    want_losses, want_state = replay(config, start, num_classes, trainable, ids, labels, **kwargs)
    run = {
        "reply": reply, "names": names, "trainable": set(trainable), "weights": start,
        "state": want_state, "losses": want_losses,
    }  # fmt: skip
    check_training(run, "the pipeline")
