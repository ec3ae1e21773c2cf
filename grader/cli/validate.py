"""``grader validate``: prove a bank sound, printing one line per check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.bank import load_bank, secret_paths, select
from grader.cli.errors import translate_errors
from grader.cli.options import bank_option, exercise_option, sandbox_option, use_color
from grader.sandbox.choose import choose_backend
from grader.validate import Check, seed_list, validate_exercise_seeds


@click.command(name="validate")
@exercise_option("Only these exercises.")
@sandbox_option
@click.option("--seed", type=int, default=None, help="The first seed for the randomised cases (the others are fresh).")
@click.option("--seeds", "seed_count", type=click.IntRange(min=1), default=5, show_default=True,
              help="Check the graded claims on this many distinct seeds; a variant caught on some only is flaky.")
@bank_option
@translate_errors
def validate_command(exercises: tuple[str, ...], sandbox: str, seed: int | None, seed_count: int,
                     bank: Path | None) -> None:
    """Prove the bank sound: references 100%, stubs 0%, known-wrong variants lose points, on every seed.

    Example: grader validate --sandbox process --seeds 5
    """
    backend, warning = choose_backend(sandbox, hide=secret_paths(bank))
    if warning:
        click.echo(warning, err=True)
    seeds = seed_list(seed_count, seed)
    click.echo(f"validating with seed(s) {', '.join(map(str, seeds))} in the {backend.name} sandbox")
    checks: list[Check] = []
    for exercise in select(load_bank(bank), exercises):
        checks += validate_exercise_seeds(exercise, backend, seeds, on_check=_print_check)
    failed = [c for c in checks if not c.ok]
    flaky = sum(c.flaky for c in checks)
    click.echo(f"\n{len(checks) - len(failed)} checks passed, {len(failed)} failed"
               + (f" ({flaky} flaky: held on some seeds only)" if flaky else ""))
    if failed:
        sys.exit(1)


def _print_check(check: Check) -> None:
    if check.ok:
        mark = click.style("ok  ", fg="green")
    else:
        mark = click.style("FLAKY" if check.flaky else "FAIL", fg="yellow" if check.flaky else "red")
    click.echo(f"{mark} {check.exercise:<18} {check.subject:<28} {check.expectation}: {check.detail}",
               color=use_color())
