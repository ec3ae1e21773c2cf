"""Hidden tests for the ``word2vec`` exercise: skip-gram pairs, the negative-sampling loss and its
gradients, and an SGD step.

Oracles (judge side only):
- ``skipgram_pairs``: two nested loops over positions, written from the statement.
- ``sgns_loss_and_grads``: the same formula written with torch tensors in float64
  (``F.logsigmoid``, stable for any argument) and differentiated by torch autograd, whose indexing
  backward adds the contributions of repeated indices.
- ``sgd_step``: ``table - lr * grad`` in float64.

Loss and gradients are compared with rtol=1e-6, atol=1e-8 (the statement says so); pairs exactly.
Fixed cases hit every trap the statement names: repeated indices, a negative equal to the
context, dot products of magnitude 1000 and of 40 (where ``log(1 - sigmoid(x))`` is ``-inf``),
unused rows, negative indices, float32 tables. Random cases come from the ``rng`` fixture.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import as_array, as_float, as_int_array, assert_array_close, assert_close, describe

LN3 = math.log(3.0)


# --------------------------------------------------------------------------------------------
# oracles


def oracle_pairs(token_ids, window):
    """Skip-gram pairs by two loops over positions, in the statement's order."""
    ids = [int(t) for t in token_ids]
    pairs = []
    for i in range(len(ids)):
        for j in range(i - window, i + window + 1):
            if j != i and 0 <= j < len(ids):
                pairs.append([ids[i], ids[j]])
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def oracle_sgns(center_vecs, context_vecs, center, context, negatives):
    """(loss, grad_center_vecs, grad_context_vecs) by torch autograd in float64."""
    w_in = torch.tensor(np.asarray(center_vecs, dtype=np.float64), requires_grad=True)
    w_out = torch.tensor(np.asarray(context_vecs, dtype=np.float64), requires_grad=True)
    c = torch.as_tensor(np.asarray(center, dtype=np.int64))
    o = torch.as_tensor(np.asarray(context, dtype=np.int64))
    neg = torch.as_tensor(np.asarray(negatives, dtype=np.int64))
    v = w_in[c]
    s_pos = (v * w_out[o]).sum(-1)
    s_neg = torch.einsum("bkd,bd->bk", w_out[neg], v)
    loss = -(F.logsigmoid(s_pos) + F.logsigmoid(-s_neg).sum(-1)).mean()
    loss.backward()
    return loss.item(), w_in.grad.numpy().copy(), w_out.grad.numpy().copy()


# --------------------------------------------------------------------------------------------
# helpers


def check_pairs(got, expected, what):
    """An integer (n, 2) array equal to ``expected``, with the first differing row named."""
    array = as_int_array(got, what)
    if np.asarray(got).dtype.kind not in "iu":
        raise AssertionError(f"{what}: expected an integer dtype, got {describe(got)}")
    if array.shape != expected.shape:
        raise AssertionError(f"{what}: expected shape {expected.shape}, got shape {array.shape}")
    rows = np.nonzero((array != expected).any(axis=1))[0]
    if rows.size:
        r = int(rows[0])
        raise AssertionError(
            f"{what}: {rows.size} of {len(expected)} pairs differ; pair {r} is {array[r].tolist()}, "
            f"expected {expected[r].tolist()}"
        )


