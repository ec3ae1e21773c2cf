"""JUnit XML, as CI reporters and junitparser read it (the Jenkins/Ant JUnit XSD).

One ``<testsuite>`` per exercise, one ``<testcase>`` per hidden test. The score travels as suite
properties: ``score``, ``max_score``, ``percent``, ``seed``, ``sandbox``, ``grader_version`` and
``points.<test>`` = ``earned/max``. A wrong answer, a missing function, a stub or a forbidden
API is a ``<failure>``; an exception, a timeout, running out of memory or a crash is an ``<error>``; the
``type`` attribute carries the exact outcome.
"""

from __future__ import annotations

from typing import TextIO

from junit_xml import TestCase, TestSuite, to_xml_report_string

from grader.results import ExerciseResult, Outcome, SubmissionResult, TestResult

AS_FAILURE = {Outcome.FAILED, Outcome.MISSING, Outcome.NOT_IMPLEMENTED, Outcome.FORBIDDEN}


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the result as a JUnit XML document."""
    suites = [_suite(result, exercise) for exercise in result.exercises]
    fp.write(to_xml_report_string(suites, prettyprint=True, encoding="utf-8"))


def _suite(result: SubmissionResult, exercise: ExerciseResult) -> TestSuite:
    properties = {
        "score": _number(exercise.score),
        "max_score": _number(exercise.max_score),
        "percent": f"{exercise.percent:.2f}",
        "seed": str(result.seed),
        "sandbox": result.sandbox,
        "grader_version": result.grader_version,
        "feedback": result.feedback.value,
        "submission": result.submission,
    }
    if exercise.load_error:
        properties["load_error"] = exercise.load_error
    for test in exercise.tests:
        properties[f"points.{test.name}"] = f"{_number(test.points)}/{_number(test.max_points)}"
    cases = [_case(exercise, test) for test in exercise.tests]
    return TestSuite(exercise.slug, cases, properties=properties, timestamp=result.started_at or None)


def _case(exercise: ExerciseResult, test: TestResult) -> TestCase:
    case = TestCase(
        test.name,
        classname=exercise.slug,
        elapsed_sec=test.duration,
        stdout=test.output or None,
    )
    if test.outcome is Outcome.PASSED:
        return case
    message = test.message or test.description
    text = f"{test.outcome.value}: {test.description} ({_number(test.points)}/{_number(test.max_points)} points)"
    if test.message:
        text += f"\n{test.message}"
    if test.outcome in AS_FAILURE:
        case.add_failure_info(message=message.splitlines()[0][:500] if message else "", output=text,
                              failure_type=test.outcome.value)
    else:
        case.add_error_info(message=message.splitlines()[0][:500] if message else "", output=text,
                            error_type=test.outcome.value)
    return case


def _number(value: float) -> str:
    return f"{value:g}"
