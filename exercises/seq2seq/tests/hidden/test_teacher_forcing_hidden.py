"""Hidden tests for ``teacher_forcing_inputs(targets, bos)``.

The oracle, on the judge's side, builds the shifted array directly: ``bos`` in the first column,
then every column of ``targets`` but the last. Token ids are compared exactly, and the result must
be an integer array (token ids index an embedding table).
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import Handle, assert_array_close, describe


def oracle(targets, bos: int) -> np.ndarray:
    targets = np.asarray(targets, dtype=np.int64)
    first = np.full(targets.shape[:-1] + (1,), bos, dtype=np.int64)
    return np.concatenate([first, targets[..., :-1]], axis=-1)


def check(result, expected: np.ndarray, what: str) -> None:
    if isinstance(result, (Handle, str, bytes, dict)) or result is None:
        raise AssertionError(f"{what}: expected an array of token ids, got {describe(result)}")
    try:
        got = np.asarray(result)
    except (ValueError, TypeError):
        raise AssertionError(f"{what}: expected an array of token ids, got {describe(result)}") from None
    if got.dtype.kind not in "iu":
        raise AssertionError(f"{what}: expected integer token ids, got dtype {got.dtype} ({describe(result)})")
    if got.shape != expected.shape:
        raise AssertionError(f"{what}: expected shape {expected.shape}, got {got.shape}")
    if not np.array_equal(got, expected):
        index = tuple(int(i) for i in np.argwhere(got != expected)[0])
        raise AssertionError(f"{what}: at index {index} expected {expected[index]}, got {got[index]}")


def random_targets(rng, shape, vocab: int, pad_id: int, eos: int) -> np.ndarray:
    """Sequences ending in EOS then padding, as a real batch looks."""
    targets = rng.integers(3, vocab, size=shape)
    rows = targets.reshape(-1, shape[-1])
    for row in rows:
        end = int(rng.integers(0, shape[-1]))
        row[end] = eos
        row[end + 1 :] = pad_id
    return rows.reshape(shape)


@pytest.mark.points(6)
def test_tf_batch(submission, rng):
    """An (N, T) batch: bos in the first column, then each row's targets shifted right by one."""
    for _ in range(3):
        n, steps, vocab = int(rng.integers(2, 7)), int(rng.integers(1, 10)), int(rng.integers(6, 50))
        bos = int(rng.integers(vocab))
        targets = random_targets(rng, (n, steps), vocab, pad_id=0, eos=2)
        what = f"teacher_forcing_inputs(targets {targets.shape}, bos={bos})"
        check(submission.teacher_forcing_inputs(targets, bos), oracle(targets, bos), what)


@pytest.mark.points(3)
def test_tf_single_sequence(submission, rng):
    """A single (T,) sequence is shifted the same way, and stays 1-D."""
    for steps in (1, int(rng.integers(2, 12))):
        targets = random_targets(rng, (steps,), 30, pad_id=1, eos=2)
        bos = int(rng.integers(3, 30))
        what = f"teacher_forcing_inputs({targets.tolist()}, bos={bos})"
        check(submission.teacher_forcing_inputs(targets, bos), oracle(targets, bos), what)


@pytest.mark.points(1)
def test_tf_nested_lists(submission, rng):
    """Targets given as nested Python lists give the same decoder inputs."""
    targets = random_targets(rng, (3, 5), 20, pad_id=0, eos=1)
    bos = int(rng.integers(2, 20))
    check(submission.teacher_forcing_inputs(targets.tolist(), bos), oracle(targets, bos), "nested lists")


@pytest.mark.points(1)
def test_tf_does_not_mutate_inputs(submission, rng):
    """The targets are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    targets = random_targets(rng, (4, 6), 20, pad_id=0, eos=1)
    before = targets.copy()
    result, after, _ = submission.call_with_inputs("teacher_forcing_inputs", targets, 5)
    check(result, oracle(before, 5), "teacher_forcing_inputs (mutation check)")
    assert_array_close(after[0], before, what="argument targets after the call", rtol=0, atol=0)
