"""Hidden tests for the ``stemming`` exercise: the Porter stemmer of the 1980 paper.

Oracle (judge side only): NLTK's ``PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)``, the
mode that follows the paper. Before relying on it we checked that it agrees with every example of
the paper step by step (its ``_step1a`` ... ``_step5b``), with the paper's measure examples, and
with a stemmer written from the paper on all 348,000 words of web2 and GCIDE. The paper's own
examples are also hard-coded below (``PAPER``), with the output of the whole stemmer: where NLTK
and the paper could ever disagree, the statement says that the paper is graded.

Words come from fixed lists (every rule, firing and failing; the ``y`` rule; short words; the
longest-match rule) and from the ``rng`` fixture: a sample of ``words.txt`` (dictionary words, see
its header), random letter strings ending in every suffix of the algorithm, random case. Stems are
compared as exact strings. Most tests send their words through the ``stem_each`` probe, which
returns ``porter_stem`` of every word in one round trip; the judge checks each of them.
"""

from __future__ import annotations

import string
from functools import cache, lru_cache
from pathlib import Path

import pytest
from nltk.stem.porter import PorterStemmer

from grader.testing import describe

_ORACLE = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


@cache
def oracle(word: str) -> str:
    """The paper's stem of an ASCII-letter word, from NLTK's ORIGINAL_ALGORITHM mode."""
    return _ORACLE.stem(word.lower())


@lru_cache(maxsize=1)
def dictionary_words() -> tuple[str, ...]:
    lines = (Path(__file__).with_name("words.txt")).read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line and not line.startswith("#"))


# The paper's examples, by step: (word, the whole stemmer's output). The paper shows what one step
# does (e.g. relational -> relate in step 2); the stemmer goes on (relate -> relat in step 5a).
PAPER = {
    "1a": {"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat"},
    "1b": {
        "feed": "feed", "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor",
        "sing": "sing", "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
        "tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
        "filing": "file",
    },
    "1c": {"happy": "happi", "sky": "sky"},
    "2": {
        "relational": "relat", "conditional": "condit", "rational": "ration", "valenci": "valenc",
        "hesitanci": "hesit", "digitizer": "digit", "conformabli": "conform", "radicalli": "radic",
        "differentli": "differ", "vileli": "vile", "analogousli": "analog", "vietnamization": "vietnam",
        "predication": "predic", "operator": "oper", "feudalism": "feudal", "decisiveness": "decis",
        "hopefulness": "hope", "callousness": "callous", "formaliti": "formal", "sensitiviti": "sensit",
        "sensibiliti": "sensibl",
    },
    "3": {
        "triplicate": "triplic", "formative": "form", "formalize": "formal", "electriciti": "electr",
        "electrical": "electr", "hopeful": "hope", "goodness": "good",
    },
    "4": {
        "revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
        "gyroscopic": "gyroscop", "adjustable": "adjust", "defensible": "defens", "irritant": "irrit",
        "replacement": "replac", "adjustment": "adjust", "dependent": "depend", "adoption": "adopt",
        "homologou": "homolog", "communism": "commun", "activate": "activ", "angulariti": "angular",
        "homologous": "homolog", "effective": "effect", "bowdlerize": "bowdler",
    },
    "5": {"probate": "probat", "rate": "rate", "cease": "ceas", "controll": "control", "roll": "roll"},
    "all": {"generalizations": "gener", "oscillators": "oscil"},
}  # fmt: skip

# Real words for every rule, where it fires and where its condition fails.
RULE_WORDS = {
    "1": """caresses glasses dresses ponies ties flies studies caress kiss cats gas this bus feed need speed
        bleed agreed proceed disagreed exceeded plastered bled red motoring sing bring conflated dating
        rated crated troubled enabled sized hopping tanned ribbed falling hissing fizzed filled failing
        filing hoping ruled riding snowing boxing taxing sewing happy sky ivy cry any envy employ jury
        yearly""",
    "2": """relational conditional rational national emotional valency urgency hesitancy infancy
        digitizer organizer conformably probably radically finally differently evidently vilely
        namely analogously famously vietnamization organization predication creation operator
        generator feudalism realism decisiveness effectiveness hopefulness usefulness callousness
        nervousness formality reality sensitivity activity sensibility possibility fulness possibly
        visibly terribly humbly biology archaeology analogy""",
    "3": """triplicate communicate indicate formative relative native formalize normalize electricity
        publicity electrical critical hopeful careful goodness sadness""",
    "4": """revival general allowance dance inference fence airliner water gyroscopic panic adjustable
        table defensible terrible irritant pleasant replacement cement adjustment comment dependent
        adoption decision position vision opinion union religion tension action homologous various
        communism heroism activate debate angularity unity effective bowdlerize size""",
    "5": """probate debate rate cease controll roll controlling rolling tall fulfill enrollment skill
        troubled hoping""",
}
# In each step only the longest matching suffix is tried: feed keeps "ed" (its eed rule fails),
# element keeps "ent" (its ement rule fails), caress keeps its final s (ss matches first).
LONGEST_MATCH_WORDS = """feed need speed bleed agreed proceed element document armament ornament
    ligament agreement replacement adjustment dependent caress kiss caresses""".split()
