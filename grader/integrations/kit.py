"""The candidate kit: what a hiring team sends a candidate, and nothing that grades.

A kit holds the statements, the stubs (named as the candidate must submit them), the public
tests, a small ``conftest.py`` that hands those tests the candidate's file as the ``submission``
fixture, and a README with the time suggestion, the rules and how to submit. The public tests run
with plain ``pytest``: the candidate needs neither nlp-grader nor any grader code.

The bank's files are written for the bank's layout, where the statement is the exercise's
``README.md`` and the public tests sit in ``tests/public``; in the kit the statement is
``statements/<slug>.md`` and the tests ``tests/<slug>``. :func:`kit_text` rewrites those
references in the stubs and public tests as they are copied, so that what a file tells the
candidate to open or run exists in the kit.

It never holds a hidden test, a probe, a reference solution or an oracle. They are not copied
(the kit is built from an allow-list), and :func:`check_no_secrets` proves it on the written
folder before a kit is handed over. The GitHub Classroom template reuses :func:`write_materials`.

Layout::

    README.md                      time, rules, how to test, how to submit
    conftest.py, pytest.ini        the `submission` fixture; `pytest` runs tests/
    statements/<slug>.md           each exercise's statement
    <file>.py                      each stub: the file the candidate edits and submits
    tests/<slug>/test_*.py         each exercise's public tests
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.bank import Exercise
from grader.errors import BankError

CONFTEST = '''\
"""Hands the sample tests your solution as the `submission` fixture.

Each exercise's tests (tests/<exercise>/) import that exercise's file from this folder, as listed
in FILES. To test a file elsewhere: pytest tests/<exercise> --submission path/to/your_file.py
"""

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FILES = {files!r}
_LOADED = {{}}


def pytest_addoption(parser):
    parser.addoption("--submission", default=None, help="the solution file to test (default: FILES)")


def _import(path):
    if path not in _LOADED:
        spec = importlib.util.spec_from_file_location("submission_" + path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[path] = module
    return _LOADED[path]


@pytest.fixture
def submission(request):
    """Your solution, imported as a module."""
    chosen = request.config.getoption("--submission")
    path = Path(chosen).resolve() if chosen else HERE / FILES[request.path.parent.name]
    return _import(path)
'''

PYTEST_INI = """\
[pytest]
testpaths = tests
addopts = --import-mode=importlib -p no:cacheprovider
"""

DEFAULT_RULES = """\
- Work on your own. You may read documentation (Python, NumPy, PyTorch where a statement allows
  it), but do not copy solutions or ask anyone, human or AI, to write the code for you.
- Keep every function's name and signature exactly as in the starting file; you may add helpers.
- Use only the libraries each statement allows. Your file is graded in a sandbox without network
  access, with time and memory limits.
- Do not edit or hand in the tests: your file is graded by hidden tests that check much more than
  these samples (edge cases, randomised inputs, speed), so passing them is not a full score.
