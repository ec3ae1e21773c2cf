"""The bundled bank is sound: every claim of ``grader validate``, for every exercise, for real.

References score 100%, stubs 0%, alternatives 100%, known-wrong variants and junk lose points, and
points add up -- in the process sandbox for everything, and in Docker for the references, the
stubs and the alternatives (a torch-based solution returning tensors included).
"""

from __future__ import annotations

import pytest

from grader.bank import load_bank, secret_paths
from grader.grading import grade, new_seed
from grader.sandbox.process_backend import ProcessBackend
from grader.validate import validate_exercise

BANK = load_bank()
SEED = new_seed()  # a fresh seed each run, printed on failure: the bank must hold for any seed


@pytest.mark.parametrize("slug", sorted(BANK))
def test_exercise_is_sound_in_the_process_sandbox(slug):
    checks = validate_exercise(BANK[slug], ProcessBackend(hide=secret_paths()), SEED)
    failed = [f"{c.subject}: {c.expectation}: {c.detail}" for c in checks if not c.ok]
    assert not failed, f"seed {SEED}:\n" + "\n".join(failed)
    subjects = {c.subject for c in checks}
    assert {"reference", "stub", "points", "public tests"} <= subjects
    assert sum(s.startswith("wrong/") for s in subjects) >= 6


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
