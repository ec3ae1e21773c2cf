"""``grader validate``: prove a bank sound, printing one line per check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.bank import load_bank, secret_paths, select
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option, exercise_option, sandbox_option, use_color
from grader.grading import new_seed
from grader.sandbox.choose import choose_backend
from grader.validate import Check, validate_exercise


@click.command(name="validate")
@exercise_option("Only these exercises.")
@sandbox_option
@click.option("--seed", type=int, default=None, help="Seed for the randomised cases.")
@bank_option
@translate_errors
def validate_command(exercises: tuple[str, ...], sandbox: str, seed: int | None, bank: Path | None) -> None:
    """Prove the bank sound: references 100%, stubs 0%, known-wrong variants lose points.

    Example: grader validate --sandbox process
    """
    backend, warning = choose_backend(sandbox, hide=secret_paths(bank))
    if warning:
        click.echo(warning, err=True)
    run_seed = seed if seed is not None else new_seed()
    click.echo(f"validating with seed {run_seed} in the {backend.name} sandbox")
    checks: list[Check] = []
    for exercise in select(load_bank(bank), exercises):
        checks += validate_exercise(exercise, backend, run_seed, on_check=_print_check)
    failed = [c for c in checks if not c.ok]
    click.echo(f"\n{len(checks) - len(failed)} checks passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


def _print_check(check: Check) -> None:
    mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
    click.echo(f"{mark} {check.exercise:<18} {check.subject:<28} {check.expectation}: {check.detail}",
               color=use_color())
