"""Scales the input list in place."""


def add(a, b):
    if isinstance(a, str) or isinstance(b, str):
        raise ValueError("numbers only")
    return a + b


def scale(values, factor):
    for i, v in enumerate(values):
        values[i] = v * factor
    return values
