"""Hidden tests for ``LossScaler``.

Oracle: ``torch.amp.GradScaler("cpu")`` itself, driven on the judge's side with the same scaled
gradients (``scale`` to initialise it, ``unscale_``, ``step`` of an optimizer that records
whether it was called, ``update``), plus hand-made sequences whose expected states are written
out below. Sequences are driven in the sandbox by the probe ``scaler_steps``, which returns the
value of each ``step`` call and the scale and growth tracker after it; every entry is checked.

Scales and unscaled gradients are compared with rtol=1e-5, atol=0: torch keeps the scale in
float32 and rounds it at every update, and unscales in float32.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.testing import Handle, as_array, as_float, assert_array_close, assert_close, describe

SCALE_TOL = {"rtol": 1e-5, "atol": 0.0}
GRAD_TOL = {"rtol": 1e-5, "atol": 0.0}
INF, NAN = float("inf"), float("nan")


def grad_scaler_trace(kwargs, grads_per_step):
    """What torch.amp.GradScaler does with these scaled gradients: per step, the unscaled
    gradients (None when the step is skipped), the scale and the growth tracker after update()."""
    scaler = torch.amp.GradScaler("cpu", **kwargs)
    shapes = [np.shape(g) for g in grads_per_step[0]]
    params = [torch.nn.Parameter(torch.zeros(shape)) for shape in shapes]
    calls = []

    class Recording(torch.optim.SGD):
        def step(self, closure=None):
            calls.append(1)
            return super().step(closure)

    optimizer = Recording(params, lr=0.0)
    trace = []
    for grads in grads_per_step:
        scaler.scale(torch.ones(()))  # initialises the scale on the first call, as a loss would
        for param, grad in zip(params, grads, strict=True):
            param.grad = torch.tensor(np.asarray(grad, dtype=np.float32))
        scaler.unscale_(optimizer)
        unscaled = [param.grad.numpy().astype(np.float64) for param in params]
        before = len(calls)
        scaler.step(optimizer)
        scaler.update()
        stepped = len(calls) > before
        trace.append((unscaled if stepped else None, scaler.get_scale(), scaler._get_growth_tracker()))
    return trace


def run_steps(submission, kwargs, grads_per_step):
    """The candidate's per-step trace from the probe, checked for its form."""
    trace = submission.probe("scaler_steps", kwargs, grads_per_step)
    if not isinstance(trace, list) or len(trace) != len(grads_per_step):
        raise AssertionError(f"expected one entry per step, got {describe(trace)}")
    return trace


def check_trace(trace, expected, what):
    """Each step's returned gradients (or None), scale and growth tracker match the expectation."""
    for index, (entry, (want_grads, want_scale, want_tracker)) in enumerate(zip(trace, expected, strict=True)):
        returned, scale, tracker = entry[0], entry[1], entry[2]
        where = f"{what}, step {index + 1}"
        if want_grads is None:
            if returned is not None:
                raise AssertionError(f"{where}: the gradients are not finite, expected None, got {describe(returned)}")
        else:
            if not isinstance(returned, (list, tuple)) or len(returned) != len(want_grads):
                raise AssertionError(f"{where}: expected a list of {len(want_grads)} arrays, got {describe(returned)}")
            for k, (got, want) in enumerate(zip(returned, want_grads, strict=True)):
                assert_array_close(as_array(got, where), want, what=f"{where}: unscaled gradient {k}", **GRAD_TOL)
        assert_close(scale, want_scale, what=f"{where}: scale", **SCALE_TOL)
        assert_close(tracker, want_tracker, what=f"{where}: growth_tracker", rtol=0, atol=0)


def scaler_handle(value, what):
    """A LossScaler instance that stayed in the sandbox; anything else is a wrong answer."""
    if isinstance(value, Handle):
        return value
    if value is None or isinstance(value, (bool, int, float, str, bytes, list, tuple, dict, np.ndarray, np.generic)):
        raise AssertionError(f"{what}: expected a LossScaler object, got {describe(value)}")
    return value  # a real object, when the tests run against an imported module


def method(obj, name, *args):
    return obj.call_method(name, *args) if isinstance(obj, Handle) else getattr(obj, name)(*args)


def attribute(obj, name):
    return obj.get(name) if isinstance(obj, Handle) else getattr(obj, name)


