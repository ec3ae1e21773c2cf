"""Hidden tests for ``remove_stop_words``.

The oracle is the definition itself, written on the judge's side: keep each token whose
``str.lower()`` is not the ``str.lower()`` of a stop word, in order, duplicates and case kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.testing import Handle, describe

STOP_WORDS = ["a", "an", "and", "are", "is", "not", "of", "on", "the", "to", "was", "with"]
# fmt: off
CONTENT_WORDS = ["cat", "Cat", "mat", "dog", "Good", "movie", "Movie", "plot", "café", "Café",
                 "日本語", "Москва", "x2", "snake_case", "!", "42", ""]
# fmt: on


def expected_tokens(tokens: list[str], stop_words: list[str]) -> list[str]:
    stop = {word.lower() for word in stop_words}
    return [token for token in tokens if token.lower() not in stop]


def check_removal(submission: Any, tokens: list[str], stop_words: list[str], what: str) -> None:
    """The candidate's result equals the expected list; the message names the first difference."""
    check_result(submission.remove_stop_words(tokens, stop_words), tokens, stop_words, what)


def check_result(got: Any, tokens: list[str], stop_words: list[str], what: str) -> None:
    """A result already returned by remove_stop_words equals the expected list."""
    want = expected_tokens(tokens, stop_words)
    label = f"remove_stop_words({what})"
    if isinstance(got, Handle) or not isinstance(got, (list, tuple)):
        raise AssertionError(f"{label}: expected a list of tokens, got {describe(got)}")
    got = list(got)
    if got == want:
        return
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            raise AssertionError(
                f"{label}: kept token {index} differs: expected {w!r}, got {g!r} "
                f"(expected {len(want)} tokens, got {len(got)})"
            )
    if len(got) < len(want):
        raise AssertionError(
            f"{label}: only {len(got)} tokens kept, expected {len(want)}; first missing is "
            f"{want[len(got)]!r} at position {len(got)}"
        )
    raise AssertionError(
        f"{label}: {len(got)} tokens kept, expected {len(want)}; first unexpected is "
        f"{got[len(want)]!r} at position {len(want)}"
    )


def random_case(rng: np.random.Generator, word: str) -> str:
    """The word with each letter randomly upper- or lowercased."""
    flips = rng.integers(2, size=len(word))
    return "".join(ch.upper() if flip else ch for ch, flip in zip(word, flips, strict=True))


@pytest.mark.points(2)
def test_small_example(submission):
    """A short sentence loses its stop words and keeps the rest."""
    tokens = ["the", "cat", "sat", "on", "the", "mat"]
    check_removal(submission, tokens, ["the", "on", "a"], "['the', 'cat', 'sat', ...], ['the', 'on', 'a']")


@pytest.mark.points(3)
def test_keeps_order_and_duplicates(submission):
    """Kept tokens stay in their original order, repeated tokens included."""
    tokens = ["dog", "bites", "dog", "the", "dog", "zebra", "apple", "bites", "of", "apple"]
    check_removal(submission, tokens, ["the", "of"], "tokens with repeats, ['the', 'of']")


@pytest.mark.points(3)
def test_case_insensitive(submission):
    """Matching ignores case on both sides, and kept tokens keep their own case."""
    tokens = ["The", "Movie", "was", "NOT", "Good", "THE", "End", "Café"]
    check_removal(submission, tokens, ["the", "Was", "NOT", "end"], "mixed-case tokens and stop words")
    check_removal(submission, ["Café", "CAFÉ", "café", "Tea"], ["CAFÉ"], "accented capitals")


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "tokens, stop_words",
    [
        (
            ["STRASSE", "Straße", "straße", "ΟΔΟΣ", "οδος", "İS", "is", "Is", "ﬁne", "FINE"],
            ["straße", "οδοσ", "is", "fine"],
        ),
        (["Straße", "οδοσ", "istanbul", "i\u0307stanbul", "Fine", "ﬁne"], ["STRASSE", "ΟΔΟΣ", "İSTANBUL", "FINE"]),
    ],
    ids=["lowercase-stop-words", "uppercase-stop-words"],
)
def test_unicode_case_rules(submission, tokens, stop_words):
    """Case-insensitive matching is str.lower() on both sides, where casefold() and upper() give other answers."""
    check_removal(submission, tokens, stop_words, f"{tokens}, {stop_words}")


@pytest.mark.points(3)
def test_random_tokens(submission, rng):
    """Random token lists with random casing and random stop-word lists."""
    for index in range(5):
        stop_words = [random_case(rng, w) for w in rng.choice(STOP_WORDS, size=int(rng.integers(1, 8)))]
        vocabulary = STOP_WORDS + CONTENT_WORDS
        picks = rng.choice(vocabulary, size=int(rng.integers(0, 40)))
        tokens = [random_case(rng, str(word)) for word in picks]
        check_removal(submission, tokens, [str(w) for w in stop_words], f"random case {index}")


@pytest.mark.points(2)
def test_empty_inputs(submission):
    """No tokens gives an empty list, and no stop words keeps every token."""
    check_removal(submission, [], ["the", "a"], "[], ['the', 'a']")
    check_removal(submission, ["The", "the", "cat"], [], "['The', 'the', 'cat'], []")
    check_removal(submission, ["the", "THE"], ["the"], "only stop words")


@pytest.mark.points(1)
def test_inputs_not_mutated(submission):
    """Neither the token list nor the stop-word list is changed, and the result is still right (self-reported).

    What the arguments look like after the call is reported by the sandbox itself, so this check
    is self-reported by nature: it is worth 1 point.
    """
    tokens, stop_words = ["The", "cat", "and", "the", "hat"], ["the", "AND"]
    got, args_after, _ = submission.call_with_inputs("remove_stop_words", list(tokens), list(stop_words))
    if list(args_after[0]) != tokens or list(args_after[1]) != stop_words:
        raise AssertionError(
            f"remove_stop_words changed its arguments: tokens now {describe(args_after[0])}, "
            f"stop_words now {describe(args_after[1])}"
        )
    check_result(got, tokens, stop_words, "['The', 'cat', 'and', 'the', 'hat'], ['the', 'AND']")
