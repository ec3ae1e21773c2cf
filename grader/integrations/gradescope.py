"""A Gradescope autograder: ``autograder.zip`` with ``setup.sh`` and ``run_autograder`` at its root.

Gradescope's contract (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip
is extracted to ``/autograder/source``; ``setup.sh`` runs once, as root, when Gradescope builds
the autograder image; ``run_autograder`` runs in a fresh container for every submission, with the
student's files in ``/autograder/submission``, and must write ``/autograder/results/results.json``.

What the zip holds::

    setup.sh, run_autograder       the two scripts Gradescope runs
    nlp-grader.json                the exercises, feedback level, test visibility, sandbox
    bank/<slug>/                   the selected exercises: statement, stub, probes, public and
                                   hidden tests (no reference, no known-wrong variants)
    wheelhouse/*.whl               nlp-grader and what grading the chosen exercises needs, pinned
                                   to the versions the building machine runs

``setup.sh`` installs every wheel of the wheelhouse with ``pip --no-index --no-deps``: no package
index is needed, and nothing is resolved. The wheelhouse holds only what the chosen exercises'
oracles and candidates need (:func:`needed_oracles`): torch's CPU build (~200 MB) only where an
exercise imports it or its statement allows it, scikit-learn and scipy only where an exercise
imports them.

If the grader itself fails inside Gradescope, ``results.json`` still says so (score 0, a message
for the student, the details on stdout for the instructor), as PrairieLearn's runner does: the
``gradescope run`` command writes it, and ``run_autograder`` writes a last-resort one when the
command could not even start.

The sandbox inside is ``process``: Gradescope's container offers no Docker engine (no Docker in
Docker), and the container itself is Gradescope's boundary around the whole run. The process
backend adds what it can inside it: the candidate's code runs as an unprivileged user, and
``setup.sh`` makes ``/autograder/source`` (the hidden tests, the wheels) readable by root only.
Where the container allows namespaces, the bank is also covered by an empty mount. See
docs/integrations.md for the trust model.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from grader import __version__
from grader.atomic import open_atomically, write_text_atomically
from grader.bank import PROJECT_ROOT, Exercise, load_bank, secret_paths, select
from grader.errors import BankError, IntegrationFault
from grader.grading import grade, new_seed
from grader.names import readable_name
from grader.pins import TORCH_CPU_INDEX, TORCH_VERSION
from grader.reports import gradescope as results_format
from grader.results import Feedback, SubmissionResult, redact
from grader.sandbox.choose import choose_backend
from grader.submission import find_answer

CONFIG_NAME = "nlp-grader.json"
WHEELHOUSE_ENV = "GRADER_WHEELHOUSE"
PYTHON_VERSION = "3.11"  # the wheels' interpreter: Debian bookworm's python3, and the judge's
Echo = Callable[[str], None]

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while building the autograder image.
# It installs nlp-grader and its dependencies from the wheels in this zip, without any index.
set -euo pipefail
umask 022
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
VENV=/autograder/venv

python311() {{
  for candidate in python{python} python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))'; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}}

PYTHON="$(python311 || true)"
if [ -z "$PYTHON" ]; then
  # The wheels are for Python {python}. Gradescope's default Ubuntu 22.04 image has 3.10, and
  # Ubuntu carries python{python} in its archive: the only download this script may make.
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python{python} python{python}-venv
  PYTHON=python{python}
fi
"$PYTHON" -m venv "$VENV"
# --no-deps: the wheelhouse is complete for the chosen exercises (torch only where one needs it).
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps \\
  "$SOURCE"/wheelhouse/*.whl
# Submissions run as an unprivileged user: the hidden tests and the wheels are for root's eyes only.
chmod -R go-rwx "$SOURCE"
"$VENV/bin/grader" --version
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in a fresh container (cwd /autograder).
# The grader writes /autograder/results/results.json; without it Gradescope reports a failure.
set -uo pipefail
# The candidate's code runs as an unprivileged user: it must not be able to plant or swap results files.
mkdir -p /autograder/results && chmod go-w /autograder/results
RESULTS=/autograder/results/results.json
/autograder/venv/bin/grader gradescope run --config /autograder/source/{config} \\
  --submission /autograder/submission --results "$RESULTS"
status=$?
if [ ! -s "$RESULTS" ]; then
  # The grader could not even start: still tell the student, rather than leave no results at all.
  printf '{{"score": 0, "output": "%s (exit status %d). %s", "output_format": "text", %s}}\\n' \\
    "The autograder failed before it could grade this submission" "$status" \\
    "This is not a verdict on your work: please tell your instructor." \\
    '"visibility": "visible", "stdout_visibility": "hidden", "extra_data": {{"grader_error": true}}' > "$RESULTS"
fi
exit 0  # results.json says what happened; stdout holds the details for the instructor
"""


@dataclasses.dataclass(frozen=True)
class AutograderConfig:
    """What ``run_autograder`` grades and how much the results reveal; stored in the zip."""

    exercises: tuple[str, ...]
    feedback: str = Feedback.SUMMARY.value
    visibility: str = results_format.DEFAULT_VISIBILITY
    sandbox: str = "process"
    grader_version: str = __version__

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2) + "\n"

    @classmethod
    def load(cls, path: Path) -> AutograderConfig:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**data, "exercises": tuple(data["exercises"])})


