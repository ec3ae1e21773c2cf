"""When the longest matching suffix's condition fails, shorter suffixes of the same step are tried.

Known-wrong variant of the stemming exercise: the reference with this one bug.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z]+")
_VOWELS = frozenset("aeiou")


def _consonant_flags(word: str) -> list[bool]:
    """For each letter, whether it is a consonant in the paper's sense.

    A consonant is a letter other than a, e, i, o, u, and other than a y preceded by a
    consonant. So a y is a consonant at the start of a word or after a vowel.
    """
    flags: list[bool] = []
    for letter in word:
        if letter in _VOWELS:
            flags.append(False)
        elif letter == "y":
            flags.append(not flags or not flags[-1])
        else:
            flags.append(True)
    return flags


def measure(stem: str) -> int:
    """m in the form [C](VC){m}[V]: the number of vowel-consonant sequences."""
    flags = _consonant_flags(stem)
    return sum(1 for i in range(1, len(flags)) if flags[i] and not flags[i - 1])


def _has_vowel(stem: str) -> bool:
    """Condition *v*: the stem contains a vowel."""
    return not all(_consonant_flags(stem))


def _ends_double_consonant(stem: str) -> bool:
    """Condition *d: the stem ends with two identical consonants."""
    return len(stem) >= 2 and stem[-1] == stem[-2] and _consonant_flags(stem)[-1]


def _ends_cvc(stem: str) -> bool:
    """Condition *o: the stem ends consonant-vowel-consonant, the last not w, x or y."""
    if len(stem) < 3:
        return False
    flags = _consonant_flags(stem)
    return flags[-3] and not flags[-2] and flags[-1] and stem[-1] not in "wxy"


def _m_above(n):
    return lambda stem: measure(stem) > n


def _apply_longest(word: str, rules) -> tuple[str, bool]:
    """Apply the rule whose suffix is the longest match; ``(word, fired)``.

    The tables are ordered so that a longer suffix comes before any shorter one it ends with.
    """
    for suffix, replacement, condition in rules:
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            if condition is None or condition(stem):
                return stem + replacement, True
    return word, False


STEP1A = [("sses", "ss", None), ("ies", "i", None), ("ss", "ss", None), ("s", "", None)]

STEP2 = [
    (suffix, replacement, _m_above(0))
    for suffix, replacement in [
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ]
]  # fmt: skip

STEP3 = [
    (suffix, replacement, _m_above(0))
    for suffix, replacement in [
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
    ]
]  # fmt: skip


def _ion_condition(stem: str) -> bool:
    """Step 4's ``(m>1 and (*S or *T)) ion`` rule."""
    return measure(stem) > 1 and stem[-1] in "st"


STEP4 = [
    (suffix, "", _ion_condition if suffix == "ion" else _m_above(1))
    for suffix in "al ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive ize".split()
]


def _step1b(word: str) -> str:
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
            return _step1b_tidy(word[: -len(suffix)])
    return word


def _step1b_tidy(stem: str) -> str:
    """What follows a successful -ED or -ING removal."""
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if _ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and _ends_cvc(stem):
        return stem + "e"
    return stem


def _step1c(word: str) -> str:
    if word.endswith("y") and _has_vowel(word[:-1]):
        return word[:-1] + "i"
    return word


def _step5(word: str) -> str:
    if word.endswith("e"):
        stem = word[:-1]
        m = measure(stem)
        if m > 1 or (m == 1 and not _ends_cvc(stem)):
            word = stem
    if word.endswith("ll") and measure(word) > 1:
        word = word[:-1]
    return word


def _check_word(word) -> str:
    if not isinstance(word, str):
        raise ValueError(f"a word must be a str, got {type(word).__name__}")
    if not _WORD.fullmatch(word):
        raise ValueError(f"a word must be one or more ASCII letters, got {word!r}")
    return word.lower()


def porter_stem(word: str) -> str:
    """The Porter (1980) stem of ``word``: ASCII letters only, any case; the stem is lowercase."""
    word = _check_word(word)
    word, _ = _apply_longest(word, STEP1A)
    word = _step1b(word)
    word = _step1c(word)
    word, _ = _apply_longest(word, STEP2)
    word, _ = _apply_longest(word, STEP3)
    word, _ = _apply_longest(word, STEP4)
    return _step5(word)


def stem_tokens(tokens) -> list[str]:
    """A new list: each word token stemmed; every other token (punctuation, numbers...) as it was."""
    if not isinstance(tokens, (list, tuple)):
        raise ValueError(f"tokens must be a list or a tuple of str, got {type(tokens).__name__}")
    for token in tokens:
        if not isinstance(token, str):
            raise ValueError(f"every token must be a str, got {type(token).__name__}")
    return [porter_stem(token) if _WORD.fullmatch(token) else token for token in tokens]
