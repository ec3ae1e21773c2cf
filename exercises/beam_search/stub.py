"""Beam search decoding. Fill in both functions; see the statement (README.md) for the contract."""


def beam_search(probs, beam_width):
    """Return the best ``min(beam_width, V**T)`` token sequences for a (T, V) ``probs`` array.

    Row t of ``probs`` is the distribution over the vocabulary at step t, independent of the
    tokens chosen before. Each result is a pair ``(tokens, score)``: a list of T token ids and the
    sum of the natural logs of their probabilities (``-inf`` if one of them is 0). Results are
    sorted by score, descending; equal scores go to the lexicographically smaller token list.

    Raises ValueError if ``beam_width < 1``, ``probs`` is not 2-D, or an entry of ``probs`` is
    negative or not finite.
    """
    raise NotImplementedError("beam_search is not implemented yet")


def beam_search_decode(step_log_probs, bos, eos, beam_width, max_len, length_penalty=1.0):
    """Sequence-to-sequence beam search, where emitting ``eos`` finishes a hypothesis.

    ``step_log_probs(prefix)`` takes a token list that starts with ``bos`` and returns a 1-D array
    of log-probabilities for the next token. Returns the best ``beam_width`` finished hypotheses as
    ``(tokens, score)`` pairs, ``tokens`` including ``bos`` (and ``eos`` if it was emitted), with
    ``score = sum_logprobs / generated_len ** length_penalty``, sorted by score, descending, ties
    lexicographic. The statement gives the exact algorithm for one step.

    Raises ValueError if ``beam_width < 1`` or ``max_len < 1``.
    """
    raise NotImplementedError("beam_search_decode is not implemented yet")