# --- wheels -----------------------------------------------------------------------------------

ORACLE_PACKAGES = {"torch": "torch", "sklearn": "scikit-learn", "scipy": "scipy"}  # import name: distribution


def needed_oracles(exercises: list[Exercise]) -> set[str]:
    """The oracle packages grading these exercises needs: those their hidden tests, public tests,
    probes and stubs import, plus torch where a statement allows candidates to use it."""
    needed: set[str] = set()
    for exercise in exercises:
        for path in sorted(exercise.root.rglob("*.py")):
            needed |= {ORACLE_PACKAGES[m] for m in _imported_modules(path) if m in ORACLE_PACKAGES}
        statement = exercise.statement.read_text(encoding="utf-8") if exercise.statement.is_file() else ""
        if "torch" in statement.lower():
            needed.add("torch")
    return needed


def _imported_modules(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return set()  # a known-wrong variant may not even parse
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def judge_requirements(root: str = "nlp-grader", exercises: list[Exercise] | None = None) -> list[str]:
    """``name==version`` for every package grading needs, found from the installed metadata.

    With ``exercises``, the oracle packages (torch, scikit-learn, scipy) are those they need
    (:func:`needed_oracles`); without, all of them. The
    versions are those this machine runs, so the autograder grades with what was tested here.
    """
    unneeded: set[str] = set()
    if exercises is not None:
        unneeded |= set(ORACLE_PACKAGES.values()) - needed_oracles(exercises)
    pins: dict[str, str] = {}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in pins:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise BankError(f"{name} is required by nlp-grader but not installed here") from None
        pins[name] = distribution.version
        for line in distribution.requires or []:
            requirement = Requirement(line)
            wanted = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            if wanted and not (name == canonicalize_name(root) and canonicalize_name(requirement.name) in unneeded):
                todo.append(requirement.name)
    del pins[canonicalize_name(root)]
    if pins.get("torch", TORCH_VERSION).split("+")[0] != TORCH_VERSION:
        raise IntegrationFault(f"this machine runs torch {pins['torch']}, but nlp-grader pins {TORCH_VERSION} "
                               "(grader/pins.py): run make setup")
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def ensure_wheels(cache: Path, pins: list[str], echo: Echo) -> Path:
    """Download the pinned wheels once into ``cache/gradescope/<hash of the pins>``; return that folder."""
    key = hashlib.sha256(f"{PYTHON_VERSION}\n{chr(10).join(pins)}".encode()).hexdigest()[:16]
    # A subfolder of its own: `grader image build` prunes other complete folders at the top level.
    target = cache / "gradescope" / key
    if (target / ".complete").exists():
        echo(f"wheelhouse {target} is ready")
        return target
    target.mkdir(parents=True, exist_ok=True)
    echo(f"downloading {len(pins)} wheels into {target} (torch alone is ~200 MB)")
    # --no-deps: the pins are complete. Following torch's metadata from PyPI could fetch the
    # CUDA build's nvidia wheels (gigabytes). The host's pip configuration (find-links, index,
    # proxy) applies: that is how a mirror or a folder of wheels is used.
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
          "--only-binary=:all:", "--python-version", PYTHON_VERSION, "-d", str(target), *pins], "pip download")
    torch = [p.name for p in target.glob("torch-*.whl")]
    if torch and not any("+cpu" in name for name in torch):
        raise IntegrationFault(f"{target} holds {torch[0]}, not torch's CPU build: point pip at the CPU wheels "
                               f"(PIP_EXTRA_INDEX_URL={TORCH_CPU_INDEX}) and delete that folder")
    (target / ".complete").write_text("ok\n")
    return target


def build_grader_wheel(dest: Path) -> Path:
    """Build nlp-grader's own wheel from this checkout (``pip wheel --no-deps``); return its path."""
    if not (PROJECT_ROOT / "pyproject.toml").is_file():
        raise IntegrationFault(f"no pyproject.toml in {PROJECT_ROOT}: build the autograder from a checkout "
                               "of nlp-grader")
    with tempfile.TemporaryDirectory(prefix="nlp-grader-wheel-") as work:
        source = Path(work) / "src"
        # A clean copy: building in the checkout would leave build/ and egg-info behind there.
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(PROJECT_ROOT / "grader", source / "grader", ignore=ignore)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(PROJECT_ROOT / name, source / name)
        # A fixed timestamp makes the wheel, and so the zip, the same bytes for the same sources.
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
        _run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
              "--no-build-isolation", "-w", str(dest), str(source)], "pip wheel", env=env)
    return next(dest.glob("nlp_grader-*.whl"))


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    # Captured rather than inherited: the caller's stderr may not be a real file (click's test runner).
    done = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603 - fixed argv
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise IntegrationFault(f"{what} failed: {' '.join(command[:8])} ...\n{tail}")


