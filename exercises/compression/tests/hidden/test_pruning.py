"""Hidden tests for ``magnitude_prune`` (compression exercise).

Oracle (judge side only): ``torch.nn.utils.prune.global_unstructured`` with
``pruning_method=prune.L1Unstructured`` and ``amount=sparsity``, on one throwaway module per array,
in float64. torch computes ``k = round(amount * n)`` with Python's round, as the contract does.

torch picks among equal magnitudes with ``topk``, in no documented order, so the random weights
are continuous draws (ties have probability zero) and ties are tested on hand-made cases whose
expected masks are written out from the contract's positional rule.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.utils.prune as prune

from grader.testing import as_array, assert_array_close, describe

EXACT = {"rtol": 0, "atol": 0}


def oracle(arrays, sparsity):
    """(pruned, masks) as lists, from torch's global L1 pruning."""
    modules = []
    for array in arrays:
        module = torch.nn.Module()
        module.register_parameter("weight", torch.nn.Parameter(torch.as_tensor(np.array(array, dtype=np.float64))))
        modules.append((module, "weight"))
    prune.global_unstructured(modules, pruning_method=prune.L1Unstructured, amount=float(sparsity))
    masks = [m.weight_mask.detach().numpy().astype(bool) for m, _ in modules]
    pruned = [m.weight.detach().numpy().copy() for m, _ in modules]
    return pruned, masks


def random_arrays(rng, count=3):
    """A few arrays of different shapes and ranges, like the layers of a small network."""
    shapes = [
        (int(rng.integers(2, 7)), int(rng.integers(2, 7))),
        (int(rng.integers(3, 10)),),
        (2, 3, int(rng.integers(2, 4))),
    ]
    return [rng.normal(size=shapes[i % 3]) * math.exp(rng.uniform(-2, 1)) for i in range(count)]


def _pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (pruned, masks), got {describe(result)}")
    return result


def _as_list(value, names, what):
    """The candidate's dict (with exactly these keys) or list, as a list in the expected order."""
    if names is None:
        if not isinstance(value, (list, tuple)):
            raise AssertionError(f"{what}: expected a list, got {describe(value)}")
        return list(value)
    if not isinstance(value, dict) or set(value) != set(names):
        raise AssertionError(f"{what}: expected a dict with keys {names}, got {describe(value)}")
    return [value[name] for name in names]


def check(result, expected_pruned, expected_masks, what, names=None):
    pruned, masks = _pair(result, what)
    pruned, masks = _as_list(pruned, names, f"{what}: pruned"), _as_list(masks, names, f"{what}: masks")
    if len(pruned) != len(expected_pruned) or len(masks) != len(expected_masks):
        raise AssertionError(f"{what}: expected {len(expected_pruned)} arrays, got {len(pruned)} and {len(masks)}")
    labels = names or [str(i) for i in range(len(expected_pruned))]
    for label, got_m, got_p, want_m, want_p in zip(labels, masks, pruned, expected_masks, expected_pruned, strict=True):
        got_m = as_array(got_m, f"{what}: masks[{label}]")
        if not np.all((got_m == 0) | (got_m == 1)):
            raise AssertionError(f"{what}: masks[{label}] must hold booleans, got {describe(got_m)}")
        assert_array_close(got_m, want_m, what=f"{what}: masks[{label}] (True = kept)", **EXACT)
        assert_array_close(got_p, want_p, what=f"{what}: pruned[{label}]", **EXACT)


@pytest.mark.points(6)
def test_prune_random_dict(submission, rng):
    """Random dicts of arrays at several sparsities agree with torch's global_unstructured."""
    for sparsity in (0.3, 0.55, 0.8):
        arrays = random_arrays(rng)
        names = ["encoder.weight", "attention.bias", "decoder.weight"]
        expected_pruned, expected_masks = oracle(arrays, sparsity)
        result = submission.magnitude_prune(dict(zip(names, arrays, strict=True)), sparsity)
        check(result, expected_pruned, expected_masks, f"magnitude_prune(dict, sparsity={sparsity})", names)


