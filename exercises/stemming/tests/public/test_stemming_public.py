"""Sample tests for the stemming exercise: the statement's examples, checked.

Run them against your solution with:  pytest tests/public  (see the kit's instructions).
The hidden tests check much more: every rule of every step, short words, the y rule, thousands
of dictionary words, uppercase input, invalid input and a 20,000-token list under a deadline.
"""

import pytest

EXAMPLES = {
    "caresses": "caress",
    "hopping": "hop",
    "filing": "file",
    "happy": "happi",
    "relational": "relat",
    "generalizations": "gener",
    "oscillators": "oscil",
    "feed": "feed",
    "Running": "run",
    "s": "",
}


@pytest.mark.parametrize("word", list(EXAMPLES))
def test_statement_examples(submission, word):
    assert submission.porter_stem(word) == EXAMPLES[word]


@pytest.mark.parametrize("word", ["", "e-mail", "café", "cats\n"])
def test_porter_stem_rejects_non_words(submission, word):
    with pytest.raises(ValueError):
        submission.porter_stem(word)


def test_stem_tokens_keeps_non_words(submission):
    tokens = ["The", "cats", "were", "running", ",", "2024", "café"]
    assert list(submission.stem_tokens(tokens)) == ["the", "cat", "were", "run", ",", "2024", "café"]


def test_stem_tokens_rejects_a_single_string(submission):
    with pytest.raises(ValueError):
        submission.stem_tokens("cats")
