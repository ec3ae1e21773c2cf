"""Hidden tests for ``cosine_similarity_matrix(A, B=None)``: all pairs of rows.

Oracle: scikit-learn's algorithm for ``cosine_similarity`` written out in numpy (rows scaled to unit
length, zero rows left at zero, one matrix product), so that grading does not import scikit-learn
(0.8 s per grade); ``tests/test_oracles.py`` checks it against scikit-learn itself. On rows scaled to
1e200 or 1e-200 (where its own norms overflow or underflow), the oracle runs on the unscaled rows,
since scaling a row by a positive number does not change its similarities.

The speed test times the call from the judge's side and fetches the WHOLE 1250 x 1250 result
(12.5 MB, whose base64 form is just under the 16 MiB cap on one answer), so that every entry is checked against the oracle: nothing
computed in the sandbox is trusted.
"""

import numpy as np
import pytest

from grader.testing import as_array, assert_array_close

# Timed from the judge's side around the call, inputs sent and the whole 12.5 MB result fetched.
# The size is the most pairs whose result fits under the 16 MiB answer cap (counted as sent, in
# base64): at 1000 x 1000 and 3 s, a Python loop with one np.dot and one np.clip per pair took
# 2.6 s on a quiet machine and passed. At 1250 x 1250 that loop takes 3.9 s (with rows of length 300 or 64 alike: the time is per pair), a call of
# cosine_similarity per pair minutes, and the reference 0.3 s through the process sandbox (about
# 1 s on a loaded machine), so 2 s sits between them with room on both sides. The bare minimum, a list comprehension of
# dot products per row, is 0.3 to 0.5 us per pair (about 1 s): no deadline can tell that from
# vectorised code, so the statement says the budget is what is graded.
SPEED_SECONDS = 2.0


def oracle(A, B=None):
    """The matrix of cosine similarities in float64, as scikit-learn computes it."""
    A = np.asarray(A, dtype=np.float64)
    B = A if B is None else np.asarray(B, dtype=np.float64)
    return unit_rows(A) @ unit_rows(B).T


def unit_rows(M):
    """M with each row divided by its Euclidean norm; a zero row stays zero (scikit-learn's normalize)."""
    norms = np.sqrt(np.einsum("ij,ij->i", M, M))
    norms[norms == 0.0] = 1.0
    return M / norms[:, np.newaxis]


def matrix(submission, what, *args):
    """The candidate's result as a 2-D float64 array; anything else is a wrong answer."""
    return as_array(submission.cosine_similarity_matrix(*args), what, ndim=2)


@pytest.mark.points(5)
def test_matrix_random_matches_sklearn(submission, rng):
    """Random matrices of several shapes give the (n, m) matrix scikit-learn gives."""
    for n, m, d in ((1, 1, 1), (1, 5, 3), (4, 1, 7), (6, 9, 2), (25, 17, 50), (40, 33, 300)):
        A = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, size=(n, 1))
        B = rng.normal(size=(m, d)) * rng.uniform(0.1, 10.0, size=(m, 1))
        what = f"cosine_similarity_matrix(A {n}x{d}, B {m}x{d})"
        assert_array_close(matrix(submission, what, A, B), oracle(A, B), what=what, rtol=1e-9, atol=1e-12)


@pytest.mark.points(3)
def test_b_none_compares_a_with_itself(submission, rng):
    """With B=None the result is the square matrix of A against itself."""
    for n, d in ((1, 4), (5, 3), (30, 20)):
        A = rng.normal(size=(n, d))
        what = f"cosine_similarity_matrix(A {n}x{d}) with B=None"
        got = matrix(submission, what, A)
        assert_array_close(got, oracle(A), what=what, rtol=1e-9, atol=1e-12)
        got_kw = matrix(submission, what + " passed as B=None", A, None)
        assert_array_close(got_kw, oracle(A), what=what + " passed as B=None", rtol=1e-9, atol=1e-12)


def with_zero_rows(rng, n, d, zero_rows):
    matrix_ = rng.normal(size=(n, d))
    matrix_[list(zero_rows)] = 0.0
    return matrix_


@pytest.mark.points(2)
@pytest.mark.parametrize("b_none", [False, True], ids=["with-B", "B-None"])
def test_matrix_zero_rows_give_zero(submission, rng, b_none):
    """Zero rows have similarity 0 with every row (no NaN), also on the diagonal."""
    A = with_zero_rows(rng, 6, 5, (0, 3))
    if b_none:
        what = "cosine_similarity_matrix(A with zero rows 0 and 3), B=None"
        got = matrix(submission, what, A)
        expected = oracle(A)
    else:
        B = with_zero_rows(rng, 4, 5, (2,))
        what = "cosine_similarity_matrix(A with zero rows 0 and 3, B with zero row 2)"
        got = matrix(submission, what, A, B)
        expected = oracle(A, B)
    assert_array_close(got, expected, what=what, rtol=1e-9, atol=1e-12)


