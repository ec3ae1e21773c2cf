"""Hidden tests for ``cosine_similarity(a, b)``: one pair of vectors.

Oracles: scikit-learn's algorithm for ``cosine_similarity`` written out in numpy (zero vectors give 0),
cross-checked on random vectors by a second computation with exactly rounded sums (``math.fsum``).
Neither imports scikit-learn or scipy, which would cost each grade about a second;
``tests/test_oracles.py`` checks both against scikit-learn and scipy. Exact fractions check the
hand examples.
"""

import math

import numpy as np
import pytest

from grader.testing import as_float, assert_close


def oracle(a, b):
    """The cosine similarity of two 1-D vectors in float64, as scikit-learn computes it: each
    scaled to unit length (a zero vector stays zero), then one dot product."""
    return float(np.dot(unit(a), unit(b)))


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    norm = np.sqrt(np.dot(v, v))
    return v / norm if norm != 0.0 else v


def fsum_similarity(a, b):
    """The same value from exactly rounded sums: an independent second opinion on non-zero vectors."""
    a, b = [float(x) for x in a], [float(y) for y in b]
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b)))


def similarity(submission, a, b, what):
    """The candidate's result as a float; anything else is a wrong answer."""
    return as_float(submission.cosine_similarity(a, b), what)


HAND_EXAMPLES = [
    # (a, b, exact value): small integers, so the value is checked against a closed form.
    ([1.0, 0.0], [0.0, 1.0], 0.0),
    ([1, 2, 3], [4, 5, 6], 32 / math.sqrt(14 * 77)),
    ([3.0, 4.0], [4.0, 3.0], 24 / 25),
    ([1.0, 1.0], [-1.0, -1.0], -1.0),
    ([2.0, 0.0, 0.0], [5.0, 0.0, 0.0], 1.0),
]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "a, b, expected", HAND_EXAMPLES, ids=["orthogonal", "123-456", "34-43", "opposite", "parallel"]
)
def test_hand_examples(submission, a, b, expected):
    """Small hand-checkable vectors give the right similarity (1 with themselves, sign flipped with -b), as a float."""
    what_self = f"cosine_similarity({a}, {a})"
    assert_close(similarity(submission, a, a, what_self), 1.0, what=what_self, rtol=1e-12, atol=1e-12)
    what = f"cosine_similarity({a}, {b})"
    got = submission.cosine_similarity(a, b)
    assert isinstance(got, float), f"{what}: expected a Python float, got {type(got).__name__}"
    assert_close(got, expected, what=what, rtol=1e-12, atol=1e-12)
    negated = [-x for x in b]
    what_negated = f"cosine_similarity({a}, {negated})"
    assert_close(similarity(submission, a, negated, what_negated), -expected, what=what_negated, rtol=1e-12, atol=1e-12)


@pytest.mark.points(5)
def test_random_vectors_match_oracles(submission, rng):
    """Random vectors of several lengths agree with the oracle (itself cross-checked)."""
    for dim in (1, 2, 3, 10, 50, 300):
        for trial in range(3):
            a = rng.normal(size=dim) * rng.uniform(0.1, 10.0)
            b = rng.normal(size=dim) * rng.uniform(0.1, 10.0)
            what = f"cosine_similarity of random {dim}-d vectors (trial {trial})"
            expected = oracle(a, b)
            assert math.isclose(expected, fsum_similarity(a, b), rel_tol=1e-9, abs_tol=1e-12)
            assert_close(similarity(submission, a, b, what), expected, what=what, rtol=1e-9, atol=1e-12)


@pytest.mark.points(3)
def test_opposite_and_negative_vectors(submission, rng):
    """Opposite vectors give -1 and vectors with negative entries give negative similarities."""
    for trial in range(5):
        dim = int(rng.integers(2, 40))
        a = rng.normal(size=dim)
        scale = rng.uniform(0.1, 10.0)
        what = f"cosine_similarity(a, -{scale:.3g} * a), {dim}-d (trial {trial})"
        assert_close(similarity(submission, a, -scale * a, what), -1.0, what=what, rtol=1e-12, atol=1e-12)
    a = -np.abs(rng.normal(size=8))
    b = np.abs(rng.normal(size=8))
    what = "cosine_similarity of an all-negative and an all-positive vector"
    assert_close(similarity(submission, a, b, what), oracle(a, b), what=what, rtol=1e-9, atol=1e-12)


