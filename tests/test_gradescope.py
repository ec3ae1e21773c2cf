"""Gradescope: results.json against a schema written from the spec, the zip, and the zip run in Docker.

The schema (tests/data/gradescope_results.schema.json) is written from the "Output format"
section of https://gradescope-autograders.readthedocs.io/en/latest/specs/.

The Docker test does what Gradescope does: build an image from a Debian base with Python 3.11 by
extracting the zip into /autograder/source and running setup.sh (with no network: the install is
offline), then run /autograder/run_autograder in a fresh container per submission (again with no
network) and read /autograder/results/results.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader.bank import load_bank
from grader.cli.main import main
from grader.grading import grade_sources
from grader.integrations import gradescope
from grader.reports import WRITERS
from grader.reports.gradescope import results_json
from grader.results import Feedback, redact
from grader.sandbox.fake import FakeBackend
from grader.submission import SourceFile

from .conftest import DATA, MINI_BANK, OUTPUT

SCHEMA = json.loads((DATA / "gradescope_results.schema.json").read_text())
REFERENCE = DATA / "reference" / "adder.py"
SUBTRACTS = REFERENCE.read_text().replace("return a + b", "print('the answer is', a - b)\n    return a - b")
# Debian-like images with Python 3.11, in order of preference; GRADER_GRADESCOPE_BASE overrides.
BASE_IMAGES = ("nlp-grader-base", "python:3.11-slim")
TEST_IMAGE = "nlp-grader-gradescope-test"


def validate(document: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def test_schema_is_sound_and_strict():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        validate({"score": 1, "tests": [{"name": "x", "status": "ok"}]})
    with pytest.raises(jsonschema.ValidationError):
        validate({"tests": [{"name": "no score anywhere"}]})


@pytest.fixture(scope="module")
def result(mini_bank):
    files = {"adder": SourceFile(Path("adder.py"), source=SUBTRACTS)}
    return grade_sources("adder.py", files, [mini_bank["adder"]], FakeBackend(), seed=11)


def test_results_json_follows_the_spec_and_agrees_with_the_result(result):
    buffer = io.StringIO()
    WRITERS["gradescope"](result, buffer)
    document = json.loads(buffer.getvalue())
    validate(document)
    assert document["score"] == result.score
    tests = document["tests"]
    assert [t["number"] for t in tests] == [f"1.{i}" for i in range(1, len(tests) + 1)]
    assert sum(t["score"] for t in tests) == result.score and sum(t["max_score"] for t in tests) == 10
    for entry, test in zip(tests, result.exercises[0].tests, strict=True):
        assert entry["status"] == ("passed" if test.passed else "failed")
        assert entry["visibility"] == "after_published" and entry["output"].startswith(test.outcome.value)
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(entry)
    assert document["extra_data"]["seed"] == 11 and document["execution_time"] >= 0


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "visible"])
def test_visibility_is_configurable(result, visibility):
    document = results_json(result, visibility)
    validate(document)
    assert {t["visibility"] for t in document["tests"]} == {visibility}


def test_summary_feedback_reveals_no_expected_value_or_output(result):
    full = json.dumps(results_json(result))
    hidden = json.dumps(results_json(redact(result, Feedback.SUMMARY)))
    assert "expected 5.0" in full and "the answer is" in full
    assert "expected 5.0" not in hidden and "the answer is" not in hidden


def test_grade_format_gradescope_prints_results_json(tmp_path, result):
    wrong = tmp_path / "adder.py"
    wrong.write_text(SUBTRACTS)
    run = CliRunner().invoke(main, ["grade", str(wrong), "--bank", str(MINI_BANK), "--sandbox", "process",
                                    "--format", "gradescope", "--feedback", "summary"])
    assert run.exit_code == 0, run.output
    document = json.loads(run.stdout)  # the table went to stderr
    validate(document)
    assert document["score"] == result.score and f"Total: {result.score:g}/10" in run.stderr


# --- inside the container, without Docker: run_autograder and the submission's files -----------

def test_stage_submission_finds_files_and_refuses_links(tmp_path, mini_bank):
    exercise = [mini_bank["adder"]]
    nested = tmp_path / "upload" / "hw" / "adder.py"
    nested.parent.mkdir(parents=True)
    nested.write_text("x = 1\n")
    staged = gradescope.stage_submission(tmp_path / "upload", exercise, _fresh(tmp_path / "s1"))
    assert (staged / "adder.py").read_text() == "x = 1\n"
    other = tmp_path / "other"
    other.mkdir()
    (other / "my_solution.py").write_text("y = 2\n")  # one exercise, one .py file: that is the answer
    assert (gradescope.stage_submission(other, exercise, _fresh(tmp_path / "s2")) / "adder.py").exists()
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "adder.py").symlink_to(MINI_BANK / "adder" / "tests" / "hidden" / "test_adder.py")
    staged = gradescope.stage_submission(linked, exercise, _fresh(tmp_path / "s3"))
    assert (staged / "adder.py").is_symlink()  # copied as a link: the grader refuses it, never reads it


def _fresh(path: Path) -> Path:
    path.mkdir()
    return path


def test_run_autograder_writes_results_json(tmp_path, result):
    source = tmp_path / "source"
    shutil.copytree(MINI_BANK, source / "bank")
    config = source / gradescope.CONFIG_NAME
    config.write_text(gradescope.AutograderConfig(("adder",), visibility="hidden").to_json())
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "adder.py").write_text(SUBTRACTS)
    results = tmp_path / "results" / "results.json"
    run = CliRunner().invoke(main, ["gradescope", "run", "--config", str(config), "--submission", str(submission),
                                    "--results", str(results)])
    assert run.exit_code == 0, run.output
    document = json.loads(results.read_text())
    validate(document)
    assert document["score"] == result.score and {t["visibility"] for t in document["tests"]} == {"hidden"}
    assert "expected" not in results.read_text()  # summary feedback, the default
    assert "expected" in run.stdout  # the full table: Gradescope shows stdout to instructors only


def test_missing_file_scores_zero_with_a_message(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(MINI_BANK, source / "bank")
    config = source / gradescope.CONFIG_NAME
    config.write_text(gradescope.AutograderConfig(("adder",)).to_json())
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "notes.txt").write_text("no code")
    results = tmp_path / "results.json"
    gradescope.run_autograder(config, tmp_path / "submission", results)
    document = json.loads(results.read_text())
    validate(document)
    assert document["score"] == 0 and "no adder.py in the submission" in document["output"]  # a receipt


# --- the zip ------------------------------------------------------------------------------------

def test_judge_requirements_pin_everything_and_cpu_torch():
    pins = dict(p.split("==") for p in gradescope.judge_requirements())
    assert pins["torch"].startswith("2.13.0") and "nlp-grader" not in pins
    assert {"numpy", "scikit-learn", "scipy", "pytest", "click", "docker"} <= set(pins)


@pytest.fixture(scope="module")
def small_zips(tmp_path_factory):
    """Two builds of a zip of the mini bank with a stand-in wheelhouse: no 200 MB download."""
    work = tmp_path_factory.mktemp("zip")
    wheels = work / "wheels"
    wheels.mkdir()
    (wheels / "numpy-0-py3-none-any.whl").write_bytes(b"stand-in")
    bank = load_bank(MINI_BANK)
    config = gradescope.AutograderConfig(("adder",), feedback="none", visibility="after_due_date")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gradescope, "ensure_wheels", lambda cache, pins, echo: wheels)
        return [gradescope.build_autograder([bank["adder"]], work / name, cache=work, config=config)
                for name in ("autograder.zip", "again.zip")]


@pytest.fixture(scope="module")
def small_zip(small_zips):
    return small_zips[0]


def test_zip_has_the_scripts_at_its_root_executable(small_zip):
    with zipfile.ZipFile(small_zip) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert (infos[script].external_attr >> 16) & 0o777 == 0o755
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
        config = json.loads(archive.read(gradescope.CONFIG_NAME))
    assert "--no-index --no-deps" in setup and '"$SOURCE"/wheelhouse/*.whl' in setup and "chmod -R go-rwx" in setup
    assert "/autograder/results/results.json" in run and "/autograder/submission" in run
    assert config == {"exercises": ["adder"], "feedback": "none", "visibility": "after_due_date",
                      "sandbox": "process", "grader_version": config["grader_version"]}


def test_zip_carries_the_bank_but_no_variant_or_reference(small_zip):
    with zipfile.ZipFile(small_zip) as archive:
        names = set(archive.namelist())
    assert {"bank/adder/exercise.toml", "bank/adder/stub.py", "bank/adder/tests/hidden/test_adder.py",
            "bank/adder/tests/public/test_adder_public.py", "wheelhouse/numpy-0-py3-none-any.whl"} <= names
    assert any(n.startswith("wheelhouse/nlp_grader-") and n.endswith(".whl") for n in names)
    assert not [n for n in names if "/wrong/" in n or "reference" in n or "__pycache__" in n]


def test_zip_bytes_are_reproducible(small_zips):
    first, again = small_zips
    assert first.read_bytes() == again.read_bytes()  # what lets the Docker test cache its image


# --- the real zip, run as Gradescope runs it ------------------------------------------------------

DOCKERFILE = """\
FROM {base}
COPY autograder.zip extract.py /tmp/
# Gradescope: unzip into /autograder/source (keeping modes, as unzip does), then run setup.sh.
RUN python3 /tmp/extract.py /tmp/autograder.zip /autograder/source && rm /tmp/autograder.zip /tmp/extract.py \\
 && mkdir -p /autograder/results /autograder/submission \\
 && cd /autograder/source && bash ./setup.sh \\
 && cp /autograder/source/run_autograder /autograder/run_autograder
