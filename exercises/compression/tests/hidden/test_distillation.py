"""Hidden tests for ``distillation_loss`` (compression exercise).

Oracle (judge side only), in float64:
``alpha * T**2 * F.kl_div(F.log_softmax(s / T), F.log_softmax(t / T), reduction="batchmean",
log_target=True) + (1 - alpha) * F.cross_entropy(s, labels)``. With ``log_target=True`` the
teacher's log-probabilities are exact even where its probabilities underflow to 0.

Every comparison uses rtol=1e-6, atol=1e-8, as the statement says. T and alpha are fixed values
(never 1 and 0.5 at once), so that each trap is hit on every seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.testing import as_float, assert_close

TOL = {"rtol": 1e-6, "atol": 1e-8}


def oracle(student, teacher, labels, T, alpha):
    s = torch.as_tensor(np.asarray(student, dtype=np.float64))
    t = torch.as_tensor(np.asarray(teacher, dtype=np.float64))
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    with torch.no_grad():
        log_q, log_p = F.log_softmax(s / T, dim=1), F.log_softmax(t / T, dim=1)
        soft = F.kl_div(log_q, log_p, reduction="batchmean", log_target=True)
        hard = F.cross_entropy(s, y)
        value = float(alpha * T * T * soft + (1 - alpha) * hard)
    assert math.isfinite(value), "oracle gave a non-finite loss"
    return value


def random_batch(rng, n=None, classes=None, scale=2.0):
    n = n or int(rng.integers(2, 7))
    classes = classes or int(rng.integers(3, 11))
    student = rng.normal(size=(n, classes)) * scale
    teacher = rng.normal(size=(n, classes)) * scale * 1.5
    labels = rng.integers(0, classes, size=n)
    return student, teacher, labels


def check(submission, student, teacher, labels, T, alpha, what):
    expected = oracle(student, teacher, labels, T, alpha)
    got = as_float(submission.distillation_loss(student, teacher, labels, T, alpha), what)
    assert_close(got, expected, what=what, **TOL)


@pytest.mark.points(8)
def test_distill_random(submission, rng):
    """Random batches at several temperatures and weights agree with torch's kl_div and cross_entropy."""
    for T, alpha in [(2.0, 0.25), (4.0, 0.7), (0.5, 0.9)]:
        student, teacher, labels = random_batch(rng)
        what = f"distillation_loss(N={len(labels)}, C={student.shape[1]}, T={T}, alpha={alpha})"
        check(submission, student, teacher, labels, T, alpha, what)


@pytest.mark.points(4)
def test_distill_alpha_extremes(submission, rng):
    """alpha = 0 is the hard-label cross-entropy alone; alpha = 1 is T**2 times the KL term alone."""
    student, teacher, labels = random_batch(rng)
    for T, alpha in [(3.0, 0.0), (3.0, 1.0), (1.0, 1.0)]:
        what = f"distillation_loss(T={T}, alpha={alpha})"
        check(submission, student, teacher, labels, T, alpha, what)


@pytest.mark.points(5)
def test_distill_large_logits(submission, rng):
    """Logits of size 1e3, where teacher probabilities underflow to 0, give the right finite loss."""
    student, teacher, labels = random_batch(rng, n=4, classes=6, scale=1.0)
    student *= 1e3
    teacher *= 1e3  # exp of differences of ~1e3 underflows: some teacher probabilities are exactly 0
    for T, alpha in [(1.0, 0.5), (2.0, 0.8)]:
        check(submission, student, teacher, labels, T, alpha, f"distillation_loss with logits ~1e3, T={T}")


@pytest.mark.points(3)
def test_distill_by_hand(submission):
    """A one-example, two-class case worked out by hand, at T = 1 and T = 2."""
    student, teacher = [[math.log(3.0), 0.0]], [[0.0, 0.0]]
    # T = 1: q = [3/4, 1/4], p = [1/2, 1/2]; KL = 1/2 ln(4/3); CE = ln(4/3).
    expected = 0.5 * 0.5 * math.log(4 / 3) + 0.5 * math.log(4 / 3)
    got = as_float(submission.distillation_loss(student, teacher, [0], 1.0, 0.5), "distillation_loss at T=1")
    assert_close(got, expected, what="distillation_loss at T=1 (by hand)", **TOL)
    # T = 2: q = [r, 1] / (r + 1) with r = sqrt(3); KL = 1/2 ln((r+1)/(2r)) + 1/2 ln((r+1)/2); times T**2 = 4.
    r = math.sqrt(3.0)
    kl = 0.5 * math.log((r + 1) / (2 * r)) + 0.5 * math.log((r + 1) / 2)
    expected = 0.25 * 4 * kl + 0.75 * math.log(4 / 3)
    got = as_float(submission.distillation_loss(student, teacher, [0], 2.0, 0.25), "distillation_loss at T=2")
    assert_close(got, expected, what="distillation_loss at T=2, alpha=0.25 (by hand)", **TOL)


@pytest.mark.points(1)
@pytest.mark.parametrize("bad", ["temperature", "alpha", "labels", "shapes"])
def test_distill_invalid(submission, rng, bad):
    """T <= 0, alpha outside [0, 1], bad labels and mismatched logits raise ValueError (after a valid call)."""
    student, teacher, labels = random_batch(rng, n=3, classes=4)
    check(submission, student, teacher, labels, 2.0, 0.5, "distillation_loss (valid call)")
    cases = {
        "temperature": [(student, teacher, labels, 0.0, 0.5), (student, teacher, labels, -1.0, 0.5)],
        "alpha": [(student, teacher, labels, 2.0, 1.5), (student, teacher, labels, 2.0, -0.1)],
        "labels": [
            (student, teacher, np.array([0, 4, 1]), 2.0, 0.5),
            (student, teacher, np.array([0, -1, 1]), 2.0, 0.5),
            (student, teacher, labels[:2], 2.0, 0.5),
        ],
        "shapes": [(student, teacher[:, :3], labels, 2.0, 0.5), (student[0], teacher[0], labels[:1], 2.0, 0.5)],
    }[bad]
    for args in cases:
        with pytest.raises(ValueError):
            submission.distillation_loss(*args)


@pytest.mark.points(1)
def test_distill_does_not_mutate_inputs(submission, rng):
    """The logits and labels are left unchanged (self-reported by the sandbox, so worth 1 point)."""
    student, teacher, labels = random_batch(rng)
    before = [student.copy(), teacher.copy(), labels.copy()]
    result, after, _ = submission.call_with_inputs("distillation_loss", student, teacher, labels, 3.0, 0.6)
    assert_close(as_float(result, "loss"), oracle(*before, 3.0, 0.6), what="distillation_loss (mutation check)", **TOL)
    for name, old, new in zip(["student_logits", "teacher_logits", "labels"], before, after[:3], strict=True):
        if not np.array_equal(np.asarray(new), old):
            raise AssertionError(f"argument {name} changed during the call")