# Words where a y is a vowel or a consonant, and where that changes the stem.
Y_WORDS = """happy sky ivy by cry fly toy boy enjoy employ say day syzygy yes yell yelling yearly youth
    player players played playing crying flying saying buying buyer destroyer annoyance joyful
    joyfulness dye dyed eye eyes rhythm rhythms beyond mayor layer loyal loyalty royalty employment
    enjoyment payment system physical yyyy ayy yay""".split()
SHORT_WORDS = list(string.ascii_lowercase) + "is as us ss ys yy ay ed by ox oe io ye ya".split()
# Every S1 of the algorithm, for random letter strings that end in them.
SUFFIXES = """sses ies ss s eed ed ing y at bl iz ational tional enci anci izer abli alli entli eli ousli
    ization ation ator alism iveness fulness ousness aliti iviti biliti icate ative alize iciti ical
    ful ness al ance ence er ic able ible ant ement ment ent sion tion ion ou ism ate iti ous ive ize
    e ll""".split()
NOT_WORDS = ["", ",", ".", "2024", "3.14", "don't", "e-mail", "U.S.", "C++", "x2", "café", "Zürich", "—", "naïve"]


def stems_of(submission, words, what):
    """porter_stem of every word, via the probe, as a list the same length as ``words``."""
    got = submission.probe("stem_each", list(words))
    if not isinstance(got, (list, tuple)) or len(got) != len(words):
        raise AssertionError(f"{what}: expected {len(words)} stems, got {describe(got)}")
    return list(got)


def check_stems(got, words, expected, what):
    """Every stem equals the expected one; the message names the first wrong word."""
    wrong = [(w, g, e) for w, g, e in zip(words, got, expected, strict=True) if not (isinstance(g, str) and g == e)]
    if wrong:
        word, gave, want = wrong[0]
        raise AssertionError(
            f"{what}: {len(wrong)} of {len(words)} words stemmed wrongly; "
            f"porter_stem({word!r}) returned {describe(gave)}, expected {want!r}"
        )


def check_words(submission, words, what, expected=None):
    expected = [oracle(w) for w in words] if expected is None else expected
    check_stems(stems_of(submission, words, what), words, expected, what)


def check_paper(submission, *steps):
    table = {w: s for step in steps for w, s in PAPER[step].items()}
    check_words(submission, list(table), f"the paper's examples of step(s) {', '.join(steps)}", list(table.values()))


def expect_value_error(function, value, *, what):
    """``function(value)`` raises ValueError; any other exception propagates as the candidate's error."""
    try:
        got = function(value)
    except ValueError:
        return
    raise AssertionError(f"{what} should raise ValueError, returned {describe(got)}")


def random_strings(rng, count, alphabet="abcdeilmnoprstuvyyyzz", max_stem=9):
    """Random letter strings: a random stem, often ending in one of the algorithm's suffixes."""
    letters = list(alphabet)
    words = []
    for _ in range(count):
        stem = "".join(rng.choice(letters, size=int(rng.integers(0, max_stem + 1))))
        suffix = str(rng.choice(SUFFIXES)) if rng.random() < 0.85 else ""
        word = stem + suffix
        words.append(word if word else "s")
    return words


def random_case(rng, word):
    upper = rng.random(len(word)) < 0.5
    return "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))


# --------------------------------------------------------------------------------------------
# the paper's own examples


@pytest.mark.points(7)
def test_paper_step1_examples(submission):
    """The paper's examples for steps 1a, 1b (with its tidying rules) and 1c give the paper's stems."""
    check_paper(submission, "1a", "1b", "1c")


@pytest.mark.points(6)
def test_paper_step2_examples(submission):
    """The paper's examples for step 2 give the paper's stems."""
    check_paper(submission, "2")


