"""Sample tests for beam_search: the statement's examples. Run them with pytest in your kit.

The hidden tests check much more: exhaustive search on random cases, ties, zero probabilities,
long sequences, speed, invalid arguments, and beam_search_decode on random transition tables.
"""

import math
import types

import numpy as np
import pytest

PROBS = [[0.1, 0.5, 0.4], [0.6, 0.3, 0.1]]

with np.errstate(divide="ignore"):
    TABLE = np.log(
        [
            [0.0, 0.05, 0.55, 0.40],  # after <bos>
            [0.25, 0.25, 0.25, 0.25],  # after <eos> (never used)
            [0.0, 0.36, 0.34, 0.30],  # after "yes"
            [0.0, 0.80, 0.10, 0.10],  # after "no"
        ]
    )
BOS, EOS = 0, 1


def step_log_probs(prefix):
    return TABLE[prefix[-1]]


def decode(submission, beam_width, max_len, length_penalty):
    """beam_search_decode over TABLE, with step_log_probs reading the row of the last token."""
    if isinstance(submission, types.ModuleType):  # your kit: your module, imported directly
        return submission.beam_search_decode(step_log_probs, BOS, EOS, beam_width, max_len, length_penalty)
    # The grader's sandbox cannot receive a Python function; its probe builds the same one there.
    return submission.probe("decode_with_table", TABLE, 1, BOS, EOS, beam_width, max_len, length_penalty)


def assert_hypotheses(got, expected):
    assert [list(tokens) for tokens, _ in got] == [tokens for tokens, _ in expected]
    for (_, score), (_, want) in zip(got, expected, strict=True):
        assert score == pytest.approx(want, rel=1e-6, abs=1e-8)


def test_worked_example(submission):
    expected = [([1, 0], math.log(0.30)), ([2, 0], math.log(0.24)), ([1, 1], math.log(0.15))]
    assert_hypotheses(submission.beam_search(PROBS, 3), expected)


def test_width_one_is_the_greedy_sequence(submission):
    assert_hypotheses(submission.beam_search(PROBS, 1), [([1, 0], math.log(0.30))])


def test_zero_probability_gives_minus_infinity(submission):
    got = submission.beam_search([[0.0, 1.0], [0.5, 0.5]], 3)
    assert [list(tokens) for tokens, _ in got] == [[1, 0], [1, 1], [0, 0]]
    assert got[2][1] == -math.inf


def test_ties_are_lexicographic(submission):
    got = submission.beam_search([[0.5, 0.5], [0.5, 0.5]], 3)
    assert [list(tokens) for tokens, _ in got] == [[0, 0], [0, 1], [1, 0]]


def test_invalid_beam_width(submission):
    with pytest.raises(ValueError):
        submission.beam_search(PROBS, 0)


def test_decode_greedy_misses_the_best_sequence(submission):
    got = decode(submission, 1, 3, 1.0)
    assert_hypotheses(got, [([0, 2, 1], math.log(0.55 * 0.36) / 2)])


def test_decode_beam_finds_it(submission):
    got = decode(submission, 2, 3, 1.0)
    expected = [([0, 3, 1], math.log(0.40 * 0.80) / 2), ([0, 2, 1], math.log(0.55 * 0.36) / 2)]
    assert_hypotheses(got, expected)


def test_decode_length_penalty(submission):
    got = decode(submission, 3, 3, 2.0)
    expected = [
        ([0, 3, 1], math.log(0.40 * 0.80) / 2**2),
        ([0, 2, 2, 1], math.log(0.55 * 0.34 * 0.36) / 3**2),
        ([0, 2, 2, 2], math.log(0.55 * 0.34 * 0.34) / 3**2),
    ]
    assert_hypotheses(got, expected)
