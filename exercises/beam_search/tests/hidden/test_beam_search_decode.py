"""Hidden tests for ``beam_search_decode``: the seq2seq form, where EOS ends a hypothesis.

A callable cannot cross the sandbox boundary, so every test sends a transition table of
log-probabilities to the ``decode_with_table`` probe, which builds ``step_log_probs`` next to the
candidate's code: with order 1 the next token's log-probabilities are ``table[last]``, with order 2
``table[prev, last]`` (``prev`` is ``bos`` while the prefix is just ``[bos]``).

Oracles, all judge-side and fed the same table:
- ``literal_decode`` follows the statement's step algorithm line by line;
- ``brute_force`` enumerates every finished sequence, which is what beam search returns when the
  beam is wide enough never to prune;
- ``greedy_decode`` for beam_width = 1.
Random cases are redrawn when two different scores that decide a cut or an order are closer than
1e-9, so that floating-point rounding never decides the answer; ties are only ever exact (the
same log-probabilities in the same positions, and the same generated length).

Token ids must be integers: a float such as 1.0 is a wrong answer (the probe turns numpy ints
into Python ints, and leaves floats as floats).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import as_int_array, assert_close, describe, pairs

NEAR = 1e-9
PENALTIES = [0.0, 1.0, 2.0]


# --- tables -----------------------------------------------------------------------------------


def log_of(probs) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(probs, dtype=np.float64))


def row_of(table: np.ndarray, order: int, bos: int, tokens: list[int]) -> np.ndarray:
    """The next token's log-probabilities after ``tokens``, as the probe computes them."""
    if order == 1:
        return table[tokens[-1]]
    prev = tokens[-2] if len(tokens) > 1 else bos
    return table[prev, tokens[-1]]


def random_table(rng, order: int, vocab: int, eos: int) -> np.ndarray:
    """Random next-token distributions, some with zeros, with EOS made more or less likely."""
    contexts = (vocab,) * order
    probs = rng.dirichlet(np.full(vocab, float(rng.choice([0.4, 1.0, 2.0]))), size=contexts)
    probs[..., eos] *= float(rng.uniform(0.5, 3.0))
    if rng.random() < 0.4:
        probs[rng.random(probs.shape) < 0.2] = 0.0
        probs[..., int(rng.integers(vocab))] += 0.1  # no all-zero row
    probs /= probs.sum(axis=-1, keepdims=True)
    return log_of(probs)


# --- oracles ----------------------------------------------------------------------------------


def near(a: float, b: float) -> bool:
    """Different finite scores close enough for rounding to swap them."""
    return a != b and math.isfinite(a) and math.isfinite(b) and abs(a - b) <= NEAR * max(1.0, abs(a))


def ranked(hyps):
    return sorted(hyps, key=lambda hyp: (-hyp[1], hyp[0]))


def final_scores(finished, length_penalty: float):
    return [(tokens, score / (len(tokens) - 1) ** length_penalty) for tokens, score in finished]


def literal_decode(table, order, bos, eos, beam_width, max_len, length_penalty):
    """The statement's algorithm, step by step. Returns (result, ambiguous)."""
    beam: list[tuple[list[int], float]] = [([bos], 0.0)]
    finished: list[tuple[list[int], float]] = []
    ambiguous = False
    for _ in range(max_len):
        if not beam:
            break
        extensions = []
        for tokens, score in beam:
            row = row_of(table, order, bos, tokens)
            extensions += [(tokens + [v], score + float(row[v])) for v in range(len(row))]
        extensions = ranked(extensions)
        if len(extensions) > beam_width:
            ambiguous |= near(extensions[beam_width - 1][1], extensions[beam_width][1])
        kept = extensions[:beam_width]
        finished += [hyp for hyp in kept if hyp[0][-1] == eos]
        beam = [hyp for hyp in kept if hyp[0][-1] != eos]
    finished += beam
    result = ranked(final_scores(finished, length_penalty))
    head = [score for _, score in result[: beam_width + 1]]
    ambiguous |= any(near(a, b) for a, b in zip(head, head[1:], strict=False))
    return result[:beam_width], ambiguous


def brute_force(table, order, bos, eos, max_len, length_penalty):
    """Every sequence that stops at its first EOS or at max_len, best first."""
    finished = []

    def walk(tokens, score):
        if len(tokens) > 1 and (tokens[-1] == eos or len(tokens) - 1 == max_len):
            finished.append((tokens, score))
            return
        row = row_of(table, order, bos, tokens)
        for v in range(len(row)):
            walk(tokens + [v], score + float(row[v]))

    walk([bos], 0.0)
    return ranked(final_scores(finished, length_penalty))


