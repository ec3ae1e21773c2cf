"""word2vec: skip-gram with negative sampling, with gradients derived by hand.

Replace each ``raise NotImplementedError`` with your implementation. You may use numpy or torch
tensor operations, but no automatic differentiation. Read README.md for the exact contract.
"""


def skipgram_pairs(token_ids, window):
    """The (center, context) pairs of skip-gram over one token sequence.

    Args:
        token_ids: 1-D sequence of non-negative integer ids (may be empty).
        window: int >= 1, the largest distance between a center and a context position.

    Returns:
        An integer array of shape (n_pairs, 2): column 0 the center id, column 1 the context id.
        Ordered by center position, then by context position; a position is never paired with
        itself. Shape (0, 2) when there is no pair.

    Raises:
        ValueError: window not an int >= 1; token_ids not 1-D, negative or not integers.
    """
    raise NotImplementedError


def sgns_loss_and_grads(center_vecs, context_vecs, center, context, negatives):
    """Mean negative-sampling loss of a batch and its gradients w.r.t. both tables.

    Args:
        center_vecs: (V_c, d) center ("input") vectors.
        context_vecs: (V_o, d) context ("output") vectors.
        center: (B,) row indices into center_vecs.
        context: (B,) row indices into context_vecs.
        negatives: (B, K) row indices into context_vecs.

    Returns:
        ``(loss, grad_center_vecs, grad_context_vecs)``: the mean over the batch of
        ``-log σ(u_o·v) - Σ_k log σ(-u_k·v)``, and two float64 arrays of the tables' shapes
        (repeated indices add up).

    Raises:
        ValueError: bad shapes, B = 0, or an index out of range (negative ones included).
    """
    raise NotImplementedError


def sgd_step(center_vecs, context_vecs, grad_center, grad_context, lr):
    """One plain SGD step.

    Returns:
        ``(center_vecs - lr * grad_center, context_vecs - lr * grad_context)`` as new float64
        arrays; the inputs are not modified.

    Raises:
        ValueError: lr not a finite number > 0, or a gradient's shape differs from its table's.
    """
    raise NotImplementedError