@pytest.mark.points(2)
def test_matrix_results_are_clipped(submission, rng):
    """Rows compared with scaled copies of themselves never give values beyond [-1, 1]."""
    A = rng.normal(size=(200, 37))
    # Fixed rows that round above 1 for every common formula in Part 1, padded with zeros.
    traps = [[-1.39, 4.76, -1.55, 2.16, -8.21, -5.04, -5.33], [4.09, -7.84, 3.88, 0.74, -4.85, 5.43, -5.45],
             [-2.97, 7.45, 7.95, 2.96, 2.92, -1.62, -4.85], [-6.48, 4.29, -4.84, 1.05, -1.05, 7.85, 3.85]]
    for i, row in enumerate(traps):
        A[i] = 0.0
        A[i, : len(row)] = row
    scales = rng.uniform(0.1, 10.0, size=(200, 1))
    scales[: len(traps)] = 3.0
    B = np.vstack([A * scales, -A * scales])
    what = "cosine_similarity_matrix(A, [c * A; -c * A]) for 200 random rows"
    got = matrix(submission, what, A, B)
    worst = float(np.max(np.abs(got)))
    assert worst <= 1.0, f"{what}: an entry has magnitude {worst!r}, above 1"
    assert_array_close(got, oracle(A, B), what=what, rtol=1e-9, atol=1e-12)
    got_self = matrix(submission, "cosine_similarity_matrix(A) with B=None", A)
    worst_self = float(np.max(np.abs(got_self)))
    assert worst_self <= 1.0, f"cosine_similarity_matrix(A), B=None: an entry has magnitude {worst_self!r}, above 1"


@pytest.mark.points(1)
@pytest.mark.parametrize("kind", ["int64", "float32", "lists"])
def test_matrix_returns_float64_array(submission, rng, kind):
    """Integer, float32 and list inputs (also mixed with an array) give a float64 numpy array of the right values."""
    if kind == "int64":
        A = rng.integers(-9, 10, size=(4, 3))
        B = rng.integers(-9, 10, size=(5, 3))
        A[:, 0], B[:, 0] = 10, -10  # no zero rows
    elif kind == "float32":
        A = rng.normal(size=(4, 3)).astype(np.float32)
        B = rng.normal(size=(5, 3)).astype(np.float32)
    else:
        A = rng.normal(size=(4, 3)).tolist()
        B = rng.normal(size=(5, 3)).tolist()
    # float32 inputs hold fewer digits: their results are compared with rtol=1e-6, as the statement says.
    tol = {"rtol": 1e-6, "atol": 1e-9} if kind == "float32" else {"rtol": 1e-9, "atol": 1e-12}
    what = f"cosine_similarity_matrix of {kind} inputs"
    got = submission.cosine_similarity_matrix(A, B)
    assert isinstance(got, np.ndarray), f"{what}: expected a numpy array, got {type(got).__name__}"
    assert got.dtype == np.float64, f"{what}: expected dtype float64, got {got.dtype}"
    assert_array_close(got, oracle(A, B), what=what, **tol)
    got_self = submission.cosine_similarity_matrix(A)
    assert isinstance(got_self, np.ndarray), f"{what}, B=None: expected a numpy array, got {type(got_self).__name__}"
    assert got_self.dtype == np.float64, f"{what}, B=None: expected dtype float64, got {got_self.dtype}"
    assert_array_close(got_self, oracle(A), what=f"{what}, B=None", **tol)
    mixed = (np.asarray(A).tolist(), np.asarray(B)) if kind != "lists" else (np.asarray(A), B)
    what_mixed = f"cosine_similarity_matrix of {kind} inputs, one as a list and one as an array"
    assert_array_close(matrix(submission, what_mixed, *mixed), oracle(A, B), what=what_mixed, **tol)


@pytest.mark.points(1)
@pytest.mark.parametrize("kind", ["int64-large", "int32-large"])
def test_matrix_integer_inputs(submission, rng, kind):
    """Integer matrices with large entries give the real-valued similarities (no integer overflow)."""
    if kind == "int64-large":
        A = rng.integers(2_000_000_000, 4_000_000_000, size=(4, 5), dtype=np.int64)
        B = rng.integers(-4_000_000_000, 4_000_000_000, size=(3, 5), dtype=np.int64)
    else:
        A = rng.integers(30_000, 60_000, size=(4, 5)).astype(np.int32)
        B = rng.integers(-60_000, 60_000, size=(3, 5)).astype(np.int32)
    what = f"cosine_similarity_matrix of {kind} matrices"
    assert_array_close(matrix(submission, what, A, B), oracle(A, B), what=what, rtol=1e-9, atol=1e-12)
    assert_array_close(matrix(submission, what + ", B=None", A), oracle(A), what=what + ", B=None",
                       rtol=1e-9, atol=1e-12)


