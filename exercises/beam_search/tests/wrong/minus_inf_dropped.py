"""beam_search drops sequences that score -inf instead of returning them after the finite ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral

import numpy as np

Hypothesis = tuple[list[int], float]


def beam_search(probs, beam_width: int) -> list[Hypothesis]:
    """The best ``min(beam_width, V**T)`` token sequences for independent per-step distributions.

    ``probs`` is a (T, V) array; row t is the distribution over the vocabulary at step t. A
    sequence scores the sum of the natural logs of its probabilities (a zero gives ``-inf``).
    Returns ``(tokens, score)`` pairs sorted by score, descending, ties going to the
    lexicographically smaller token list.
    """
    _check_width(beam_width)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must be a 2-D (T, V) array, got {probs.ndim} dimension(s)")
    if not np.all(np.isfinite(probs)):
        raise ValueError("probs must be finite")
    if np.any(probs < 0):
        raise ValueError("probs must not be negative")

    with np.errstate(divide="ignore"):
        log_probs = np.log(probs)

    tokens = np.zeros((1, 0), dtype=np.int64)  # one empty hypothesis
    scores = np.zeros(1)
    for row in log_probs:
        tokens, scores = _extend(tokens, scores, row, beam_width)
    return _ranked(tokens, scores)


def beam_search_decode(
    step_log_probs: Callable[[list[int]], Sequence[float]],
    bos: int,
    eos: int,
    beam_width: int,
    max_len: int,
    length_penalty: float = 1.0,
) -> list[Hypothesis]:
    """Sequence-to-sequence beam search where EOS ends a hypothesis.

    ``step_log_probs(prefix)`` gives the next token's log-probabilities after ``prefix``, a token
    list that starts with ``bos``. Each step extends every live hypothesis by every token and keeps
    the best ``beam_width`` extensions (ties lexicographic); kept ones ending in ``eos`` are set
    aside as finished, so the beam can shrink. Decoding stops when the beam is empty or after
    ``max_len`` generated tokens; live hypotheses are then finished as they are.

    The final score is ``sum_logprobs / generated_len ** length_penalty``, where
    ``generated_len`` counts the generated tokens (``eos`` included, ``bos`` excluded). Returns
    the best ``beam_width`` finished hypotheses as ``(tokens, score)`` pairs, tokens including
    ``bos`` (and ``eos`` if emitted), sorted by final score, descending, ties lexicographic.
    """
    _check_width(beam_width)
    if isinstance(max_len, bool) or not isinstance(max_len, Integral) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")

    tokens = np.array([[bos]], dtype=np.int64)
    scores = np.zeros(1)
    finished: list[Hypothesis] = []
    for _ in range(int(max_len)):
        if len(scores) == 0:
            break
        rows = np.stack([_log_prob_row(step_log_probs, prefix) for prefix in tokens.tolist()])
        if rows.shape[1] == 0:
            raise ValueError("step_log_probs returned an empty row")
        tokens, scores = _extend_rows(tokens, scores, rows, beam_width)
        done = tokens[:, -1] == eos
        finished += _as_pairs(tokens[done], scores[done])
        tokens, scores = tokens[~done], scores[~done]
    finished += _as_pairs(tokens, scores)

    final = [(toks, score / (len(toks) - 1) ** length_penalty) for toks, score in finished]
    final.sort(key=lambda hyp: (-hyp[1], hyp[0]))
    return final[:beam_width]


def _check_width(beam_width: int) -> None:
    if isinstance(beam_width, bool) or not isinstance(beam_width, Integral) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}")


def _log_prob_row(step_log_probs: Callable, prefix: list[int]) -> np.ndarray:
    row = np.asarray(step_log_probs(prefix), dtype=np.float64)
    if row.ndim != 1:
        raise ValueError(f"step_log_probs must return a 1-D array, got shape {row.shape}")
    return row


def _extend(tokens: np.ndarray, scores: np.ndarray, log_probs: np.ndarray, beam_width: int):
    """One step of the classic form: every hypothesis meets the same row of log-probabilities."""
    rows = np.broadcast_to(log_probs, (len(scores), len(log_probs)))
    return _extend_rows(tokens, scores, rows, beam_width)


def _extend_rows(tokens: np.ndarray, scores: np.ndarray, rows: np.ndarray, beam_width: int):
    """Extend each hypothesis (in lexicographic order) by each token and keep the best ones.

    Returns the kept token lists and cumulative scores, again in lexicographic order.
    """
    vocab = rows.shape[1]
    extended = (scores[:, None] + rows).ravel()
    # -(-inf) is +inf, which a stable sort puts last, still in index (= lexicographic) order.
    best = np.argsort(-extended, kind="stable")[:beam_width]
    best.sort()
    parents, new_tokens = np.divmod(best, vocab)
    tokens = np.concatenate([tokens[parents], new_tokens[:, None]], axis=1)
    return tokens, extended[best]


def _ranked(tokens: np.ndarray, scores: np.ndarray) -> list[Hypothesis]:
    """Lexicographically ordered hypotheses, sorted by score descending (ties keep lex order)."""
    order = np.argsort(-scores, kind="stable")
    order = order[np.isfinite(scores[order])]
    return _as_pairs(tokens[order], scores[order])


def _as_pairs(tokens: np.ndarray, scores: np.ndarray) -> list[Hypothesis]:
    return [(list(map(int, toks)), float(score)) for toks, score in zip(tokens, scores, strict=True)]
