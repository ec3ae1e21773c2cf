"""Junk: the right number of hypotheses, each a list of integer tokens of the right length, in
lexicographic order, all scoring 0.0; decoding returns [bos, eos]. It must score 0: every test
needs the real hypotheses and scores."""

import itertools

import numpy as np


def beam_search(probs, beam_width):
    if beam_width < 1 or np.ndim(probs) != 2:
        raise ValueError("invalid arguments")
    steps, vocab = np.shape(probs)
    sequences = itertools.islice(itertools.product(range(vocab), repeat=steps), beam_width)
    return [(list(tokens), 0.0) for tokens in sequences]


def beam_search_decode(step_log_probs, bos, eos, beam_width, max_len, length_penalty=1.0):
    if beam_width < 1 or max_len < 1:
        raise ValueError("invalid arguments")
    return [([bos, eos], 0.0)]
