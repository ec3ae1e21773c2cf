"""Hidden tests for ``masked_cross_entropy(logits, targets, pad_id)``.

The oracle is ``torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1),
ignore_index=pad_id)`` in float64, run here on the judge's side, plus one case worked out by hand.
Where torch and the contract part ways (every target is padding: torch gives NaN; a target out of
range: torch raises its own error), the contract's ValueError is expected.

Losses are compared with ``rtol=1e-6, atol=1e-8``, as the statement says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import assert_array_close, assert_close


def oracle(logits, targets, pad_id: int) -> float:
    logits = np.asarray(logits, dtype=np.float64)
    flat = torch.as_tensor(logits.reshape(-1, logits.shape[-1]))
    labels = torch.as_tensor(np.asarray(targets, dtype=np.int64).reshape(-1))
    value = float(F.cross_entropy(flat, labels, ignore_index=pad_id))
    assert math.isfinite(value), "oracle: no non-pad target"
    return value


def padded_targets(rng, n: int, steps: int, vocab: int, pad_id: int) -> np.ndarray:
    """Target sequences of random lengths (at least one real token in all), padded at the end."""
    targets = rng.integers(0, vocab, size=(n, steps))
    lengths = rng.integers(0, steps + 1, size=n)
    kept = int(rng.integers(n))
    lengths[kept] = int(rng.integers(1, steps + 1))
    for row, length in enumerate(lengths):
        targets[row, length:] = pad_id
    if targets[kept, 0] == pad_id:  # a drawn token may be pad_id itself, which is padding too
        targets[kept, 0] = (pad_id + 1) % vocab
    return targets


def random_batch(rng, pad_id: int | None = None, scale: float = 3.0):
    n, steps, vocab = int(rng.integers(2, 6)), int(rng.integers(2, 8)), int(rng.integers(3, 12))
    if pad_id is None:
        pad_id = int(rng.integers(vocab))
    logits = rng.normal(size=(n, steps, vocab)) * scale
    return logits, padded_targets(rng, n, steps, vocab, pad_id), pad_id


def check(submission, logits, targets, pad_id, what: str) -> None:
    got = submission.masked_cross_entropy(logits, targets, pad_id)
    assert_close(got, oracle(logits, targets, pad_id), what=what)


def name(logits, targets, pad_id) -> str:
    return f"masked_cross_entropy(logits {np.shape(logits)}, targets {np.shape(targets)}, pad_id={pad_id})"


@pytest.mark.points(10)
def test_ce_matches_torch_on_padded_batches(submission, rng):
    """Random (N, T, V) batches padded at the end agree with F.cross_entropy(ignore_index=pad_id)."""
    for _ in range(4):
        logits, targets, pad_id = random_batch(rng)
        check(submission, logits, targets, pad_id, name(logits, targets, pad_id))


@pytest.mark.points(4)
def test_ce_flat_tokens(submission, rng):
    """A flat (M, V) batch of tokens with (M,) targets agrees with torch."""
    for _ in range(2):
        m, vocab = int(rng.integers(3, 20)), int(rng.integers(2, 10))
        pad_id = int(rng.integers(vocab))
        logits = rng.normal(size=(m, vocab)) * 2
        targets = rng.integers(0, vocab, size=m)
        targets[rng.integers(m)] = (pad_id + 1) % vocab  # at least one real token
        check(submission, logits, targets, pad_id, name(logits, targets, pad_id))


@pytest.mark.points(2)
def test_ce_nested_lists(submission, rng):
    """Logits and targets given as nested Python lists give the same loss."""
    logits, targets, pad_id = random_batch(rng)
    got = submission.masked_cross_entropy(logits.tolist(), targets.tolist(), pad_id)
    assert_close(got, oracle(logits, targets, pad_id), what=f"nested lists: {name(logits, targets, pad_id)}")


@pytest.mark.points(2)
def test_ce_worked_by_hand(submission):
    """Two-class case worked by hand: the loss is the mean of -log p(target) over the real tokens."""
    logits = [[[0.0, math.log(3.0)], [5.0, 5.0]], [[math.log(4.0), 0.0], [1.0, 2.0]]]
    targets = [[1, 0], [0, -1]]  # p = 3/4, 1/2, 4/5; the last token is padding
    expected = -(math.log(3 / 4) + math.log(1 / 2) + math.log(4 / 5)) / 3
    got = submission.masked_cross_entropy(logits, targets, -1)
    assert_close(got, expected, what="masked_cross_entropy(two classes, pad_id=-1)")


@pytest.mark.points(2)
@pytest.mark.parametrize("where", ["pad_id = -100", "pad_id = V"])
def test_ce_pad_id_outside_the_vocabulary(submission, rng, where):
    """A pad_id that is not a class id (-100, as torch's default, or V) is ignored all the same."""
    logits, targets, _ = random_batch(rng, pad_id=0)
    vocab = logits.shape[-1]
    pad_id = -100 if where == "pad_id = -100" else vocab
    targets = np.where(targets == 0, pad_id, targets)
    targets[0, 0] = 1  # a real token
    check(submission, logits, targets, pad_id, f"{where}: {name(logits, targets, pad_id)}")


@pytest.mark.points(5)
def test_ce_pad_class_stays_in_the_softmax(submission, rng):
    """Hand-made: pad_id = 0 is also a class with large logits; it is still part of every softmax."""
    logits = rng.normal(size=(2, 4, 5))
    logits[..., 0] += 4.0  # the model puts a lot of mass on the pad class
    targets = np.array([[3, 1, 4, 0], [2, 0, 0, 0]])
    check(submission, logits, targets, 0, "pad_id=0 with large pad-class logits")
    check(submission, logits.reshape(8, 5), targets.reshape(8), 0, "the same, as (M, V)")


@pytest.mark.points(6)
def test_ce_large_logits(submission, rng):
    """Logits around 1e4 (hand-made) and up to 5e4 (random) give the exact finite loss."""
    logits = np.array([[[1e4, 1e4 - 10.0, -1e4], [-2e4, 3e4, 3e4]]])
    targets = np.array([[1, 2]])  # -log p = 10 + log(1 + e^-10), log 2
    check(submission, logits, targets, 7, "logits of 1e4 (hand-made)")
    logits, targets, pad_id = random_batch(rng, scale=1e4)
    check(submission, logits, targets, pad_id, f"random logits of ~1e4: {name(logits, targets, pad_id)}")


@pytest.mark.points(4)
def test_ce_mean_over_tokens_not_sequences(submission, rng):
    """Hand-made: a 1-token and a 4-token sequence: the mean is over the 5 tokens, not per sequence."""
    logits = rng.normal(size=(2, 4, 6)) * 2
    targets = np.array([[5, 9, 9, 9], [1, 2, 3, 4]])
    check(submission, logits, targets, 9, "sequences of 1 and 4 tokens, pad_id=9")


@pytest.mark.points(3)
def test_ce_padding_anywhere(submission, rng):
    """Hand-made: pad tokens at the start and in the middle are ignored, wherever they are."""
    logits = rng.normal(size=(3, 5, 4)) * 2
    targets = np.array([[2, 2, 1, 3, 0], [1, 2, 2, 1, 2], [2, 0, 2, 3, 2]])
    check(submission, logits, targets, 2, "pad_id=2 at the start and in the middle")


@pytest.mark.points(3)
def test_ce_all_padding_raises(submission, rng):
    """Every target is padding: ValueError (and a batch with a real token is answered)."""
    logits, targets, pad_id = random_batch(rng)
    check(submission, logits, targets, pad_id, name(logits, targets, pad_id))
    with pytest.raises(ValueError):
        submission.masked_cross_entropy(logits, np.full(targets.shape, pad_id), pad_id)


@pytest.mark.points(2)
@pytest.mark.parametrize("bad", ["target = V", "target = -1"])
def test_ce_target_out_of_range_raises(submission, rng, bad):
    """A non-pad target outside [0, V) raises ValueError (and a valid batch is answered)."""
    logits, targets, pad_id = random_batch(rng)
    check(submission, logits, targets, pad_id, name(logits, targets, pad_id))
    targets = targets.copy()
    targets[-1, 0] = logits.shape[-1] if bad == "target = V" else -1
    with pytest.raises(ValueError):
        submission.masked_cross_entropy(logits, targets, pad_id)


@pytest.mark.points(2)
def test_ce_shape_mismatch_raises(submission, rng):
    """Targets whose shape is not logits.shape[:-1] raise ValueError (and a valid batch is answered)."""
    logits, targets, pad_id = random_batch(rng)
    check(submission, logits, targets, pad_id, name(logits, targets, pad_id))
    with pytest.raises(ValueError):
        submission.masked_cross_entropy(logits[:, :-1], targets, pad_id)


@pytest.mark.points(1)
def test_ce_does_not_mutate_inputs(submission, rng):
    """logits and targets are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    logits, targets, pad_id = random_batch(rng)
    before = [logits.copy(), targets.copy()]
    result, after, _ = submission.call_with_inputs("masked_cross_entropy", logits, targets, pad_id)
    assert_close(result, oracle(*before, pad_id), what="masked_cross_entropy (mutation check)")
    for label, old, new in zip(["logits", "targets"], before, after[:2], strict=True):
        assert_array_close(new, old, what=f"argument {label} after the call", rtol=0, atol=0)
