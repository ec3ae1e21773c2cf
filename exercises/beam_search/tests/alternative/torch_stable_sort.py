"""A correct solution in torch: float64 tensors, one stable sort per step, lists of ints out.

The beam is kept in lexicographic order of its token lists, so among equal scores the flat index
``parent * V + token`` is already the lexicographic order, and a stable descending sort of the
scores gives "score descending, ties lexicographic" (torch.sort with stable=True).
"""

import torch


def _check_width(beam_width):
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError("beam_width must be a positive int")


def _step(tokens, scores, rows, beam_width):
    """Extend every hypothesis by every token, keep the best beam_width, back in lexicographic order."""
    vocab = rows.shape[1]
    extended = (scores[:, None] + rows).reshape(-1)
    _, order = torch.sort(extended, descending=True, stable=True)
    best, _ = torch.sort(order[:beam_width])
    parents, new_tokens = best // vocab, best % vocab
    return torch.cat([tokens[parents], new_tokens[:, None]], dim=1), extended[best]


def beam_search(probs, beam_width):
    _check_width(beam_width)
    table = torch.tensor(probs, dtype=torch.float64)  # a copy: the caller's probs stay as they are
    if table.dim() != 2:
        raise ValueError("probs must be a (T, V) array")
    if not torch.isfinite(table).all() or (table < 0).any():
        raise ValueError("probs must be finite and non-negative")
    logs = torch.log(table)  # log(0) = -inf
    tokens = torch.zeros((1, 0), dtype=torch.int64)
    scores = torch.zeros(1, dtype=torch.float64)
    for row in logs:
        tokens, scores = _step(tokens, scores, row.expand(len(scores), -1), beam_width)
    _, order = torch.sort(scores, descending=True, stable=True)
    return [(tokens[i].tolist(), float(scores[i])) for i in order.tolist()]


def beam_search_decode(step_log_probs, bos, eos, beam_width, max_len, length_penalty=1.0):
    _check_width(beam_width)
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError("max_len must be a positive int")
    tokens = torch.tensor([[bos]], dtype=torch.int64)
    scores = torch.zeros(1, dtype=torch.float64)
    finished = []
    for _ in range(max_len):
        if len(scores) == 0:
            break
        rows = torch.stack([torch.as_tensor(step_log_probs(prefix), dtype=torch.float64) for prefix in tokens.tolist()])
        tokens, scores = _step(tokens, scores, rows, beam_width)
        done = tokens[:, -1] == eos
        finished += list(zip(tokens[done].tolist(), scores[done].tolist(), strict=True))
        tokens, scores = tokens[~done], scores[~done]
    finished += list(zip(tokens.tolist(), scores.tolist(), strict=True))
    final = [(toks, score / (len(toks) - 1) ** length_penalty) for toks, score in finished]
    final.sort(key=lambda hyp: (-hyp[1], hyp[0]))
    return final[:beam_width]
