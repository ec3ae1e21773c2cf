"""The command line, through click's CliRunner, with the process sandbox."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from junitparser import JUnitXml

from grader.cli.main import main

from .conftest import DATA, MINI_BANK

REFERENCE = DATA / "reference" / "adder.py"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def commands(group=main, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))


def command_id(value):
    return " ".join(value) if isinstance(value, tuple) else ""


@pytest.mark.parametrize(("path", "command"), list(commands()), ids=command_id)
def test_every_command_has_help_with_a_summary(path, command):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert command.help and command.help.strip()
    if not isinstance(command, click.Group):
        assert "Example:" in command.help, f"{' '.join(path)} has no example in its help"


def test_list_shows_exercises_with_points_and_parts():
    result = run("list", "--bank", MINI_BANK)
    assert result.exit_code == 0
    assert "adder" in result.output and "10 points" in result.output and "add, scale" in result.output


def test_grade_writes_a_scored_junit_and_json(tmp_path):
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    result = run("grade", REFERENCE, "--bank", MINI_BANK, "--sandbox", "process", "--junit", junit,
                 "--json", report, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "Total: 10/10" in result.output
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    assert {p.name: p.value for p in suite.properties()}["score"] == "10"
    assert json.loads(report.read_text())["seed"] == 3


def test_a_broken_submission_is_a_verdict_and_exit_zero(tmp_path):
    bad = tmp_path / "adder.py"
    bad.write_text("def add(:\n")
    result = run("grade", bad, "--bank", MINI_BANK, "--sandbox", "process")
    assert result.exit_code == 0
    assert "syntax error" in result.output and "Total: 0/10" in result.output
    assert "Traceback" not in result.output


def test_fail_under_sets_the_exit_code(tmp_path):
    stub = MINI_BANK / "adder" / "stub.py"
    assert run("grade", stub, "-e", "adder", "--bank", MINI_BANK, "--sandbox", "process",
               "--fail-under", 50).exit_code == 1
    assert run("grade", REFERENCE, "--bank", MINI_BANK, "--sandbox", "process",
               "--fail-under", 100).exit_code == 0


def test_a_folder_submission_is_matched_by_file_name(tmp_path):
    (tmp_path / "adder.py").write_text(REFERENCE.read_text())
    (tmp_path / "notes.txt").write_text("hello")
    result = run("grade", tmp_path, "--bank", MINI_BANK, "--sandbox", "process")
    assert result.exit_code == 0 and "Total: 10/10" in result.output


def test_usage_errors_are_clear(tmp_path):
    other = tmp_path / "something.py"
    other.write_text("x = 1\n")
    result = run("grade", other, "--bank", DATA / "two_bank", "--sandbox", "process")
    assert result.exit_code == 2
    result = run("grade", REFERENCE, "-e", "nope", "--bank", MINI_BANK, "--sandbox", "process")
    assert result.exit_code == 2 and "unknown exercise" in result.output  # a usage error
    result = run("grade", tmp_path / "missing.py", "--bank", MINI_BANK)
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_bad_limits_are_usage_errors_in_grade_and_batch_alike(tmp_path, command):
    target = [REFERENCE] if command == "grade" else [REFERENCE.parent, "-o", tmp_path / "results"]
    result = run(command, *target, "--bank", MINI_BANK, "--sandbox", "process", "--call-seconds", "0")
    assert result.exit_code == 2 and "call_seconds must be a positive number" in result.output
    assert not (tmp_path / "results" / "batch.json").exists()


def test_validate_proves_the_mini_bank_sound():
    result = run("validate", "--bank", MINI_BANK, "--sandbox", "process", "--seed", 5)
    assert result.exit_code == 0, result.output
    assert "wrong/subtracts" in result.output and "0 failed" in result.output


def test_validate_fails_on_an_unsound_bank(tmp_path):
    import shutil

    bank = tmp_path / "bank"
    shutil.copytree(MINI_BANK, bank)
    shutil.copytree(DATA / "reference", tmp_path / "reference")
    # a "wrong" variant that is actually correct cannot lose points: the bank is unsound
    shutil.copy(DATA / "reference" / "adder.py", bank / "adder" / "tests" / "wrong" / "not_wrong.py")
    result = run("validate", "--bank", bank, "--sandbox", "process", "--seed", 5)
    assert result.exit_code == 1
    assert "FAIL" in result.output and "wrong/not_wrong" in result.output
