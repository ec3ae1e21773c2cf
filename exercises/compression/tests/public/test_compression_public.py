"""Sample tests for the compression exercise: the statement's examples, checked.

Run them against your solution with:  pytest tests/public  (see the kit's instructions).
The hidden tests check much more, against PyTorch's quantisation, pruning and loss functions.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

TOL = {"rtol": 1e-6, "atol": 1e-8}


def test_quantize_rows(submission):
    """One scale per row (axis 0): max|w| / 127, and 1.0 for an all-zero row."""
    q, scales = submission.quantize_per_channel([[0.25, -1.0], [0.0, 0.0], [2.0, 0.3]], 0)
    assert np.asarray(q).dtype == np.int8
    assert_array_equal(q, [[32, -127], [0, 0], [127, 19]])
    assert_allclose(scales, [1 / 127, 1.0, 2 / 127], **TOL)


def test_quantize_columns(submission):
    """axis=1 gives one scale per column."""
    q, scales = submission.quantize_per_channel([[0.25, -1.0], [0.0, 0.0], [2.0, 0.3]], 1)
    assert_array_equal(q, [[16, -127], [0, 0], [127, 38]])
    assert_allclose(scales, [2 / 127, 1 / 127], **TOL)


def test_quantize_half_to_even_and_clamp(submission):
    """With a given scale: halves round to even, and the range stops at -127."""
    q, scales = submission.quantize_per_channel([[127.0, 2.5, -0.5, 1.5, -300.0]], 0, scales=[1.0])
    assert_array_equal(q, [[127, 2, 0, 2, -127]])
    assert_allclose(scales, [1.0], **TOL)


def test_dequantize(submission):
    """q * scale, one scale per row."""
    got = submission.dequantize([[32, -127], [0, 0], [127, 19]], [1 / 127, 1.0, 2 / 127], 0)
    assert_allclose(got, [[32 / 127, -1.0], [0.0, 0.0], [2.0, 38 / 127]], **TOL)


def test_prune_list(submission):
    """k = round(0.5 * 5) = 2 (half to even): the two smallest |w| go, across both arrays."""
    pruned, masks = submission.magnitude_prune([[0.4, -0.1, 0.3], [-0.2, 0.05]], 0.5)
    assert_array_equal(pruned[0], [0.4, 0.0, 0.3])
    assert_array_equal(pruned[1], [-0.2, 0.0])
    assert_array_equal(masks[0], [True, False, True])
    assert_array_equal(masks[1], [True, False])


def test_prune_dict_ties(submission):
    """Equal |w|: the entry that comes first (dict order, then row-major) is pruned first."""
    pruned, masks = submission.magnitude_prune({"z": [1.0, -2.0, 3.0], "a": [2.0, 0.5, -1.0]}, 1 / 3)
    assert sorted(pruned) == ["a", "z"] and sorted(masks) == ["a", "z"]
    assert_array_equal(pruned["z"], [0.0, -2.0, 3.0])
    assert_array_equal(pruned["a"], [2.0, 0.0, -1.0])
    assert_array_equal(masks["z"], [False, True, True])
    assert_array_equal(masks["a"], [True, False, True])


def test_distillation_by_hand(submission):
    """T = 1, alpha = 0.5: 0.5 * KL + 0.5 * CE, both by hand."""
    got = submission.distillation_loss([[math.log(3), 0.0]], [[0.0, 0.0]], [0], 1.0, 0.5)
    assert float(got) == pytest.approx(0.75 * math.log(4 / 3), rel=1e-6, abs=1e-8)


def test_distillation_with_temperature(submission):
    """T = 2 softens both distributions and scales the KL term by T**2."""
    got = submission.distillation_loss([[2.0, 1.0, 0.0]], [[1.0, 2.0, 0.0]], [1], 2.0, 0.5)
    assert float(got) == pytest.approx(0.9030874875593458, rel=1e-6, abs=1e-8)


def test_distillation_rejects_bad_temperature(submission):
    """T must be positive."""
    with pytest.raises(ValueError):
        submission.distillation_loss([[1.0, 0.0]], [[0.0, 1.0]], [0], 0.0, 0.5)
