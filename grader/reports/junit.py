"""JUnit XML that the consumers' own schemas accept: the Jenkins xUnit plugin's ``junit-10.xsd``
(which it validates every input against, skipping files that fail) and Jenkins' ``junit-4.xsd``.
Both are vendored in ``tests/data/schemas/``, and the test suite validates what this writes.

One ``<testsuite>`` per exercise, one ``<testcase>`` per hidden test. junit-xml builds each suite;
the two things it writes that junit-10.xsd refuses (a ``disabled`` attribute, times with six
decimals) are then set right on its ElementTree before the document is written.
The score travels as suite properties: ``score``, ``max_score``, ``percent``, ``seed``,
``sandbox``, ``grader_version``, ``feedback``, ``submission`` (the submission's name, never a
path of the grading machine), ``points.<test>`` = ``earned/max`` and ``description.<test>`` (what
each test checks, passing or not: neither schema allows properties on a testcase). A wrong
answer, a missing function, a stub or a forbidden API is a ``<failure>``; an exception, a timeout,
running out of memory or a crash is an ``<error>``; the ``type`` attribute carries the exact
outcome. Times have at most three decimals (junit-10.xsd's ``SUREFIRE_TIME``). Characters that
XML 1.0 cannot carry are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePath
from typing import TextIO

import junit_xml

from grader.results import ExerciseResult, Outcome, SubmissionResult, TestResult

AS_FAILURE = {Outcome.FAILED, Outcome.MISSING, Outcome.NOT_IMPLEMENTED, Outcome.FORBIDDEN}
MESSAGE_CHARS = 500
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the result as a JUnit XML document."""
    root = ET.Element("testsuites", _counts(result.exercises, [e.tests for e in result.exercises]))
    root.set("name", _text(submission_name(result.submission)) or "submission")
    for exercise in result.exercises:
        root.append(_suite(result, exercise))
    ET.indent(root)
    fp.write('<?xml version="1.0" encoding="utf-8"?>\n')
    fp.write(ET.tostring(root, encoding="unicode"))
    fp.write("\n")


def submission_name(submission: str) -> str:
    """The submission's own name (``alice.py``, ``alice``), never the folder it sits in on this machine."""
    return PurePath(submission.replace("\\", "/")).name if submission else ""


def seconds(value: float) -> str:
    """A duration as junit-10.xsd's ``SUREFIRE_TIME`` allows it: at most three decimals."""
    return f"{max(value, 0.0):.3f}"


def _counts(exercises: list[ExerciseResult], tests: list[list[TestResult]]) -> dict[str, str]:
    flat = [t for group in tests for t in group]
    return {
        "tests": str(len(flat)),
        "failures": str(sum(t.outcome in AS_FAILURE for t in flat)),
        "errors": str(sum(not t.passed and t.outcome not in AS_FAILURE for t in flat)),
        "time": seconds(sum(t.duration for t in flat) if flat else sum(e.duration for e in exercises)),
    }


def _suite(result: SubmissionResult, exercise: ExerciseResult) -> ET.Element:
    """junit-xml builds the suite; two of its habits are then undone for the schemas (see above)."""
    suite = junit_xml.TestSuite(
        _text(exercise.slug),
        [_case(exercise, test) for test in exercise.tests],
        timestamp=_text(result.started_at) or None,
        properties={_text(name): _text(value) for name, value in _properties(result, exercise)},
    )
    element = suite.build_xml_doc()
    element.attrib.pop("disabled", None)  # junit-10.xsd knows no such attribute
    element.attrib.update(_counts([exercise], [exercise.tests]))
    for case, test in zip(element.iter("testcase"), exercise.tests, strict=True):
        case.set("time", seconds(test.duration))  # junit-xml writes six decimals, the schema allows three
    return element


def _properties(result: SubmissionResult, exercise: ExerciseResult) -> list[tuple[str, str]]:
    pairs = [("score", _number(exercise.score)), ("max_score", _number(exercise.max_score)),
             ("percent", f"{exercise.percent:.2f}"), ("seed", str(result.seed)), ("sandbox", result.sandbox),
             ("grader_version", result.grader_version), ("feedback", result.feedback.value),
             ("submission", submission_name(result.submission))]
    if exercise.load_error:
        pairs.append(("load_error", exercise.load_error))
    for test in exercise.tests:
        pairs.append((f"points.{test.name}", f"{_number(test.points)}/{_number(test.max_points)}"))
        if test.description:
            pairs.append((f"description.{test.name}", test.description))
    return pairs


def _case(exercise: ExerciseResult, test: TestResult) -> junit_xml.TestCase:
    case = junit_xml.TestCase(_text(test.name), classname=_text(exercise.slug), elapsed_sec=test.duration,
                              stdout=_text(test.output) or None)
    if not test.passed:
        message = test.message or exercise.load_error or test.description
        text = f"{test.outcome.value}: {test.description} ({_number(test.points)}/{_number(test.max_points)} points)"
        if test.message:
            text += f"\n{test.message}"
        first_line = message.splitlines()[0][:MESSAGE_CHARS] if message.strip() else test.outcome.value
        add = case.add_failure_info if test.outcome in AS_FAILURE else case.add_error_info
        add(_text(first_line), _text(text), test.outcome.value)
    return case


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _number(value: float) -> str:
    return f"{value:g}"
