"""Hidden tests for ``most_similar(word, embeddings, topn=3)``: nearest neighbours of a word.

Oracle: brute force over the vocabulary with scikit-learn's cosine similarity (written out in numpy), sorted by
(-similarity, word); on vectors scaled to 1e200 or 1e-200 it runs on the unscaled vectors. Tie
cases use vectors whose similarities are computed exactly in any summation order, so a tie is a
real tie for every correct implementation; elsewhere two words may swap only if their true
similarities agree to 1e-12.
"""

import numpy as np
import pytest

from grader.testing import as_float, assert_close, assert_equal, describe, pairs

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def oracle(word, embeddings):
    """Every other word with its similarity to ``word``, best first, ties alphabetical."""
    others = [w for w in embeddings if w != word]
    if not others:
        return []
    query = unit_rows(np.asarray([embeddings[word]], dtype=np.float64))
    vectors = unit_rows(np.asarray([embeddings[w] for w in others], dtype=np.float64))
    scores = (vectors @ query[0]).astype(np.float64)
    return sorted(zip(others, scores.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0]))


def unit_rows(M):
    """M with each row divided by its Euclidean norm; a zero row stays zero (scikit-learn's
    normalize, written out so that grading does not import scikit-learn; tests/test_oracles.py
    checks this oracle against it)."""
    norms = np.sqrt(np.einsum("ij,ij->i", M, M))
    norms[norms == 0.0] = 1.0
    return M / norms[:, np.newaxis]


def neighbours(submission, what, word, embeddings, *topn):
    """The candidate's result as a list of (str, float) pairs; anything else is a wrong answer."""
    return as_neighbours(submission.most_similar(word, embeddings, *topn), what)


def as_neighbours(value, what):
    """A returned value as a list of (str, float) pairs; anything else is a wrong answer."""
    result = pairs(value, what)
    out = []
    for i, (other, score) in enumerate(result):
        assert isinstance(other, str), f"{what}: item {i} should start with a word, got {describe(other)}"
        out.append((other, as_float(score, f"{what}: similarity of item {i}")))
    return out


def random_vocabulary(rng, size, dim):
    """``size`` distinct random lowercase words, each with a random vector."""
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(LETTERS, size=int(rng.integers(3, 8)))))
    order = sorted(words)
    rng.shuffle(order)
    return {w: rng.normal(size=dim) for w in order}


def assert_ranked(got, word, embeddings, topn, what):
    """``got`` is the brute-force top ``topn``: words in order (two words may swap only if their
    true similarities agree to 1e-12) and similarities within 1e-9."""
    ranking = oracle(word, embeddings)
    expected = ranking[:topn]
    true_scores = dict(ranking)
    assert len(got) == len(expected), f"{what}: expected {len(expected)} pairs, got {len(got)}"
    assert len({w for w, _ in got}) == len(got), f"{what}: a word is repeated in {got}"
    for rank, ((got_word, got_score), (want_word, want_score)) in enumerate(zip(got, expected, strict=True)):
        where = f"{what}, rank {rank}"
        if got_word not in true_scores:
            raise AssertionError(f"{where}: {got_word!r} is not another word of the vocabulary")
        if got_word != want_word and abs(true_scores[got_word] - want_score) > 1e-12:
            raise AssertionError(f"{where}: expected {want_word!r}, got {got_word!r}")
        assert_close(
            got_score, true_scores[got_word], what=f"{where}: similarity of {got_word!r}", rtol=1e-9, atol=1e-12
        )


@pytest.mark.points(6)
def test_random_vocabulary_matches_brute_force(submission, rng):
    """Neighbours and their similarities match a brute-force search, best first."""
    for trial in range(4):
        embeddings = random_vocabulary(rng, int(rng.integers(10, 80)), int(rng.integers(2, 30)))
        word = list(embeddings)[int(rng.integers(len(embeddings)))]
        topn = int(rng.integers(1, 9))
        what = f"most_similar({word!r}, {len(embeddings)} random words, topn={topn}) (trial {trial})"
        got = neighbours(submission, what, word, embeddings, topn)
        assert_ranked(got, word, embeddings, topn, what)