@pytest.mark.points(4)
def test_paper_step3_examples(submission):
    """The paper's examples for step 3 give the paper's stems."""
    check_paper(submission, "3")


@pytest.mark.points(6)
def test_paper_step4_examples(submission):
    """The paper's examples for step 4 give the paper's stems."""
    check_paper(submission, "4")


@pytest.mark.points(3)
def test_paper_step5_examples(submission):
    """The paper's examples for steps 5a and 5b give the paper's stems."""
    check_paper(submission, "5")


@pytest.mark.points(2)
def test_paper_steps_together(submission):
    """The paper's examples that go through several steps (generalizations, oscillators) give its stems."""
    check_paper(submission, "all")


# --------------------------------------------------------------------------------------------
# every rule, on real words


@pytest.mark.points(6)
def test_step1_rules(submission):
    """Real words that exercise every rule of steps 1a, 1b and 1c, firing and failing, agree with the oracle."""
    check_words(submission, RULE_WORDS["1"].split(), "step 1 words")


@pytest.mark.points(5)
def test_step2_rules(submission):
    """Real words that exercise every rule of step 2, firing and failing, agree with the oracle."""
    check_words(submission, RULE_WORDS["2"].split(), "step 2 words")


@pytest.mark.points(3)
def test_step3_rules(submission):
    """Real words that exercise every rule of step 3 agree with the oracle."""
    check_words(submission, RULE_WORDS["3"].split(), "step 3 words")


@pytest.mark.points(5)
def test_step4_rules(submission):
    """Real words for every rule of step 4 (ion's *S/*T included), firing and failing, agree with the oracle."""
    check_words(submission, RULE_WORDS["4"].split(), "step 4 words")


@pytest.mark.points(3)
def test_step5_rules(submission):
    """Real words that exercise steps 5a and 5b, firing and failing, agree with the oracle."""
    check_words(submission, RULE_WORDS["5"].split(), "step 5 words")


@pytest.mark.points(5)
def test_longest_suffix_decides(submission):
    """Only the longest matching suffix of a step is tried: a failed condition does not fall through."""
    check_words(submission, LONGEST_MATCH_WORDS, "words whose longest suffix match fails")


@pytest.mark.points(6)
def test_y_vowel_or_consonant(submission):
    """Words where y is a vowel after a consonant and a consonant elsewhere agree with the oracle."""
    check_words(submission, Y_WORDS, "words with a y")


@pytest.mark.points(5)
def test_short_words(submission, rng):
    """Words of one and two letters are stemmed too, as in the paper."""
    pairs = ["".join(rng.choice(list(string.ascii_lowercase), size=2)) for _ in range(40)]
    check_words(submission, SHORT_WORDS + pairs, "words of one or two letters")


# --------------------------------------------------------------------------------------------
# many words


@pytest.mark.points(5)
def test_random_letter_strings(submission, rng):
    """Random letter strings ending in every suffix of the algorithm agree with the oracle."""
    words = random_strings(rng, 2000)
    words += random_strings(rng, 500, alphabet="aeiouy" + "y" * 6 + "bst", max_stem=7)
    check_words(submission, words, "random letter strings")


@pytest.mark.points(9)
def test_dictionary_words(submission, rng):
    """A random sample of dictionary words agrees with the oracle."""
    words = [str(w) for w in rng.choice(dictionary_words(), size=2000, replace=False)]
    check_words(submission, words, "dictionary words")


@pytest.mark.points(3)
def test_uppercase_is_lowercased(submission, rng):
    """Words with uppercase letters are lowercased first, and the stem is lowercase."""
    fixed = ["Caresses", "HAPPY", "ReLaTiOnAl", "SKY", "Yelling", "SYZYGY", "I", "S", "IS", "ToY", "FEED"]
    sample = [random_case(rng, str(w)) for w in rng.choice(dictionary_words(), size=200, replace=False)]
    check_words(submission, fixed + sample, "words with uppercase letters")


# --------------------------------------------------------------------------------------------
# invalid words


NON_LETTER_STRINGS = ["", "e-mail", "don't", "42", "cats ", " cats", "cats\n", "café", "naïve", "ﬁle", "R2D2"]


