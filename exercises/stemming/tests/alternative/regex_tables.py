"""A third correct solution: regular expressions over the word and over its consonant/vowel form.

Each step is one regular expression ``^(.*?)(S1|S1'|...)$``: the lazy stem makes the regex engine
pick the longest suffix that ends the word, which is the paper's "longest match" rule. Conditions
are regular expressions over the word's form, a string of ``c`` and ``v``.
"""

import re

WORD = re.compile(r"[A-Za-z]+\Z")


def form(word):
    """'c' for each consonant and 'v' for each vowel (y after a consonant is a vowel)."""
    out = []
    for letter in word:
        if letter in "aeiou" or (letter == "y" and out and out[-1] == "c"):
            out.append("v")
        else:
            out.append("c")
    return "".join(out)


def measure(stem):
    collapsed = re.sub(r"c+", "C", re.sub(r"v+", "V", form(stem)))
    return collapsed.count("VC")


def has_vowel(stem):
    return "v" in form(stem)


def double_consonant(stem):
    return re.search(r"(.)\1\Z", stem) is not None and form(stem).endswith("c")


def cvc(stem):
    return form(stem).endswith("cvc") and stem[-1] not in "wxy"


def step(word, suffixes, condition):
    """Apply the rule of the longest suffix in ``suffixes`` (a dict S1 -> S2), if its condition holds."""
    pattern = "^(.*?)(" + "|".join(suffixes) + r")\Z"
    match = re.match(pattern, word)
    if not match:
        return word
    stem, suffix = match.groups()
    return stem + suffixes[suffix] if condition(stem, suffix) else word


def step1b(word):
    match = re.match(r"^(.*?)(eed|ed|ing)\Z", word)
    if not match:
        return word
    stem, suffix = match.groups()
    if suffix == "eed":
        return stem + "ee" if measure(stem) > 0 else word
    if not has_vowel(stem):
        return word
    if re.search(r"(at|bl|iz)\Z", stem):
        return stem + "e"
    if double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and cvc(stem):
        return stem + "e"
    return stem


STEP2 = dict(
    ational="ate",
    tional="tion",
    enci="ence",
    anci="ance",
    izer="ize",
    abli="able",
    alli="al",
    entli="ent",
    eli="e",
    ousli="ous",
    ization="ize",
    ation="ate",
    ator="ate",
    alism="al",
    iveness="ive",
    fulness="ful",
    ousness="ous",
    aliti="al",
    iviti="ive",
    biliti="ble",
)
STEP3 = dict(icate="ic", ative="", alize="al", iciti="ic", ical="ic", ful="", ness="")
STEP4 = dict.fromkeys("al ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive ize".split(), "")


def step4_condition(stem, suffix):
    if suffix == "ion":
        return measure(stem) > 1 and stem[-1:] in ("s", "t")
    return measure(stem) > 1


def porter_stem(word):
    """The Porter (1980) stem of an ASCII-letter word."""
    if not isinstance(word, str) or not WORD.match(word):
        raise ValueError(f"not a word of ASCII letters: {word!r}")
    word = word.lower()
    word = step(word, {"sses": "ss", "ies": "i", "ss": "ss", "s": ""}, lambda stem, s: True)
    word = step1b(word)
    word = step(word, {"y": "i"}, lambda stem, s: has_vowel(stem))
    word = step(word, STEP2, lambda stem, s: measure(stem) > 0)
    word = step(word, STEP3, lambda stem, s: measure(stem) > 0)
    word = step(word, STEP4, step4_condition)
    word = step(word, {"e": ""}, lambda stem, s: measure(stem) > 1 or (measure(stem) == 1 and not cvc(stem)))
    word = step(word, {"ll": "l"}, lambda stem, s: measure(stem + "l") > 1)
    return word


def stem_tokens(tokens):
    """Stem every word token; keep every other token as it is."""
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
        raise ValueError("tokens must be a list or a tuple of str")
    return [porter_stem(t) if WORD.match(t) else t for t in tokens]
