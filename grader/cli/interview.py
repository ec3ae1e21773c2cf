"""``grader interview``: the interviewer's guide, scorecard templates, and checking scorecards.

A thin layer over :mod:`grader.interview` (rubrics, scorecards) and
:mod:`grader.reports.interview_guide` (the guide). Exit codes: 0 done; 1 ``check`` found scorecards that
cannot be used (or none at all); 2 usage error (an unknown question id, no question chosen, a
template that would overwrite a file); 3 the bank's rubrics are missing or malformed.

Nothing here scores an answer: interviewers do, on the rubrics; these commands print the rubrics
and check what the interviewers wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.atomic import write_text_atomically
from grader.bank import load_bank
from grader.cli.errors import translate_errors
from grader.cli.progress import printable
from grader.errors import BankError, QuestionNotFound
from grader.interview import Rubric, load_rubrics, load_scorecards, merge_all, rubric_dir, select_questions, template
from grader.reports.interview_guide import GUIDE_HTML, GUIDE_MD, TEMPLATE, Guide, render_html, render_markdown


def bank_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--bank", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
        help="Exercise bank folder; its rubrics are in BANK/../interview (default: the bundled interview/).",
    )(function)


def question_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``-q/--question`` (repeatable) and ``--all``."""
    function = click.option("--all", "all_questions", is_flag=True, help="Every question of the bank.")(function)
    return click.option(
        "--question", "-q", "questions", multiple=True,
        help="Question id (basic-2-stemming), short id (basic-2) or section (behavioural); repeatable, "
             "or separated by commas. `grader interview list` shows them.",
    )(function)


def chosen(bank: Path | None, questions: tuple[str, ...], all_questions: bool) -> list[Rubric]:
    """The rubrics asked for, in the order given; a usage error when none or an unknown one is asked for."""
    rubrics = load_rubrics(rubric_dir(bank))
    if all_questions:
        return list(rubrics.values())
    if not questions:
        raise click.UsageError("choose questions with -q ID (repeatable) or --all; `grader interview list` "
                               "shows the ids")
    try:
        return select_questions(rubrics, questions)
    except QuestionNotFound as exc:
        raise click.BadParameter(str(exc), param_hint="'-q' / '--question'") from None


@click.group(name="interview")
def interview_group() -> None:
    """Interview scorecards: rubrics, the interviewer's guide, and checking scorecards.

    The spoken and behavioural questions are scored by people, on the rubrics in interview/;
    nothing is scored automatically. Add the scorecards to a batch with
    `grader batch ... --scorecards DIR`. See docs/interview.md.
    """


@interview_group.command(name="list")
@bank_option
@translate_errors
def list_command(bank: Path | None) -> None:
    """List the interview's questions: id, minutes and title.

    Example: grader interview list
    """
    section = ""
    for rubric in load_rubrics(rubric_dir(bank)).values():
        if rubric.section != section:
            section = rubric.section
            click.echo(f"{section}:")
        click.echo(f"  {rubric.id:<38} {rubric.minutes:>2} min  {rubric.title}")


@interview_group.command(name="guide")
@question_options
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for interview-guide.md, interview-guide.html and scorecard-template.toml "
                   "(created; those files are replaced).")
@bank_option
@translate_errors
def guide_command(questions: tuple[str, ...], all_questions: bool, output: Path, bank: Path | None) -> None:
    """Write the interviewer's guide: rubrics, agenda and a blank scorecard (Markdown and HTML).

    Example: grader interview guide -q basic-2 -q intermediate-5 -q behavioural-4 -o guide/
    """
    rubrics = chosen(bank, questions, all_questions)
    guide = Guide(rubrics, exercises=_bank_slugs(bank))
    for path in write_guide(guide, output):
        click.echo(f"wrote {path}")
    click.echo(f"{len(rubrics)} question(s), about {guide.total_minutes} minutes with the welcome and the "
               "candidate's questions. Open the HTML page to read or print it.")


@interview_group.command(name="scorecard-template")
@question_options
@click.option("--candidate", default="", help="Fill in the candidate's name (the scorecards folder's name).")
@click.option("--interviewer", default="", help="Fill in the interviewer's name (the file's name).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (never over an existing file) instead of printing.")
@bank_option
@translate_errors
def template_command(questions: tuple[str, ...], all_questions: bool, candidate: str, interviewer: str,
                     output: Path | None, bank: Path | None) -> None:
    """Print (or write) a blank scorecard for the chosen questions, to fill in by hand.

    Example: grader interview scorecard-template -q basic-2,behavioural-4 --candidate alice
    --interviewer priya -o scorecards/alice/priya.toml
    """
    text = template(chosen(bank, questions, all_questions), candidate, interviewer)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists():
        raise click.UsageError(f"{output} exists: a scorecard is never overwritten; choose another path")
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("x", encoding="utf-8") as fp:
        fp.write(text)
    click.echo(f"wrote {output}")


@interview_group.command(name="check")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@bank_option
@translate_errors
def check_command(folder: Path, as_json: bool, bank: Path | None) -> None:
    """Check a folder of scorecards (FOLDER/<candidate>/<interviewer>.toml); exit 1 if any is invalid.

    Lists every problem with its file and field, then each candidate's scorecards and the questions
    where interviewers are 2 levels or more apart.

    Example: grader interview check scorecards/
    """
    cards = load_scorecards(folder, load_rubrics(rubric_dir(bank)))
    interviews = merge_all(cards)
    if as_json:
        click.echo(json.dumps({
            "folder": str(folder), "files": cards.files, "valid": len(cards.scorecards),
            "problems": [p.to_dict() for p in cards.problems],
            "candidates": {name: i.to_dict() for name, i in interviews.items()},
        }, indent=2, ensure_ascii=False))
    else:
        _print_check(cards.files, len(cards.scorecards), [str(p) for p in cards.problems], interviews)
    if cards.problems or not cards.files:
        raise SystemExit(1)


def _print_check(files: int, valid: int, problems: list[str], interviews: dict[str, Any]) -> None:
    for problem in problems:
        click.echo(_line(problem))
    if not files:
        click.echo("no scorecard found: expected FOLDER/<candidate>/<interviewer>.toml")
        return
    invalid = f", {files - valid} invalid (left out of a batch until fixed)" if valid < files else ""
    click.echo(f"{files} scorecard file(s): {valid} valid{invalid}")
    for name, interview in interviews.items():
        flagged = "; ".join(f"{q.rubric.id} ({q.levels_text()})" for q in interview.flagged)
        calibrate = f"; calibrate: {flagged}" if flagged else ""
        click.echo(_line(f"{name}: {len(interview.opinions)} scorecard(s) ({', '.join(interview.interviewers)}), "
                         f"{len(interview.questions)} question(s), level {interview.level:.2f}/4{calibrate}"))


def _line(text: str) -> str:
    return printable(" ".join(text.split()))[:2000]


def write_guide(guide: Guide, folder: Path) -> list[Path]:
    """Write the Markdown guide, the HTML guide and the scorecard template into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {GUIDE_MD: render_markdown(guide), GUIDE_HTML: render_html(guide), TEMPLATE: template(guide.questions)}
    paths = []
    for name, text in outputs.items():
        path = folder / name
        write_text_atomically(path, lambda fp, text=text: fp.write(text))  # type: ignore[misc]
        paths.append(path)
    return paths


def _bank_slugs(bank: Path | None) -> set[str] | None:
    """The exercises of the bank, to name related ones in the guide; None when the bank cannot be read."""
    try:
        return set(load_bank(bank))
    except BankError:
        return None