@pytest.mark.points(3)
def test_matrix_extreme_magnitudes(submission, rng):
    """Rows with entries near 1e200 or 1e-200 keep full accuracy (no overflow, no underflow)."""
    d = 9
    A0, B0 = rng.normal(size=(6, d)), rng.normal(size=(5, d))
    A0[2] = 3.0 * A0[0]  # parallel rows: similarity exactly 1 in real arithmetic
    row_scales_a = np.array([1e200, 1e-200, 1e200, 1.0, 1e-200, 1e150])[:, None]
    row_scales_b = np.array([1e-200, 1e200, 1.0, 1e-180, 1e200])[:, None]
    A, B = A0 * row_scales_a, B0 * row_scales_b
    what = "cosine_similarity_matrix(A, B) with rows scaled by 1e200 and 1e-200"
    got = matrix(submission, what, A, B)
    assert_array_close(got, oracle(A0, B0), what=what, rtol=1e-9, atol=1e-12)
    what_self = "cosine_similarity_matrix(A) with rows scaled by 1e200 and 1e-200, B=None"
    got_self = matrix(submission, what_self, A)
    assert_array_close(got_self, oracle(A0), what=what_self, rtol=1e-9, atol=1e-12)


INVALID = {
    # Each case holds several calls; a function must reject every one of them.
    "mismatched-d": [(np.ones((3, 4)), np.ones((2, 5))), (np.ones((3, 4)), np.ones((2, 1)))],
    "A-not-2-D": [(np.ones(4), np.ones((2, 4))), (np.ones(4), None), (np.ones((2, 3, 4)), None),
                  (np.ones((2, 3, 4)), np.ones((3, 4)))],
    "B-not-2-D": [(np.ones((2, 4)), np.ones(4)), (np.ones((2, 4)), np.ones((1, 2, 4)))],
}


@pytest.mark.points(1)
@pytest.mark.parametrize("case", list(INVALID))
def test_matrix_invalid_inputs_raise_value_error(submission, rng, case):
    """Inputs that are not 2-D, or rows of different lengths, raise ValueError.

    Valid random matrices are checked first, so a function that always raises ValueError fails.
    """
    valid_A, valid_B = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    what = "cosine_similarity_matrix(A 3x4, B 2x4)"
    got = matrix(submission, what, valid_A, valid_B)
    assert_array_close(got, oracle(valid_A, valid_B), what=what, rtol=1e-9, atol=1e-12)
    for A, B in INVALID[case]:
        shapes = f"A {np.shape(A)}, B {'None' if B is None else np.shape(B)}"
        with pytest.raises(ValueError):
            submission.cosine_similarity_matrix(A, B)
            raise AssertionError(f"cosine_similarity_matrix({shapes}) returned instead of raising ValueError")


@pytest.mark.points(1)
def test_matrix_inputs_not_mutated(submission, rng):
    """The caller's arrays are left unchanged, with or without B, and the results are right (self-reported).

    What the arguments look like after the call is reported by the sandbox itself, so this check
    is self-reported by nature: it is worth 1 point.
    """
    A = rng.normal(size=(5, 4)) * 3.0
    B = rng.normal(size=(3, 4)) * 3.0
    A_before, B_before = A.copy(), B.copy()
    result, args_after, _ = submission.call_with_inputs("cosine_similarity_matrix", A, B)
    what = "cosine_similarity_matrix(A 5x4, B 3x4)"
    assert_array_close(as_array(result, what, ndim=2), oracle(A_before, B_before), what=what, rtol=1e-9, atol=1e-12)
    assert_array_close(args_after[0], A_before, what="A after cosine_similarity_matrix(A, B)", rtol=0, atol=0)
    assert_array_close(args_after[1], B_before, what="B after cosine_similarity_matrix(A, B)", rtol=0, atol=0)
    result, args_after, _ = submission.call_with_inputs("cosine_similarity_matrix", A)
    what = "cosine_similarity_matrix(A 5x4) with B=None"
    assert_array_close(as_array(result, what, ndim=2), oracle(A_before), what=what, rtol=1e-9, atol=1e-12)
    assert_array_close(args_after[0], A_before, what="A after cosine_similarity_matrix(A)", rtol=0, atol=0)


@pytest.mark.points(7)
def test_large_matrix_is_vectorised(submission, rng, oracle_cache):
    """1250 x 64 against 1250 x 64 finishes within the deadline, and every entry matches the oracle.

    The whole 12.5 MB result is fetched and checked (a sandbox answer is capped at 16 MiB as sent).
    """
    n, m, d = 1250, 1250, 64
    A, B, expected = oracle_cache("large", lambda: large_case(rng, n, m, d))  # once per batch worker
    what = f"cosine_similarity_matrix(A {n}x{d}, B {m}x{d})"
    result = submission.call("cosine_similarity_matrix", A, B, timeout=SPEED_SECONDS)
    assert_array_close(as_array(result, what, ndim=2), expected, what=what, rtol=1e-9, atol=1e-12)


def large_case(rng, n, m, d):
    A = rng.normal(size=(n, d))
    B = rng.normal(size=(m, d))
    return A, B, oracle(A, B)