@pytest.mark.points(3)
def test_prune_random_list(submission, rng):
    """A random list of arrays agrees with torch and comes back as a list."""
    arrays = random_arrays(rng, count=4)
    sparsity = float(rng.choice([0.2, 0.45, 0.7]))
    expected_pruned, expected_masks = oracle(arrays, sparsity)
    result = submission.magnitude_prune(arrays, sparsity)
    check(result, expected_pruned, expected_masks, f"magnitude_prune(list of 4, sparsity={sparsity})")


@pytest.mark.points(4)
def test_prune_is_global(submission, rng):
    """A layer of small weights is pruned entirely before a layer of large ones loses anything."""
    big = rng.uniform(0.5, 2.0, size=(4, 4)) * rng.choice([-1.0, 1.0], size=(4, 4))
    small = rng.uniform(0.001, 0.01, size=(2, 3)) * rng.choice([-1.0, 1.0], size=(2, 3))
    sparsity = 6 / 22  # k = 6: exactly the small layer
    expected_masks = [np.ones((4, 4), dtype=bool), np.zeros((2, 3), dtype=bool)]
    expected_pruned = [big, np.zeros((2, 3))]
    torch_pruned, torch_masks = oracle([big, small], sparsity)
    assert all(np.array_equal(a, b) for a, b in zip(torch_masks, expected_masks, strict=True)), "oracle disagrees"
    result = submission.magnitude_prune({"big": big, "small": small}, sparsity)
    check(result, expected_pruned, expected_masks, "magnitude_prune of a large and a small layer", ["big", "small"])