def triple(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(f"{what}: expected (loss, grad_center_vecs, grad_context_vecs), got {describe(result)}")
    return result


def finite(value, what):
    array = as_array(value, what)
    if not np.all(np.isfinite(array)):
        raise AssertionError(f"{what}: non-finite values, got {describe(array)}")
    return array


def check_sgns(result, expected, what, check_loss=True, check_grads=True):
    """Compare (loss, grad_center, grad_context) with the oracle's, loss first."""
    loss, g_in, g_out = triple(result, what)
    want_loss, want_in, want_out = expected
    if check_loss:
        got_loss = as_float(loss, f"{what} loss")
        if not math.isfinite(got_loss):
            raise AssertionError(f"{what} loss: expected a finite number, got {got_loss!r}")
        assert_close(got_loss, want_loss, what=f"{what} loss")
    if check_grads:
        assert_array_close(finite(g_in, f"{what} grad_center_vecs"), want_in, what=f"{what} grad_center_vecs")
        assert_array_close(finite(g_out, f"{what} grad_context_vecs"), want_out, what=f"{what} grad_context_vecs")


def random_batch(rng, *, v_in=None, v_out=None, d=None, batch=None, k=None, scale=1.0):
    """Random tables and indices; the same V for both tables unless given."""
    v_in = v_in or int(rng.integers(5, 30))
    v_out = v_out or v_in
    d = d or int(rng.integers(2, 9))
    batch = batch or int(rng.integers(1, 17))
    k = k or int(rng.integers(1, 7))
    center_vecs = rng.normal(size=(v_in, d)) * scale
    context_vecs = rng.normal(size=(v_out, d)) * scale
    center = rng.integers(0, v_in, size=batch)
    context = rng.integers(0, v_out, size=batch)
    negatives = rng.integers(0, v_out, size=(batch, k))
    return center_vecs, context_vecs, center, context, negatives


def expect_value_error(function, *args, what):
    """``function(*args)`` raises ValueError; any other exception propagates as the candidate's error."""
    try:
        got = function(*args)
    except ValueError:
        return
    raise AssertionError(f"{what} should raise ValueError, returned {describe(got)}")


# --------------------------------------------------------------------------------------------
# skipgram_pairs


@pytest.mark.points(3)
def test_pairs_statement_examples(submission):
    """The statement's examples with windows 1 and 2 give the pairs in the stated order."""
    for window in (1, 2):
        tokens = [10, 11, 12, 13]
        check_pairs(submission.skipgram_pairs(tokens, window), oracle_pairs(tokens, window), f"window {window}")


@pytest.mark.points(10)
def test_pairs_random(submission, rng):
    """Random sequences and windows give the pairs of the two-loop oracle, in order."""
    for case in range(4):
        n, window = int(rng.integers(2, 40)), int(rng.integers(1, 6))
        tokens = rng.integers(0, 50, size=n).tolist()
        what = f"case {case}: skipgram_pairs(<{n} ids>, window={window})"
        check_pairs(submission.skipgram_pairs(tokens, window), oracle_pairs(tokens, window), what)


@pytest.mark.points(3)
def test_pairs_same_id_at_other_positions(submission, rng):
    """The same id at two positions is a real pair; only a position with itself is skipped."""
    check_pairs(submission.skipgram_pairs([7, 7, 7], 1), oracle_pairs([7, 7, 7], 1), "skipgram_pairs([7, 7, 7], 1)")
    tokens = rng.integers(0, 2, size=int(rng.integers(8, 15))).tolist()
    check_pairs(submission.skipgram_pairs(tokens, 3), oracle_pairs(tokens, 3), f"skipgram_pairs({tokens}, 3)")


@pytest.mark.points(2)
def test_pairs_window_longer_than_sequence(submission, rng):
    """A window longer than the sequence pairs every position with every other one."""
    tokens = rng.integers(0, 100, size=int(rng.integers(2, 6))).tolist()
    window = len(tokens) + int(rng.integers(1, 10))
    what = f"skipgram_pairs({tokens}, {window})"
    check_pairs(submission.skipgram_pairs(tokens, window), oracle_pairs(tokens, window), what)


@pytest.mark.points(2)
def test_pairs_short_sequences(submission):
    """Two tokens give two pairs; one token or none gives an integer array of shape (0, 2)."""
    check_pairs(submission.skipgram_pairs([3, 4], 2), oracle_pairs([3, 4], 2), "skipgram_pairs([3, 4], 2)")
    for tokens in ([5], []):
        got = submission.skipgram_pairs(tokens, 2)
        check_pairs(got, np.zeros((0, 2), dtype=np.int64), f"skipgram_pairs({tokens}, 2)")


@pytest.mark.points(1)
def test_pairs_numpy_integer_input(submission, rng):
    """A numpy int32 array of ids and a numpy integer window are accepted."""
    tokens = rng.integers(0, 1000, size=12).astype(np.int32)
    window = np.int64(2)
    what = "skipgram_pairs(int32 array, np.int64(2))"
    check_pairs(submission.skipgram_pairs(tokens, window), oracle_pairs(tokens, 2), what)


@pytest.mark.points(3)
def test_pairs_rejects_invalid(submission):
    """A window below 1 or not an int, and 2-D, negative or float ids raise ValueError."""
    check_pairs(submission.skipgram_pairs([1, 2, 3], 1), oracle_pairs([1, 2, 3], 1), "a valid call first")
    for window in (0, -1, 2.0):
        expect_value_error(submission.skipgram_pairs, [1, 2, 3], window, what=f"window={window!r}")
    for tokens in ([[1, 2], [3, 4]], [1, -2, 3], [1, 2.5, 3], np.array([1.0, 2.0])):
        expect_value_error(submission.skipgram_pairs, tokens, 1, what=f"token_ids={tokens!r}")


# --------------------------------------------------------------------------------------------
# sgns_loss_and_grads


@pytest.mark.points(4)
def test_sgns_worked_example(submission):
    """The statement's worked example (d = 1, unused rows in both tables) gives its loss and gradients."""
    args = ([[1.0], [5.0]], [[LN3], [-LN3], [7.0]], [0], [0], [[1]])
    expected = (2 * math.log(4 / 3), np.array([[-LN3 / 2], [0.0]]), np.array([[-0.25], [0.25], [0.0]]))
    check_sgns(submission.sgns_loss_and_grads(*args), expected, "worked example")


@pytest.mark.points(8)
def test_sgns_loss_random(submission, rng):
    """The loss of random batches agrees with the oracle (the mean over pairs, the sum over negatives)."""
    for case in range(3):
        # The first case has at least two negatives: with one, their sum and their mean agree.
        args = random_batch(rng, k=int(rng.integers(2, 7)) if case == 0 else None)
        what = f"case {case}: batch of {len(args[2])} pairs with {args[4].shape[1]} negatives"
        check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), what, check_grads=False)


