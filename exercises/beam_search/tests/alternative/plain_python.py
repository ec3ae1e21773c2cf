"""A second correct solution in a different style: Python lists and tuple sorting.

``beam_search`` uses the fact that the steps are independent: only each row's ``beam_width`` best
tokens can appear in the next beam, so each step sorts ``beam_width ** 2`` candidates, not
``beam_width * V``. ``beam_search_decode`` follows the statement's steps literally.
"""

import math

import numpy as np


def _width(beam_width):
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)):
        raise ValueError("beam_width must be an integer")
    if beam_width < 1:
        raise ValueError("beam_width must be at least 1")
    return int(beam_width)


def _log(p):
    return math.log(p) if p > 0 else -math.inf


def _best_first(hypotheses):
    return sorted(hypotheses, key=lambda hyp: (-hyp[1], hyp[0]))


def beam_search(probs, beam_width):
    """The best ``min(beam_width, V**T)`` sequences, best first, ties lexicographic."""
    width = _width(beam_width)
    probs = np.array(probs, dtype=float)
    if probs.ndim != 2:
        raise ValueError("probs must be 2-D")
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError("probs must be finite and non-negative")
    beam = [([], 0.0)]
    for row in probs.tolist():
        logs = [_log(p) for p in row]
        tokens = sorted(range(len(row)), key=lambda v: (-logs[v], v))[:width]
        beam = _best_first([(seq + [v], score + logs[v]) for seq, score in beam for v in tokens])
        beam = beam[:width]
    return [(seq, float(score)) for seq, score in beam]


def beam_search_decode(step_log_probs, bos, eos, beam_width, max_len, length_penalty=1.0):
    """Sequence-to-sequence beam search where EOS finishes a hypothesis."""
    width = _width(beam_width)
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    beam, finished = [([bos], 0.0)], []
    for _ in range(max_len):
        if not beam:
            break
        extensions = []
        for seq, score in beam:
            logs = [float(x) for x in step_log_probs(list(seq))]
            extensions += [(seq + [v], score + lp) for v, lp in enumerate(logs)]
        kept = _best_first(extensions)[:width]
        finished += [hyp for hyp in kept if hyp[0][-1] == eos]
        beam = [hyp for hyp in kept if hyp[0][-1] != eos]
    finished += beam
    scored = [(seq, score / (len(seq) - 1) ** length_penalty) for seq, score in finished]
    return _best_first(scored)[:width]
