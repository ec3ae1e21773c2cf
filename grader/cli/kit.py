"""``grader kit``: write a candidate kit (:mod:`grader.integrations.kit`)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.errors import translate_errors
from grader.cli.options import chosen_exercises, ensure_empty_folder, exercises_options, output_folder
from grader.integrations.kit import build_kit


@click.command(name="kit")
@exercises_options
@output_folder
@click.option("--submit", "submit", default=None,
              help="How to submit, for the README ({files} stands for the files to send).")
@click.option("--rules", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A Markdown file of rules to use instead of the default ones.")
@translate_errors
def kit_command(exercises: tuple[str, ...], bank: Path | None, output: Path, submit: str | None,
                rules: Path | None) -> None:
    """Write a candidate kit: statements, stubs, public tests and a README; no hidden test.

    Example: grader kit -e cosine_similarity -e tfidf -o kit/
    """
    chosen = chosen_exercises(bank, exercises)
    ensure_empty_folder(output)
    build_kit(chosen, output, submit=submit, rules=rules.read_text(encoding="utf-8") if rules else None)
    click.echo(f"wrote the kit for {', '.join(e.slug for e in chosen)} to {output}")