@pytest.mark.points(14)
def test_sgns_grads_random(submission, rng):
    """The gradients of random batches, with both tables, agree with autograd."""
    for case in range(4):
        args = random_batch(rng, batch=int(rng.integers(4, 33)))
        what = f"case {case}: batch of {len(args[2])} pairs with {args[4].shape[1]} negatives"
        check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), what, check_loss=False)


@pytest.mark.points(8)
def test_sgns_repeated_indices_accumulate(submission, rng):
    """Rows used several times in a batch (centers, contexts, negatives) get the sum of every use."""
    center_vecs, context_vecs = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    center = [0, 0, 1, 0]
    context = [2, 2, 2, 3]
    negatives = [[4, 4, 1], [4, 3, 3], [1, 1, 1], [4, 0, 4]]
    args = (center_vecs, context_vecs, center, context, negatives)
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), "a batch with repeated indices")


@pytest.mark.points(5)
def test_sgns_negative_equal_to_context(submission, rng):
    """A negative equal to the pair's context keeps both terms of the loss and both gradients."""
    center_vecs, context_vecs = rng.normal(size=(3, 4)), rng.normal(size=(4, 4))
    args = (center_vecs, context_vecs, [1, 2], [3, 0], [[3, 1], [2, 0]])
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), "negatives equal to the context")


@pytest.mark.points(6)
def test_sgns_large_dot_products(submission, rng):
    """Dot products of magnitude 1000, in both directions, give the finite exact loss and gradients."""
    # Pair 0: u_o.v = -1000 and u_1.v = +1000 (each term of the loss is 1000).
    # Pair 1: u_o.v = +1000 and u_1.v = -1000 (each term is about exp(-1000), i.e. 0).
    center_vecs = np.array([[10.0, 0.0], [0.0, -10.0]])
    context_vecs = np.array([[-100.0, 100.0], [100.0, -100.0], [0.5, 0.25]])
    args = (center_vecs, context_vecs, [0, 1], [0, 0], [[1, 2], [1, 2]])
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), "dot products of magnitude 1000")
    scale = float(rng.uniform(20.0, 40.0))
    args = random_batch(rng, d=4, batch=8, k=3, scale=scale)
    what = f"random tables scaled by {scale:.1f} (dot products in the thousands)"
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), what)


@pytest.mark.points(4)
def test_sgns_dot_products_of_40(submission):
    """Dot products of about 40 (where 1 - sigmoid(x) rounds to 0) give the finite exact loss."""
    center_vecs = np.array([[1.0, 2.0]])
    context_vecs = np.array([[-10.0, -15.0], [12.0, 14.0], [20.0, 10.0]])  # dots -40, 40, 40
    args = (center_vecs, context_vecs, [0], [0], [[1, 2]])
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), "dot products of +-40")