HAND_KWARGS = {"init_scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 3}
HAND_STEPS = [
    # (scaled gradients, expected unscaled or None, scale after, growth_tracker after)
    ([[8.0, -16.0]], [[1.0, -2.0]], 8.0, 1),
    ([[4.0, 4.0]], [[0.5, 0.5]], 8.0, 2),
    ([[8.0, 0.0]], [[1.0, 0.0]], 16.0, 0),  # third clean step in a row: grow after unscaling by 8
    ([[INF, 1.0]], None, 8.0, 0),  # skipped, backed off
    ([[16.0, 8.0]], [[2.0, 1.0]], 8.0, 1),
    ([[NAN, 0.0]], None, 4.0, 0),  # NaN counts as non-finite
    ([[4.0, 2.0]], [[1.0, 0.5]], 4.0, 1),
    ([[-INF, 0.0]], None, 2.0, 0),  # -inf too; the tracker restarts from 0
    ([[2.0, 2.0]], [[1.0, 1.0]], 2.0, 1),
    ([[2.0, 2.0]], [[1.0, 1.0]], 2.0, 2),
    ([[2.0, 2.0]], [[1.0, 1.0]], 4.0, 0),
    ([[4.0, 4.0]], [[1.0, 1.0]], 4.0, 1),  # unscaled by the grown scale
]


@pytest.mark.points(8)
def test_hand_made_sequence(submission):
    """A hand-made sequence of clean and inf/NaN steps: growth, backoff, tracker resets, skipped steps."""
    grads = [step[0] for step in HAND_STEPS]
    expected = [(None if s[1] is None else [np.asarray(g) for g in s[1]], s[2], s[3]) for s in HAND_STEPS]
    check_trace(run_steps(submission, HAND_KWARGS, grads), expected, f"LossScaler({HAND_KWARGS})")


def random_sequence(rng, steps, shapes, overflow_second=False):
    """Scaled gradients for ``steps`` steps; about one step in four holds an inf or a NaN.

    ``overflow_second``: the first step is clean and the second overflows, so that an overflow
    always meets a growth tracker above 0 (with a growth interval above 1), whatever the seed.
    """
    sequence = []
    for step in range(steps):
        grads = [rng.normal(size=shape) * 10.0 ** rng.integers(-2, 4) for shape in shapes]
        overflow = rng.random() < 0.25
        if overflow_second and step < 2:
            overflow = step == 1
        if overflow:
            k = int(rng.integers(0, len(grads)))
            flat = grads[k].reshape(-1)
            flat[int(rng.integers(0, flat.size))] = rng.choice([INF, -INF, NAN])
        sequence.append([g.astype(np.float32) for g in grads])
    return sequence


@pytest.mark.points(4)
@pytest.mark.parametrize("case", [0, 1])
def test_random_sequences_match_grad_scaler(submission, rng, case):
    """Random factors, intervals and inf/NaN patterns give the states of torch.amp.GradScaler."""
    # Case 0 always has an overflow that finds the growth tracker above 0: with an interval of 1
    # the tracker is 0 after every step, and a tracker that is not reset on overflow goes unseen.
    kwargs = {
        "init_scale": float(2.0 ** rng.integers(4, 17)) * float(rng.choice([1.0, 1.5, 0.7])),
        "growth_factor": float(rng.choice([2.0, 1.5, 3.0, 4.0])),
        "backoff_factor": float(rng.choice([0.5, 0.25, 0.7, 0.125])),
        "growth_interval": int(rng.integers(2 if case == 0 else 1, 5)),
    }
    shapes = [(int(rng.integers(1, 4)),), (2, int(rng.integers(1, 4)))]
    grads = random_sequence(rng, 30, shapes, overflow_second=case == 0)
    expected = grad_scaler_trace(kwargs, grads)
    check_trace(run_steps(submission, kwargs, grads), expected, f"LossScaler({kwargs})")


@pytest.mark.points(5)
def test_unscaled_gradients_of_several_shapes(submission, rng):
    """Finite gradients of several shapes come back divided by the scale in force before the update."""
    kwargs = {"init_scale": 1024.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 1}
    shapes = [(3,), (2, 4), (1, 2, 3)]
    grads = [[(rng.normal(size=shape) * 1e3).astype(np.float32) for shape in shapes] for _ in range(4)]
    expected = grad_scaler_trace(kwargs, grads)
    check_trace(run_steps(submission, kwargs, grads), expected, "LossScaler with growth_interval=1")


@pytest.mark.points(4)
def test_any_non_finite_entry_skips_the_step(submission, rng):
    """A single NaN or infinity in any one of several gradients skips the step and backs off."""
    kwargs = {"init_scale": 256.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2}
    steps = []
    for bad in (NAN, INF, -INF):
        grads = [rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=5).astype(np.float32)]
        grads[1][int(rng.integers(0, 5))] = bad  # only the last array is bad
        steps.append(grads)
        steps.append([rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=5).astype(np.float32)])
    expected = grad_scaler_trace(kwargs, steps)
    check_trace(run_steps(submission, kwargs, steps), expected, "LossScaler with one bad entry per bad step")


