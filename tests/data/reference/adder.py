import numbers


def add(a, b):
    """Return a + b for two numbers; raise ValueError for anything else."""
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in (a, b)):
        raise ValueError("add takes two real numbers")
    return a + b


def scale(values, factor):
    """Return the list of values multiplied by factor."""
    return [v * factor for v in values]