@pytest.mark.points(3)
def test_sgns_tables_of_different_sizes(submission, rng):
    """Tables with different row counts give gradients of each table's shape, zero in unused rows."""
    v_in, v_out = int(rng.integers(10, 20)), int(rng.integers(25, 40))
    args = random_batch(rng, v_in=v_in, v_out=v_out, batch=3, k=2)
    what = f"center_vecs ({v_in} rows) and context_vecs ({v_out} rows)"
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), what)


@pytest.mark.points(2)
def test_sgns_float32_tables_and_lists(submission, rng):
    """float32 tables are computed in float64; nested lists are accepted for every argument."""
    center_vecs, context_vecs, center, context, negatives = random_batch(rng, v_in=50, d=32, batch=256, k=10, scale=3.0)
    args = (center_vecs.astype(np.float32), context_vecs.astype(np.float32), center, context, negatives)
    check_sgns(submission.sgns_loss_and_grads(*args), oracle_sgns(*args), "float32 tables")
    args = random_batch(rng)
    as_lists = [np.asarray(a).tolist() for a in args]
    check_sgns(submission.sgns_loss_and_grads(*as_lists), oracle_sgns(*args), "arguments given as lists")


@pytest.mark.points(4)
def test_sgns_rejects_invalid(submission, rng):
    """Out-of-range or negative indices, mismatched shapes and an empty batch raise ValueError."""
    center_vecs, context_vecs = rng.normal(size=(4, 3)), rng.normal(size=(6, 3))
    good = (center_vecs, context_vecs, [0, 3], [5, 1], [[2, 0], [4, 5]])
    check_sgns(submission.sgns_loss_and_grads(*good), oracle_sgns(*good), "a valid call first")
    cases = {
        "a center index equal to V_c": (center_vecs, context_vecs, [0, 4], [5, 1], [[2, 0], [4, 5]]),
        "a context index equal to V_o": (center_vecs, context_vecs, [0, 3], [6, 1], [[2, 0], [4, 5]]),
        "a negative index of -1": (center_vecs, context_vecs, [0, 3], [5, 1], [[2, 0], [4, -1]]),
        "a center index of -1": (center_vecs, context_vecs, [0, -1], [5, 1], [[2, 0], [4, 5]]),
        "tables with different d": (center_vecs, rng.normal(size=(6, 2)), [0, 3], [5, 1], [[2, 0], [4, 5]]),
        "a 1-D table": (center_vecs[0], context_vecs, [0, 3], [5, 1], [[2, 0], [4, 5]]),
        "context shorter than center": (center_vecs, context_vecs, [0, 3], [5], [[2, 0], [4, 5]]),
        "negatives with too few rows": (center_vecs, context_vecs, [0, 3], [5, 1], [[2, 0]]),
        "1-D negatives": (center_vecs, context_vecs, [0, 3], [5, 1], [2, 0]),
        "2-D center": (center_vecs, context_vecs, [[0, 3]], [5, 1], [[2, 0], [4, 5]]),
        "an empty batch": (center_vecs, context_vecs, np.zeros(0, int), np.zeros(0, int), np.zeros((0, 2), int)),
    }
    for name, args in cases.items():
        expect_value_error(submission.sgns_loss_and_grads, *args, what=f"sgns_loss_and_grads with {name}")


@pytest.mark.points(2)
def test_sgns_does_not_mutate_inputs(submission, rng):
    """Tables and index arrays are left unchanged (reported by the sandbox); the result is checked too."""
    args = list(random_batch(rng, batch=6, k=3))
    before = [np.array(a, copy=True) for a in args]
    result, after, _ = submission.call_with_inputs("sgns_loss_and_grads", *args)
    check_sgns(result, oracle_sgns(*before), "sgns_loss_and_grads (mutation check)")
    names = ["center_vecs", "context_vecs", "center", "context", "negatives"]
    for name, old, new in zip(names, before, after, strict=True):
        assert_array_close(new, old, what=f"argument {name} after the call", rtol=0, atol=0)


# --------------------------------------------------------------------------------------------
# sgd_step


