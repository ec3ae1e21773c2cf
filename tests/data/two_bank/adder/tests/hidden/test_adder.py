import pytest

from grader.testing import as_array, assert_array_close, assert_close


@pytest.mark.points(2)
def test_small_integers(submission):
    """Adds two small integers."""
    assert_close(submission.add(2, 3), 5.0, what="add(2, 3)")


@pytest.mark.points(3)
def test_random_floats(submission, rng):
    """Adds random floats."""
    a, b = (float(x) for x in rng.normal(size=2))
    assert_close(submission.add(a, b), a + b, what=f"add({a}, {b})")


@pytest.mark.points(2)
def test_rejects_strings(submission):
    """Rejects a string argument with ValueError (and still adds numbers)."""
    assert_close(submission.add(4, 5), 9.0, what="add(4, 5)")
    with pytest.raises(ValueError):
        submission.add("1", 2)


@pytest.mark.points(3)
def test_scale(submission, rng):
    """Scales a list without changing the input."""
    values = [float(v) for v in rng.normal(size=5)]
    result, args, _ = submission.call_with_inputs("scale", values, 2.0)
    assert_array_close(as_array(result, "scale"), [v * 2 for v in values], what="scale(values, 2)")
    assert args[0] == values, "scale changed its input list"