"""

DEFAULT_SUBMIT = "Reply to the message that brought you this kit, attaching {files}. Send only these files."


def write_materials(exercises: list[Exercise], out: Path) -> list[Path]:
    """Write the statements, stubs, public tests, conftest and pytest.ini; return the files written."""
    _check_distinct_files(exercises)
    written = [_write(out / "conftest.py", CONFTEST.format(files={e.slug: e.file for e in exercises})),
               _write(out / "pytest.ini", PYTEST_INI)]
    for exercise in exercises:
        if not exercise.statement.is_file() or not exercise.stub.is_file():
            raise BankError(f"{exercise.slug}: a kit needs README.md (the statement) and stub.py")
        written.append(_copy(exercise.statement, out / "statements" / f"{exercise.slug}.md"))
        written.append(_write(out / exercise.file, kit_text(exercise, exercise.stub.read_text(encoding="utf-8"))))
        for test in public_tests(exercise):
            text = kit_text(exercise, test.read_text(encoding="utf-8"))
            written.append(_write(out / "tests" / exercise.slug / test.name, text))
    return written


def kit_text(exercise: Exercise, text: str) -> str:
    """A stub's or public test's text with the bank's paths replaced by the kit's: the statement
    (``README.md``) is ``statements/<slug>.md``, the public tests (``tests/public``) ``tests/<slug>``."""
    return text.replace("README.md", f"statements/{exercise.slug}.md").replace("tests/public", f"tests/{exercise.slug}")


def public_tests(exercise: Exercise) -> list[Path]:
    """The exercise's public test files (``test_*.py``; a bank's conftest is never shipped)."""
    return sorted(exercise.public_tests.glob("test_*.py"))


def secret_files(exercises: list[Exercise]) -> list[Path]:
    """Everything of the bank that must never reach a candidate: all but statement, stub, public tests.

    That is the hidden tests and their oracles, the probes, known-wrong variants, any other
    solutions an author keeps beside the tests, and the reference.
    """
    secrets: list[Path] = []
    for exercise in exercises:
        shown = {exercise.statement, exercise.stub, *public_tests(exercise)}
        secrets += [p for p in exercise.root.rglob("*") if p.is_file() and p not in shown]
        if exercise.reference.is_file():
            secrets.append(exercise.reference)
    return secrets


def check_no_secrets(folder: Path, exercises: list[Exercise]) -> None:
    """Refuse a folder in which any file has the content of a hidden test, probe, reference or variant."""
    secrets = {p.read_bytes(): p for p in secret_files(exercises) if p.stat().st_size}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.read_bytes() in secrets:
            raise BankError(f"{path} has the content of {secrets[path.read_bytes()]}: refusing to hand it out")


def build_kit(exercises: list[Exercise], out: Path, *, submit: str | None = None, rules: str | None = None) -> Path:
    """Write a candidate kit into the (empty) folder ``out``."""
    write_materials(exercises, out)
    _write(out / "README.md", kit_readme(exercises, submit=submit, rules=rules))
    check_no_secrets(out, exercises)
    return out


def kit_readme(exercises: list[Exercise], *, submit: str | None = None, rules: str | None = None) -> str:
    """The candidate's README: the exercises and times, how to test, the rules, how to submit."""
    files = ", ".join(f"`{e.file}`" for e in exercises)
    how_to_submit = (submit or DEFAULT_SUBMIT).format(files=files)
    return "\n".join([
        "# Coding exercises",
        "",
        f"Suggested time: about {sum(e.suggested_minutes for e in exercises)} minutes in total.",
        "",
        exercise_table(exercises),
        "",
        getting_started(exercises),
        "## Rules",
        "",
        (rules or DEFAULT_RULES).rstrip(),
        *forbidden_rules(exercises),
        "",
        "## How to submit",
        "",
        how_to_submit,
        "",
    ])


def forbidden_rules(exercises: list[Exercise]) -> list[str]:
    """One rule per exercise that forbids APIs (exercise.toml's ``forbidden``), as the grader enforces it."""
    return [f"- Forbidden in `{e.file}`: " + ", ".join(f"`{name}`" for name in e.forbidden)
            + ". A test of a function that uses one of them (or hides which API it calls) scores 0."
            for e in exercises if e.forbidden]


def exercise_table(exercises: list[Exercise]) -> str:
    """A Markdown table: each exercise's statement, the file to write, and its suggested time."""
    rows = ["| Exercise | Statement | Your file | Suggested time |", "| --- | --- | --- | --- |"]
    rows += [f"| {e.title} | [statements/{e.slug}.md](statements/{e.slug}.md) | `{e.file}` | "
             f"{e.suggested_minutes} min |" for e in exercises]
    return "\n".join(rows)


def getting_started(exercises: list[Exercise]) -> str:
    """How to work and run the sample tests, for the kit and the Classroom README."""
    torch = any("torch" in e.statement.read_text(encoding="utf-8") for e in exercises)
    extra = "\nWhere a statement allows PyTorch, `pip install torch` too (the CPU build is enough).\n" if torch else ""
    return (
        "## Getting started\n\n"
        "Read each statement, then replace every `raise NotImplementedError` in the file it names.\n"
        "You need Python 3.11 or newer, numpy and pytest:\n\n"
        "```sh\npython -m pip install numpy pytest\n"
        "pytest                         # every exercise's sample tests\n"
        f"pytest tests/{exercises[0].slug}   # one exercise\n```\n"
        f"{extra}\n"
        "The sample tests check the statements' examples only. Hidden tests grade your work.\n"
    )


def _check_distinct_files(exercises: list[Exercise]) -> None:
    seen: dict[str, str] = {}
    for exercise in exercises:
        if exercise.file in seen:
            raise BankError(f"{seen[exercise.file]} and {exercise.slug} both want {exercise.file}")
        seen[exercise.file] = exercise.slug


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
