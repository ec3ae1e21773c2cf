"""JUnit XML against the consumers' own schemas: the Jenkins xUnit plugin's junit-10.xsd (it skips
every file that fails it) and Jenkins' junit-4.xsd, vendored in tests/data/schemas/ (LICENSE.md).

The reports validated are those the graders write: a wrong answer with a missing function and
printed output, a file that does not load, every feedback level, hostile text, and a real
grading in the process sandbox through the CLI.
"""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from grader.grading import grade_sources
from grader.reports import junit
from grader.results import Feedback, SubmissionResult, redact
from grader.sandbox.fake import FakeBackend
from grader.submission import SourceFile

from .conftest import DATA, MINI_BANK

SCHEMAS = {name: xmlschema.XMLSchema(DATA / "schemas" / f"{name}.xsd") for name in ("junit-10", "junit-4")}
REFERENCE = (DATA / "reference" / "adder.py").read_text()
WRONG = REFERENCE.replace("return a + b", "return a - b").replace("def scale", "def _scale") + (
    "\nprint('candidate says <hi> & \\x01 bye \\x1b[31m')\n")
SOURCES = {
    "wrong": SourceFile(None, source=WRONG),
    "syntax": SourceFile(None, source="def add(a, b)\n    return a + b\n"),
    "reference": SourceFile(None, source=REFERENCE),
    "missing": SourceFile(None, problem="no adder.py in the submission"),
}


def graded(mini_bank, kind: str) -> SubmissionResult:
    result = grade_sources(f"/home/grader/takehomes/{kind}.py", {"adder": SOURCES[kind]}, [mini_bank["adder"]],
                           FakeBackend(), seed=42)
    for exercise in result.exercises:  # durations as pytest measures them: many decimals
        for test in exercise.tests:
            test.duration = 0.1 + 1 / 3
    return result


def render(result: SubmissionResult) -> str:
    buffer = io.StringIO()
    junit.write(result, buffer)
    return buffer.getvalue()


def assert_valid(text: str) -> None:
    for name, schema in SCHEMAS.items():
        errors = list(schema.iter_errors(text))
        assert not errors, f"{name}: {errors[0]}"


@pytest.mark.parametrize("kind", list(SOURCES))
@pytest.mark.parametrize("feedback", list(Feedback))
def test_every_report_validates_against_both_schemas(mini_bank, kind: str, feedback: Feedback) -> None:
    assert_valid(render(redact(graded(mini_bank, kind), feedback)))


def test_no_disabled_attribute_and_at_most_three_decimals(mini_bank) -> None:
    root = ET.fromstring(render(graded(mini_bank, "wrong")))
    for element in root.iter():
        assert "disabled" not in element.attrib
        if "time" in element.attrib:
            whole, _, decimals = element.attrib["time"].partition(".")
            assert whole.isdigit() and len(decimals) <= 3, element.attrib["time"]


def test_passing_tests_carry_their_description_and_no_local_path_leaks(mini_bank) -> None:
    result = graded(mini_bank, "reference")
    text = render(result)
    root = ET.fromstring(text)
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    tests = result.exercises[0].tests
    assert all(t.passed for t in tests)
    for test in tests:
        assert properties[f"description.{test.name}"] == test.description != ""
    assert properties["submission"] == "reference.py"
    assert "/home/grader" not in text


def test_a_file_that_does_not_load_is_an_error_on_each_test_with_its_reason(mini_bank) -> None:
    root = ET.fromstring(render(graded(mini_bank, "syntax")))
    cases = list(root.iter("testcase"))
    assert cases and all(c.find("error") is not None for c in cases)
    assert "syntax error (line 1)" in cases[0].find("error").get("message")


def test_a_real_grading_through_the_cli_validates(tmp_path: Path) -> None:
    submission = tmp_path / "adder.py"
    submission.write_text(WRONG, encoding="utf-8")
    report = tmp_path / "report.xml"
    grader = Path(sys.executable).parent / "grader"
    done = subprocess.run([str(grader), "grade", str(submission), "--bank", str(MINI_BANK), "-e", "adder",
                           "--sandbox", "process", "--junit", str(report)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    text = report.read_text(encoding="utf-8")
    assert_valid(text)
    assert str(tmp_path) not in text
