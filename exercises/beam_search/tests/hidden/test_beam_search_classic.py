"""Hidden tests for ``beam_search(probs, beam_width)``, the classic (T, V) form.

Oracles, all judge-side:
- exhaustive search over the V**T sequences on small cases;
- on long cases, an exact k-best search: with independent steps, the k best sequences of length
  t+1 extend the k best of length t, and only each row's k best tokens can take part;
- greedy decoding (argmax of every row) for beam_width = 1.
Scores are summed left to right in float64, and random cases are redrawn when two different
scores near the cut-off are closer than 1e-9, so that rounding never decides the ranking. Ties
are only ever exact: tied sequences use the same probabilities in the same positions, so every
correct computation (any summation order, np.log or math.log, the log of a product) agrees. Every
row has a positive entry (an all-zero row would make every sequence tie at -inf).

Token ids must be integers (Python or numpy ints): a float such as 1.0 is a wrong answer.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

from grader.testing import as_int_array, assert_close, assert_equal, describe, pairs

NEAR = 1e-9


# --- oracles ----------------------------------------------------------------------------------


def log_of(probs) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(probs, dtype=np.float64))


def exhaustive(probs) -> list[tuple[list[int], float]]:
    """Every sequence with its score, best first, ties lexicographic."""
    logp = log_of(probs)
    steps, vocab = logp.shape
    ranking = []
    for tokens in itertools.product(range(vocab), repeat=steps):
        score = 0.0
        for t, token in enumerate(tokens):
            score += float(logp[t, token])
        ranking.append((list(tokens), score))
    ranking.sort(key=lambda hyp: (-hyp[1], hyp[0]))
    return ranking


def k_best(probs, k: int) -> list[tuple[list[int], float]]:
    """The exact k best sequences for independent steps, without enumerating V**T of them."""
    logp = log_of(probs)
    vocab = logp.shape[1]
    beam: list[tuple[list[int], float]] = [([], 0.0)]
    for row in logp:
        top_tokens = np.lexsort((np.arange(vocab), -row))[:k]
        extended = [(tokens, score + float(row[v]), int(v)) for tokens, score in beam for v in top_tokens]
        extended.sort(key=lambda hyp: (-hyp[1], hyp[0], hyp[2]))
        beam = [(tokens + [v], score) for tokens, score, v in extended[:k]]
    return beam


def greedy(probs) -> tuple[list[int], float]:
    logp = log_of(probs)
    tokens = [int(np.argmax(row)) for row in logp]  # the first maximum: the smaller token
    score = 0.0
    for t, token in enumerate(tokens):
        score += float(logp[t, token])
    return tokens, score


def has_near_tie(ranking, k: int) -> bool:
    """Two *different* scores among the first k+1 that rounding could swap."""
    head = [score for _, score in ranking[: k + 1]]
    for a, b in zip(head, head[1:], strict=False):
        if a != b and math.isfinite(a) and math.isfinite(b) and abs(a - b) <= NEAR * max(1.0, abs(a)):
            return True
    return False


# --- checks -----------------------------------------------------------------------------------


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
        check_integer_tokens(tokens, label)
        got_tokens = as_int_array(tokens, label, ndim=1).tolist()
        if got_tokens != want:
            raise AssertionError(f"{label} (expected score {want_score!r}): {token_diff(got_tokens, want)}")
    for rank, ((_, score), (want, want_score)) in enumerate(zip(items, expected, strict=True)):
        assert_close(score, want_score, what=f"{what}: score of hypothesis {rank} {describe(want, 60)}")


def check_integer_tokens(tokens, label: str) -> None:
    """Token ids are integers: a list or tuple of Python or numpy ints, or an integer array."""
    if isinstance(tokens, np.ndarray):
        ok = tokens.dtype.kind in "iu"
    elif isinstance(tokens, (list, tuple)):
        ok = all(isinstance(t, (int, np.integer)) and not isinstance(t, (bool, np.bool_)) for t in tokens)
    else:
        ok = False
    if not ok:
        raise AssertionError(f"{label}: expected a list of integer token ids, got {describe(tokens, 120)}")


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


def random_probs(rng, steps: int, vocab: int, alpha: float = 1.0) -> np.ndarray:
    return rng.dirichlet(np.full(vocab, alpha), size=steps)


def drawn_small_case(rng, max_width: int):
    """A random small (T, V) case, its exhaustive ranking and a width, redrawn if ambiguous."""
    while True:
        steps = int(rng.integers(1, 5))
        vocab = int(rng.integers(2, 6 if steps < 4 else 5))
        probs = random_probs(rng, steps, vocab, alpha=float(rng.choice([0.3, 1.0, 3.0])))
        width = int(rng.integers(1, min(max_width, vocab**steps) + 1))
        ranking = exhaustive(probs)
        if not has_near_tie(ranking, width):
            return probs, width, ranking


def case_name(probs, width: int) -> str:
    steps, vocab = np.shape(probs)
    return f"beam_search(probs of shape ({steps}, {vocab}), beam_width={width})"


# --- exhaustive search on small cases ---------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.parametrize("case", range(4))
def test_matches_exhaustive_search(submission, rng, case):
    """Random small cases: the hypotheses, their order and scores agree with exhaustive search."""
    for _ in range(3):
        probs, width, ranking = drawn_small_case(rng, max_width=8)
        check_ranking(submission.beam_search(probs, width), ranking[:width], case_name(probs, width))


@pytest.mark.points(3)
def test_width_covering_every_sequence(submission, rng):
    """When beam_width is at least V**T, every sequence comes back, in the exhaustive ranking."""
    for steps, vocab in [(2, 3), (3, 3), (3, 4)]:
        while True:
            probs = random_probs(rng, steps, vocab)
            ranking = exhaustive(probs)
            if not has_near_tie(ranking, len(ranking)):
                break
        for width in (vocab**steps, vocab**steps + int(rng.integers(1, 20))):
            check_ranking(submission.beam_search(probs, width), ranking, case_name(probs, width))


@pytest.mark.points(3)
def test_width_one_is_greedy(submission, rng):
    """beam_width = 1 returns the single greedy sequence (the most likely token at every step)."""
    for _ in range(3):
        steps, vocab = int(rng.integers(5, 40)), int(rng.integers(3, 30))
        probs = random_probs(rng, steps, vocab)
        check_ranking(submission.beam_search(probs, 1), [greedy(probs)], case_name(probs, 1))


@pytest.mark.points(3)
def test_runners_up_are_not_rank_wise_choices(submission):
    """Later hypotheses mix best and second-best tokens the way exhaustive search does (probs as an array or lists)."""
    probs = np.array([[0.6, 0.4, 0.0], [0.9, 0.05, 0.05], [0.5, 0.3, 0.2]])
    for width in (2, 4, 6):
        check_ranking(submission.beam_search(probs, width), exhaustive(probs)[:width], case_name(probs, width))
        what = case_name(probs, width) + " with probs as nested lists"
        check_ranking(submission.beam_search(probs.tolist(), width), exhaustive(probs)[:width], what)


# Probabilities that differ by 5e-9 (2e-8 relatively) are distinct in float64 but the same number
# in float32 (0.25 and 0.25 + 5e-9 round to the same float32): a float32 computation sees a tie and
# puts the lexicographically smaller sequence first, where the larger one scores higher.
CLOSE = np.array([[0.25, 0.25 + 5e-9, 0.5 - 5e-9], [0.6, 0.3, 0.1], [0.5, 0.3, 0.2]])


@pytest.mark.points(2)
def test_close_scores_need_float64(submission):
    """Scores 1e-8 apart, closer than float32 can tell, are ranked as float64 ranks them."""
    assert np.float32(CLOSE[0, 0]) == np.float32(CLOSE[0, 1]) and CLOSE[0, 0] != CLOSE[0, 1]
    for width in (3, 5):
        check_ranking(submission.beam_search(CLOSE, width), exhaustive(CLOSE)[:width], case_name(CLOSE, width))


# --- ties -------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_ties_uniform_rows(submission, rng):
    """With uniform rows every sequence ties, so the lexicographically smallest ones come first."""
    for steps, vocab in [(3, 3), (2, 5), (4, 2)]:
        probs = np.full((steps, vocab), 1.0 / vocab)
        width = int(rng.integers(2, vocab**steps))
        check_ranking(submission.beam_search(probs, width), exhaustive(probs)[:width], case_name(probs, width))


@pytest.mark.points(2)
def test_ties_between_different_beam_entries(submission):
    """Equal scores reached from different prefixes are ordered by the whole token list."""
    # Row values repeat across the two steps, so [0, 0] and [1, 1] (and [1, 2] and [2, 0]) tie
    # exactly, while their first tokens rank the other way round by score.
    probs = np.array([[0.2, 0.5, 0.3], [0.5, 0.2, 0.3]])
    for width in (3, 5, 9):
        check_ranking(submission.beam_search(probs, width), exhaustive(probs)[:width], case_name(probs, width))


@pytest.mark.points(2)
def test_ties_from_repeated_probabilities(submission, rng):
    """Random rows with repeated probabilities: tied sequences are ordered lexicographically."""
    for _ in range(4):
        while True:
            steps, vocab = int(rng.integers(2, 5)), int(rng.integers(3, 6))
            levels = rng.dirichlet(np.ones(2), size=steps) + 0.1  # two distinct values per row
            choice = rng.integers(0, 2, size=(steps, vocab))
            probs = np.take_along_axis(levels, choice, axis=1)
            probs /= probs.sum(axis=1, keepdims=True)
            width = int(rng.integers(2, min(12, vocab**steps) + 1))
            ranking = exhaustive(probs)
            if not has_near_tie(ranking, width):
                break
        check_ranking(submission.beam_search(probs, width), ranking[:width], case_name(probs, width))


# --- zero probabilities -----------------------------------------------------------------------


@pytest.mark.points(2)
def test_zero_probability_scores_minus_infinity(submission):
    """A sequence through a zero probability scores -inf and ranks after every finite one."""
    probs = np.array([[0.0, 1.0], [0.5, 0.5]])
    for width in (2, 3, 4):
        check_ranking(submission.beam_search(probs, width), exhaustive(probs)[:width], case_name(probs, width))


@pytest.mark.points(3)
def test_random_zero_probabilities(submission, rng):
    """Random rows with zeros: finite scores first, then -inf ones in lexicographic order."""
    for _ in range(4):
        while True:
            steps, vocab = int(rng.integers(2, 4)), int(rng.integers(3, 6))
            probs = random_probs(rng, steps, vocab)
            probs[rng.random((steps, vocab)) < 0.35] = 0.0
            probs[np.arange(steps), rng.integers(0, vocab, size=steps)] += 0.2  # no all-zero row
            probs /= probs.sum(axis=1, keepdims=True)
            width = int(rng.integers(2, vocab**steps + 1))
            ranking = exhaustive(probs)
            if not has_near_tie(ranking, width):
                break
        check_ranking(submission.beam_search(probs, width), ranking[:width], case_name(probs, width))


# --- long sequences, speed --------------------------------------------------------------------


@pytest.mark.points(4)
def test_long_sequence_does_not_underflow(submission, rng):
    """T=400, where the product of probabilities underflows: the ranking is still right."""
    while True:
        probs = random_probs(rng, 400, 50)
        expected = k_best(probs, 6)
        if not has_near_tie(expected, 5):
            break
    check_ranking(submission.beam_search(probs, 5), expected[:5], case_name(probs, 5))


@pytest.mark.points(3)
def test_speed_long_sequence_large_vocabulary(submission, rng):
    """T=200, V=1000, beam_width=10 finishes within the deadline (vectorised steps) and is right."""
    while True:
        probs = random_probs(rng, 200, 1000)
        expected = k_best(probs, 11)
        if not has_near_tie(expected, 10):
            break
    start = time.perf_counter()
    got = submission.call("beam_search", probs, 10, timeout=2.5)
    elapsed = time.perf_counter() - start
    check_ranking(got, expected[:10], case_name(probs, 10) + f" (took {elapsed:.2f} s)")


# --- inputs -----------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_inputs_not_mutated(submission, rng):
    """The probs argument is left as it was, and the result is still right (self-reported).

    What the arguments look like after the call is reported by the sandbox itself, so this check
    is self-reported by nature: it is worth 1 point.
    """
    while True:
        probs = random_probs(rng, 4, 5)
        probs[1, 2] = 0.0
        ranking = exhaustive(probs)
        if not has_near_tie(ranking, 3):
            break
    for given in (probs.copy(), probs.tolist()):
        got, args, _ = submission.call_with_inputs("beam_search", given, 3)
        check_ranking(got, ranking[:3], f"{case_name(probs, 3)} ({type(given).__name__})")
        assert_equal(
            args[0],
            probs.tolist(),
            what=f"probs after beam_search(probs, 3) ({type(given).__name__})",
        )


INVALID = {
    # Each case holds several calls; a function must reject every one of them.
    "beam_width below 1": [(np.full((2, 3), 1 / 3), 0), (np.full((2, 3), 1 / 3), -2)],
    "probs not 2-D": [(np.full(3, 1 / 3), 2), (np.full((2, 2, 3), 1 / 3), 2), ([[[0.5, 0.5]]], 1)],
    "bad probabilities": [
        (np.array([[0.5, 0.6, -0.1], [0.2, 0.3, 0.5]]), 2),
        (np.array([[0.5, 0.5, 0.0], [0.2, np.nan, 0.5]]), 2),
        (np.array([[0.5, 0.5, 0.0], [0.2, np.inf, 0.5]]), 2),
    ],
}


@pytest.mark.points(1)
@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_arguments(submission, rng, case):
    """Invalid beam widths, shapes and probabilities raise ValueError (valid ones are answered)."""
    valid, valid_width, ranking = drawn_small_case(rng, max_width=4)
    check_ranking(submission.beam_search(valid, valid_width), ranking[:valid_width], case_name(valid, valid_width))
    for probs, width in INVALID[case]:
        with pytest.raises(ValueError):
            submission.beam_search(probs, width)
            raise AssertionError(f"beam_search(probs of shape {np.shape(probs)}, {width}) did not raise ValueError")
