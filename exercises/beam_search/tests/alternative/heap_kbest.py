"""A correct solution with another algorithm: exact k-best enumeration with a heap, no beam at all.

With independent steps, sort each row's tokens by (log-probability descending, token id). A
sequence is then a vector of ranks, one per step; the best is all zeros, and every other one is
reached from a better one by raising one rank. Best-first search over rank vectors, keyed by
(-score, tokens), pops the finite-scoring sequences exactly in the contract's order (score
descending, ties lexicographic), since a successor never comes before its parent in that order.
Raising only ranks at or after the last raised position visits each vector once. Sequences that
score -inf all tie, so the rank structure says nothing about their order: when fewer than
beam_width sequences are finite, the rest are the lexicographically first sequences through a
zero probability, found by walking the sequences in lexicographic order.

``beam_search_decode`` follows the statement's steps with heapq.nsmallest on the same key.
"""

import heapq
import itertools
import math

import numpy as np


def _check_width(beam_width):
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError("beam_width must be a positive integer")


def beam_search(probs, beam_width):
    _check_width(beam_width)
    table = np.array(probs, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError("probs must be 2-D")
    if not np.isfinite(table).all() or (table < 0).any():
        raise ValueError("probs must be finite and non-negative")
    steps, vocab = table.shape
    with np.errstate(divide="ignore"):
        logs = np.log(table)
    order = [sorted(range(vocab), key=lambda v, row=row: (-row[v], v)) for row in logs.tolist()]
    rows = logs.tolist()

    def entry(ranks, last):
        tokens = [order[t][r] for t, r in enumerate(ranks)]
        score = math.fsum(rows[t][v] for t, v in enumerate(tokens))  # exactly rounded; -inf stays -inf
        return (-score, tokens, ranks, last)

    heap = [entry((0,) * steps, 0)]
    found = []
    while heap and len(found) < beam_width and heap[0][0] != math.inf:
        negative, tokens, ranks, last = heapq.heappop(heap)
        found.append((tokens, -negative))
        for t in range(last, steps):
            if ranks[t] + 1 < vocab:
                raised = ranks[:t] + (ranks[t] + 1,) + ranks[t + 1 :]
                heapq.heappush(heap, entry(raised, t))
    if len(found) < beam_width:  # the -inf sequences, in lexicographic order
        for tokens in itertools.product(range(vocab), repeat=steps):
            if len(found) == beam_width:
                break
            if any(rows[t][v] == -math.inf for t, v in enumerate(tokens)):
                found.append((list(tokens), -math.inf))
    return found


def beam_search_decode(step_log_probs, bos, eos, beam_width, max_len, length_penalty=1.0):
    _check_width(beam_width)
    if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError("max_len must be a positive integer")
    beam, finished = [((bos,), 0.0)], []
    for _ in range(max_len):
        if not beam:
            break
        extensions = []
        for tokens, score in beam:
            for token, log_prob in enumerate(np.asarray(step_log_probs(list(tokens)), dtype=np.float64).tolist()):
                extensions.append((tokens + (token,), score + log_prob))
        kept = heapq.nsmallest(beam_width, extensions, key=lambda hyp: (-hyp[1], hyp[0]))
        finished += [hyp for hyp in kept if hyp[0][-1] == eos]
        beam = [hyp for hyp in kept if hyp[0][-1] != eos]
    finished += beam
    scored = [(list(tokens), score / (len(tokens) - 1) ** length_penalty) for tokens, score in finished]
    return heapq.nsmallest(beam_width, scored, key=lambda hyp: (-hyp[1], hyp[0]))