@pytest.mark.points(3)
def test_porter_stem_rejects_non_letters(submission):
    """Strings that are empty or hold anything but ASCII letters raise ValueError; a valid word still works."""
    got = submission.porter_stem("Ponies")
    assert got == "poni", f"porter_stem('Ponies') returned {describe(got)}, expected 'poni'"
    for word in NON_LETTER_STRINGS:
        expect_value_error(submission.porter_stem, word, what=f"porter_stem({word!r})")


@pytest.mark.points(2)
def test_porter_stem_rejects_non_strings(submission):
    """None, bytes and numbers raise ValueError; a valid word still works."""
    got = submission.porter_stem("hopping")
    assert got == "hop", f"porter_stem('hopping') returned {describe(got)}, expected 'hop'"
    for value in (None, b"cats", 3, ["cats"]):
        expect_value_error(submission.porter_stem, value, what=f"porter_stem({value!r})")


# --------------------------------------------------------------------------------------------
# stem_tokens


def expected_tokens(tokens):
    return [oracle(t) if t.isascii() and t.isalpha() else t for t in tokens]


def check_tokens(got, tokens, what):
    want = expected_tokens(tokens)
    if not isinstance(got, (list, tuple)) or len(got) != len(tokens):
        raise AssertionError(f"{what}: expected a list of {len(tokens)} str, got {describe(got)}")
    for i, (token, g, w) in enumerate(zip(tokens, got, want, strict=True)):
        if not (isinstance(g, str) and g == w):
            raise AssertionError(f"{what}: token {i} {token!r} gave {describe(g)}, expected {w!r}")


def random_tokens(rng, count):
    """Dictionary words, 30% of them in random case, with 20% non-word tokens mixed in."""
    words = dictionary_words()
    kinds = rng.random(count)
    word_index = rng.integers(0, len(words), size=count)
    other_index = rng.integers(0, len(NOT_WORDS), size=count)
    tokens = []
    for kind, w, o in zip(kinds, word_index, other_index, strict=True):
        if kind < 0.2:
            tokens.append(NOT_WORDS[o])
        elif kind < 0.5:
            tokens.append(random_case(rng, words[w]))
        else:
            tokens.append(words[w])
    return tokens


@pytest.mark.points(5)
def test_stem_tokens_mixed(submission, rng):
    """Word tokens are stemmed and lowercased; every other token comes back exactly as it was."""
    fixed = ["The", "cats", "were", "running", ",", "2024", "café", "Café", "don't", "", "E-mail", "U.S.", "Is", "s"]
    tokens = fixed + random_tokens(rng, 300)
    check_tokens(submission.stem_tokens(tokens), tokens, "stem_tokens on mixed tokens")


@pytest.mark.points(1)
def test_stem_tokens_tuple_and_empty(submission):
    """A tuple of tokens is accepted, and an empty list gives an empty list."""
    tokens = ("Relational", "ponies", "!")
    check_tokens(submission.stem_tokens(tokens), list(tokens), "stem_tokens on a tuple")
    got = submission.stem_tokens([])
    assert isinstance(got, (list, tuple)) and len(got) == 0, f"stem_tokens([]) returned {describe(got)}"


@pytest.mark.points(2)
def test_stem_tokens_rejects_invalid(submission):
    """A single string, None, a dict or a list holding a non-str raises ValueError; a valid list still works."""
    tokens = ["Hopping", "cats", "42"]
    check_tokens(submission.stem_tokens(tokens), tokens, "stem_tokens before the invalid calls")
    for value in ("cats", None, {"cats": 1}, ["cats", None], ["cats", 3], ["cats", b"dogs"]):
        expect_value_error(submission.stem_tokens, value, what=f"stem_tokens({value!r})")


@pytest.mark.points(1)
def test_stem_tokens_does_not_mutate(submission, rng):
    """The token list is left unchanged (reported by the sandbox, hence 1 point); the result is checked too."""
    tokens = ["Caresses", "running", ","] + random_tokens(rng, 20)
    before = list(tokens)
    result, after, _ = submission.call_with_inputs("stem_tokens", tokens)
    check_tokens(result, before, "stem_tokens (mutation check)")
    assert list(after[0]) == before, "stem_tokens changed the list it was given"


@pytest.mark.points(3)
def test_stem_tokens_speed(submission, rng):
    """20,000 tokens are stemmed within the deadline."""
    # The reference takes about 0.2 s; the deadline leaves room for a loaded machine.
    tokens = random_tokens(rng, 20000)
    got = submission.call("stem_tokens", tokens, timeout=10.0)
    check_tokens(got, tokens, "stem_tokens on 20,000 tokens")
