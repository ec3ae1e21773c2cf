"""The bundled bank is sound: every claim of ``grader validate``, for every exercise, for real.

References score 100%, stubs 0%, alternatives 100%, known-wrong variants and junk lose points, and
points add up -- in the process sandbox for everything, and in Docker for the references, the
stubs and the alternatives (a torch-based solution returning tensors included).
"""

from __future__ import annotations

import pytest

from grader.bank import load_bank, secret_paths
from grader.errors import BankError
from grader.grading import grade, new_seed
from grader.sandbox.process_backend import ProcessBackend
from grader.validate import subjects, validate_subject

BANK = load_bank()
SEED = new_seed()  # a fresh seed each run, printed on failure: the bank must hold for any seed


PROCESS = ProcessBackend(hide=secret_paths())
SUBJECTS = [(slug, subject) for slug in sorted(BANK) for subject in subjects(BANK[slug])]


@pytest.mark.parametrize(("slug", "subject"), SUBJECTS, ids=[f"{slug}-{subject}" for slug, subject in SUBJECTS])
def test_exercise_is_sound_in_the_process_sandbox(slug, subject):
    """One claim of ``grader validate`` per test, so that a failure names the exercise and the variant."""
    checks = validate_subject(BANK[slug], subject, PROCESS, SEED)
    failed = [f"{c.subject}: {c.expectation}: {c.detail}" for c in checks if not c.ok]
    assert not failed, f"seed {SEED}:\n" + "\n".join(failed)
    if subject == "reference":
        assert {"reference", "points", "docstrings"} <= {c.subject for c in checks}


@pytest.mark.parametrize("slug", sorted(BANK))
def test_every_exercise_has_what_validate_checks(slug):
    names = set(subjects(BANK[slug]))
    assert {"reference", "stub", "public tests"} <= names
    assert sum(s.startswith("wrong/") for s in names) >= 6


def docker_solutions():
    for slug, exercise in sorted(BANK.items()):
        yield pytest.param(slug, "reference", exercise.reference, 100, marks=pytest.mark.docker, id=f"{slug}-reference")
        yield pytest.param(slug, "stub", exercise.stub, 0, marks=pytest.mark.docker, id=f"{slug}-stub")
        for path in sorted((exercise.root / "tests" / "alternative").glob("*.py")):
            yield pytest.param(slug, path.stem, path, 100, marks=pytest.mark.docker, id=f"{slug}-{path.stem}")


@pytest.mark.parametrize(("slug", "kind", "path", "percent"), list(docker_solutions()))
def test_same_verdicts_in_docker(slug, kind, path, percent):
    from grader.sandbox.docker_backend import DockerBackend

    result = grade(path, [BANK[slug]], DockerBackend(), seed=SEED, explicit=True)
    exercise = result.exercises[0]
    assert result.sandbox == "docker"
    failing = [(t.name, t.outcome.value, t.message[:200]) for t in exercise.tests if not t.passed]
    assert exercise.percent == percent, f"seed {SEED}: {kind} scored {exercise.score:g}: {failing[:5]}"


@pytest.mark.docker
@pytest.mark.parametrize("variant", ["naive_norms", "no_zero_guard"])
def test_docker_and_process_give_the_same_verdicts_test_by_test(variant):
    from grader.sandbox.docker_backend import DockerBackend

    exercise = BANK["cosine_similarity"]
    path = exercise.root / "tests" / "wrong" / f"{variant}.py"

    def verdicts(backend):
        graded = grade(path, [exercise], backend, seed=SEED, explicit=True).exercises[0]
        return {t.name: (t.outcome, t.points) for t in graded.tests}

    assert verdicts(DockerBackend()) == verdicts(ProcessBackend(hide=secret_paths()))


@pytest.mark.parametrize("key", ["interview_question", "seed_question"])
def test_the_interview_question_is_read_under_its_name_and_the_old_one(tmp_path, key):
    folder = tmp_path / "bank" / "demo"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(f'title = "Demo"\npoints = 1\n{key} = "Basic 1: demo"\n')
    assert load_bank(tmp_path / "bank")["demo"].interview_question == "Basic 1: demo"


def test_exercise_limits_are_checked_against_limits_declarations(tmp_path):
    folder = tmp_path / "bank" / "demo"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text('title = "Demo"\npoints = 1\n[limits]\ncpus = 2\n')
    with pytest.raises(BankError, match="unknown limit"):
        load_bank(tmp_path / "bank")
