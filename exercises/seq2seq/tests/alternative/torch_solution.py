"""A correct torch solution that returns torch tensors (must score 100).

The log-softmax is written out (max shift, exp, sum, log) on float64 tensors; the mask is applied
by multiplying with a 0/1 weight, after replacing pad targets with a valid index for the gather.
"""

import torch


def _log_softmax(logits):
    top = logits.amax(dim=-1, keepdim=True)
    shifted = logits - top
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()


def masked_cross_entropy(logits, targets, pad_id):
    logits = torch.as_tensor(logits, dtype=torch.float64)
    targets = torch.as_tensor(targets)
    if targets.dim() < 1 or logits.dim() != targets.dim() + 1 or logits.shape[:-1] != targets.shape:
        raise ValueError("logits must have shape targets.shape + (V,)")
    vocab = logits.shape[-1]
    keep = targets != pad_id
    count = int(keep.sum())
    if count == 0:
        raise ValueError("every target is padding")
    if bool(((targets < 0) | (targets >= vocab))[keep].any()):
        raise ValueError("a target is outside [0, V)")
    safe = torch.where(keep, targets, torch.zeros_like(targets)).long()
    picked = _log_softmax(logits).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).sum() / count


def teacher_forcing_inputs(targets, bos):
    targets = torch.as_tensor(targets, dtype=torch.int64)
    start = torch.full(targets.shape[:-1] + (1,), int(bos), dtype=torch.int64)
    return torch.cat([start, targets[..., :-1]], dim=-1)


def greedy_decode(step_fn, bos, eos, max_len):
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    tokens = [int(bos)]
    total = torch.zeros((), dtype=torch.float64)
    for _ in range(max_len):
        logits = torch.as_tensor(step_fn(list(tokens)), dtype=torch.float64)
        best = logits.max()
        token = int(torch.nonzero(logits == best)[0])  # the smallest id among the maxima
        total = total + _log_softmax(logits)[token]
        tokens.append(token)
        if token == eos:
            break
    return tokens, total
