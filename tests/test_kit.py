"""The candidate kit: complete, free of anything that grades, and its public tests run with plain pytest."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.bank import load_bank
from grader.cli.main import main
from grader.errors import BankError
from grader.integrations.kit import check_no_secrets, kit_text

BANK = load_bank()
SLUGS = list(BANK)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit") / "kit"
    result = CliRunner().invoke(main, ["kit", "-o", str(out), "--submit", "Email {files} to jobs@example.com."])
    assert result.exit_code == 0, result.output
    return out


def kit_files(kit):
    return {p.relative_to(kit).as_posix(): p for p in kit.rglob("*") if p.is_file()}


def run_pytest(folder, *args):
    """Plain pytest, as a candidate runs it: in the kit folder, with no nlp-grader plugin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *map(str, args)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def test_kit_holds_exactly_statements_stubs_public_tests_and_readme(kit):
    expected = {"README.md", "conftest.py", "pytest.ini"}
    for exercise in BANK.values():
        expected |= {f"statements/{exercise.slug}.md", exercise.file}
        expected |= {f"tests/{exercise.slug}/{p.name}" for p in exercise.public_tests.glob("test_*.py")}
    assert set(kit_files(kit)) == expected
    for exercise in BANK.values():
        assert (kit / exercise.file).read_text() == kit_text(exercise, exercise.stub.read_text())


def bank_secrets():
    """Scanned independently of the kit's own list: every bank file but statement, stub and public tests."""
    for exercise in BANK.values():
        for path in exercise.root.rglob("*"):
            relative = path.relative_to(exercise.root).as_posix()
            shown = relative in ("README.md", "stub.py") or relative.startswith("tests/public/")
            if path.is_file() and not shown and "__pycache__" not in relative:
                yield path
        yield exercise.reference


def test_kit_contains_no_hidden_test_probe_reference_or_oracle(kit):
    contents = {name: path.read_bytes() for name, path in kit_files(kit).items()}
    secrets = [p for p in bank_secrets() if p.stat().st_size]
    assert len(secrets) >= 3 * len(BANK)
    for secret in secrets:
        data = secret.read_bytes()
        assert data not in contents.values(), f"{secret} is in the kit"
        if "hidden" not in secret.parts and secret.name != "probes.py":
            continue  # solutions and variants share docstrings and signatures with the stubs
        # Nor a sizeable piece of a hidden test or a probe: any 200-byte window of one.
        stubs = {exercise.stub.read_bytes() for exercise in BANK.values()}
        for start in range(0, max(1, len(data) - 200), 500):
            window = data[start:start + 200]
            if any(window in stub for stub in stubs):
                continue  # given to candidates on purpose (fine_tuning's probes rebuild the stub's model)
            assert not any(window in text for text in contents.values()), f"a piece of {secret} is in the kit"
    text = b"\n".join(contents.values()).decode()
    hidden_names = {node.name for exercise in BANK.values() for path in exercise.hidden_tests.rglob("test_*.py")
                    for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)}
    public_names = {node.name for exercise in BANK.values() for path in exercise.public_tests.glob("test_*.py")
                    for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)}
    # A judge-side oracle may share a part's name (seq2seq's brute-force greedy_decode).
    parts = {part for exercise in BANK.values() for part in exercise.parts}
    stub_names = {node.name for exercise in BANK.values() for node in ast.walk(ast.parse(exercise.stub.read_text()))
                  if isinstance(node, ast.FunctionDef)}  # the stubs' own helpers and methods are public
    assert not [name for name in hidden_names - public_names - parts - stub_names if f"def {name}(" in text]
    for oracle in ("sklearn", "scipy", "from grader", "import grader", "probes"):
        assert oracle not in "\n".join(c.decode() for n, c in contents.items() if n.endswith(".py")), oracle