@pytest.mark.points(3)
def test_default_arguments(submission):
    """The defaults are those of GradScaler: scale 65536, x2 after 2000 clean steps, x0.5 on overflow."""
    steps = [[np.ones(1, dtype=np.float32)]] * 2001 + [[np.array([INF], dtype=np.float32)]]
    trace = run_steps(submission, {}, steps)
    expected = grad_scaler_trace({}, steps)
    for index in (0, 1998, 1999, 2000, 2001):
        entry = trace[index]
        want = expected[index]
        assert_close(entry[1], want[1], what=f"LossScaler() scale after step {index + 1}", **SCALE_TOL)
        assert_close(entry[2], want[2], what=f"LossScaler() growth_tracker after step {index + 1}", rtol=0, atol=0)
    assert_array_close(as_array(trace[1998][0][0], "step 1999"), [2.0**-16], what="LossScaler() step 1999 unscaled")
    assert_array_close(as_array(trace[2000][0][0], "step 2001"), [2.0**-17], what="LossScaler() step 2001 unscaled")


@pytest.mark.points(2)
def test_growth_never_overflows_float32(submission):
    """A grown scale that would not fit in float32 is not applied; the tracker still restarts."""
    kwargs = {"init_scale": 2.0**126, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 1}
    steps = [[np.array([2.0**100], dtype=np.float32)]] * 3 + [[np.array([INF], dtype=np.float32)]]
    expected = grad_scaler_trace(kwargs, steps)
    assert expected[2][1] == 2.0**127, "oracle"
    check_trace(run_steps(submission, kwargs, steps), expected, "LossScaler(init_scale=2**126, growth_interval=1)")


@pytest.mark.points(2)
def test_scale_loss_uses_the_current_scale(submission, rng):
    """scale_loss multiplies the loss by the scale in force, before and after updates."""
    scaler = scaler_handle(submission.LossScaler(init_scale=4.0, growth_interval=1), "LossScaler(init_scale=4.0)")
    loss = float(rng.uniform(0.5, 3.0))
    assert_close(method(scaler, "scale_loss", loss), loss * 4.0, what="scale_loss with scale 4")
    method(scaler, "step", [np.ones(3, dtype=np.float32)])  # grows to 8
    assert_close(method(scaler, "scale_loss", loss), loss * 8.0, what="scale_loss after one clean step")
    method(scaler, "step", [np.array([NAN], dtype=np.float32)])  # back to 4
    method(scaler, "step", [np.array([INF], dtype=np.float32)])  # 2
    assert_close(as_float(attribute(scaler, "scale"), "scale"), 2.0, what="scale after two skipped steps")
    assert_close(method(scaler, "scale_loss", loss), loss * 2.0, what="scale_loss after two skipped steps")


@pytest.mark.points(2)
def test_rejects_invalid_arguments(submission):
    """Invalid constructor arguments (scale, growth or backoff factor, interval) raise ValueError."""
    scaler = scaler_handle(submission.LossScaler(init_scale=8.0, growth_interval=5), "LossScaler(init_scale=8.0)")
    assert_close(as_float(attribute(scaler, "scale"), "scale"), 8.0, what="a valid LossScaler's scale")
    for kwargs in (
        {"init_scale": 0.0},
        {"init_scale": -2.0},
        {"growth_factor": 1.0},
        {"backoff_factor": 1.0},
        {"backoff_factor": 0.0},
        {"growth_interval": 0},
    ):
        with pytest.raises(ValueError):
            submission.LossScaler(**kwargs)


@pytest.mark.points(1)
def test_step_does_not_mutate_gradients(submission, rng):
    """step leaves the caller's gradient arrays unchanged (self-reported by the sandbox: 1 point)."""
    kwargs = {"init_scale": 64.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2}
    grads = [[rng.normal(size=4).astype(np.float32), rng.normal(size=(2, 2)).astype(np.float32)] for _ in range(3)]
    trace = run_steps(submission, kwargs, grads)
    check_trace(trace, grad_scaler_trace(kwargs, grads), "mutation check")
    for index, (entry, sent) in enumerate(zip(trace, grads, strict=True)):
        after = entry[3]
        for k, (got, want) in enumerate(zip(after, sent, strict=True)):
            assert_array_close(got, want, what=f"step {index + 1}: gradient {k} after the call", rtol=0, atol=0)
