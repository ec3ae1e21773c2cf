"""What a grading host is, as a fingerprint: so that a Dask worker is checked, never trusted, before it grades.

Two hosts grade a candidate alike when they run the same grader code, the same exercises of the
same bank, the same judge-side packages (the oracles: numpy, torch...) and the same sandbox image.
The client of a distributed batch (:mod:`grader.batch.distributed`) computes its
:class:`Fingerprint`; each worker computes its own (:func:`check_host`) and refuses work when any
part differs, or when its Docker engine or sandbox image is not there. ``grader worker check``
runs the same check by hand.

The hashes are sha256 over the files' relative names, lengths and bytes (so that moving bytes from
one file to another changes the hash), shortened to 16 hex digits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader import __version__
from grader.bank import DEFAULT_BANK, Exercise, load_bank, select
from grader.errors import GraderError

WORKER_BANK_ENV = "GRADER_WORKER_BANK"  # on a worker: where its copy of the bank is, if not at the client's path
JUDGE_PACKAGES = ("numpy", "torch", "scipy", "scikit-learn", "pytest")  # what the hidden tests' oracles run on
GRADER_PACKAGE = Path(__file__).resolve().parents[1]
SKIPPED_PARTS = ("__pycache__",)


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """What decides a grade on a host; two hosts with equal fingerprints grade alike."""

    grader_version: str
    code_hash: str  # the grader package's own .py files (the judge, the worker, the protocol)
    bank_hash: str  # the graded exercises' folders (hidden tests, probes, exercise.toml)
    exercises: tuple[str, ...]
    sandbox: str  # docker or process
    image: str  # the sandbox image's tag ("" for the process sandbox, or when it cannot be computed)
    packages: tuple[tuple[str, str], ...]  # judge-side package versions
    python: str  # major.minor

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(**{**data, "exercises": tuple(data["exercises"]),
                      "packages": tuple(tuple(pair) for pair in data["packages"])})

    @property
    def short(self) -> str:
        """16 hex digits naming the whole fingerprint (a Dask resource and plugin are named after it)."""
        text = repr(sorted(self.to_dict().items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass
class HostCheck:
    """A host's answer to "may you grade for this client?": ``problems`` is empty when it may."""

    host: str
    fingerprint: Fingerprint | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "problems": list(self.problems),
                "fingerprint": self.fingerprint.to_dict() if self.fingerprint else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HostCheck:
        raw = data.get("fingerprint")
        return cls(str(data["host"]), Fingerprint.from_dict(raw) if raw else None, [str(p) for p in data["problems"]])


def local_fingerprint(bank: Path | None, exercises: Iterable[str], sandbox: str) -> Fingerprint:
    """This host's fingerprint for grading ``exercises`` of ``bank`` (None: the bundled bank)."""
    chosen = select(load_bank(bank), list(exercises))
    return Fingerprint(
        grader_version=__version__,
        code_hash=tree_hash(GRADER_PACKAGE, suffixes=(".py",)),
        bank_hash=bank_hash(chosen),
        exercises=tuple(ex.slug for ex in chosen),
        sandbox=sandbox,
        image=_image_tag() if sandbox == "docker" else "",
        packages=tuple((name, _version(name)) for name in JUDGE_PACKAGES),
        python=".".join(platform.python_version_tuple()[:2]),
    )


def bank_hash(exercises: list[Exercise]) -> str:
    """One hash over every file of the exercises' folders, in slug order."""
    digest = hashlib.sha256()
    for exercise in sorted(exercises, key=lambda ex: ex.slug):
        digest.update(f"exercise\0{exercise.slug}\0{tree_hash(exercise.root)}\0".encode())
    return digest.hexdigest()[:16]


def tree_hash(root: Path, suffixes: tuple[str, ...] = ()) -> str:
    """sha256 over the files below ``root`` (optionally only those ending in ``suffixes``)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIPPED_PARTS or part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if suffixes and path.suffix not in suffixes:
            continue
        data = path.read_bytes()
        digest.update(f"{rel.as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


def differences(expected: Fingerprint, actual: Fingerprint) -> list[str]:
    """What differs between the client's fingerprint and a worker's, one sentence each."""
    problems = []
    labels = {
        "grader_version": "nlp-grader version", "code_hash": "grader code (hash of its .py files)",
        "bank_hash": "bank (hash of the graded exercises' folders)", "exercises": "exercises",
        "sandbox": "sandbox", "image": "sandbox image tag", "packages": "judge-side packages",
        "python": "Python version",
    }
    for field, label in labels.items():
        mine, theirs = getattr(actual, field), getattr(expected, field)
        if field == "image" and not (mine and theirs):
            continue  # a client without a checkout cannot compute the tag: the worker's own image check stands
        if mine != theirs:
            problems.append(f"its {label} differs: {_show(mine)} on the worker, {_show(theirs)} on the client")
    return problems


def check_host(expected: Fingerprint, bank: Path | None, host: str) -> HostCheck:
    """May this host grade for a client whose fingerprint is ``expected``? Never raises.

    The worker's bank is ``$GRADER_WORKER_BANK`` if set, else ``bank`` (the client's path; None is
    the bank bundled with the grader). With the docker sandbox, the engine must answer and hold
    the sandbox image.
    """
    where = worker_bank(str(bank) if bank else None)
    try:
        actual = local_fingerprint(where, expected.exercises, expected.sandbox)
    except GraderError as exc:
        place = where or DEFAULT_BANK
        return HostCheck(host, None, [f"its bank at {place} cannot be used: {exc} (install the client's bank there, "
                                      f"or set {WORKER_BANK_ENV} on the worker)"])
    except OSError as exc:
        return HostCheck(host, None, [f"its grader or bank cannot be read: {exc}"])
    problems = differences(expected, actual)
    if expected.sandbox == "docker":
        problems += _docker_problems()
    return HostCheck(host, actual, problems)


def worker_bank(client_bank: str | None) -> Path | None:
    """The bank a worker grades with: ``$GRADER_WORKER_BANK``, else the client's path (None: the bundled bank)."""
    where = os.environ.get(WORKER_BANK_ENV) or client_bank
    return Path(where) if where else None


def _docker_problems() -> list[str]:
    from grader.sandbox import docker_backend  # imported late: the docker SDK is only needed here

    try:
        available, reason = docker_backend.docker_available()
    except Exception as exc:  # noqa: BLE001 - a broken engine is a refusal with its reason, not a crash
        available, reason = False, f"{type(exc).__name__}: {exc}"
    if available:
        return []
    return [f"it cannot run the Docker sandbox: {reason} (on the worker host: start the engine, "
            "then `grader image build`, or `docker load` an image exported with `docker save`)"]


def _image_tag() -> str:
    from grader.errors import ImageError
    from grader.sandbox.image import expected_image_tag  # imported late: it imports the docker SDK

    try:
        return expected_image_tag()
    except ImageError:
        return ""  # installed without the Dockerfile: the tag is unknown here


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _show(value: Any) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return ", ".join(f"{k} {v}" for k, v in value)
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value or "none")
