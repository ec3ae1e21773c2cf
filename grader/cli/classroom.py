"""``grader classroom init``: a GitHub Classroom template repository (:mod:`grader.integrations.classroom`)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.errors import translate_errors
from grader.cli.options import chosen_exercises, ensure_empty_folder, exercises_options, output_folder
from grader.integrations.classroom import init_template
from grader.results import Feedback


@click.group(name="classroom")
def classroom_group() -> None:
    """GitHub Classroom: a template repository graded by nlp-grader in Actions."""


@classroom_group.command(name="init")
@exercises_options
@output_folder
@click.option("--grader-repo", required=True, metavar="OWNER/NAME",
              help="GitHub repository holding nlp-grader and the bank, checked out by the workflow.")
@click.option("--grader-ref", default="main", show_default=True, help="Branch, tag or commit of it.")
@click.option("--bank-path", default="exercises", show_default=True, help="The bank's folder in that repository.")
@click.option("--token-secret", default="NLP_GRADER_TOKEN", show_default=True,
              help="Secret with read access, when that repository is private.")
@click.option("--feedback", type=click.Choice([f.value for f in Feedback]), default="summary", show_default=True,
              help="What students see of each hidden test.")
@translate_errors
def init_command(exercises: tuple[str, ...], bank: Path | None, output: Path, grader_repo: str, grader_ref: str,
                 bank_path: str, token_secret: str, feedback: str) -> None:
    """Write a GitHub Classroom template repository: stubs, statements, public tests, workflow.

    Example: grader classroom init -e tfidf --grader-repo my-org/nlp-grader -o tfidf-assignment/
    """
    if grader_repo.count("/") != 1:
        raise click.BadParameter("give OWNER/NAME", param_hint="--grader-repo")
    chosen = chosen_exercises(bank, exercises)
    ensure_empty_folder(output)
    init_template(chosen, output, repo=grader_repo, ref=grader_ref, bank_path=bank_path, secret=token_secret,
                  feedback=feedback)
    click.echo(f"wrote the template repository to {output}")
    click.echo(f"The workflow checks out {grader_repo}@{grader_ref}; if it is private, give the students' "
               f"repositories an organization secret {token_secret} that can read it.")
    click.echo("Students control their repository and its workflow: for grades that count, regrade their "
               "repositories yourself with the docker sandbox (docs/integrations.md).")
