"""A GitHub Classroom template repository that grades with nlp-grader's hidden tests.

``grader classroom init`` writes the candidate kit's materials (statements, stubs, public tests),
a README for students and ``.github/workflows/classroom.yml``. The workflow has the shape GitHub
Classroom generates for its autograding runners: a step that grades and sets the output
``result``, then ``classroom-resources/autograding-grading-reporter@v1``, which reads that output
from the environment variable ``<STEP-ID>_RESULTS`` (the ids named by its ``runners`` input) and
records ``Points X/Y`` for Classroom. The grading step checks out nlp-grader and the bank from a
repository the teacher names, installs it, and runs ``grader grade . --format classroom``.

Trust: the student controls the repository, and so its workflow. Whatever the workflow can read
(the hidden tests, a token) the student can read, and a student can replace the grading step by
one that prints full marks. Classroom grades are feedback; for grades that count, the teacher
regrades the students' repositories on a machine of their own (docs/integrations.md).
"""

from __future__ import annotations

from pathlib import Path

from grader.bank import Exercise
from grader.integrations.kit import check_no_secrets, exercise_table, getting_started, write_materials
from grader.pins import TORCH_CPU_INDEX, TORCH_REQUIREMENT

STEP_ID = "nlpgrader"  # letters only: the reporter rejects other characters in `runners` on some paths
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
CHECKOUT_PATH = ".nlp-grader"

WORKFLOW = """\
# Written by `grader classroom init`. GitHub Classroom reads the "Points X/Y" notice of the
# Autograding Reporter step. The student controls this file: see docs/integrations.md of nlp-grader
# for what that means, and regrade on your own machine for grades that count.
name: Autograding Tests
'on':
- push
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Set up Python
      uses: actions/setup-python@v5
      with:
        python-version: '3.11'
    - name: Check out nlp-grader and its exercise bank
      uses: actions/checkout@v4
      with:
        repository: {repo}
        ref: {ref}
        path: {checkout}
        token: ${{{{ secrets.{secret} || github.token }}}}
        persist-credentials: false
    - name: Install nlp-grader
      run: |
        python -m pip install --quiet {torch} --index-url {torch_index}
        python -m pip install --quiet ./{checkout}
    - name: nlp-grader
      id: {step}
      run: >-
        grader grade . {exercises} --bank {checkout}/{bank_path}
        --sandbox process --feedback {feedback} --format classroom
    - name: Autograding Reporter
      uses: {reporter}
      env:
        {env}: "${{{{steps.{step}.outputs.result}}}}"
      with:
        runners: {step}
"""

GITIGNORE = "__pycache__/\n.pytest_cache/\n"


def workflow(exercises: list[Exercise], *, repo: str, ref: str = "main", bank_path: str = "exercises",
             secret: str = "NLP_GRADER_TOKEN", feedback: str = "summary") -> str:
    """The text of ``.github/workflows/classroom.yml``."""
    return WORKFLOW.format(
        repo=repo, ref=ref, checkout=CHECKOUT_PATH, bank_path=bank_path.strip("/"), secret=secret,
        torch=TORCH_REQUIREMENT, torch_index=TORCH_CPU_INDEX, step=STEP_ID, env=f"{STEP_ID.upper()}_RESULTS",
        reporter=REPORTER,
        exercises=" ".join(f"-e {e.slug}" for e in exercises), feedback=feedback,
    )


def student_readme(exercises: list[Exercise]) -> str:
    """The README students see in their assignment repository."""
    return "\n".join([
        "# Coding assignment",
        "",
        exercise_table(exercises),
        "",
        getting_started(exercises),
        "## How your work is graded",
        "",
        "Commit and push. Every push runs the **Autograding Tests** workflow (the Actions tab): it",
        "grades the files above with hidden tests, which check much more than the samples. The",
        "Autograding Reporter step shows the points, and the nlp-grader step's summary lists each",
        "test's outcome. Keep the file names and function signatures of the starting files.",
        "",
        "Do not edit `.github/workflows/classroom.yml`. Your teacher may regrade your last commit",
        "on their own machine; that grade is the one that counts.",
        "",
    ])


def init_template(exercises: list[Exercise], out: Path, **options: str) -> Path:
    """Write a Classroom template repository into the (empty) folder ``out``."""
    write_materials(exercises, out)
    (out / "README.md").write_text(student_readme(exercises), encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    target = out / ".github" / "workflows" / "classroom.yml"
    target.parent.mkdir(parents=True)
    target.write_text(workflow(exercises, **options), encoding="utf-8")
    check_no_secrets(out, exercises)
    return out