ZERO_CASES = [
    # (a, b with a zero vector, control a, control b with each zero vector made non-zero, control value)
    ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 1.0, 0.0], [1.0, 2.0, 3.0], 3 / math.sqrt(2 * 14)),
    ([1.0, -2.0, 3.0], [0, 0, 0], [1.0, -2.0, 3.0], [0, 0, 1], 3 / math.sqrt(14)),
    ([0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0], 1 / math.sqrt(2)),
]


@pytest.mark.points(2)
@pytest.mark.parametrize(
    "a, b, control_a, control_b, control", ZERO_CASES, ids=["zero-first", "zero-second", "both-zero"]
)
def test_zero_vectors_give_zero(submission, a, b, control_a, control_b, control):
    """A zero vector has similarity 0.0 with anything (not NaN, not an error).

    The same pair with each zero vector made non-zero is checked first, so a constant 0.0 fails.
    """
    what_control = f"cosine_similarity({control_a}, {control_b})"
    assert_close(
        similarity(submission, control_a, control_b, what_control),
        control,
        what=what_control,
        rtol=1e-12,
        atol=1e-12,
    )
    what = f"cosine_similarity({a}, {b})"
    assert_close(similarity(submission, a, b, what), 0.0, what=what, rtol=0.0, atol=0.0)


# Vectors a for which a·(3a) / (‖a‖ ‖3a‖) rounds above 1 (and a·(-3a) below -1) with every common
# way of computing it (np.dot or sum, np.linalg.norm, math.hypot, normalising first, rescaling by
# the largest entry first, pure Python sums): unclipped code is caught by a fixed case, not by luck.
CLIPPING_TRAPS = [
    [-1.39, 4.76, -1.55, 2.16, -8.21, -5.04, -5.33],
    [4.09, -7.84, 3.88, 0.74, -4.85, 5.43, -5.45],
    [-2.97, 7.45, 7.95, 2.96, 2.92, -1.62, -4.85],
    [-6.48, 4.29, -4.84, 1.05, -1.05, 7.85, 3.85],
    [2.47, -1.51, -8.04, 0.36, -8.15],
    [-3.82, -8.92, -1.31],
]


@pytest.mark.points(4)
def test_results_are_clipped(submission, rng):
    """Parallel and anti-parallel vectors never give a result beyond [-1, 1]."""
    for a in CLIPPING_TRAPS:
        for factor, sign in ((3.0, 1.0), (-3.0, -1.0)):
            b = [factor * x for x in a]
            what = f"cosine_similarity({a}, {factor:g} * a)"
            got = similarity(submission, a, b, what)
            assert -1.0 <= got <= 1.0, f"{what}: {got!r} is outside [-1, 1]"
            assert_close(got, sign, what=what, rtol=0.0, atol=1e-12)
    for trial in range(60):
        dim = int(rng.integers(2, 60))
        a = rng.normal(size=dim)
        scale = float(rng.uniform(0.1, 10.0))
        for b, sign, label in (
            (a, 1.0, "a"),
            (scale * a, 1.0, f"{scale:.6g} * a"),
            (-scale * a, -1.0, f"-{scale:.6g} * a"),
        ):
            what = f"cosine_similarity(a, {label}) with a random {dim}-d a (trial {trial})"
            got = similarity(submission, a, b, what)
            assert -1.0 <= got <= 1.0, f"{what}: {got!r} is outside [-1, 1]"
            assert_close(got, sign, what=what, rtol=0.0, atol=1e-12)


EXTREMES = [(1e200, 1e200), (1e-200, 1e-200), (1e200, 1e-200)]


@pytest.mark.points(2)
@pytest.mark.parametrize("scale_a, scale_b", EXTREMES, ids=["huge", "tiny", "huge-and-tiny"])
def test_extreme_magnitudes(submission, rng, scale_a, scale_b):
    """Entries near 1e200 or 1e-200 keep full accuracy (no overflow, no underflow)."""
    for dim in (2, 7, 50):
        x, y = rng.normal(size=(2, dim))
        a, b = x * scale_a, y * scale_b
        what = f"cosine_similarity of random {dim}-d vectors scaled by {scale_a:g} and {scale_b:g}"
        expected = oracle(x, y)
        assert_close(similarity(submission, a, b, what), expected, what=what, rtol=1e-9, atol=1e-12)
        what_same = f"cosine_similarity(a, 3 * a) with a {dim}-d a scaled by {scale_a:g}"
        assert_close(similarity(submission, a, 3.0 * a, what_same), 1.0, what=what_same, rtol=1e-9, atol=1e-12)


