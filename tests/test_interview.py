"""Interview scorecards (docs/interview.md): rubrics, the guide, scorecards, and a batch that merges them.

Real files in tmp_path, the real CLI through click's CliRunner, and a real two-candidate batch of
the tiny ``adder`` bank in the process sandbox with three hand-written scorecards (one malformed),
whose report is parsed and, where Chromium is installed, rendered.
"""

from __future__ import annotations

import csv
import html.parser
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli.main import main
from grader.interview import (
    CandidateRef,
    QuestionNotFound,
    RubricError,
    WeightsError,
    build_panel,
    load_rubrics,
    load_scorecards,
    parse_weights,
    rubric_dir,
    select_questions,
    template,
)
from grader.reports.interview_guide import Guide, render_markdown

from .conftest import DATA, MINI_BANK, OUTPUT, ROOT

RUBRICS = ROOT / "interview"
SHORT_IDS = [f"{section}-{n}" for section in ("basic", "intermediate", "advanced", "behavioural") for n in range(1, 6)]
PLANNED_EXERCISES = {"stemming", "tfidf", "word2vec", "rnn", "seq2seq", "attention", "transformer",
                     "training_at_scale", "fine_tuning", "compression", "cosine_similarity", "beam_search"}
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def run(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rubrics() -> dict:
    return load_rubrics(RUBRICS)


class Elements(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text under chosen elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


# --- the rubrics ----------------------------------------------------------------------------------

def test_the_bank_has_one_rubric_per_question_of_the_interview(rubrics) -> None:
    assert [r.short_id for r in rubrics.values()] == SHORT_IDS
    assert rubric_dir() == RUBRICS
    assert rubric_dir(MINI_BANK) == DATA / "interview"  # a private bank keeps them beside itself


@pytest.mark.parametrize("short_id", SHORT_IDS)
def test_every_rubric_is_complete_for_interviewers(rubrics, short_id: str) -> None:
    rubric = next(r for r in rubrics.values() if r.short_id == short_id)
    assert rubric.question.endswith("?") or rubric.question.endswith(".")
    assert len(set(rubric.levels)) == 4 and all(len(text) > 60 for text in rubric.levels[1:])
    assert rubric.level(4).startswith("All of level 3"), "levels build on each other"
    assert len(rubric.probes) >= 3 and len(rubric.follow_ups) >= 3 and len(rubric.red_flags) >= 2
    assert 3 <= rubric.minutes <= 10
    assert set(rubric.related_exercises) <= PLANNED_EXERCISES
    if rubric.behavioural:
        assert [part for part, _ in rubric.structure] == ["situation", "action", "result", "reflection"]
        assert "at most 2" in rubric.level(2), "a hypothetical answer is capped"
    else:
        assert not rubric.structure


def test_the_coding_questions_score_the_explanation_only(rubrics) -> None:
    for short_id, slug in (("intermediate-4", "cosine_similarity"), ("advanced-4", "beam_search")):
        rubric = next(r for r in rubrics.values() if r.short_id == short_id)
        assert rubric.related_exercises == (slug,) and "not whether the code is correct" in rubric.note


def test_a_broken_rubric_folder_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path / "basic-1-x.toml", 'id = "basic-1-y"\ntitle = "T"\nsection = "advanced"\nminutes = 0\n'
          'question = "Q?"\nprobes = []\nfollow_ups = ["f"]\nred_flags = ["r"]\ncolour = "red"\n'
          '[levels]\n1 = "a"\n2 = "b"\n4 = "d"\n5 = "e"\n')
    write(tmp_path / "behavioural-2-y.toml", 'id = "behavioural-2-y"\ntitle = "T"\nsection = "behavioural"\n'
          'minutes = 5\nquestion = "Q?"\nprobes = ["p"]\nfollow_ups = ["f"]\nred_flags = ["r"]\n'
          'related_exercise = "Not A Slug"\n[levels]\n1 = "a"\n2 = "b"\n3 = "c"\n4 = "d"\n')
    write(tmp_path / "basic-3-z.toml", "id = [")
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    text = str(caught.value)
    for expected in ("basic-1-x.toml: colour: unknown field", "basic-1-x.toml: id: 'basic-1-y' differs from the file",
                     "basic-1-x.toml: section: 'advanced' does not match", "basic-1-x.toml: minutes: must be",
                     "basic-1-x.toml: probes: must be a non-empty list", "basic-1-x.toml: levels.3: missing",
                     "basic-1-x.toml: levels: unknown level(s) 5", "behavioural-2-y.toml: structure: behavioural",
                     "behavioural-2-y.toml: related_exercise: must be", "basic-3-z.toml: not a readable TOML"):
        assert expected in text
    with pytest.raises(RubricError, match="no interview rubrics"):
        load_rubrics(tmp_path / "missing")


def test_questions_are_chosen_by_id_short_id_or_section_in_the_order_given(rubrics) -> None:
    chosen = select_questions(rubrics, ["behavioural-4", "basic-2-stemming,intermediate-5", "basic-2"])
    assert [r.id for r in chosen] == ["behavioural-4-disagreement", "basic-2-stemming", "intermediate-5-attention"]
    assert len(select_questions(rubrics, ["behavioural"])) == 5
    with pytest.raises(QuestionNotFound) as caught:
        select_questions(rubrics, ["basic-9", "stemming", "intermediate-1-embedding"])
    message = str(caught.value)
    assert "'basic-9' (basic has questions 1 to 5)" in message
    assert "did you mean 'basic-2-stemming'" in message and "did you mean 'intermediate-1-embeddings'" in message


# --- scorecards -----------------------------------------------------------------------------------

GOOD = """\
candidate = "alice"
interviewer = "priya"
date = 2025-03-14
recommendation = "Strong hire"
notes = "Structured answers."

[questions.basic-2-stemming]
level = 4
evidence = "studies -> studi with Porter; lemma needs the part of speech."

[questions.behavioural-4-disagreement]
level = 2
"""


def test_a_valid_scorecard_is_read_with_its_levels_and_evidence(tmp_path: Path, rubrics) -> None:
    write(tmp_path / "scorecards" / "alice" / "priya.toml", GOOD)
    cards = load_scorecards(tmp_path / "scorecards", rubrics)
    assert cards.problems == [] and cards.files == 1
    card = cards.scorecards[0]
    assert (card.candidate, card.interviewer, card.recommendation, card.date) == ("alice", "priya", "strong-hire",
                                                                                  "2025-03-14")
    assert [(m.question, m.level) for m in card.marks] == [("basic-2-stemming", 4), ("behavioural-4-disagreement", 2)]


BROKEN = [  # (what the file changes in GOOD, the field, words of the message)
    ("questions.basic-2-steming", "questions.basic-2-steming", "unknown question 'basic-2-steming' (did you mean"),
    ("level = 4\n", "questions.basic-2-stemming.level", "5 is out of range"),
    ("level = 2\n", "questions.behavioural-4-disagreement.level", "0 (not filled in)"),
    ("level = 2\n", "questions.behavioural-4-disagreement.level", "must be a number without quotes"),
    ("level = 2\n", "questions.behavioural-4-disagreement.level", "2.5 is not a whole level"),
    ("level = 2\n", "questions.behavioural-4-disagreement.level", "missing: give 1, 2, 3 or 4"),
    ("level = 2\n", "questions.behavioural-4-disagreement.evidence", "a level 1 needs evidence"),
    ('evidence = "studies', "questions.basic-2-stemming.evidence", "a level 4 needs evidence"),
    ('"Strong hire"', "recommendation", "'maybe' is not a recommendation"),
    ('recommendation = "Strong hire"\n', "recommendation", "missing: give your overall recommendation"),
    ("notes =", "nots", "unknown field (did you mean 'notes'?)"),
    ("level = 4\n", "questions.basic-2-stemming.levle", "unknown field (did you mean 'level'?)"),
    ('candidate = "alice"', "candidate", "says 'bob' but the folder is named 'alice'"),
    ('interviewer = "priya"', "interviewer", "says 'sam' but the file is named 'priya'"),
    ('recommendation = "Strong hire"', "", "not valid TOML"),
    ("[questions.basic-2-stemming]", "questions", "no question scored"),
]
REPLACEMENTS = [
    ("questions.basic-2-stemming", "questions.basic-2-steming"),
    ("level = 4\n", "level = 5\n"),
    ("level = 2\n", "level = 0\n"),
    ("level = 2\n", 'level = "2"\n'),
    ("level = 2\n", "level = 2.5\n"),
    ("level = 2\n", ""),
    ("level = 2\n", "level = 1\n"),
    ('evidence = "studies -> studi with Porter; lemma needs the part of speech."', 'evidence = "  "'),
    ('"Strong hire"', '"maybe"'),
    ('recommendation = "Strong hire"\n', ""),
    ("notes =", "nots ="),
    ("level = 4\n", "levle = 4\n"),
    ('candidate = "alice"', 'candidate = "bob"'),
    ('interviewer = "priya"', 'interviewer = "sam"'),
    ('recommendation = "Strong hire"', "recommendation = hire"),
    (None, None),
]


@pytest.mark.parametrize(("case", "replacement"), list(zip(BROKEN, REPLACEMENTS, strict=True)),
                         ids=[case[2][:40] for case in BROKEN])
def test_each_mistake_is_named_with_its_file_and_field(tmp_path: Path, rubrics, case, replacement) -> None:
    _, field, words = case
    old, new = replacement
    text = GOOD[:GOOD.index("[questions")] if old is None else GOOD.replace(old, new, 1)
    write(tmp_path / "scorecards" / "alice" / "priya.toml", text)
    cards = load_scorecards(tmp_path / "scorecards", rubrics)
    assert cards.scorecards == [], "an invalid scorecard is left out whole"
    assert any(p.file == "scorecards/alice/priya.toml" and p.field == field and words in p.message
               for p in cards.problems), cards.problems


def test_hostile_values_are_problems_never_tracebacks(tmp_path: Path, rubrics) -> None:
    folder = tmp_path / "scorecards"
    write(folder / "alice" / "a.toml", 'recommendation = 3\ndate = 12:30:00\nquestions = 7\n')
    write(folder / "alice" / "b.toml", 'recommendation = "hire"\n[questions]\nbasic-2-stemming = 3\n'
          '[questions.basic-1-what-is-nlp]\nlevel = true\nevidence = 5\n')
    (folder / "alice" / "c.toml").write_bytes(b"\xff\xfe\x00bad")
    write(folder / "alice" / "d.toml", "x" * 300_000)
    write(folder / "loose.toml", GOOD)
    shutil.copy(RUBRICS / "basic-2-stemming.toml", folder / "alice" / "e.toml")
    write(folder / "alice" / "notes.txt", "ignored")
    write(folder / ".hidden" / "x.toml", "ignored")
    cards = load_scorecards(folder, rubrics)
    assert cards.scorecards == [] and cards.files == 6
    said = "\n".join(map(str, cards.problems))
    for expected in ("a.toml: recommendation: must be text", "a.toml: date: must be a date",
                     "a.toml: questions: no question scored", "b.toml: questions.basic-2-stemming: must be a block",
                     "b.toml: questions.basic-1-what-is-nlp.level: must be 1, 2, 3 or 4",
                     "b.toml: questions.basic-1-what-is-nlp.evidence: must be text", "c.toml: not UTF-8",
                     "d.toml: larger than 256 KiB", "scorecards/loose.toml: a scorecard belongs in a folder",
                     "e.toml: not a scorecard: none of its fields"):
        assert expected in said
    assert sum(p.file.endswith("/e.toml") for p in cards.problems) == 1, "a stray file is one line, not one per field"


def test_the_template_is_a_scorecard_to_fill_in(rubrics) -> None:
    questions = select_questions(rubrics, ["basic-2", "behavioural-4"])
    text = template(questions, candidate='al"ice', interviewer="priya")
    data = tomllib.loads(text)
    assert data["candidate"] == 'al"ice' and list(data["questions"]) == [q.id for q in questions]
    assert all(block == {"level": 0, "evidence": ""} for block in data["questions"].values())


def test_an_unfilled_template_says_what_is_left_to_do(tmp_path: Path, rubrics) -> None:
    write(tmp_path / "cards" / "alice" / "priya.toml", template(select_questions(rubrics, ["basic-2"])))
    problems = {p.field: p.message for p in load_scorecards(tmp_path / "cards", rubrics).problems}
    assert set(problems) == {"recommendation", "questions.basic-2-stemming.level"}


# --- merging and weights --------------------------------------------------------------------------

def test_weights_are_read_normalised_and_checked() -> None:
    assert parse_weights("coding=0.6,interview=0.4").describe() == "coding 60% + interview 40%"
    assert parse_weights(" coding = 3 , interview = 2 ").coding == pytest.approx(0.6)
    assert parse_weights("interview=1").coding == 0
    for bad, words in (("coding=0.6;interview=0.4", "not a number"), ("coding", "is not KEY=NUMBER"),
                       ("speed=1", "is not KEY=NUMBER"), ("coding=-1", "0 or more"), ("coding=nan", "finite"),
                       ("coding=0,interview=0", "add up to 0"), ("coding=1,coding=2", "given twice"), ("", "add up")):
        with pytest.raises(WeightsError, match=words):
            parse_weights(bad)


def card(level_a: int, level_b: int, evidence: str = "noted") -> str:
    return (f'recommendation = "hire"\n[questions.basic-2-stemming]\nlevel = {level_a}\nevidence = "{evidence}"\n'
            f'[questions.basic-5-tfidf]\nlevel = {level_b}\nevidence = "{evidence}"\n')


def test_merging_means_spreads_calibration_and_the_combined_score(tmp_path: Path, rubrics) -> None:
    folder = tmp_path / "scorecards"
    write(folder / "alice" / "priya.toml", card(4, 3))
    write(folder / "alice" / "sam.toml", card(2, 2))
    write(folder / "bob" / "priya.toml", card(1, 1))
    write(folder / "zoe" / "priya.toml", card(3, 3))
    refs = [CandidateRef("alice.zip", "alice.zip", 50.0), CandidateRef("bob", "bob", 100.0),
            CandidateRef("carol.py", "carol.py", 80.0)]
    panel = build_panel(load_scorecards(folder, rubrics), refs, parse_weights("coding=0.5,interview=0.5"))
    alice = panel.interview("alice.zip")
    assert alice is not None and [q.mean for q in alice.questions] == [3.0, 2.5]
    assert [q.needs_calibration for q in alice.questions] == [True, False]  # 4 vs 2 is flagged, 3 vs 2 is not
    assert alice.level == pytest.approx(2.75) and alice.percent == pytest.approx(175 / 3)
    assert panel.combined("alice.zip") == pytest.approx(0.5 * 50 + 0.5 * 175 / 3)
    assert panel.combined("bob") == pytest.approx(50.0)  # level 1 is 0%
    assert panel.combined("carol.py") is None  # no scorecard is not a zero
    assert [str(p) for p in panel.problems] == ["scorecards/zoe/: no candidate 'zoe' in this batch: its 1 "
                                                "scorecard(s) are not used"]
    assert [(key, q.rubric.id) for key, q in panel.flagged()] == [("alice.zip", "basic-2-stemming")]
    ambiguous = build_panel(load_scorecards(folder, rubrics), [CandidateRef("bob.py", "bob.py", 1.0),
                                                               CandidateRef("bob.zip", "bob.zip", 2.0)])
    assert any("matches several candidates (bob.py, bob.zip)" in str(p) for p in ambiguous.problems)
    assert ambiguous.combined("bob.py") is None  # no weights: nothing is combined


# --- the command line ------------------------------------------------------------------------------

def test_the_guide_is_written_as_markdown_html_and_a_template(tmp_path: Path) -> None:
    result = run("interview", "guide", "-q", "basic-2,intermediate-5", "-q", "behavioural-4", "-o", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert "3 question(s), about 30 minutes" in result.output
    page = (tmp_path / "g" / "interview-guide.html").read_text(encoding="utf-8")
    tags = parse(page)
    assert not any(tag == "script" for tag, _ in tags) and "http://" not in page and "https://" not in page
    csp = next(attrs["content"] for tag, attrs in tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp and "script-src" not in csp
    articles = [attrs["data-question"] for tag, attrs in tags if tag == "article"]
    assert articles == ["basic-2-stemming", "intermediate-5-attention", "behavioural-4-disagreement"]
    levels = [attrs["data-level"] for tag, attrs in tags if tag == "tr" and "data-level" in attrs]
    assert levels == ["1", "2", "3", "4"] * 3
    assert sum(1 for tag, attrs in tags if tag == "tr" and "data-question" in attrs) == 3  # the blank scorecard
    assert "Listen for" in page and "Situation" in page and "@media print" in page
    markdown = (tmp_path / "g" / "interview-guide.md").read_text(encoding="utf-8")
    assert "### basic-2: Stemming versus lemmatization (5 min)" in markdown and "| 0:25 | 5 |" in markdown
    filled = tomllib.loads((tmp_path / "g" / "scorecard-template.toml").read_text(encoding="utf-8"))
    assert list(filled["questions"]) == articles


def test_guide_text_from_a_private_bank_is_escaped(tmp_path: Path, rubrics) -> None:
    rubric = next(iter(rubrics.values()))
    hostile = type(rubric)(**{**rubric.__dict__, "title": "<script>alert(1)</script>", "question": "a | b `x`"})
    guide = Guide([hostile])
    from grader.reports.interview_guide import render_html

    page = render_html(guide)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<code>x</code>" in page
    assert "a \\| b `x`" in render_markdown(guide)


def test_guide_and_template_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("interview", "guide", "-o", tmp_path / "g").exit_code == 2
    unknown = run("interview", "guide", "-q", "basic-9", "-o", tmp_path / "g")
    assert unknown.exit_code == 2 and "basic has questions 1 to 5" in unknown.output
    target = tmp_path / "cards" / "alice" / "priya.toml"
    wrote = run("interview", "scorecard-template", "-q", "basic-2", "--candidate", "alice", "--interviewer", "priya",
                "-o", target)
    assert wrote.exit_code == 0 and tomllib.loads(target.read_text())["interviewer"] == "priya"
    again = run("interview", "scorecard-template", "-q", "basic-2", "-o", target)
    assert again.exit_code == 2 and "never overwritten" in again.output
    printed = run("interview", "scorecard-template", "--all")
    assert printed.exit_code == 0 and len(tomllib.loads(printed.output)["questions"]) == 20


def test_missing_rubrics_are_a_broken_bank_exit_3(tmp_path: Path) -> None:
    shutil.copytree(MINI_BANK, tmp_path / "bank")
    result = run("interview", "list", "--bank", tmp_path / "bank")
    assert result.exit_code == 3 and "no interview rubrics at" in result.output


def test_check_exit_codes_and_messages(tmp_path: Path) -> None:
    folder = tmp_path / "scorecards"
    write(folder / "alice" / "priya.toml", card(4, 3))
    write(folder / "alice" / "sam.toml", card(2, 3))
    ok = run("interview", "check", folder)
    assert ok.exit_code == 0, ok.output
    assert "2 scorecard file(s): 2 valid" in ok.output and "calibrate: basic-2-stemming (priya 4, sam 2)" in ok.output
    write(folder / "bob" / "priya.toml", card(7, 1, evidence=""))
    bad = run("interview", "check", folder)
    assert bad.exit_code == 1
    assert "scorecards/bob/priya.toml: questions.basic-2-stemming.level: 7 is out of range" in bad.output
    assert "scorecards/bob/priya.toml: questions.basic-5-tfidf.evidence: missing" in bad.output
    assert "3 scorecard file(s): 2 valid, 1 invalid" in bad.output and "Traceback" not in bad.output
    as_json = json.loads(run("interview", "check", folder, "--json").output)
    assert as_json["valid"] == 2 and len(as_json["problems"]) == 2 and list(as_json["candidates"]) == ["alice"]
    (tmp_path / "empty").mkdir()
    empty = run("interview", "check", tmp_path / "empty")
    assert empty.exit_code == 1 and "no scorecard found" in empty.output


def test_batch_weights_need_scorecards_and_a_valid_text(tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    base = ["batch", tmp_path / "subs", "-o", tmp_path / "results", "--bank", MINI_BANK, "--sandbox", "process"]
    lonely = run(*base, "--weights", "coding=1")
    assert lonely.exit_code == 2 and "needs --scorecards" in lonely.output
    malformed = run(*base, "--scorecards", tmp_path / "subs", "--weights", "coding=lots")
    assert malformed.exit_code == 2 and "coding=lots: not a number" in malformed.output


# --- a real batch with scorecards ------------------------------------------------------------------

HOSTILE_NOTE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def interview_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two candidates of the adder bank graded in the process sandbox, with three scorecards (one malformed)."""
    root = tmp_path_factory.mktemp("interview-batch")
    shutil.copytree(MINI_BANK, root / "bank")
    shutil.copytree(DATA / "reference", root / "reference")
    shutil.copytree(RUBRICS, root / "interview")
    write(root / "subs" / "alice.py", (DATA / "reference" / "adder.py").read_text())  # 100% coding
    write(root / "subs" / "bob.py", (MINI_BANK / "adder" / "stub.py").read_text())  # 0% coding
    cards = root / "scorecards"
    write(cards / "alice" / "priya.toml", 'recommendation = "no-hire"\n[questions.basic-2-stemming]\nlevel = 1\n'
          f'evidence = "{HOSTILE_NOTE}"\n[questions.behavioural-4-disagreement]\nlevel = 3\n')
    write(cards / "bob" / "priya.toml", 'recommendation = "strong hire"\nnotes = "Best answers this week."\n'
          '[questions.basic-2-stemming]\nlevel = 4\nevidence = "over-stemming: universe/university"\n'
          "[questions.behavioural-4-disagreement]\nlevel = 2\n")
    write(cards / "bob" / "sam.toml", 'recommendation = "hire"\n[questions.basic-2-stemming]\nlevel = 4\n'
          'evidence = "POS-dependent lemmas"\n[questions.behavioural-4-disagreement]\nlevel = 4\n'
          'evidence = "agreed the metric first"\n')
    write(cards / "bob" / "kim.toml", 'recommendation = "hire"\n[questions.basic-2-stemming]\nlevel = 9\n')
    args = ["batch", root / "subs", "-o", root / "results", "--bank", root / "bank", "--sandbox", "process",
            "--jobs", "1", "--seed", "7", "--scorecards", cards, "--weights", "coding=0.2,interview=0.8"]
    result = run(*args)
    return {"root": root, "results": root / "results", "result": result, "args": args}


def test_a_batch_with_scorecards_runs_and_reports_the_malformed_one(interview_batch) -> None:
    result = interview_batch["result"]
    assert result.exit_code == 0, result.output
    assert "interviews: 3 of 4 scorecard file(s) used, for 2 candidate(s); ranking: coding 20% + interview 80%" \
        in result.output
    assert "not used: scorecards/bob/kim.toml: questions.basic-2-stemming.level: 9 is out of range" in result.output
    assert "calibrate: bob, behavioural-4-disagreement (priya 2, sam 4)" in result.output
    assert "1. bob" in result.output  # the interviews outweigh the coding score at these weights


def test_the_csv_and_json_carry_the_interviews(interview_batch) -> None:
    results = interview_batch["results"]
    with (results / "summary.csv").open(encoding="utf-8-sig", newline="") as fp:
        rows = {row["candidate"]: row for row in csv.DictReader(fp)}
    bob, alice = rows["bob"], rows["alice"]  # names without .py
    assert (bob["rank"], alice["rank"]) == ("1", "2")
    assert bob["interview:basic-2-stemming"] == "4.00" and bob["interview:behavioural-4-disagreement:levels"] == \
        "priya=2; sam=4"
    assert bob["interview_level"] == "3.50" and bob["combined_percent"] == f"{0.8 * 2.5 / 3 * 100:.2f}"
    assert alice["combined_percent"] == f"{0.2 * 100 + 0.8 * 1 / 3 * 100:.2f}"
    assert bob["calibrate"] == "behavioural-4-disagreement" and bob["recommendations"] == "priya=strong-hire; sam=hire"
    assert alice["percent"] == "100.00"  # the coding percent stays what it was
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    assert summary["interview"]["weights"] == {"coding": 0.2, "interview": 0.8}
    assert summary["interview"]["problems"][0]["file"] == "scorecards/bob/kim.toml"
    by_name = {c["candidate"]: c for c in summary["candidates"]}
    ratings = by_name["alice.py"]["interview"]["questions"][0]["ratings"]
    assert ratings == [{"interviewer": "priya", "level": 1, "evidence": HOSTILE_NOTE}]


def test_the_report_shows_levels_notes_flags_and_weights_safely(interview_batch) -> None:
    page = (interview_batch["results"] / "report.html").read_text(encoding="utf-8")
    tags = parse(page)
    assert [tag for tag, _ in tags].count("script") == 1 and not any(tag == "img" for tag, _ in tags)
    keys = [attrs["data-key"] for tag, attrs in tags if tag == "th" and "data-key" in attrs]
    assert keys[keys.index("percent") + 1:keys.index("sandbox")] == [
        "iq-basic-2-stemming", "iq-behavioural-4-disagreement", "interview", "combined"]
    assert 'data-initial-sort="combined:desc"' in page
    assert "coding 20% + interview 80% (--weights)" in page
    assert "Nothing here is scored automatically" in page
    assert page.count('<tr class="calibrate">') == 1  # the calibration list
    assert "scorecards/bob/kim.toml" in page and "9 is out of range" in page
    assert 'id="i-bob.py"' in page and "over-stemming: universe/university" in page
    assert "Best answers this week." in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page


def test_rerunning_with_other_weights_or_none_regrades_nothing(interview_batch) -> None:
    args = interview_batch["args"]
    coding_only = run(*args[:-2])
    assert coding_only.exit_code == 0 and "grading 0" in coding_only.output
    assert "ranking: coding score only" in coding_only.output and "1. alice" in coding_only.output
    page = (interview_batch["results"] / "report.html").read_text(encoding="utf-8")
    assert 'data-initial-sort="percent:desc"' in page and 'data-key="combined"' not in page
    assert run(*args).exit_code == 0  # back to the weighted report for the tests that follow


def chromium(url: str, *flags: str, profile: Path) -> str:
    if CHROMIUM is None:
        if os.environ.get("GRADER_REQUIRE_CHROMIUM") == "1":
            pytest.fail("GRADER_REQUIRE_CHROMIUM=1 but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium: apt-get install chromium (GRADER_REQUIRE_CHROMIUM=1 makes this a failure)")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={profile}", *flags, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_report_and_the_guide_render_in_headless_chromium(interview_batch, tmp_path: Path) -> None:
    url = (interview_batch["results"] / "report.html").as_uri()
    dom = chromium(url, "--dump-dom", profile=tmp_path / "profile")
    assert 'data-ready="1"' in dom and 'data-sorted-by="combined"' in dom
    order = [attrs["data-candidate"] for tag, attrs in parse(dom) if tag == "tr" and "data-candidate" in attrs]
    assert order == ["bob.py", "alice.py"]
    assert "<title>pwned" not in dom
    OUTPUT.mkdir(exist_ok=True)
    assert run("interview", "guide", "--all", "-o", tmp_path / "guide").exit_code == 0
    for name, page, size in (("interview-report.png", url, "1280,1600"),
                             ("interview-guide.png", (tmp_path / "guide" / "interview-guide.html").as_uri(),
                              "1000,2400")):
        shot = OUTPUT / name
        shot.unlink(missing_ok=True)
        chromium(page, f"--screenshot={shot}", f"--window-size={size}", profile=tmp_path / "profile")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    pdf = tmp_path / "guide.pdf"
    chromium((tmp_path / "guide" / "interview-guide.html").as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
             profile=tmp_path / "profile")
    assert pdf.read_bytes()[:5] == b"%PDF-"
