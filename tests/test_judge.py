"""The judge on the in-memory fake session: outcomes, points, load verdicts, the seed."""

from __future__ import annotations

import pytest

from grader.grading import grade_sources
from grader.judge.plugin import classify
from grader.judge.proxy import Handle, SubmissionProxy
from grader.judge.remote import CandidateError, RemoteError, raise_remote
from grader.limits import Limits
from grader.results import Outcome
from grader.sandbox.fake import FakeBackend
from grader.submission import SourceFile, read_source

from .conftest import DATA

REFERENCE = (DATA / "reference" / "adder.py").read_text()


def grade_text(mini_bank, source: str, seed: int = 1):
    exercise = mini_bank["adder"]
    files = {"adder": SourceFile(None, source=source)}
    return grade_sources("test", files, [exercise], FakeBackend(), seed=seed).exercises[0]


def outcomes(result):
    return {t.name: t.outcome for t in result.tests}


def test_reference_scores_full_points(mini_bank):
    result = grade_text(mini_bank, REFERENCE)
    assert result.score == result.max_score == 10
    assert all(t.description and t.description != t.name for t in result.tests)


def test_stub_scores_zero_with_not_implemented(mini_bank):
    result = grade_text(mini_bank, (mini_bank["adder"].stub).read_text())
    assert result.score == 0
    assert set(outcomes(result).values()) == {Outcome.NOT_IMPLEMENTED}


def test_wrong_answer_is_failed_with_a_message(mini_bank):
    result = grade_text(mini_bank, REFERENCE.replace("return a + b", "return a - b"))
    test = next(t for t in result.tests if t.name == "test_small_integers")
    assert test.outcome is Outcome.FAILED and "expected 5.0, got -1.0" in test.message
    assert result.score < 10


def test_missing_function_and_exceptions(mini_bank):
    source = "def add(a, b):\n    raise KeyError('boom')\n"
    result = grade_text(mini_bank, source)
    assert outcomes(result)["test_scale"] is Outcome.MISSING
    assert outcomes(result)["test_small_integers"] is Outcome.ERROR
    # KeyError is not ValueError: pytest.raises(ValueError) does not swallow it
    assert outcomes(result)["test_rejects_strings"] is Outcome.ERROR


def test_mutating_the_input_loses_the_points(mini_bank):
    variant = (mini_bank["adder"].root / "tests" / "wrong" / "mutates_input.py").read_text()
    result = grade_text(mini_bank, variant)
    assert outcomes(result)["test_scale"] is Outcome.FAILED


def test_a_syntax_error_is_a_verdict_with_the_line(mini_bank):
    result = grade_text(mini_bank, "def add(a, b)\n    return a + b\n")
    assert "syntax error (line 1)" in result.load_error
    assert result.score == 0 and all(t.outcome is Outcome.ERROR for t in result.tests)


def test_an_import_time_exception_is_a_verdict(mini_bank):
    result = grade_text(mini_bank, "import no_such_module_here\n")
    assert "ModuleNotFoundError" in result.load_error and result.score == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01ELF", "binary"), (b"x = '\xff\xfe'\n", "UTF-8")],
)
def test_unloadable_files_get_a_clear_verdict(mini_bank, tmp_path, content, problem):
    path = tmp_path / "adder.py"
    path.write_bytes(content)
    source = read_source(path)
    assert problem in source.problem
    result = grade_sources("t", {"adder": source}, [mini_bank["adder"]], FakeBackend(), seed=1).exercises[0]
    assert problem in result.load_error and result.score == 0


def test_huge_file_is_refused_before_it_runs(tmp_path):
    path = tmp_path / "adder.py"
    path.write_text("x = 1\n" * 200_000)
    assert "over the" in read_source(path).problem


def test_same_seed_same_cases_other_seed_other_cases(mini_bank):
    spy = REFERENCE + "\nimport sys\n_real = add\ndef add(a, b):\n    print(repr(a))\n    return _real(a, b)\n"

    def printed(seed):
        result = grade_text(mini_bank, spy, seed)
        return next(t.output for t in result.tests if t.name == "test_random_floats")

    assert printed(7) == printed(7)
    assert printed(7) != printed(8)


def test_classify_maps_remote_exceptions():
    with pytest.raises(ValueError) as info:
        raise_remote(RemoteError("MyError", "ValueError", "bad", ""))
    assert classify(info.value)[0] is Outcome.ERROR
    with pytest.raises(CandidateError):
        raise_remote(RemoteError("LinAlgError", "Exception", "singular", ""))
    with pytest.raises(NotImplementedError) as info:
        raise_remote(RemoteError("NotImplementedError", "NotImplementedError", "", ""))
    assert classify(info.value)[0] is Outcome.NOT_IMPLEMENTED
    assert classify(AssertionError("x"))[0] is Outcome.FAILED
    assert classify(TypeError("odd value"))[0] is Outcome.ERROR


COUNTER = '''
class Counter:
    def __init__(self):
        self.n = 0

    def add(self, k):
        self.n += k
        return self.n


def make():
    return Counter()
'''


def test_objects_stay_in_the_sandbox_as_handles_with_methods_and_attributes():
    session = FakeBackend().open_session(Limits.default())
    assert session.load("counter", COUNTER, "counter.py")["ok"]
    counter = SubmissionProxy(session, "counter").make()
    assert isinstance(counter, Handle) and counter.type_name == "Counter"
    assert counter.call_method("add", 2) == 2 and counter.call_method("add", k=3) == 5
    assert counter.get("n") == 5