@pytest.mark.parametrize("slug", SLUGS)
def test_public_tests_fail_on_the_stub(kit, slug):
    result = run_pytest(kit, f"tests/{slug}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert " passed" not in result.stdout.splitlines()[-1] and " failed" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize("slug", SLUGS)
def test_public_tests_pass_on_the_reference(kit, slug, tmp_path):
    copy = tmp_path / "kit"
    shutil.copytree(kit, copy)
    shutil.copy(BANK[slug].reference, copy / BANK[slug].file)
    result = run_pytest(copy, f"tests/{slug}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_submission_option_points_at_another_file(kit):
    exercise = BANK[SLUGS[0]]
    result = run_pytest(kit, f"tests/{exercise.slug}", "--submission", exercise.reference)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_gives_time_rules_and_how_to_submit(kit):
    readme = (kit / "README.md").read_text()
    total = sum(e.suggested_minutes for e in BANK.values())
    assert f"about {total} minutes" in readme and "## Rules" in readme and "## How to submit" in readme
    files = ", ".join(f"`{e.file}`" for e in BANK.values())
    assert f"Email {files} to jobs@example.com." in readme
    for exercise in BANK.values():
        assert f"statements/{exercise.slug}.md" in readme and f"{exercise.suggested_minutes} min" in readme


def test_custom_rules_replace_the_default_ones(tmp_path):
    rules = tmp_path / "rules.md"
    rules.write_text("- Use a pencil.\n")
    out = tmp_path / "kit"
    result = CliRunner().invoke(main, ["kit", "-e", SLUGS[0], "-o", str(out), "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    readme = (out / "README.md").read_text()
    assert "- Use a pencil." in readme and "Work on your own" not in readme


def test_a_planted_secret_is_refused(kit, tmp_path):
    copy = tmp_path / "kit"
    shutil.copytree(kit, copy)
    exercise = BANK[SLUGS[0]]
    hidden = next(exercise.hidden_tests.glob("test_*.py"))
    shutil.copy(hidden, copy / "tests" / exercise.slug / "test_extra.py")
    with pytest.raises(BankError, match="refusing"):
        check_no_secrets(copy, list(BANK.values()))


def test_kit_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["kit", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.output


# --- the kit as a candidate follows it ------------------------------------------------------------

PATH_IN_TEXT = re.compile(r"(?<![\w/.-])((?:statements|tests)/[\w./-]*\w|README\.md)")


def test_every_path_a_kit_file_names_exists_in_the_kit(kit):
    for name, path in kit_files(kit).items():
        if not name.endswith((".py", ".md")):
            continue
        for mentioned in PATH_IN_TEXT.findall(path.read_text()):
            assert (kit / mentioned).exists(), f"{name} names {mentioned}, which the kit does not have"
            # The kit's README.md is not a statement: a stub or test that sends there misleads.
            assert not (name.endswith(".py") and mentioned == "README.md"), f"{name} sends the candidate to README.md"


def numpy_only(exercise) -> bool:
    """Whether a candidate needs nothing but numpy and pytest for this exercise's sample tests."""
    files = [exercise.stub, *exercise.public_tests.glob("test_*.py")]
    imported = {alias.name.split(".")[0] for path in files for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for path in files for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    return not imported & {"torch", "sklearn", "scipy"}


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    """A new virtual environment holding only numpy and pytest, as the kit's README installs them."""
    venv = tmp_path_factory.mktemp("candidate") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "numpy", "pytest"], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        if os.environ.get("GRADER_REQUIRE_NETWORK") == "1":
            pytest.fail(f"pip install numpy pytest failed:\n{done.stderr[-2000:]}")
        pytest.skip(f"pip cannot install numpy and pytest here (no package index?): {done.stderr[-300:]}")
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    assert "torch" not in listed.stdout and "nlp-grader" not in listed.stdout
    return python


def readme_commands(readme: str) -> list[list[str]]:
    """The shell commands of the README's Getting started block, comments dropped."""
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line.split("#")[0]) for line in block.splitlines() if line.split("#")[0].strip()]


def test_the_kit_works_as_its_readme_says_in_a_fresh_venv(fresh_venv, tmp_path):
    chosen = [e.slug for e in BANK.values() if numpy_only(e)]
    assert chosen, "no exercise runs on numpy alone"
    out = tmp_path / "kit"
    args = ["kit", "-o", str(out)] + [arg for slug in chosen for arg in ("-e", slug)]
    assert CliRunner().invoke(main, args).exit_code == 0
    bin_dir = fresh_venv.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    commands = readme_commands((out / "README.md").read_text())
    assert commands[0][:3] == ["python", "-m", "pip"]
    for exercise in (BANK[slug] for slug in chosen):  # each test file's own instructions, too
        for test in (out / "tests" / exercise.slug).glob("test_*.py"):
            said = re.findall(r"pytest (tests/[\w/.-]+)", test.read_text())
            commands += [["pytest", path] for path in said]
    for command in commands[1:]:  # the stubs: every sample test fails, none errors at collection
        done = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, timeout=600)
        last = done.stdout.strip().splitlines()[-1]
        assert done.returncode == 1 and " failed" in last and "error" not in last, done.stdout[-3000:]
        assert "NotImplementedError" in done.stdout
    for exercise in (BANK[slug] for slug in chosen):  # the references: everything passes
        shutil.copy(exercise.reference, out / exercise.file)
    done = subprocess.run(["pytest"], cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