@pytest.mark.points(1)
@pytest.mark.parametrize("kind", ["python-int", "int64-large", "int32"])
def test_integer_inputs(submission, rng, kind):
    """Integer vectors give the exact real-valued similarity (no integer division or overflow)."""
    if kind == "python-int":
        a = [int(v) for v in rng.integers(-9, 10, size=6)]
        b = [int(v) for v in rng.integers(-9, 10, size=6)]
        a[0], b[0] = 7, 5  # never a zero vector
    elif kind == "int64-large":
        a = rng.integers(2_000_000_000, 4_000_000_000, size=5, dtype=np.int64)
        b = rng.integers(-4_000_000_000, 4_000_000_000, size=5, dtype=np.int64)
    else:
        a = rng.integers(30_000, 60_000, size=4).astype(np.int32)
        b = rng.integers(-60_000, 60_000, size=4).astype(np.int32)
    what = f"cosine_similarity of {kind} vectors {list(np.asarray(a).tolist())} and {list(np.asarray(b).tolist())}"
    assert_close(similarity(submission, a, b, what), oracle(a, b), what=what, rtol=1e-9, atol=1e-12)


@pytest.mark.points(2)
def test_lists_tuples_and_arrays(submission, rng):
    """Lists, tuples and numpy arrays are all accepted and give the same value."""
    a, b = rng.normal(size=(2, 12))
    expected = oracle(a, b)
    forms = [(a.tolist(), b.tolist()), (tuple(a.tolist()), b), (a, b.tolist()), (a, b)]
    for left, right in forms:
        what = f"cosine_similarity({type(left).__name__}, {type(right).__name__})"
        assert_close(similarity(submission, left, right, what), expected, what=what, rtol=1e-9, atol=1e-12)


INVALID = {
    # Each case holds several calls; a function must reject every one of them.
    "different-lengths": [([1.0, 2.0, 3.0], [1.0, 2.0]), ([1.0, 2.0, 3.0], [2.0]), ([5.0], [1.0, 2.0])],
    "empty": [([], []), ([], [1.0])],
    "not-1-D": [(3.0, 4.0), ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]), ([[1.0, 2.0]], [[3.0, 4.0]])],
    "non-finite": [
        (np.array([1.0, np.nan, 2.0]), np.array([1.0, 2.0, 3.0])),
        (np.array([1.0, 2.0, 3.0]), np.array([np.inf, 0.0, 1.0])),
        ([1.0, -np.inf], [1.0, 1.0]),
    ],
}


@pytest.mark.points(1)
@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_inputs_raise_value_error(submission, rng, case):
    """Mismatched, empty, non-1-D and non-finite vectors raise ValueError.

    A valid random pair is checked first, so a function that always raises ValueError fails.
    """
    x, y = rng.normal(size=(2, 3))
    what = "cosine_similarity of random 3-d vectors"
    assert_close(similarity(submission, x, y, what), oracle(x, y), what=what, rtol=1e-9, atol=1e-12)
    for a, b in INVALID[case]:
        with pytest.raises(ValueError):
            got = submission.cosine_similarity(a, b)
            raise AssertionError(f"cosine_similarity({a!r}, {b!r}) returned {got!r} instead of raising ValueError")


@pytest.mark.points(1)
def test_inputs_not_mutated(submission, rng):
    """The caller's vectors are left unchanged, and the result is right (self-reported).

    What the arguments look like after the call is reported by the sandbox itself, so this check
    is self-reported by nature: it is worth 1 point.
    """
    a = rng.normal(size=7) * 1e3
    b = rng.normal(size=7) * 1e-3
    before = (a.copy(), b.copy())
    result, args_after, _ = submission.call_with_inputs("cosine_similarity", a, b)
    what = "cosine_similarity(a, b) of float64 arrays"
    assert_close(as_float(result, what), oracle(*before), what=what, rtol=1e-9, atol=1e-12)
    for name, old, new in zip("ab", before, args_after, strict=True):
        got = np.asarray(new, dtype=np.float64)
        if got.shape != old.shape or not np.array_equal(got, old):
            raise AssertionError(f"argument {name} was changed by cosine_similarity(a, b)")
