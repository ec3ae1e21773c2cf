"""``grader worker check``: may this host, or every worker of a Dask cluster, grade for this client?

The same check a distributed batch runs on each worker before it grades (:mod:`grader.batch.fingerprint`),
by hand: the grader code, the bank, the judge's packages, the Docker engine and the sandbox image.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.bank import DEFAULT_BANK
from grader.batch.fingerprint import Fingerprint, HostCheck, check_host, local_fingerprint
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option, exercise_option
from grader.cli.progress import printable
from grader.errors import UsageError


@click.group(name="worker")
def worker_group() -> None:
    """Check the hosts that grade a distributed batch (grader batch --scheduler)."""


@worker_group.command(name="check")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Check every worker of this Dask scheduler (tcp://HOST:8786 or a scheduler file) against this "
                   "machine; without it, check this machine alone.")
@click.option("--sandbox", type=click.Choice(["docker", "process"]), default="docker", show_default=True,
              help="The sandbox the workers will grade in (docker needs an engine and the image on each).")
@exercise_option("Exercise slug (repeatable; default: all of the bank's exercises).")
@bank_option
@translate_errors
def check_command(scheduler: str | None, sandbox: str, exercises: tuple[str, ...], bank: Path | None) -> None:
    """Check that workers run this grader, this bank and the sandbox image; exit 1 if one cannot grade.

    Example: grader worker check --scheduler tcp://10.0.0.5:8786 -e cosine_similarity
    """
    bank_text = str(bank.resolve()) if bank is not None and bank.resolve() != DEFAULT_BANK.resolve() else None
    mine = local_fingerprint(Path(bank_text) if bank_text else None, exercises, sandbox)
    click.echo(f"this machine: {describe(mine)}")
    if scheduler is None:
        checks = {"this machine": check_host(mine, Path(bank_text) if bank_text else None, "this machine")}
    else:
        try:
            from grader.batch.distributed import check_workers
        except ImportError as exc:
            raise UsageError(f"--scheduler needs Dask ({exc}): pip install 'nlp-grader[distributed]'") from None
        checks = check_workers(scheduler, mine, bank_text)
        if not checks:
            click.echo(f"no worker is connected to {scheduler}")
            sys.exit(1)
    for host, check in checks.items():
        _show(host, check)
    if not all(check.ok for check in checks.values()):
        sys.exit(1)


def describe(fingerprint: Fingerprint) -> str:
    """One line: what a grade depends on."""
    packages = ", ".join(f"{name} {version}" for name, version in fingerprint.packages)
    image = f", image {fingerprint.image or 'unknown (no Dockerfile here)'}" if fingerprint.sandbox == "docker" else ""
    return (f"nlp-grader {fingerprint.grader_version} (code {fingerprint.code_hash}), bank {fingerprint.bank_hash} "
            f"({', '.join(fingerprint.exercises)}), {fingerprint.sandbox} sandbox{image}, Python "
            f"{fingerprint.python}, {packages}")


def _show(host: str, check: HostCheck) -> None:
    if check.ok:
        click.echo(f"{printable(host)}: ready")
        return
    click.echo(f"{printable(host)}: REFUSES to grade")
    for problem in check.problems:
        click.echo(f"  - {printable(problem)}")
