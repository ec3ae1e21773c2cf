"""Hidden tests for ``cosine_similarity_matrix(A, B=None)``: all pairs of rows.

Oracle: scikit-learn's ``cosine_similarity``, which gives 0 for zero rows. The speed test runs the
candidate's function in the sandbox through the ``matrix_fingerprint`` probe, because the full
2000 x 2000 result (32 MB) is too large to send back; the judge compares the fingerprint (row and
column sums, sampled entries) with the oracle's matrix.
"""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity as sklearn_cosine

from grader.testing import as_array, as_float, assert_array_close, assert_equal, describe

# The reference takes about 0.05 s in-process for 2000 x 300 against 2000 x 300, plus about 0.1 s
# to send the 9.6 MB of input; a Python loop over the 4 million pairs takes minutes.
SPEED_SECONDS = 6.0


def oracle(A, B=None):
    """scikit-learn's matrix of cosine similarities, computed in float64."""
    A = np.asarray(A, dtype=np.float64)
    return sklearn_cosine(A, None if B is None else np.asarray(B, dtype=np.float64))


def matrix(submission, what, *args):
    """The candidate's result as a 2-D float64 array; anything else is a wrong answer."""
    return as_array(submission.cosine_similarity_matrix(*args), what, ndim=2)


@pytest.mark.points(5)
def test_random_matrices_match_sklearn(submission, rng):
    """Random matrices of several shapes give the (n, m) matrix scikit-learn gives."""
    for n, m, d in ((1, 1, 1), (1, 5, 3), (4, 1, 7), (6, 9, 2), (25, 17, 50), (40, 33, 300)):
        A = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, size=(n, 1))
        B = rng.normal(size=(m, d)) * rng.uniform(0.1, 10.0, size=(m, 1))
        what = f"cosine_similarity_matrix(A {n}x{d}, B {m}x{d})"
        assert_array_close(matrix(submission, what, A, B), oracle(A, B), what=what, rtol=1e-9, atol=1e-12)


@pytest.mark.points(4)
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
def test_zero_rows_give_zero(submission, rng, b_none):
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
    scales = rng.uniform(0.1, 10.0, size=(200, 1))
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
def test_returns_float64_array(submission, rng, kind):
    """Integer, float32 and list inputs give a float64 numpy array of the right values."""
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
    what = f"cosine_similarity_matrix of {kind} inputs"
    got = submission.cosine_similarity_matrix(A, B)
    assert isinstance(got, np.ndarray), f"{what}: expected a numpy array, got {type(got).__name__}"
    assert got.dtype == np.float64, f"{what}: expected dtype float64, got {got.dtype}"
    assert_array_close(got, oracle(A, B), what=what, rtol=1e-6, atol=1e-9)


INVALID = {
    "mismatched-d": (np.ones((3, 4)), np.ones((2, 5))),
    "A-1-D": (np.ones(4), np.ones((2, 4))),
    "B-1-D": (np.ones((2, 4)), np.ones(4)),
    "A-3-D": (np.ones((2, 3, 4)), None),
}


@pytest.mark.points(1)
@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_inputs_raise_value_error(submission, rng, case):
    """Inputs that are not 2-D, or rows of different lengths, raise ValueError.

    Valid random matrices are checked first, so a function that always raises ValueError fails.
    """
    valid_A, valid_B = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    what = "cosine_similarity_matrix(A 3x4, B 2x4)"
    got = matrix(submission, what, valid_A, valid_B)
    assert_array_close(got, oracle(valid_A, valid_B), what=what, rtol=1e-9, atol=1e-12)
    A, B = INVALID[case]
    with pytest.raises(ValueError):
        submission.cosine_similarity_matrix(A, B)


@pytest.mark.points(2)
def test_inputs_not_mutated(submission, rng):
    """The caller's arrays are left unchanged, with or without B, and the results are right."""
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


@pytest.mark.points(8)
def test_large_matrix_is_vectorised(submission, rng):
    """2000 x 300 against 2000 x 300 finishes quickly and matches scikit-learn."""
    n, m, d = 2000, 2000, 300
    A = rng.normal(size=(n, d))
    B = rng.normal(size=(m, d))
    rows = rng.integers(0, n, size=64)
    cols = rng.integers(0, m, size=64)
    what = f"cosine_similarity_matrix(A {n}x{d}, B {m}x{d})"
    fingerprint = submission.probe("matrix_fingerprint", A, B, rows, cols, timeout=SPEED_SECONDS)
    assert isinstance(fingerprint, dict), f"{what}: the probe returned {describe(fingerprint)}"
    expected = oracle(A, B)
    assert_equal(fingerprint.get("shape"), [n, m], what=f"{what}: shape")
    assert_equal(fingerprint.get("dtype"), "float64", what=f"{what}: dtype")
    assert_array_close(
        fingerprint.get("samples"), expected[rows, cols], what=f"{what}: sampled entries", rtol=1e-9, atol=1e-12
    )
    assert_array_close(
        fingerprint.get("row_sums"), expected.sum(axis=1), what=f"{what}: row sums", rtol=1e-9, atol=1e-9
    )
    assert_array_close(
        fingerprint.get("col_sums"), expected.sum(axis=0), what=f"{what}: column sums", rtol=1e-9, atol=1e-9
    )
    assert as_float(fingerprint.get("max_abs"), f"{what}: largest magnitude") <= 1.0
