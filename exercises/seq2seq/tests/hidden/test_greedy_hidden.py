"""Hidden tests for ``greedy_decode(step_fn, bos, eos, max_len)``.

A callable cannot cross the sandbox boundary, so every test sends a table of next-token logits to
the ``greedy_with_table`` probe, which builds ``step_fn`` next to the candidate's code: with order
1 the logits after a prefix are ``table[last]``, with order 2 ``table[prev, last]`` (``prev`` is
``bos`` while the prefix is just ``[bos]``).

The oracle, on the judge's side, is a plain-Python decoder over the same table: the first maximum
of each row (the smallest id on a tie), stopping at EOS or after max_len tokens, and the score is
summed from ``torch.log_softmax`` of each row in float64. Random tables are redrawn when two
different logits competing for a step are closer than 1e-9, so that rounding never picks the token.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import as_int_array, assert_close, describe

NEAR = 1e-9


def row_of(table: np.ndarray, order: int, bos: int, tokens: list[int]) -> np.ndarray:
    if order == 1:
        return table[tokens[-1]]
    prev = tokens[-2] if len(tokens) > 1 else bos
    return table[prev, tokens[-1]]


def oracle(table, order, bos, eos, max_len):
    """(tokens, log_prob, ambiguous): greedy decoding in plain Python over the table."""
    table = np.asarray(table, dtype=np.float64)
    tokens, total, ambiguous = [bos], 0.0, False
    for _ in range(max_len):
        row = [float(v) for v in row_of(table, order, bos, tokens)]
        best = max(row)
        token = row.index(best)  # the first maximum: the smallest id on a tie
        ambiguous |= any(v != best and best - v <= NEAR * max(1.0, abs(best)) for v in row)
        total += float(torch.log_softmax(torch.tensor(row, dtype=torch.float64), dim=0)[token])
        tokens.append(token)
        if token == eos:
            break
    return tokens, total, ambiguous


def decode(submission, table, order, bos, eos, max_len):
    return submission.probe("greedy_with_table", np.asarray(table, dtype=np.float64), order, bos, eos, max_len)


def check(submission, table, order, bos, eos, max_len, what: str = "") -> None:
    want_tokens, want_score, _ = oracle(table, order, bos, eos, max_len)
    what = (
        what
        or f"greedy_decode(order-{order} table over V={np.shape(table)[-1]}, bos={bos}, eos={eos}, max_len={max_len})"
    )
    got = decode(submission, table, order, bos, eos, max_len)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise AssertionError(f"{what}: expected a pair (tokens, log_prob), got {describe(got)}")
    tokens = as_int_array(got[0], f"{what}: tokens", ndim=1).tolist()
    if tokens != want_tokens:
        raise AssertionError(f"{what}: expected tokens {want_tokens}, got {tokens}")
    assert_close(got[1], want_score, what=f"{what}: log_prob of {want_tokens}")


def random_table(rng, order: int, vocab: int, eos: int) -> np.ndarray:
    """Random logits, with EOS made more or less likely so that lengths vary."""
    table = rng.normal(size=(vocab,) * order + (vocab,)) * float(rng.uniform(0.5, 3.0))
    table[..., eos] += float(rng.uniform(-1.0, 2.0))
    return table


def drawn_case(rng, order: int):
    while True:
        vocab = int(rng.integers(3, 9))
        bos, eos = (int(v) for v in rng.choice(vocab, size=2, replace=False))
        table, max_len = random_table(rng, order, vocab, eos), int(rng.integers(1, 9))
        if not oracle(table, order, bos, eos, max_len)[2]:
            return table, order, bos, eos, max_len


@pytest.mark.points(10)
def test_greedy_first_order_tables(submission, rng):
    """Random tables, logits depending on the last token: tokens and log-probability agree."""
    for _ in range(4):
        check(submission, *drawn_case(rng, 1))


@pytest.mark.points(6)
def test_greedy_second_order_tables(submission, rng):
    """Logits depending on the last two tokens (hand-made and random): step_fn needs the whole prefix."""
    table = rng.normal(size=(4, 4, 4)) * 0.1  # bos = 0, eos = 1
    table[0, 0, 2] = table[0, 2, 3] = table[2, 3, 1] = table[0, 3, 2] = table[3, 2, 3] = 2.0
    # [0] -> 2, [0, 2] -> 3, [0, 2, 3] -> eos; with the last token alone, [3] would read table[0, 3] -> 2
    check(submission, table, 2, 0, 1, 6, "order-2 table where the token before the last decides")
    for _ in range(3):
        check(submission, *drawn_case(rng, 2))


BOS, EOS = 0, 1


@pytest.mark.points(5)
def test_greedy_ties_go_to_the_smallest_id(submission, rng):
    """Hand-made: exactly equal top logits pick the smallest token id, at every step."""
    table = np.array(
        [
            [0.0, 1.0, 3.0, 3.0, 3.0],  # after bos: 2, 3, 4 tie
            [0.0, 0.0, 0.0, 0.0, 0.0],  # after eos (never used)
            [0.0, 1.0, 0.5, 2.0, 2.0],  # after 2: 3 and 4 tie
            [0.0, 4.0, 1.0, 1.0, 4.0],  # after 3: eos (1) and 4 tie
            [0.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    check(submission, table, 1, BOS, EOS, 6, "ties after every token")  # [0, 2, 3, 1]
    scaled = table * float(rng.uniform(0.5, 2.0))
    check(submission, scaled, 1, BOS, EOS, 6, "ties, scaled logits")


@pytest.mark.points(4)
def test_greedy_eos_at_the_first_step(submission, rng):
    """Hand-made: EOS is the first choice, so the result is [bos, eos] with one token's log-prob."""
    table = rng.normal(size=(4, 4))
    table[2, 3] = table[2].max() + 0.5  # bos = 2, eos = 3
    check(submission, table, 1, 2, 3, 5, "EOS first")
    check(submission, table, 1, 2, 3, 1, "EOS first, max_len=1")


@pytest.mark.points(5)
def test_greedy_stops_at_max_len(submission, rng):
    """Hand-made: EOS never wins, so exactly max_len tokens follow bos (also for max_len = 1)."""
    table = rng.normal(size=(5, 5))
    table[:, EOS] = table.min() - 1.0  # never the maximum
    for max_len in (1, 4, 7):
        check(submission, table, 1, BOS, EOS, max_len, f"EOS never chosen, max_len={max_len}")


@pytest.mark.points(6)
def test_greedy_large_logits(submission):
    """Hand-made: logits around 1e4 give exact, finite log-probabilities (a stable log-softmax)."""
    table = np.array(
        [
            [-1e4, -1e4, 1e4, 1e4 - 7.0],  # after bos: 2, a margin of 7
            [0.0, 0.0, 0.0, 0.0],  # after eos (never used)
            [-1e4, 2e4 - 1.0, -1e4, 2e4],  # after 2: 3, a margin of 1
            [5e3, 5e3 + 2.0, 5e3, -3e4],  # after 3: eos
        ]
    )
    check(submission, table, 1, BOS, EOS, 5, "logits of 1e4")  # [0, 2, 3, 1]


@pytest.mark.points(3)
def test_greedy_invalid_max_len(submission, rng):
    """max_len below 1 raises ValueError (and a valid call is answered)."""
    check(submission, *drawn_case(rng, 1))
    with pytest.raises(ValueError):
        decode(submission, np.zeros((3, 3)), 1, BOS, EOS, 0)