# --- the zip ----------------------------------------------------------------------------------

def build_autograder(exercises: list[Exercise], output: Path, *, cache: Path, config: AutograderConfig,
                     echo: Echo = lambda _: None) -> Path:
    """Write ``autograder.zip``: scripts, config, the selected exercises and the wheelhouse."""
    wheels = ensure_wheels(cache, judge_requirements(exercises=exercises), echo)
    with tempfile.TemporaryDirectory(prefix="nlp-grader-zip-") as work:
        grader_wheel = build_grader_wheel(Path(work))
        members = [*_bank_members(exercises), *((w, f"wheelhouse/{w.name}") for w in sorted(wheels.glob("*.whl"))),
                   (grader_wheel, f"wheelhouse/{grader_wheel.name}")]
        output.parent.mkdir(parents=True, exist_ok=True)
        with open_atomically(output) as raw, zipfile.ZipFile(raw, "w") as archive:
            _add_text(archive, "setup.sh", setup_script(), executable=True)
            _add_text(archive, "run_autograder", RUN_AUTOGRADER.format(config=CONFIG_NAME), executable=True)
            _add_text(archive, CONFIG_NAME, config.to_json())
            for path, name in members:
                _add_file(archive, path, name)
    echo(f"wrote {output} ({output.stat().st_size // 2**20} MB)")
    return output


def setup_script() -> str:
    """The text of ``setup.sh`` for this version of nlp-grader."""
    major, minor = PYTHON_VERSION.split(".")
    return SETUP_SH.format(python=PYTHON_VERSION, major=major, minor=minor, version=__version__)


# What grading needs, and no more: known-wrong variants and other solutions stay home.
BANK_FILES = ("exercise.toml", "README.md", "stub.py", "probes.py")
BANK_FOLDERS = ("tests/hidden", "tests/public")


def _bank_members(exercises: list[Exercise]) -> Iterator[tuple[Path, str]]:
    for exercise in exercises:
        paths = [exercise.root / name for name in BANK_FILES]
        for folder in BANK_FOLDERS:
            paths += sorted((exercise.root / folder).rglob("*"))
        for path in paths:
            relative = path.relative_to(exercise.root)
            if path.is_file() and not path.is_symlink() and "__pycache__" not in relative.parts:
                yield path, f"bank/{exercise.slug}/{relative.as_posix()}"


# Fixed dates and modes: the same inputs give the same zip, and `unzip` restores the exec bits.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _add_text(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))


def _add_file(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.external_attr = 0o100644 << 16
    # Wheels are zips already: storing them is as small and much faster than deflating again.
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".whl") else zipfile.ZIP_DEFLATED
    with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, 1 << 20)


# --- inside Gradescope's container --------------------------------------------------------------

def run_autograder(config_path: Path, submission: Path, results: Path) -> SubmissionResult:
    """Grade ``submission`` as the zip's config says; write ``results`` (results.json) atomically.

    ``results`` reveals what the config's feedback level allows; the full result is returned.
    """
    config = AutograderConfig.load(config_path)
    bank = config_path.parent / "bank"
    exercises = select(load_bank(bank), config.exercises)
    hide = [*secret_paths(bank), config_path.parent.resolve(), results.parent.resolve()]
    backend, _ = choose_backend(config.sandbox, hide=hide)
    with tempfile.TemporaryDirectory(prefix="nlp-grader-submission-") as staging:
        folder = stage_submission(submission, exercises, Path(staging))
        result = grade(folder, exercises, backend, seed=new_seed(), explicit=True)
    result = dataclasses.replace(result, submission=readable_name(str(submission)))
    results.parent.mkdir(parents=True, exist_ok=True)
    redacted = redact(result, Feedback(config.feedback))
    write_text_atomically(results, lambda fp: results_format.write(redacted, fp, visibility=config.visibility))
    return result


def write_failure(results: Path, error: BaseException) -> None:
    """Write a ``results.json`` that says the grader failed (score 0), and print the details for
    the instructor; never raises (it runs while another error is on its way out)."""
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    traceback.print_exception(error, file=sys.stdout)  # Gradescope shows stdout to instructors only
    try:
        results.parent.mkdir(parents=True, exist_ok=True)
        document = results_format.failure_json(message.splitlines()[0][:500] if message.strip() else "unknown error")
        write_text_atomically(results, lambda fp: json.dump(document, fp, indent=2))
    except Exception:  # noqa: BLE001 - run_autograder's shell fallback still writes one
        traceback.print_exc(file=sys.stdout)


def stage_submission(submission: Path, exercises: list[Exercise], staging: Path) -> Path:
    """Gather each exercise's file into ``staging`` under the name the grader looks for.

    Students upload a file, several, or a zip with folders: :func:`grader.submission.find_answer`
    says which file answers each exercise. Symbolic links are copied as links, so the grader
    refuses them instead of following them.
    """
    root = submission.resolve()
    for exercise in exercises:
        found = find_answer(root, exercise, single=len(exercises) == 1)
        if found is not None:
            shutil.copy2(found, staging / exercise.file, follow_symlinks=False)
    return staging
