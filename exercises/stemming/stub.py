"""Stemming: the Porter stemmer (Porter, 1980).

Replace each ``raise NotImplementedError`` with your implementation. Read README.md for the
algorithm and the exact contract.
"""


def porter_stem(word):
    """The Porter (1980) stem of one word.

    Args:
        word: a str of one or more ASCII letters (a-z, A-Z). It is lowercased first.

    Returns:
        The stem, a lowercase str (possibly empty: "s" gives "").

    Raises:
        ValueError: if ``word`` is not a str, is empty, or holds anything but ASCII letters.
    """
    raise NotImplementedError


def stem_tokens(tokens):
    """The stems of a list of tokens.

    Args:
        tokens: a list or tuple of str.

    Returns:
        A new list of the same length: each token made only of ASCII letters replaced by its
        ``porter_stem``, every other token (punctuation, numbers, "don't", "café", "") unchanged.

    Raises:
        ValueError: if ``tokens`` is not a list or tuple, or an element is not a str.
    """
    raise NotImplementedError