@pytest.mark.points(3)
def test_query_word_is_excluded(submission, rng):
    """The query word is never among its own neighbours, even when another word has its vector."""
    dim = 6
    embeddings = {
        "river": rng.normal(size=dim),
        "bank": rng.normal(size=dim),
        "money": rng.normal(size=dim),
        "shore": rng.normal(size=dim),
    }
    embeddings["stream"] = embeddings["river"].copy()
    for word in embeddings:
        what = f"most_similar({word!r}, 5 words, topn=10)"
        got = neighbours(submission, what, word, embeddings, 10)
        assert word not in [w for w, _ in got], f"{what}: the query word is in the result {got}"
        assert_ranked(got, word, embeddings, 10, what)
    got = neighbours(submission, "most_similar('river', ..., topn=1)", "river", embeddings, 1)
    assert_equal(
        [w for w, _ in got], ["stream"], what="most_similar('river', ..., topn=1) with 'stream' a copy of 'river'"
    )


@pytest.mark.points(2)
@pytest.mark.parametrize("query", ["positive", "zero"])
def test_ties_go_to_the_alphabetically_smaller_word(submission, rng, query):
    """Words with equal similarity come in alphabetical order, whatever the dictionary order.

    Another word of the same vocabulary is looked up first, so a list in alphabetical order with
    constant similarities fails.
    """
    if query == "positive":
        base = {"cat": [1.0, 0.0, 0.0, 0.0], "zebra": [2.0, 1.0, 0.0, 0.0], "newt": [-1.0, 0.0, 3.0, 0.0]}
        tied = ["dog", "bee", "owl", "ant", "yak"]
        tie_vector = [1.0, 1.0, 0.0, 0.0]
        embeddings = dict(base)
        for w in rng.permutation(tied).tolist():
            embeddings[w] = list(tie_vector)
        expected_words = ["zebra", "ant", "bee", "dog", "owl", "yak", "newt"]
    else:
        embeddings = {"cat": [0.0, 0.0, 0.0]}
        for w in rng.permutation(["moth", "crab", "wasp", "bear", "lynx"]).tolist():
            embeddings[w] = rng.normal(size=3).tolist()
        expected_words = ["bear", "crab", "lynx", "moth", "wasp"]
    order = list(embeddings)
    control = next(w for w in order if w != "cat" and np.any(embeddings[w]))
    what_control = f"most_similar({control!r}, {order}, topn=3)"
    assert_ranked(neighbours(submission, what_control, control, embeddings, 3), control, embeddings, 3, what_control)
    for topn in (2, 3, len(expected_words)):
        what = f"most_similar('cat', {order}, topn={topn}) with a {query} query vector"
        got = neighbours(submission, what, "cat", embeddings, topn)
        assert_equal([w for w, _ in got], expected_words[:topn], what=what)
        for other, score in got:
            assert_close(
                score,
                dict(oracle("cat", embeddings))[other],
                what=f"{what}: similarity of {other!r}",
                rtol=1e-9,
                atol=1e-12,
            )


@pytest.mark.points(3)
def test_topn(submission, rng):
    """topn sets how many pairs come back, and it defaults to 3."""
    embeddings = random_vocabulary(rng, 12, 5)
    word = list(embeddings)[0]
    what = f"most_similar({word!r}, 12 words) with the default topn"
    assert_ranked(neighbours(submission, what, word, embeddings), word, embeddings, 3, what)
    for topn in (1, 7, 11):
        what = f"most_similar({word!r}, 12 words, topn={topn})"
        assert_ranked(neighbours(submission, what, word, embeddings, topn), word, embeddings, topn, what)


@pytest.mark.points(2)
def test_topn_larger_than_vocabulary(submission, rng):
    """A topn above the number of other words returns all of them."""
    embeddings = random_vocabulary(rng, 4, 3)
    word = list(embeddings)[-1]
    what = f"most_similar({word!r}, 4 words, topn=10)"
    assert_ranked(neighbours(submission, what, word, embeddings, 10), word, embeddings, 10, what)
    alone = {"solo": [1.0, 2.0]}
    assert_equal(
        neighbours(submission, "most_similar('solo', {'solo': ...})", "solo", alone),
        [],
        what="most_similar('solo', {'solo': ...})",
    )