def greedy_decode(table, order, bos, eos, max_len, length_penalty):
    """The most likely token at each step (the smaller on a tie). Returns (result, ambiguous)."""
    tokens, score, ambiguous = [bos], 0.0, False
    for _ in range(max_len):
        row = row_of(table, order, bos, tokens)
        token = int(np.argmax(row))
        ambiguous |= near(float(row[token]), float(np.sort(row)[-2]))
        tokens.append(token)
        score += float(row[token])
        if token == eos:
            break
    return final_scores([(tokens, score)], length_penalty), ambiguous


# --- running and checking ---------------------------------------------------------------------


def decode(submission, table, order, bos, eos, beam_width, max_len, length_penalty):
    """The candidate's beam_search_decode, driven by the probe over this table."""
    return submission.probe(
        "decode_with_table", np.asarray(table), order, bos, eos, beam_width, max_len, length_penalty
    )


def case_name(table, order, bos, eos, beam_width, max_len, length_penalty) -> str:
    return (
        f"beam_search_decode(order-{order} table over V={np.shape(table)[-1]} tokens, bos={bos}, "
        f"eos={eos}, beam_width={beam_width}, max_len={max_len}, length_penalty={length_penalty})"
    )


def check_ranking(got, expected, what: str) -> None:
    """Same number of hypotheses, the same token lists in the same order, and close scores."""
    items = pairs(got, what)
    if len(items) != len(expected):
        if len(items) > len(expected):
            detail = f"the extra ones start with {describe(items[len(expected)], 120)}"
        else:
            detail = f"the first missing one is {describe(expected[len(items)], 120)}"
        raise AssertionError(
            f"{what}: expected {len(expected)} hypotheses, got {len(items)}; {detail}; "
            f"got first {describe(items[:2], 160)}"
        )
    for rank, ((tokens, _), (want, want_score)) in enumerate(zip(items, expected, strict=True)):
        label = f"{what}: tokens of hypothesis {rank}"
        if not isinstance(tokens, (list, tuple)) or not all(type(t) is int for t in tokens):
            raise AssertionError(f"{label}: expected a list of integer token ids, got {describe(tokens, 120)}")
        got_tokens = as_int_array(tokens, label, ndim=1).tolist()
        if got_tokens != want:
            raise AssertionError(f"{label} (expected score {want_score!r}): {token_diff(got_tokens, want)}")
    for rank, ((_, score), (want, want_score)) in enumerate(zip(items, expected, strict=True)):
        assert_close(score, want_score, what=f"{what}: score of hypothesis {rank} {describe(want, 60)}")


def token_diff(got: list[int], want: list[int]) -> str:
    """Where two token lists part, shown briefly even when they are hundreds of tokens long."""
    if len(got) != len(want) and got[: len(want)] == want[: len(got)]:
        return f"expected {len(want)} tokens, got {len(got)}: expected {describe(want, 80)}, got {describe(got, 80)}"
    first = next(i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b)
    if len(want) <= 12 and len(got) <= 12:
        return f"expected {want}, got {got} (first difference at position {first})"
    around = slice(max(0, first - 3), first + 4)
    return (
        f"first difference at position {first} of {len(want)}: expected {want[first]}, "
        f"got {got[first]} (expected ...{want[around]}..., got ...{got[around]}...)"
    )


def check_literal(submission, table, order, bos, eos, beam_width, max_len, length_penalty):
    args = (table, order, bos, eos, beam_width, max_len, length_penalty)
    expected, _ = literal_decode(*args)
    check_ranking(decode(submission, *args), expected, case_name(*args))


def drawn_case(rng, order: int, length_penalty: float):
    """A random table and arguments whose answer rounding cannot change."""
    while True:
        vocab = int(rng.integers(3, 7 if order == 1 else 6))
        bos, eos = (int(v) for v in rng.choice(vocab, size=2, replace=False))
        table = random_table(rng, order, vocab, eos)
        beam_width, max_len = int(rng.integers(1, 5)), int(rng.integers(1 if order == 1 else 2, 7))
        args = (table, order, bos, eos, beam_width, max_len, length_penalty)
        if not literal_decode(*args)[1]:
            return args


# --- random tables ----------------------------------------------------------------------------


@pytest.mark.points(4)
@pytest.mark.parametrize("length_penalty", PENALTIES)
def test_first_order_tables(submission, rng, length_penalty):
    """Random tables, next token depending on the last one: agrees with the step algorithm."""
    for _ in range(4):
        check_literal(submission, *drawn_case(rng, 1, length_penalty))


@pytest.mark.points(4)
@pytest.mark.parametrize("length_penalty", PENALTIES)
def test_second_order_tables(submission, rng, length_penalty):
    """Random tables, next token depending on the last two: agrees with the step algorithm."""
    for _ in range(4):
        check_literal(submission, *drawn_case(rng, 2, length_penalty))


