"""Sequence-to-sequence training and decoding pieces. See the statement (README.md)."""


def masked_cross_entropy(logits, targets, pad_id):
    """Mean cross-entropy over the non-pad target tokens, as a float.

    ``logits`` has shape ``targets.shape + (V,)``, e.g. (N, T, V) with targets (N, T). Positions
    whose target equals ``pad_id`` are ignored; the softmax is over all V classes. The same as
    ``F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=pad_id)``.

    Raises ValueError if the shapes do not match, a non-pad target is outside ``[0, V)``, or every
    target is padding.
    """
    raise NotImplementedError("masked_cross_entropy is not implemented yet")


def teacher_forcing_inputs(targets, bos):
    """The decoder's inputs for teacher forcing: ``targets`` shifted right by one, ``bos`` first.

    ``targets`` is (T,) or (N, T); returns an integer array of the same shape whose position t
    holds ``bos`` for t = 0 and ``targets[..., t - 1]`` otherwise.
    """
    raise NotImplementedError("teacher_forcing_inputs is not implemented yet")


def greedy_decode(step_fn, bos, eos, max_len):
    """Greedy decoding with a decoder given as ``step_fn(prefix) -> logits`` of the next token.

    Picks the highest logit at each step (the smallest token id on a tie), stops after emitting
    ``eos`` or after ``max_len`` generated tokens. Returns ``(tokens, log_prob)``: the token list
    including ``bos`` (and ``eos`` if emitted) and the sum of the log-softmax values of the
    generated tokens.

    Raises ValueError if ``max_len < 1``.
    """
    raise NotImplementedError("greedy_decode is not implemented yet")