WORKDIR /autograder
"""

EXTRACT = """\
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        path = archive.extract(info, sys.argv[2])
        os.chmod(path, (info.external_attr >> 16) & 0o777 or 0o644)
"""


@pytest.fixture(scope="module")
def autograder_image():
    """The zip of the real cosine_similarity exercise, installed in an image as Gradescope builds it.

    Wheels are cached in tests/output/gradescope/wheels; the zip is reproducible, so the image is
    cached under a tag naming the zip's hash and only rebuilt when the zip changes.
    """
    import docker

    client, base = _engine_with_base_image(docker)
    cache = OUTPUT / "gradescope"
    archive = cache / "autograder.zip"
    build = CliRunner().invoke(main, ["gradescope", "build", "-e", "cosine_similarity", "-o", str(archive),
                                      "--wheelhouse", str(cache / "wheels")])
    assert build.exit_code == 0, build.output
    tag = f"{TEST_IMAGE}:{_sha256(archive)[:16]}"
    if not client.images.list(name=tag):
        _build_image(client, archive, tag, base)
    return client, tag


def _engine_with_base_image(docker):
    """A client for the engine and a base image it holds, or skip (fail under GRADER_REQUIRE_DOCKER=1)."""
    wanted = [os.environ["GRADER_GRADESCOPE_BASE"]] if os.environ.get("GRADER_GRADESCOPE_BASE") else BASE_IMAGES
    try:
        client = docker.from_env()
        client.ping()
        base = next((name for name in wanted if client.images.list(name=name)), None)
    except Exception as exc:  # noqa: BLE001 - any engine problem means "cannot run here"
        base, problem = None, f"no Docker engine: {exc}"
    else:
        problem = f"none of the base images {', '.join(wanted)} is present (scripts/build-base-image.sh)"
    if base is None:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"GRADER_REQUIRE_DOCKER=1 but {problem}")
        pytest.skip(problem)
    return client, base


def _build_image(client, archive: Path, tag: str, base: str) -> None:
    context = OUTPUT / "gradescope" / "context"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    os.link(archive, context / "autograder.zip")
    (context / "extract.py").write_text(EXTRACT)
    (context / "Dockerfile").write_text(DOCKERFILE.format(base=base))
    # network_mode none: setup.sh must install from the zip's wheels alone.
    # The low-level API streams the build log, kept for the failure message. The HTTP timeout must
    # outlast the build: pip installs torch for a minute without a word.
    log = []
    for chunk in client.api.build(path=str(context), tag=tag, network_mode="none", rm=True, forcerm=True,
                                  pull=False, decode=True, timeout=1800):
        log.append(chunk.get("stream") or chunk.get("error") or "")
        assert "error" not in chunk, "".join(log[-40:])
    assert client.images.list(name=tag), "".join(log[-40:])
    shutil.rmtree(context)
    for old in client.images.list(name=TEST_IMAGE):  # one cached image is enough (~1.5 GB each)
        if tag not in old.tags:
            client.images.remove(old.id, force=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_in_container(image, files: dict[str, str], tmp_path: Path) -> tuple[dict, str]:
    """One submission, one fresh container with no network, as Gradescope runs run_autograder."""
    client, tag = image
    submission, results = tmp_path / "submission", tmp_path / "results"
    submission.mkdir()
    results.mkdir()
    for name, text in files.items():
        (submission / name).write_text(text)
    container = client.containers.run(
        tag, ["/autograder/run_autograder"], network_mode="none", detach=True,
        volumes={str(submission): {"bind": "/autograder/submission", "mode": "ro"},
                 str(results): {"bind": "/autograder/results", "mode": "rw"}},
    )
    try:
        status = container.wait(timeout=600)
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 0, logs
    return json.loads((results / "results.json").read_text()), logs


COSINE = load_bank()["cosine_similarity"]


@pytest.mark.docker
def test_zip_grades_a_correct_submission_offline(autograder_image, tmp_path):
    document, logs = run_in_container(autograder_image, {COSINE.file: COSINE.reference.read_text()}, tmp_path)
    validate(document)
    assert document["score"] == COSINE.points == sum(t["max_score"] for t in document["tests"])
    assert all(t["status"] == "passed" for t in document["tests"])
    assert {t["visibility"] for t in document["tests"]} == {"after_published"}
    assert document["extra_data"]["sandbox"] == "process" and "Total: 100/100" in logs


@pytest.mark.docker
def test_zip_grades_a_wrong_submission_offline(autograder_image, tmp_path):
    wrong = COSINE.wrong_variants[0]
    document, _ = run_in_container(autograder_image, {COSINE.file: wrong.read_text()}, tmp_path)
    validate(document)
    assert 0 < document["score"] < COSINE.points
    failed = [t for t in document["tests"] if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 for t in failed)
    assert document["extra_data"]["feedback"] == "summary" and "expected" not in json.dumps(document)


@pytest.mark.docker
def test_submission_cannot_read_the_hidden_tests(autograder_image, tmp_path):
    """The candidate's code runs as an unprivileged user, and setup.sh left /autograder/source to root."""
    peek = COSINE.reference.read_text() + (
        "\nopen('/autograder/source/bank/cosine_similarity/tests/hidden/test_cosine_pair.py').read()\n")
    document, _ = run_in_container(autograder_image, {COSINE.file: peek}, tmp_path)
    validate(document)
    assert document["score"] == 0 and "PermissionError" in json.dumps(document)