@pytest.mark.points(1)
@pytest.mark.parametrize(
    ("n", "sparsity", "k"),
    [(5, 0.5, 2), (7, 0.5, 4), (10, 0.22, 2), (10, 0.27, 3)],
    ids=["half_down_to_even", "half_up_to_even", "below_half", "above_half"],
)
def test_prune_count_rounding(submission, rng, n, sparsity, k):
    """k = round(sparsity * n), halves to the even integer, as torch computes it."""
    arrays = [rng.normal(size=n - n // 2), rng.normal(size=n // 2)]
    expected_pruned, expected_masks = oracle(arrays, sparsity)
    assert sum(int((~m).sum()) for m in expected_masks) == k, "oracle disagrees"
    result = submission.magnitude_prune(arrays, sparsity)
    check(result, expected_pruned, expected_masks, f"magnitude_prune({n} entries, sparsity={sparsity})")


@pytest.mark.points(2)
def test_prune_ties_within_an_array(submission):
    """Among equal magnitudes the entry that comes first in row-major order is pruned first."""
    weights = [np.array([[0.3, -0.3], [0.3, 0.1]]), np.array([0.7, -0.3, 0.9])]
    # |w| = 0.3 four times; k = round(0.5 * 7) = 4: 0.1, then the first three 0.3's in order.
    expected_masks = [np.array([[False, False], [False, False]]), np.array([True, True, True])]
    expected_pruned = [np.zeros((2, 2)), np.array([0.7, -0.3, 0.9])]
    result = submission.magnitude_prune(weights, 0.5)
    check(result, expected_pruned, expected_masks, "magnitude_prune with tied magnitudes in a list")
    weights = [np.array([0.2, 0.5, -0.2, 0.2, 0.05])]
    expected_masks = [np.array([False, True, True, True, False])]
    result = submission.magnitude_prune(weights, 0.4)  # k = 2: 0.05, then the first 0.2
    check(result, [np.where(expected_masks[0], weights[0], 0.0)], expected_masks, "magnitude_prune, one array")


@pytest.mark.points(3)
def test_prune_ties_across_dict_entries(submission):
    """Equal magnitudes in two arrays: the dict's own order decides, not sorted keys."""
    weights = {"z": np.array([1.0, -2.0, 3.0]), "a": np.array([[2.0, 0.5, -1.0]])}
    expected_masks = [np.array([False, True, True]), np.array([[True, False, True]])]
    expected_pruned = [np.array([0.0, -2.0, 3.0]), np.array([[2.0, 0.0, -1.0]])]
    result = submission.magnitude_prune(weights, 1 / 3)
    check(result, expected_pruned, expected_masks, "magnitude_prune({'z': ..., 'a': ...}, 1/3)", ["z", "a"])
    weights = {"z": np.array([1.0, -2.0, 3.0]), "a": np.array([[2.0, 0.5, -1.0]]), "m": np.array([1.0, 4.0])}
    expected_masks = [np.array([False, True, True]), np.array([[True, False, False]]), np.array([True, True])]
    expected_pruned = [np.array([0.0, -2.0, 3.0]), np.array([[2.0, 0.0, 0.0]]), np.array([1.0, 4.0])]
    result = submission.magnitude_prune(weights, 3 / 8)  # k = round(3.0) = 3: 0.5, z's 1, then a's -1
    check(result, expected_pruned, expected_masks, "magnitude_prune({'z', 'a', 'm'}, 3/8)", ["z", "a", "m"])


@pytest.mark.points(2)
def test_prune_zero_and_full_sparsity(submission, rng):
    """Sparsity 0 keeps everything unchanged; sparsity 1 prunes everything."""
    arrays = random_arrays(rng)
    names = ["a", "b", "c"]
    weights = dict(zip(names, arrays, strict=True))
    keep_all = [np.ones(a.shape, dtype=bool) for a in arrays]
    check(submission.magnitude_prune(weights, 0.0), arrays, keep_all, "magnitude_prune(sparsity=0.0)", names)
    drop_all = [np.zeros(a.shape, dtype=bool) for a in arrays]
    zeros = [np.zeros(a.shape) for a in arrays]
    check(submission.magnitude_prune(weights, 1), zeros, drop_all, "magnitude_prune(sparsity=1)", names)


@pytest.mark.points(1)
@pytest.mark.parametrize("bad", ["sparsity_out_of_range", "sparsity_nan", "empty", "nan_weight"])
def test_prune_invalid(submission, rng, bad):
    """Sparsity outside [0, 1], empty weights and non-finite weights raise ValueError (after a valid call)."""
    arrays = random_arrays(rng)
    expected_pruned, expected_masks = oracle(arrays, 0.5)
    check(submission.magnitude_prune(arrays, 0.5), expected_pruned, expected_masks, "magnitude_prune (valid call)")
    nan_weights = [a.copy() for a in arrays]
    nan_weights[1][0] = np.nan
    cases = {
        "sparsity_out_of_range": [(arrays, -0.1), (arrays, 1.5)],
        "sparsity_nan": [(arrays, float("nan"))],
        "empty": [({}, 0.5), ([], 0.5), ([np.zeros((0, 3)), np.zeros(0)], 0.5)],
        "nan_weight": [(nan_weights, 0.5)],
    }[bad]
    for weights, sparsity in cases:
        with pytest.raises(ValueError):
            submission.magnitude_prune(weights, sparsity)


@pytest.mark.points(1)
def test_prune_does_not_mutate_inputs(submission, rng):
    """The weights are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    arrays = random_arrays(rng)
    names = ["a", "b", "c"]
    before = [a.copy() for a in arrays]
    result, after, _ = submission.call_with_inputs("magnitude_prune", dict(zip(names, arrays, strict=True)), 0.6)
    expected_pruned, expected_masks = oracle(before, 0.6)
    check(result, expected_pruned, expected_masks, "magnitude_prune (mutation check)", names)
    after_weights = after[0]
    if not isinstance(after_weights, dict) or set(after_weights) != set(names):
        raise AssertionError(f"argument weights after the call: changed to {describe(after_weights)}")
    for name, old in zip(names, before, strict=True):
        assert_array_close(after_weights[name], old, what=f"weights[{name!r}] after the call", **EXACT)