@pytest.mark.points(2)
def test_missing_word_raises_key_error(submission, rng):
    """A word without a vector raises KeyError.

    A word of the vocabulary is looked up first, so a function that always raises fails.
    """
    embeddings = random_vocabulary(rng, 5, 3)
    word = list(embeddings)[0]
    what = f"most_similar({word!r}, 5 words)"
    assert_ranked(neighbours(submission, what, word, embeddings), word, embeddings, 3, what)
    with pytest.raises(KeyError):
        submission.most_similar("notaword9", embeddings)
    with pytest.raises(KeyError):
        submission.most_similar("notaword9", {})


@pytest.mark.points(1)
@pytest.mark.parametrize("topn", [0, -2])
def test_topn_below_one_raises_value_error(submission, rng, topn):
    """topn below 1 raises ValueError.

    A valid topn is checked first, so a function that always raises ValueError fails.
    """
    embeddings = random_vocabulary(rng, 5, 3)
    word = list(embeddings)[0]
    what = f"most_similar({word!r}, 5 words, topn=2)"
    assert_ranked(neighbours(submission, what, word, embeddings, 2), word, embeddings, 2, what)
    with pytest.raises(ValueError):
        submission.most_similar(list(embeddings)[0], embeddings, topn)


@pytest.mark.points(3)
def test_extreme_magnitudes_and_zero_vectors(submission, rng):
    """Vectors near 1e200 or 1e-200, and zero vectors, get the similarities of Part 1 (no overflow, no NaN)."""
    dim = 6
    base = random_vocabulary(rng, 9, dim)
    words = list(base)
    scales = [1e200, 1e-200, 1e200, 1e-200, 1.0, 1e180, 1e-190, 1.0, 1e200]
    embeddings = {w: base[w] * s for w, s in zip(words, scales, strict=True)}
    embeddings[words[4]] = np.zeros(dim)  # a zero vector: similarity 0.0 with every word
    base[words[4]] = np.zeros(dim)
    for word in (words[0], words[1], words[7]):
        what = f"most_similar({word!r}, 9 words scaled by 1e200 or 1e-200, one zero vector, topn=8)"
        got = neighbours(submission, what, word, embeddings, 8)
        assert_ranked(got, word, base, 8, what)


@pytest.mark.points(2)
def test_vectors_as_lists(submission, rng):
    """Vectors given as Python lists (not numpy arrays) are handled like arrays."""
    embeddings = random_vocabulary(rng, 10, 4)
    as_lists = {w: v.tolist() for w, v in embeddings.items()}
    word = list(embeddings)[int(rng.integers(10))]
    what = f"most_similar({word!r}, 10 words whose vectors are lists, topn=5)"
    assert_ranked(neighbours(submission, what, word, as_lists, 5), word, embeddings, 5, what)


@pytest.mark.points(1)
def test_embeddings_not_mutated(submission, rng):
    """The embeddings and their vectors are left unchanged, and the neighbours are right (self-reported).

    What the arguments look like after the call is reported by the sandbox itself, so this check
    is self-reported by nature: it is worth 1 point.
    """
    embeddings = random_vocabulary(rng, 8, 4)
    for i, w in enumerate(list(embeddings)):
        embeddings[w] = embeddings[w] * 5.0 if i % 2 else (embeddings[w] * 5.0).tolist()
    word = list(embeddings)[2]
    before = {w: np.array(v, dtype=np.float64) for w, v in embeddings.items()}
    result, args_after, _ = submission.call_with_inputs("most_similar", word, embeddings, 4)
    what_result = f"most_similar({word!r}, embeddings, 4)"
    assert_ranked(as_neighbours(result, what_result), word, before, 4, what_result)
    after = args_after[1]
    what = f"embeddings after most_similar({word!r}, embeddings, 4)"
    assert isinstance(after, dict), f"{what}: expected a dict, got {describe(after)}"
    assert_equal(list(after), list(before), what=f"{what}: keys")
    for w, vector in before.items():
        assert_equal(np.asarray(after[w], dtype=np.float64), vector, what=f"{what}: vector of {w!r}")
