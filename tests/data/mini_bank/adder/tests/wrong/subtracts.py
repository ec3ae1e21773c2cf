"""Subtracts instead of adding."""


def add(a, b):
    if isinstance(a, str) or isinstance(b, str):
        raise ValueError("numbers only")
    return a - b


def scale(values, factor):
    return [v * factor for v in values]