@pytest.mark.points(3)
def test_wide_beam_matches_brute_force(submission, rng):
    """A beam too wide to prune returns every finished sequence, ranked as brute force does."""
    for length_penalty in PENALTIES:
        while True:
            order, vocab, max_len = int(rng.integers(1, 3)), int(rng.integers(3, 5)), 3
            bos, eos = (int(v) for v in rng.choice(vocab, size=2, replace=False))
            table = random_table(rng, order, vocab, eos)
            expected = brute_force(table, order, bos, eos, max_len, length_penalty)
            scores = [score for _, score in expected]
            if not any(near(a, b) for a, b in zip(scores, scores[1:], strict=False)):
                break
        beam_width = vocab**max_len
        args = (table, order, bos, eos, beam_width, max_len, length_penalty)
        check_ranking(decode(submission, *args), expected, case_name(*args))


@pytest.mark.points(3)
def test_decode_width_one_is_greedy(submission, rng):
    """beam_width = 1 follows the most likely token at every step until EOS or max_len."""
    done = 0
    while done < 4:
        order, vocab = int(rng.integers(1, 3)), int(rng.integers(3, 7))
        bos, eos = (int(v) for v in rng.choice(vocab, size=2, replace=False))
        table = random_table(rng, order, vocab, eos)
        max_len, length_penalty = int(rng.integers(1, 8)), float(rng.choice(PENALTIES))
        expected, ambiguous = greedy_decode(table, order, bos, eos, max_len, length_penalty)
        if ambiguous:
            continue
        args = (table, order, bos, eos, 1, max_len, length_penalty)
        check_ranking(decode(submission, *args), expected, case_name(*args))
        done += 1


# --- hand-made cases --------------------------------------------------------------------------

BOS, EOS, A, B = 0, 1, 2, 3

# After [bos], "a" is the most likely token, but every continuation of "a" is unlikely, while
# "b" is almost always followed by EOS: greedy decoding picks "a" and misses [bos, b, eos].
GREEDY_TRAP = log_of(
    [
        [0.0, 0.1, 0.5, 0.4],  # after bos
        [0.25, 0.25, 0.25, 0.25],  # after eos (never used)
        [0.0, 0.4, 0.3, 0.3],  # after a
        [0.0, 0.9, 0.05, 0.05],  # after b
    ]
)


@pytest.mark.points(3)
@pytest.mark.parametrize("beam_width", [2, 3])
def test_greedy_trap(submission, beam_width):
    """Greedy decoding misses the most likely sequence here, and a beam of 2 or more finds it."""
    check_literal(submission, GREEDY_TRAP, 1, BOS, EOS, beam_width, 5, 1.0)


@pytest.mark.points(2)
@pytest.mark.parametrize("beam_width", [1, 3])
def test_eos_at_first_step(submission, beam_width):
    """EOS as the most likely first token finishes a hypothesis of one generated token at once."""
    bos, eos = 2, 0
    table = log_of(
        [
            [0.25, 0.25, 0.25, 0.25],  # after eos (never used)
            [0.5, 0.2, 0.1, 0.2],
            [0.6, 0.1, 0.0, 0.3],  # after bos: EOS first
            [0.3, 0.3, 0.1, 0.3],
        ]
    )
    check_literal(submission, table, 1, bos, eos, beam_width, 3, 1.0)


@pytest.mark.points(3)
def test_max_len_reached_without_eos(submission):
    """When EOS is never kept, hypotheses stop after max_len tokens and are scored over max_len."""
    bos, eos = 0, 3
    rows = [
        [0.3, 0.4, 0.2999, 0.0001],
        [0.2, 0.3, 0.4999, 0.0001],
        [0.5, 0.3, 0.1999, 0.0001],
        [1, 1, 1, 1],
    ]
    table = log_of(np.array(rows) / np.sum(rows, axis=1, keepdims=True))
    for length_penalty in PENALTIES:
        check_literal(submission, table, 1, bos, eos, 3, 4, length_penalty)


# Short [bos, eos] (raw -1.20), [bos, a, eos] (-0.87) and long [bos, a, a, eos] (-1.78),
# [bos, a, a, a] (-2.19): each length penalty ranks them differently.
LENGTH_TABLE = log_of(
    [
        [0.0, 0.3, 0.7],  # after bos
        [1 / 3, 1 / 3, 1 / 3],  # after eos (never used)
        [0.0, 0.6, 0.4],  # after a
    ]
)


@pytest.mark.points(1)
@pytest.mark.parametrize("length_penalty", PENALTIES)
def test_length_penalty_changes_the_ranking(submission, length_penalty):
    """Hypotheses of different lengths rank by the sum divided by generated length ** penalty."""
    check_literal(submission, LENGTH_TABLE, 1, BOS, EOS, 2, 3, length_penalty)


