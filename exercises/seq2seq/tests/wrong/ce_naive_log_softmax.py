"""Computes log(softmax) without subtracting the maximum: large logits overflow."""

from __future__ import annotations

import numpy as np


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """log-softmax over the last axis, without overflow: shift by the row maximum first."""
    exps = np.exp(logits)
    return np.log(exps / exps.sum(axis=-1, keepdims=True))


def masked_cross_entropy(logits, targets, pad_id):
    """Mean negative log-likelihood of the non-pad targets under softmax(logits), as a float.

    ``logits`` has shape ``targets.shape + (V,)``. Positions whose target equals ``pad_id`` are
    ignored (``pad_id`` may be any integer, a valid class or not). Raises ValueError on a shape
    mismatch, a non-pad target outside ``[0, V)``, or when every target is padding.
    """
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu" and targets.size:
        raise ValueError(f"targets must be integers, got dtype {targets.dtype}")
    targets = targets.astype(np.int64)
    if targets.ndim < 1 or logits.shape[:-1] != targets.shape or logits.ndim != targets.ndim + 1:
        raise ValueError(f"logits {logits.shape} must be targets {targets.shape} + (V,)")
    vocab = logits.shape[-1]
    keep = targets != pad_id
    if not keep.any():
        raise ValueError("every target is padding: there is no token to average over")
    kept = targets[keep]
    if np.any(kept < 0) or np.any(kept >= vocab):
        raise ValueError(f"targets must lie in [0, {vocab}) or equal pad_id")
    log_probs = _log_softmax(logits[keep])  # (K, V): only the rows that count
    return float(-log_probs[np.arange(kept.size), kept].mean())


def teacher_forcing_inputs(targets, bos):
    """The decoder inputs for teacher forcing: ``targets`` shifted right by one, ``bos`` first.

    Works on a (T,) sequence or an (N, T) batch; returns a new int64 array of the same shape.
    """
    targets = np.asarray(targets)
    if targets.ndim not in (1, 2):
        raise ValueError(f"targets must be (T,) or (N, T), got shape {targets.shape}")
    if targets.shape[-1] == 0:
        raise ValueError("targets must hold at least one token")
    inputs = np.empty(targets.shape, dtype=np.int64)
    inputs[..., 0] = bos
    inputs[..., 1:] = targets[..., :-1]
    return inputs


def greedy_decode(step_fn, bos, eos, max_len):
    """Greedy decoding: always the most likely next token (the smallest id on a tie).

    ``step_fn(prefix)`` takes the token list so far (starting with ``bos``) and returns the
    next token's logits. Stops after emitting ``eos`` or after ``max_len`` generated tokens.
    Returns ``(tokens, log_prob)``: the list including ``bos`` (and ``eos`` if emitted), and the
    sum of the chosen tokens' log-softmax values.
    """
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    tokens, total = [int(bos)], 0.0
    for _ in range(max_len):
        logits = np.asarray(step_fn(list(tokens)), dtype=np.float64)
        token = int(np.argmax(logits))  # the first maximum: the smallest id on a tie
        total += float(_log_softmax(logits)[token])
        tokens.append(token)
        if token == eos:
            break
    return tokens, total