# --- visibility, a lean zip, and a grader that fails ------------------------------------------

@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published"])
def test_output_reveals_no_result_unless_visible(result, visibility):
    document = results_json(result, visibility)
    validate(document)
    assert document["visibility"] == visibility and document["stdout_visibility"] == "hidden"
    assert f"{result.score:g}" not in document["output"] and "Score" not in document["output"]
    assert "received" in document["output"]
    assert f"Score: {result.score:g}/10" in results_json(result, "visible")["output"]


def test_the_zip_carries_only_the_oracles_the_exercises_need():
    bank = load_bank()
    adder = load_bank(MINI_BANK)["adder"]
    assert gradescope.needed_oracles([adder]) == set()
    # tfidf's oracle is scikit-learn; torch comes along only because its statement allows candidates torch
    assert "scikit-learn" in gradescope.needed_oracles([bank["tfidf"]]) <= {"scikit-learn", "torch"}
    assert "torch" in gradescope.needed_oracles([bank["attention"]])  # its statement allows torch
    lean = dict(p.split("==") for p in gradescope.judge_requirements(exercises=[adder]))
    assert not {"torch", "scikit-learn", "scipy", "copydetect", "matplotlib"} & set(lean)
    assert {"numpy", "pytest", "click"} <= set(lean)
    tfidf = dict(p.split("==") for p in gradescope.judge_requirements(exercises=[bank["tfidf"]]))
    assert {"scikit-learn", "scipy"} <= set(tfidf)
    assert ("torch" in tfidf) == ("torch" in gradescope.needed_oracles([bank["tfidf"]]))


