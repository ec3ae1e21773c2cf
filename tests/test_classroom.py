"""GitHub Classroom: the runner result, replayed through the grading reporter's rules, and the template.

``reporter_replay`` restates the arithmetic of classroom-resources/autograding-grading-reporter@v1
(src/helpers/test-helpers.js, src/aggregate-results.js, src/console-results.js,
src/notify-classroom.js): the grade Classroom records is ``Points sum(tests[].score)/sum(max_score)``;
the summary table shows ``passed / len(tests) * max_score`` per runner; the run fails when a
runner's status is ``fail`` or ``error``.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader import results as model
from grader.bank import load_bank
from grader.cli.main import main
from grader.grading import grade_sources
from grader.integrations import classroom
from grader.integrations.kit import secret_files
from grader.reports import markdown
from grader.reports.classroom import MAX_ENCODED_BYTES, decode, encode, points_unit, runner_result
from grader.results import ExerciseResult, Feedback, Outcome, SubmissionResult, redact
from grader.sandbox.fake import FakeBackend
from grader.submission import SourceFile

from .conftest import DATA, MINI_BANK

REFERENCE = DATA / "reference" / "adder.py"
SUBTRACTS = REFERENCE.read_text().replace("return a + b", "return a - b")


def js_number(value: float) -> str:
    """How JavaScript prints a number in a template string (whole numbers without ``.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def reporter_replay(env: dict[str, str], runners: str) -> dict:
    """What the reporter computes from ``<RUNNER>_RESULTS`` variables, as plain data."""
    parsed = [(r.strip(), decode(env[f"{r.strip().upper()}_RESULTS"])) for r in runners.split(",")]
    table, total, maximum, passed, count = 0.0, 0.0, 0.0, 0, 0
    for _, results in parsed:
        ok = sum(1 for t in results["tests"] if t["status"] == "pass")
        table += ok / len(results["tests"]) * (results.get("max_score") or 0)
        passed, count = passed + ok, count + len(results["tests"])
        if results.get("max_score"):
            maximum += results["max_score"]
            for test in results["tests"]:
                total += test["score"]
    return {
        "points_line": f"Points {js_number(total)}/{js_number(maximum)}",
        "total": total, "max": maximum, "table_total": table, "passed": passed, "count": count,
        "run_failed": any(r["status"] in ("fail", "error") for _, r in parsed),
    }


def replay(result: SubmissionResult) -> dict:
    return reporter_replay({"NLPGRADER_RESULTS": encode(result)}, "nlpgrader")


def graded(source: str, mini_bank) -> SubmissionResult:
    files = {"adder": SourceFile(Path("adder.py"), source=source)}
    return grade_sources("adder.py", files, [mini_bank["adder"]], FakeBackend(), seed=7)


def made_up(points: list[tuple[float, float]]) -> SubmissionResult:
    """A result whose tests earned/max the given points, for the arithmetic alone."""
    tests = [model.TestResult(f"test_{i}", Outcome.PASSED if got == top else Outcome.FAILED, got, top,
                        description=f"check {i}") for i, (got, top) in enumerate(points)]
    exercise = ExerciseResult("ex", "Ex", tests, max_score=sum(top for _, top in points), submitted_file="ex.py")
    return SubmissionResult("ex.py", [exercise], seed=1, sandbox="fake", grader_version="0")


# --- the runner result ----------------------------------------------------------------------

def test_result_decodes_to_the_runner_shape(mini_bank):
    data = decode(encode(graded(SUBTRACTS, mini_bank)))
    assert data["version"] == 1 and data["status"] == "fail" and data["max_score"] == 10
    for test in data["tests"]:
        assert set(test) == {"name", "status", "score", "message", "test_code", "filename", "line_no",
                             "execution_time"}
        assert test["status"] in ("pass", "fail") and test["line_no"] == 0 and test["filename"] == "adder.py"
        assert test["name"].startswith("adder: ")
    assert all(t["message"] for t in data["tests"] if t["status"] != "pass" and t["score"])


@pytest.mark.parametrize("source", [REFERENCE.read_text(), SUBTRACTS, SUBTRACTS.replace("def scale", "def _s"),
                                    "raise SystemExit(3)\n"], ids=["reference", "subtracts", "missing", "broken"])
def test_reporter_records_our_score_and_its_table_agrees(source, mini_bank):
    result = graded(source, mini_bank)
    seen = replay(result)
    assert seen["points_line"] == f"Points {result.score:g}/{result.max_score:g}"
    assert seen["table_total"] == pytest.approx(result.score, abs=1e-9)
    # One entry per point: the "tests passed" line reads as points earned.
    assert (seen["passed"], seen["count"]) == (result.score, result.max_score)
    assert seen["run_failed"] == (result.score < result.max_score)


@pytest.mark.parametrize("points", [
    [(2, 2), (0, 3), (5, 5), (0, 8)],
    [(0.5, 0.5), (0, 1.5), (2, 2)],
    [(3, 3)] * 7 + [(0, 4)] * 9,
    [(0, 100)],
    [(57, 100)],  # a partial score, as at feedback "none" where one line carries the exercise
], ids=["integers", "halves", "many", "zero", "partial"])
def test_unequal_points_are_split_into_equal_units(points):
    result = made_up(points)
    seen = replay(result)
    assert seen["points_line"] == f"Points {js_number(result.score)}/{js_number(result.max_score)}"
    # JavaScript computes passed/count*max in floating point (57/100*100 = 56.99999999999999).
    assert seen["table_total"] == pytest.approx(result.score, abs=1e-9)
    assert seen["passed"] / seen["count"] == pytest.approx(result.score / result.max_score)


def test_points_without_a_unit_keep_the_grade_exact():
    result = made_up([(0.1234567, 0.1234567), (0, 1 / 3)])
    assert points_unit([0.1234567, 1 / 3]) is None
    data = runner_result(result)
    assert len(data["tests"]) == 2
    assert replay(result)["points_line"] == f"Points {js_number(0.1234567)}/{js_number(result.max_score)}"


def test_feedback_none_still_reports_the_score(mini_bank):
    result = redact(graded(SUBTRACTS, mini_bank), Feedback.NONE)
    assert replay(result)["points_line"] == f"Points {result.score:g}/10"


def test_status_pass_fail_and_error(mini_bank):
    assert decode(encode(graded(REFERENCE.read_text(), mini_bank)))["status"] == "pass"
    assert decode(encode(graded(SUBTRACTS, mini_bank)))["status"] == "fail"
    nothing = dataclasses.replace(made_up([(1, 1)]), exercises=[])
    assert decode(encode(nothing))["status"] == "error"


@pytest.mark.parametrize(("count", "split"), [(60, True), (3000, False)], ids=["a-big-bank", "absurd"])
def test_a_huge_result_still_fits_in_an_environment_variable(count, split):
    result = made_up([(2, 2), (0, 3)] * count)
    for test in result.exercises[0].tests:
        test.message = "x" * 5000
    encoded = encode(result)
    assert len(encoded) <= MAX_ENCODED_BYTES
    seen = replay(result)
    assert seen["points_line"] == f"Points {2 * count}/{5 * count}"
    assert (seen["count"] == 5 * count) is split  # still one entry per point while it fits


# --- grade --format classroom -----------------------------------------------------------------

def test_grade_writes_github_output_and_step_summary(tmp_path, mini_bank):
    expected = graded(SUBTRACTS, mini_bank).score  # the same grading, in-process
    output, summary = tmp_path / "out", tmp_path / "summary.md"
    wrong = tmp_path / "adder.py"
    wrong.write_text(SUBTRACTS)
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    result = CliRunner(env=env).invoke(main, ["grade", str(wrong), "--bank", str(MINI_BANK), "--sandbox", "process",
                                              "--format", "classroom", "--seed", "5"])
    assert result.exit_code == 0, result.output  # a fail status is the reporter's to act on
    name, _, value = output.read_text().strip().partition("=")
    assert name == "result"
    seen = reporter_replay({"NLPGRADER_RESULTS": value}, "nlpgrader")
    assert seen["run_failed"] and seen["points_line"] == f"Points {expected:g}/10"
    assert f"## Score: {expected:g}/10" in summary.read_text()


def test_fail_under_still_applies_and_stdout_is_the_result_without_actions(tmp_path):
    wrong = tmp_path / "adder.py"
    wrong.write_text(SUBTRACTS)
    result = CliRunner(env={"GITHUB_OUTPUT": None}).invoke(
        main, ["grade", str(wrong), "--bank", str(MINI_BANK), "--sandbox", "process", "--format", "classroom",
               "--fail-under", "100"])
    assert result.exit_code == 1
    assert result.stdout.startswith("result=") and "Total:" in result.stderr


def test_two_formats_on_stdout_are_refused(tmp_path):
    result = CliRunner(env={"GITHUB_OUTPUT": None}).invoke(
        main, ["grade", str(REFERENCE), "--bank", str(MINI_BANK), "--format", "classroom", "--format", "gradescope"])
    assert result.exit_code == 2 and "stdout" in result.output


# --- the template repository ------------------------------------------------------------------

@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    """The mini bank with a statement (a template needs one), and its reference beside it."""
    root = tmp_path_factory.mktemp("bank")
    shutil.copytree(MINI_BANK, root / "exercises")
    shutil.copytree(DATA / "reference", root / "reference")
    (root / "exercises" / "adder" / "README.md").write_text("# Adder\n\nWrite `add` and `scale`.\n")
    return root / "exercises"


@pytest.fixture(scope="module")
def template(tmp_path_factory, bank):
    out = tmp_path_factory.mktemp("classroom") / "repo"
    result = CliRunner().invoke(main, ["classroom", "init", "--bank", str(bank), "-e", "adder",
                                       "--grader-repo", "acme/nlp-grader", "--grader-ref", "v1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def workflow_steps(template):
    document = yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text())
    return document, document["jobs"]["run-autograding-tests"]["steps"]


def test_workflow_has_the_shape_classroom_generates(template):
    document, steps = workflow_steps(template)
    assert document["name"] == "Autograding Tests"  # the check run the reporter's notices attach to
    assert document["on"] == ["push", "repository_dispatch"]
    assert document["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert document["jobs"]["run-autograding-tests"]["if"] == "github.actor != 'github-classroom[bot]'"
    assert steps[0]["uses"].startswith("actions/checkout@")


def test_workflow_feeds_the_reporter_what_it_reads(template):
    _, steps = workflow_steps(template)
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    runners = reporter["with"]["runners"].split(",")
    ids = {step.get("id"): i for i, step in enumerate(steps)}
    for runner in runners:
        assert re.fullmatch(r"[a-zA-Z0-9]+", runner)  # the reporter's own pattern for `runners`
        assert ids[runner] < len(steps) - 1
        assert reporter["env"][f"{runner.upper()}_RESULTS"] == f"${{{{steps.{runner}.outputs.result}}}}"
        run = steps[ids[runner]]["run"]
        assert run.startswith("grader grade . ") and "--format classroom" in run and "-e adder" in run


def test_workflow_installs_the_named_grader_and_cpu_torch(template):
    _, steps = workflow_steps(template)
    checkout = next(s for s in steps if s.get("with", {}).get("repository"))
    assert checkout["with"]["repository"] == "acme/nlp-grader" and checkout["with"]["ref"] == "v1"
    assert checkout["with"]["persist-credentials"] is False  # no token left for the submission to find
    install = next(s for s in steps if "pip install" in s.get("run", ""))["run"]
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in install
    assert f"./{classroom.CHECKOUT_PATH}" in install


def test_workflow_grading_command_grades_the_template(template, bank, tmp_path, monkeypatch):
    """Run the workflow's own command in a copy of the template, the bank where the checkout puts it."""
    repo = tmp_path / "repo"
    shutil.copytree(template, repo)
    (repo / classroom.CHECKOUT_PATH).mkdir()
    (repo / classroom.CHECKOUT_PATH / "exercises").symlink_to(bank)
    shutil.copy(REFERENCE, repo / "adder.py")
    _, steps = workflow_steps(template)
    argv = shlex.split(next(s for s in steps if s.get("id") == classroom.STEP_ID)["run"])
    monkeypatch.chdir(repo)
    output = tmp_path / "github_output"
    result = CliRunner(env={"GITHUB_OUTPUT": str(output)}).invoke(main, argv[1:])
    assert result.exit_code == 0, result.output
    value = output.read_text().strip().partition("=")[2]
    assert reporter_replay({"NLPGRADER_RESULTS": value}, classroom.STEP_ID)["points_line"] == "Points 10/10"


def test_template_holds_the_materials_and_no_secret(template, bank):
    files = {p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file()}
    assert {"README.md", "adder.py", "statements/adder.md", "tests/adder/test_adder_public.py", "conftest.py",
            ".github/workflows/classroom.yml"} <= files
    exercise = load_bank(bank)["adder"]
    assert (template / "adder.py").read_text() == exercise.stub.read_text()
    secrets = {p.read_bytes() for p in secret_files([exercise])}
    assert exercise.reference.is_file() and len(secrets) >= 4
    assert not any((template / f).read_bytes() in secrets for f in files)
    assert "def test_small_integers" not in "".join((template / f).read_text() for f in files)


def test_init_refuses_a_folder_with_files(tmp_path, bank):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["classroom", "init", "--bank", str(bank), "--grader-repo", "a/b",
                                       "-o", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.output


# --- what the student sees --------------------------------------------------------------------

def reporter_log(document: dict) -> list[str]:
    """The lines the reporter's console-results.js prints for each entry (colours left out)."""
    lines = []
    for test in document["tests"]:
        if test["status"] == "pass":
            lines.append(f"✅ {test['name']}")
        elif test["status"] == "error":
            lines.append(f"Error: {test['message'] or 'Failed to run test ' + repr(test['name'])}")
        else:
            lines.append(f"❌ {test['name']}")
        if test["test_code"]:
            lines.append(f"Test code:\n{test['test_code']}")
    return lines


RAISES = REFERENCE.read_text().replace("return a + b", "raise ZeroDivisionError('boom')")


@pytest.mark.parametrize("feedback", [Feedback.FULL, Feedback.SUMMARY])
def test_the_student_sees_why_each_test_lost_points(mini_bank, feedback):
    for source, words in ((SUBTRACTS, "wrong answer" if feedback is Feedback.SUMMARY else "expected"),
                          (RAISES, "raised" if feedback is Feedback.SUMMARY else "ZeroDivisionError")):
        result = redact(graded(source, mini_bank), feedback)
        document = decode(encode(result))
        log = "\n".join(reporter_log(document))
        lost = [t for e in result.exercises for t in e.tests if not t.passed]
        assert lost and words in log, log
        for test in lost:
            entry = next(e for e in document["tests"] if e["name"].startswith(f"adder: {test.description}")
                         and e["score"] == test.points and e["message"])
            assert entry["message"] and entry["status"] in ("fail", "error")
    raising = decode(encode(redact(graded(RAISES, mini_bank), feedback)))
    assert any(e["status"] == "error" and e["message"].startswith("adder: ") for e in raising["tests"])


def test_feedback_none_names_no_reason(mini_bank):
    document = decode(encode(redact(graded(SUBTRACTS, mini_bank), Feedback.NONE)))
    assert all(not e["message"] for e in document["tests"])


def test_a_file_that_does_not_load_is_an_error_said_once(mini_bank):
    document = decode(encode(graded("def add(a, b)\n    return a\n", mini_bank)))
    assert document["status"] == "error"
    errors = [e for e in document["tests"] if e["status"] == "error"]
    assert len(errors) == 1 and "does not load" in errors[0]["message"] and "syntax error" in errors[0]["message"]
    assert "syntax error" in "\n".join(reporter_log(document))


def test_parametrised_rows_stay_distinguishable_in_the_step_summary(mini_bank):
    tests = [model.TestResult(f"test_case[{i}]", Outcome.FAILED, 0, 1, description="Adds", message=f"got {i}")
             for i in range(3)]
    result = SubmissionResult("ex.py", [ExerciseResult("ex", "Ex", tests, 3, "ex.py")], 1, "fake", "0")
    buffer = io.StringIO()
    markdown.write(result, buffer)
    rows = [line for line in buffer.getvalue().splitlines() if line.startswith("| Adds")]
    assert len(rows) == 3 and len(set(rows)) == 3
    assert all(f"got {i}" in row for i, row in enumerate(rows))
    summary = io.StringIO()
    markdown.write(redact(result, Feedback.SUMMARY), summary)
    assert "wrong answer" in summary.getvalue()
