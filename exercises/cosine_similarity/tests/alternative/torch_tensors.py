"""An alternative correct solution in torch: tensors all the way, the matrix returned as a tensor.

It checks that a candidate who prefers torch (float64 tensors, torch.nn.functional.normalize,
a torch matrix returned as is) is graded like one who uses numpy.
"""

import math

import torch
import torch.nn.functional as F


def _tensor(x, ndim, name):
    try:
        t = torch.tensor(x, dtype=torch.float64)  # always a copy: the caller's data is never touched
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{name} is not numeric: {exc}") from None
    if t.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), not {t.dim()}")
    if t.numel() == 0:
        raise ValueError(f"{name} is empty")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} holds NaN or infinity")
    return t


def _unit_rows(m):
    """Rows divided by their largest magnitude (no overflow, no underflow), then to length 1."""
    peak = m.abs().amax(dim=-1, keepdim=True)
    scaled = m / torch.where(peak > 0, peak, torch.ones_like(peak))
    return F.normalize(scaled, dim=-1)  # zero rows stay zero


def cosine_similarity(a, b):
    u, v = _tensor(a, 1, "a"), _tensor(b, 1, "b")
    if u.shape != v.shape:
        raise ValueError("the vectors differ in length")
    if not u.any() or not v.any():
        return 0.0
    value = float(torch.dot(_unit_rows(u), _unit_rows(v)))
    return min(1.0, max(-1.0, value)) if math.isfinite(value) else value


def cosine_similarity_matrix(A, B=None):
    left = _tensor(A, 2, "A")
    right = left if B is None else _tensor(B, 2, "B")
    if left.shape[1] != right.shape[1]:
        raise ValueError("A and B have rows of different lengths")
    return (_unit_rows(left) @ _unit_rows(right).T).clamp(-1.0, 1.0)


def most_similar(word, embeddings, topn=3):
    if topn < 1:
        raise ValueError("topn must be at least 1")
    query = embeddings[word]  # KeyError for an unknown word
    others = [w for w in embeddings if w != word]
    if not others:
        return []
    vectors = torch.stack([torch.tensor(embeddings[w], dtype=torch.float64) for w in others])
    scores = cosine_similarity_matrix(torch.tensor(query, dtype=torch.float64)[None, :], vectors)[0].tolist()
    ranked = sorted(zip(others, scores, strict=True), key=lambda pair: (-pair[1], pair[0]))
    return ranked[:topn]
