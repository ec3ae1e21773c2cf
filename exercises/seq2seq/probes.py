"""Sandbox-side helpers for the seq2seq exercise.

``greedy_decode`` takes a callable, which cannot cross the sandbox boundary, so the hidden tests
send a table of next-token logits as data and this probe turns it into ``step_fn`` next to the
candidate's code. The probe only builds inputs and drives the candidate: it holds no expected
values, and the judge checks whatever comes back.
"""

import numpy as np


def greedy_with_table(candidate, table, order, bos, eos, max_len):
    """Run ``candidate.greedy_decode`` with a step function read from a table of logits.

    order 1: ``table`` is (V, V) and the next token's logits are ``table[last]``.
    order 2: ``table`` is (V, V, V) and they are ``table[prev, last]``, where ``prev`` is the
    token before the last one, or ``bos`` when the prefix is just ``[bos]``.
    """
    table = np.asarray(table, dtype=np.float64)
    step_fn = _step_function(table, int(order), int(bos))
    return _plain(candidate.greedy_decode(step_fn, bos, eos, max_len))


def _step_function(table, order, bos):
    def step_fn(prefix):
        tokens = [int(token) for token in list(prefix)]
        last = tokens[-1]
        if order == 1:
            return table[last].copy()
        prev = tokens[-2] if len(tokens) > 1 else bos
        return table[prev, last].copy()

    return step_fn


def _plain(value):
    """Numpy and torch values become plain Python ones; everything else is returned as is."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if hasattr(value, "tolist") and callable(value.tolist):
        try:
            return value.tolist()
        except Exception:  # an odd object: let the judge see it as it is
            return value
    return value
