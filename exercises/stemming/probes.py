"""Sandbox-side helper for the stemming hidden tests.

It only drives the candidate's code, to save one round trip per word: it holds no expected value,
and the judge checks every stem it returns.
"""


def stem_each(candidate, words):
    """``[candidate.porter_stem(word) for word in words]``, returned in full."""
    return [candidate.porter_stem(word) for word in words]