def test_setup_installs_the_wheelhouse_without_resolving():
    script = gradescope.setup_script()
    assert "--no-index --no-deps" in script and '"$SOURCE"/wheelhouse/*.whl' in script


def test_a_grader_that_fails_still_writes_results_json(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the bank vanished")

    monkeypatch.setattr("grader.cli.gradescope.run_autograder", broken)
    config = tmp_path / gradescope.CONFIG_NAME
    config.write_text(gradescope.AutograderConfig(("adder",), visibility="hidden").to_json())
    (tmp_path / "submission").mkdir()
    results = tmp_path / "results" / "results.json"
    run = CliRunner().invoke(main, ["gradescope", "run", "--config", str(config), "--submission",
                                    str(tmp_path / "submission"), "--results", str(results)])
    assert run.exit_code != 0
    document = json.loads(results.read_text())
    validate(document)
    assert document["score"] == 0 and "the bank vanished" in document["output"]
    assert "not a verdict on your work" in document["output"] and document["visibility"] == "visible"


def test_run_autograder_writes_results_json_when_the_grader_cannot_start(tmp_path):
    root = tmp_path / "autograder"
    (root / "venv" / "bin").mkdir(parents=True)
    (root / "venv" / "bin" / "grader").write_text("#!/bin/sh\necho 'ImportError: no module named grader' >&2\nexit 1\n")
    (root / "venv" / "bin" / "grader").chmod(0o755)
    script = gradescope.RUN_AUTOGRADER.format(config=gradescope.CONFIG_NAME).replace("/autograder", str(root))
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    document = json.loads((root / "results" / "results.json").read_text())
    validate(document)
    assert document["score"] == 0 and "exit status 1" in document["output"]
