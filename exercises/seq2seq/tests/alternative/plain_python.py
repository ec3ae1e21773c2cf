"""A correct solution in plain Python: lists, loops and math.fsum, no numpy (must score 100).

The log-softmax uses the log-sum-exp of each row shifted by its maximum; the loss walks the
(possibly nested) targets and logits together.
"""

import math


def _tolist(value):
    return value.tolist() if hasattr(value, "tolist") else value


def _pairs(logits, targets, depth=0):
    """(row of logits, target) for every position, walking both nested structures together."""
    if isinstance(targets, (list, tuple)):
        if not isinstance(logits, (list, tuple)) or len(logits) != len(targets):
            raise ValueError("logits must have shape targets.shape + (V,)")
        for sub_logits, sub_targets in zip(logits, targets, strict=True):
            yield from _pairs(sub_logits, sub_targets, depth + 1)
        return
    if depth == 0:
        raise ValueError("targets must have at least one dimension")
    if not isinstance(logits, (list, tuple)) or any(isinstance(v, (list, tuple)) for v in logits):
        raise ValueError("logits must have shape targets.shape + (V,)")
    yield [float(v) for v in logits], targets


def _log_softmax_at(row, index):
    top = max(row)
    return row[index] - top - math.log(math.fsum(math.exp(v - top) for v in row))


def masked_cross_entropy(logits, targets, pad_id):
    pairs = list(_pairs(_tolist(logits), _tolist(targets)))
    vocab = {len(row) for row, _ in pairs}
    if len(vocab) > 1:
        raise ValueError("ragged logits")
    losses = []
    for row, target in pairs:
        if target == pad_id:
            continue
        if int(target) != target or not 0 <= target < len(row):
            raise ValueError(f"target {target} is outside [0, {len(row)})")
        losses.append(-_log_softmax_at(row, int(target)))
    if not losses:
        raise ValueError("every target is padding")
    return math.fsum(losses) / len(losses)


def teacher_forcing_inputs(targets, bos):
    targets = _tolist(targets)
    if targets and isinstance(targets[0], (list, tuple)):
        return [[int(bos)] + [int(v) for v in row[:-1]] for row in targets]
    return [int(bos)] + [int(v) for v in targets[:-1]]


def greedy_decode(step_fn, bos, eos, max_len):
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    tokens, total = [bos], 0.0
    while len(tokens) - 1 < max_len:
        row = [float(v) for v in _tolist(step_fn(list(tokens)))]
        token = row.index(max(row))
        total += _log_softmax_at(row, token)
        tokens.append(token)
        if token == eos:
            break
    return tokens, total