def pair_of_tables(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected (new_center_vecs, new_context_vecs), got {describe(result)}")
    return result


def check_step(result, expected, what):
    new_in, new_out = pair_of_tables(result, what)
    assert_array_close(new_in, expected[0], what=f"{what} new_center_vecs")
    assert_array_close(new_out, expected[1], what=f"{what} new_context_vecs")


@pytest.mark.points(4)
def test_sgd_step_values(submission, rng):
    """The new tables are table - lr * grad, for a float and an int learning rate."""
    for lr in (float(rng.uniform(0.01, 0.5)), 2):
        w_in, w_out = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))
        g_in, g_out = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))
        expected = (w_in - lr * g_in, w_out - lr * g_out)
        check_step(submission.sgd_step(w_in, w_out, g_in, g_out, lr), expected, f"sgd_step with lr={lr}")


@pytest.mark.points(2)
def test_sgd_step_does_not_mutate_inputs(submission, rng):
    """The tables and gradients passed in are left unchanged (reported by the sandbox); the result is checked too."""
    args = [rng.normal(size=(4, 2)), rng.normal(size=(6, 2)), rng.normal(size=(4, 2)), rng.normal(size=(6, 2)), 0.25]
    before = [np.array(a, copy=True) for a in args[:4]]
    result, after, _ = submission.call_with_inputs("sgd_step", *args)
    check_step(result, (before[0] - 0.25 * before[2], before[1] - 0.25 * before[3]), "sgd_step (mutation check)")
    names = ["center_vecs", "context_vecs", "grad_center", "grad_context"]
    for name, old, new in zip(names, before, after[:4], strict=True):
        assert_array_close(new, old, what=f"argument {name} after the call", rtol=0, atol=0)


@pytest.mark.points(3)
def test_sgd_step_rejects_invalid(submission, rng):
    """A learning rate that is not a finite number > 0, or a gradient of the wrong shape, raises ValueError."""
    w_in, w_out, g_in, g_out = (rng.normal(size=s) for s in [(3, 2), (4, 2), (3, 2), (4, 2)])
    check_step(submission.sgd_step(w_in, w_out, g_in, g_out, 0.5), (w_in - 0.5 * g_in, w_out - 0.5 * g_out), "valid")
    for lr in (0.0, -0.1, float("nan"), float("inf")):
        expect_value_error(submission.sgd_step, w_in, w_out, g_in, g_out, lr, what=f"sgd_step with lr={lr!r}")
    expect_value_error(submission.sgd_step, w_in, w_out, g_out, g_out, 0.5, what="sgd_step with a (4, 2) grad_center")
    expect_value_error(submission.sgd_step, w_in, w_out, g_in, g_in, 0.5, what="sgd_step with a (3, 2) grad_context")
    # Shapes that numpy would broadcast silently:
    expect_value_error(
        submission.sgd_step, w_in, w_out, g_in[:1], g_out, 0.5, what="sgd_step with a (1, 2) grad_center"
    )
    expect_value_error(submission.sgd_step, w_in, w_out, g_in, g_out[0], 0.5, what="sgd_step with a (2,) grad_context")


# --------------------------------------------------------------------------------------------
# both together


@pytest.mark.points(7)
def test_training_steps(submission, rng):
    """Five training steps driven through both functions follow the oracle's losses and tables."""
    tokens = rng.integers(0, 12, size=30).tolist()
    pairs = oracle_pairs(tokens, 2)
    center_vecs, context_vecs = rng.normal(size=(12, 5)) * 0.5, rng.normal(size=(12, 5)) * 0.5
    want_in, want_out = center_vecs.copy(), context_vecs.copy()
    got_in, got_out = center_vecs, context_vecs
    lr = 0.5
    for step in range(5):
        rows = rng.choice(len(pairs), size=16, replace=False)
        center, context = pairs[rows, 0], pairs[rows, 1]
        negatives = rng.integers(0, 12, size=(16, 4))
        want_loss, want_g_in, want_g_out = oracle_sgns(want_in, want_out, center, context, negatives)
        result = triple(submission.sgns_loss_and_grads(got_in, got_out, center, context, negatives), f"step {step}")
        assert_close(as_float(result[0], f"step {step} loss"), want_loss, what=f"step {step} loss")
        got_in, got_out = pair_of_tables(
            submission.sgd_step(got_in, got_out, result[1], result[2], lr), f"step {step} sgd_step"
        )
        want_in, want_out = want_in - lr * want_g_in, want_out - lr * want_g_out
    assert_array_close(got_in, want_in, what="center_vecs after 5 steps")
    assert_array_close(got_out, want_out, what="context_vecs after 5 steps")
