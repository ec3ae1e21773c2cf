"""A second correct solution, in the style of Martin Porter's C code: one buffer, two indices.

``b`` holds the word, ``k`` is the index of its last letter and ``j`` the end of the stem found by
``ends``. The steps switch on the last or the next-to-last letter, as in the C code. Unlike the C
code, words of one or two letters are stemmed (the paper), step 2 has ``abli`` (not ``bli``) and
no ``logi`` rule.
"""


class _Stemmer:
    def __init__(self, word):
        self.b = word
        self.k = len(word) - 1
        self.j = 0

    def cons(self, i):
        """True if b[i] is a consonant (recursive on y, as the paper defines it)."""
        ch = self.b[i]
        if ch in "aeiou":
            return False
        if ch == "y":
            return True if i == 0 else not self.cons(i - 1)
        return True

    def m(self):
        """The measure of b[0..j]."""
        n, i, j = 0, 0, self.j
        while True:
            if i > j:
                return n
            if not self.cons(i):
                break
            i += 1
        i += 1
        while True:
            while True:
                if i > j:
                    return n
                if self.cons(i):
                    break
                i += 1
            i += 1
            n += 1
            while True:
                if i > j:
                    return n
                if not self.cons(i):
                    break
                i += 1
            i += 1

    def vowel_in_stem(self):
        return any(not self.cons(i) for i in range(self.j + 1))

    def doublec(self, i):
        return i >= 1 and self.b[i] == self.b[i - 1] and self.cons(i)

    def cvc(self, i):
        if i < 2 or not self.cons(i) or self.cons(i - 1) or not self.cons(i - 2):
            return False
        return self.b[i] not in "wxy"

    def ends(self, s):
        if not self.b[: self.k + 1].endswith(s):
            return False
        self.j = self.k - len(s)
        return True

    def setto(self, s):
        self.b = self.b[: self.j + 1] + s
        self.k = self.j + len(s)

    def r(self, s):
        if self.m() > 0:
            self.setto(s)

    def step1ab(self):
        if self.b[self.k] == "s":
            if self.ends("sses"):
                self.k -= 2
            elif self.ends("ies"):
                self.setto("i")
            elif self.k == 0 or self.b[self.k - 1] != "s":
                self.k -= 1
        self.b = self.b[: self.k + 1]
        if self.ends("eed"):
            if self.m() > 0:
                self.k -= 1
        elif (self.ends("ed") or self.ends("ing")) and self.vowel_in_stem():
            self.k = self.j
            self.b = self.b[: self.k + 1]
            if self.ends("at"):
                self.setto("ate")
            elif self.ends("bl"):
                self.setto("ble")
            elif self.ends("iz"):
                self.setto("ize")
            elif self.doublec(self.k):
                if self.b[self.k] not in "lsz":
                    self.k -= 1
            else:
                self.j = self.k
                if self.m() == 1 and self.cvc(self.k):
                    self.setto("e")
        self.b = self.b[: self.k + 1]

    def step1c(self):
        if self.ends("y") and self.vowel_in_stem():
            self.b = self.b[: self.k] + "i"

    def table_step(self, table, need):
        ch = self.b[self.k - 1] if self.k >= 1 else ""
        for suffix, replacement in table.get(ch, ()):
            if self.ends(suffix):
                if need(self):
                    self.setto(replacement)
                return

    def step4(self):
        ch = self.b[self.k - 1] if self.k >= 1 else ""
        for suffix in STEP4.get(ch, ()):
            if self.ends(suffix):
                if suffix == "ion" and not (self.j >= 0 and self.b[self.j] in "st"):
                    return
                if self.m() > 1:
                    self.k = self.j
                    self.b = self.b[: self.k + 1]
                return

    def step5(self):
        self.j = self.k
        if self.b[self.k] == "e":
            a = self.m()
            if a > 1 or (a == 1 and not self.cvc(self.k - 1)):
                self.k -= 1
        self.b = self.b[: self.k + 1]
        self.j = self.k
        if self.b[self.k] == "l" and self.doublec(self.k) and self.m() > 1:
            self.k -= 1
        self.b = self.b[: self.k + 1]

    def stem(self):
        if self.k < 0:
            return self.b
        self.step1ab()
        if self.k < 0:
            return ""
        self.step1c()
        self.table_step(STEP2, lambda s: s.m() > 0)
        self.table_step(STEP3, lambda s: s.m() > 0)
        self.step4()
        self.step5()
        return self.b[: self.k + 1]


# Keyed by the next-to-last letter of the word; within a key, longer suffixes first.
STEP2 = {
    "a": [("ational", "ate"), ("tional", "tion")],
    "c": [("enci", "ence"), ("anci", "ance")],
    "e": [("izer", "ize")],
    "l": [("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous")],
    "o": [("ization", "ize"), ("ation", "ate"), ("ator", "ate")],
    "s": [("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous")],
    "t": [("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")],
}
STEP3 = {
    "t": [("icate", "ic"), ("iciti", "ic")],
    "v": [("ative", "")],
    "z": [("alize", "al")],
    "a": [("ical", "ic")],
    "u": [("ful", "")],
    "s": [("ness", "")],
}
STEP4 = {
    "a": ["al"],
    "c": ["ance", "ence"],
    "e": ["er"],
    "i": ["ic"],
    "l": ["able", "ible"],
    "n": ["ant", "ement", "ment", "ent"],
    "o": ["ion", "ou"],
    "s": ["ism"],
    "t": ["ate", "iti"],
    "u": ["ous"],
    "v": ["ive"],
    "z": ["ize"],
}


def _is_word(token):
    return isinstance(token, str) and token != "" and token.isascii() and token.isalpha()


def porter_stem(word):
    """The Porter (1980) stem of an ASCII-letter word."""
    if not _is_word(word):
        raise ValueError(f"not a word of ASCII letters: {word!r}")
    return _Stemmer(word.lower()).stem()


def stem_tokens(tokens):
    """Stem every word token; keep every other token as it is."""
    if not isinstance(tokens, (list, tuple)):
        raise ValueError("tokens must be a list or a tuple")
    if not all(isinstance(t, str) for t in tokens):
        raise ValueError("every token must be a str")
    return [porter_stem(t) if _is_word(t) else t for t in tokens]
