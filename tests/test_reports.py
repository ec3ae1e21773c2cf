"""Every report is read back with an independent reader and agrees with the result model."""

from __future__ import annotations

import io
import json

import pytest
from junitparser import Error, Failure, JUnitXml

from grader.grading import grade_sources
from grader.reports import WRITERS
from grader.results import Feedback, SubmissionResult, redact
from grader.sandbox.fake import FakeBackend
from grader.submission import SourceFile

from .conftest import DATA

WRONG = (DATA / "reference" / "adder.py").read_text().replace("return a + b", "return a - b") + (
    "\nimport sys\nprint('candidate says <hi> & \\x01 bye')\n"
)


@pytest.fixture(scope="module")
def result(mini_bank) -> SubmissionResult:
    source = WRONG.replace("def scale", "def _scale")
    files = {"adder": SourceFile(None, source=source)}
    return grade_sources("cand.py", files, [mini_bank["adder"]], FakeBackend(), seed=42)


def render(name, result):
    buffer = io.StringIO()
    WRITERS[name](result, buffer)
    return buffer.getvalue()


def test_junit_parses_and_agrees_with_the_result(result, tmp_path):
    path = tmp_path / "report.xml"
    path.write_text(render("junit", result), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    props = {p.name: p.value for p in suite.properties()}
    exercise = result.exercises[0]
    assert float(props["score"]) == exercise.score and float(props["max_score"]) == 10
    assert props["seed"] == "42" and props["sandbox"] == "fake" and props["grader_version"]
    assert suite.tests == len(exercise.tests)
    failed = [c for c in suite if any(isinstance(r, (Failure, Error)) for r in c.result)]
    assert len(failed) == sum(1 for t in exercise.tests if not t.passed)
    earned = sum(float(props[f"points.{c.name}"].split("/")[0]) for c in suite)
    assert earned == exercise.score
    kinds = {c.name: c.result[0].type for c in failed}
    assert kinds["test_scale"] == "missing" and kinds["test_small_integers"] == "failed"


def test_json_round_trips_through_the_model(result):
    data = json.loads(render("json", result))
    assert data["schema_version"] == 1
    assert data["score"] == result.score and data["max_score"] == 10
    again = SubmissionResult.from_dict(data)
    assert again.score == result.score and again.exercises[0].tests == result.exercises[0].tests


def test_summary_feedback_hides_expected_values(result):
    hidden = redact(result, Feedback.SUMMARY)
    text = render("json", hidden) + render("junit", hidden) + render("table", hidden)
    assert "expected 5.0" in render("json", result)
    assert "expected 5.0" not in text and "candidate says" not in text
    assert hidden.score == result.score


def test_no_feedback_keeps_only_scores(result):
    hidden = redact(result, Feedback.NONE)
    assert [len(e.tests) for e in hidden.exercises] == [1]
    assert hidden.score == result.score
    assert "test_small_integers" not in render("junit", hidden)


def test_markdown_and_table_show_the_total(result):
    assert f"{result.score:g}/10" in render("markdown", result)
    assert f"Total: {result.score:g}/10" in render("table", result)
