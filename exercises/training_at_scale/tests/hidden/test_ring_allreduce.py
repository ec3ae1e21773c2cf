"""Hidden tests for ``ring_allreduce``.

Oracles: the sum is ``math.fsum`` over the workers, entry by entry (correctly rounded; the ring's
own order of additions differs from it by a few ulps at most). The values each worker sends come
from a closed form, not from a simulation: in reduce-scatter worker i sends every chunk but chunk
i + 1, in all-gather every chunk but chunk i + 2, so it sends ``2M - |c(i+1)| - |c(i+2)|`` values
(indices mod N), where chunk k has ``M // N + (k < M % N)`` values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import as_array, as_int_array, assert_array_close, assert_equal, describe


def chunk_sizes(length, workers):
    return [length // workers + (1 if k < length % workers else 0) for k in range(workers)]


def expected_sent(length, workers):
    """Values sent by each worker, from the closed form."""
    if workers == 1:
        return [0]
    sizes = chunk_sizes(length, workers)
    return [2 * length - sizes[(i + 1) % workers] - sizes[(i + 2) % workers] for i in range(workers)]


def expected_sum(vectors):
    vectors = np.asarray(vectors, dtype=np.float64)
    return np.array([math.fsum(column) for column in vectors.T])


def unpack(result, workers, length, what):
    """The (results, sent) pair as an (N, M) float array and N ints."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (results, sent), got {describe(result)}")
    results, sent = result
    if isinstance(results, (list, tuple)) and len(results) == workers:
        rows = [as_array(row, f"{what}: result of worker {i}", ndim=1) for i, row in enumerate(results)]
        if any(row.shape != (length,) for row in rows):
            raise AssertionError(f"{what}: every worker's result must have {length} values")
        results = np.stack(rows)
    results = as_array(results, f"{what}: results", ndim=2)
    if results.shape != (workers, length):
        raise AssertionError(f"{what}: expected results of shape {(workers, length)}, got {results.shape}")
    return results, as_int_array(sent, f"{what}: sent", ndim=1)


def check(submission, vectors, what):
    """Every worker holds the sum, and the per-worker counts of values sent follow the schedule."""
    vectors = np.array(vectors, dtype=np.float64)
    workers, length = vectors.shape
    want = expected_sum(vectors)
    results, sent = unpack(submission.ring_allreduce(vectors.copy()), workers, length, what)
    for i in range(workers):
        assert_array_close(results[i], want, what=f"{what}: worker {i}'s result")
    assert_equal(sent.tolist(), expected_sent(length, workers), what=f"{what}: values sent by each worker")
    return results


@pytest.mark.points(5)
def test_three_workers_by_hand(submission):
    """Three workers with six values each: every worker gets the sum and sends 8 values."""
    vectors = [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [10.0, 20.0, 30.0, 40.0, 50.0, 60.0], [100.0] * 6]
    check(submission, vectors, "3 workers, 6 values")


@pytest.mark.points(6)
def test_uneven_chunks_sent_counts(submission, rng):
    """Lengths not divisible by N: chunks of np.array_split sizes and the exact count sent by each worker."""
    for workers, length in [(3, 7), (4, 10), (5, 13)]:
        vectors = rng.normal(size=(workers, length))
        check(submission, vectors, f"{workers} workers, {length} values")


@pytest.mark.points(6)
def test_random_workers_and_lengths(submission, rng):
    """Random worker counts and lengths: every worker gets the sum, counts follow the ring schedule."""
    for case in range(3):
        workers = int(rng.integers(2, 9))
        length = int(rng.integers(workers, 6 * workers))
        vectors = rng.normal(size=(workers, length)) * 10.0 ** rng.integers(-3, 4, size=(workers, 1))
        check(submission, vectors, f"case {case}: {workers} workers, {length} values")


@pytest.mark.points(4)
def test_every_worker_gets_the_same_bits(submission, rng):
    """Every worker ends with exactly the same values, bit for bit (replicas must not drift apart)."""
    workers, length = 6, 30
    # Magnitudes far apart: different orders of addition give different roundings.
    vectors = rng.normal(size=(workers, length)) * 10.0 ** rng.integers(-8, 9, size=(workers, length))
    results = check(submission, vectors, f"{workers} workers, {length} values of mixed magnitudes")
    for i in range(1, workers):
        assert_array_close(results[i], results[0], what=f"worker {i}'s result against worker 0's", rtol=0, atol=0)


@pytest.mark.points(2)
def test_single_worker(submission, rng):
    """One worker keeps its own vector and sends nothing."""
    check(submission, rng.normal(size=(1, int(rng.integers(1, 6)))), "1 worker")


@pytest.mark.points(3)
def test_fewer_values_than_workers(submission, rng):
    """Fewer values than workers: some chunks are empty and the counts still follow the schedule."""
    check(submission, rng.normal(size=(5, 3)), "5 workers, 3 values")
    check(submission, rng.normal(size=(4, 1)), "4 workers, 1 value")


@pytest.mark.points(2)
def test_many_workers(submission, rng):
    """Sixteen workers with 4,800 values each: the sum, and 2(N-1)/N of the vector sent by each."""
    check(submission, rng.normal(size=(16, 4800)), "16 workers, 4800 values")


@pytest.mark.points(2)
def test_rejects_invalid_input(submission, rng):
    """No worker, empty vectors, vectors of different lengths or not 1-D raise ValueError."""
    check(submission, rng.normal(size=(2, 4)), "a valid call before the invalid ones")
    for bad in ([], [[], []], [[1.0, 2.0], [1.0, 2.0, 3.0]], [np.ones((2, 2)), np.ones((2, 2))]):
        with pytest.raises(ValueError):
            submission.ring_allreduce(bad)


@pytest.mark.points(1)
def test_does_not_mutate_inputs(submission, rng):
    """The workers' vectors are left unchanged (self-reported by the sandbox: 1 point)."""
    vectors = [rng.normal(size=7) for _ in range(3)]
    before = [v.copy() for v in vectors]
    result, args_after, _ = submission.call_with_inputs("ring_allreduce", vectors)
    results, sent = unpack(result, 3, 7, "mutation check")
    assert_array_close(results[1], expected_sum(before), what="mutation check: worker 1's result")
    assert_equal(sent.tolist(), expected_sent(7, 3), what="mutation check: values sent")
    for i, (old, new) in enumerate(zip(before, args_after[0], strict=True)):
        assert_array_close(new, old, what=f"worker {i}'s input vector after the call", rtol=0, atol=0)