@pytest.mark.points(1)
def test_ties_in_uniform_table(submission):
    """When every token is equally likely, ties at each cut and in the result are lexicographic."""
    table = log_of(np.full((3, 3), 1 / 3))
    check_literal(submission, table, 1, BOS, EOS, 2, 2, 1.0)
    check_literal(submission, table, 1, BOS, EOS, 3, 3, 0.0)


@pytest.mark.points(1)
def test_decode_ties_between_different_beam_entries(submission):
    """Equal scores reached from different live hypotheses are cut by the whole token list."""
    # [bos, 3] is more likely than [bos, 2], but [bos, 2, eos] and [bos, 3, eos] (and [bos, 3, 4])
    # tie exactly at the cut, where the lexicographically smaller [bos, 2, eos] must be kept.
    table = log_of(
        [
            [0.0, 0.05, 0.2, 0.5, 0.25],  # after bos
            [0.2, 0.2, 0.2, 0.2, 0.2],  # after eos (never used)
            [0.0, 0.5, 0.2, 0.2, 0.1],  # after 2
            [0.0, 0.2, 0.3, 0.3, 0.2],  # after 3
            [0.0, 0.1, 0.3, 0.3, 0.3],  # after 4
        ]
    )
    check_literal(submission, table, 1, BOS, EOS, 3, 2, 1.0)


def long_table(rng, vocab: int = 16) -> np.ndarray:
    """A random order-1 table where no token is likely (at most 0.1 / 0.9) and EOS almost never is."""
    while True:
        probs = rng.dirichlet(np.full(vocab, 20.0), size=vocab)
        probs[:, BOS] = 0.0
        probs[:, EOS] = 1e-12
        probs = np.minimum(probs / probs.sum(axis=1, keepdims=True), 0.1)
        if np.all(probs.sum(axis=1) > 0.9):
            return log_of(probs / probs.sum(axis=1, keepdims=True))


@pytest.mark.points(4)
def test_long_decode_does_not_underflow(submission, rng):
    """A 400-token decode, where every product of probabilities underflows to 0, ranks as the log sums do."""
    while True:
        table = long_table(rng)
        args = (table, 1, BOS, EOS, 3, 400, 1.0)
        expected, ambiguous = literal_decode(*args)
        if not ambiguous:
            break
    # Every sequence of 400 tokens has a probability below (0.1 / 0.9) ** 400 (1e-382): a product of
    # probabilities is exactly 0.0 in float64, while the sums of logs stay exact.
    assert all(score * 400 < math.log(1e-320) for _, score in expected)
    check_ranking(decode(submission, *args), expected, case_name(*args))


# log-probabilities 2e-8 apart, distinct in float64 and the same number in float32: a float32
# computation sees a tie and keeps the lexicographically smaller token, where the larger scores higher.
CLOSE_TABLE = np.array(
    [
        [-np.inf, math.log(0.2), math.log(0.25), math.log(0.25) + 2e-8, math.log(0.3)],  # after bos
        [math.log(0.2)] * 5,  # after eos (never used)
        [-np.inf, math.log(0.5), math.log(0.2), math.log(0.2), math.log(0.1)],  # after 2
        [-np.inf, math.log(0.5), math.log(0.2), math.log(0.2), math.log(0.1)],  # after 3
        [-np.inf, math.log(0.6), math.log(0.1), math.log(0.2), math.log(0.1)],  # after 4
    ]
)


@pytest.mark.points(1)
def test_decode_close_scores_need_float64(submission):
    """Scores 2e-8 apart, closer than float32 can tell, are cut and ranked as float64 does."""
    assert np.float32(CLOSE_TABLE[0, 2]) == np.float32(CLOSE_TABLE[0, 3]) and CLOSE_TABLE[0, 2] != CLOSE_TABLE[0, 3]
    for beam_width in (2, 3):
        check_literal(submission, CLOSE_TABLE, 1, BOS, EOS, beam_width, 2, 1.0)


@pytest.mark.points(1)
@pytest.mark.parametrize("case", ["beam_width below 1", "max_len below 1"])
def test_decode_invalid_arguments(submission, rng, case):
    """A beam width or a maximum length below 1 raises ValueError (valid ones are answered)."""
    check_literal(submission, *drawn_case(rng, 1, 1.0))
    for beam_width, max_len in ([(0, 3), (-1, 3)] if case == "beam_width below 1" else [(2, 0), (2, -3)]):
        with pytest.raises(ValueError):
            decode(submission, log_of(np.full((3, 3), 1 / 3)), 1, BOS, EOS, beam_width, max_len, 1.0)
            raise AssertionError(f"beam_width={beam_width}, max_len={max_len} did not raise ValueError")
