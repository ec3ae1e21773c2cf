"""The batch report a hiring team decides from (issue #17): ranked, with verdicts that tell cases
apart, the code beside why tests failed, similarity flags, the reviewers' decisions, and printing.

A real batch of the adder bank in the process sandbox: an original solution and a lightly edited
copy of it, the bank's reference, a copy of a known public solution, a wrong variant, an untouched
stub, a syntax error, an endless loop, and names with ``= + @`` and HTML. Its report is read as
HTML, rendered in headless Chromium (DOM and print to PDF), and rerun after the reviewers edited
``decisions.csv`` by hand.
"""

from __future__ import annotations

import csv
import html.parser
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader import decisions, similarity
from grader.cli.main import main

from .conftest import DATA, MINI_BANK, OUTPUT

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
REFERENCE = (DATA / "reference" / "adder.py").read_text()
STUB = (MINI_BANK / "adder" / "stub.py").read_text()
SUBTRACTS = (MINI_BANK / "adder" / "tests" / "wrong" / "subtracts.py").read_text()

ORIGINAL = '''\
"""My adder: careful about what counts as a number."""
import math
import numbers


def _is_plain_number(value):
    # bool is an int in Python, but True + True is not what a caller means
    if isinstance(value, bool):
        return False
    if not isinstance(value, numbers.Real):
        return False
    return not (isinstance(value, float) and math.isnan(value) and False)


def add(a, b):
    """Return a + b for two numbers; raise ValueError for anything else."""
    for position, value in enumerate((a, b)):
        if not _is_plain_number(value):
            raise ValueError(f"argument {position} is {type(value).__name__}, not a real number")
    total = a + b
    return total


def scale(values, factor):
    """Return the list of values multiplied by factor."""
    result = []
    for item in values:
        result.append(item * factor)
    return result
'''
COPIED = (ORIGINAL.replace("My adder: careful about what counts as a number.", "Adder.")
          .replace("# bool is an int in Python, but True + True is not what a caller means", "# no booleans")
          .replace("_is_plain_number", "_ok").replace("position", "i").replace("value", "x")
          .replace("result", "out").replace("item", "v").replace("total", "s"))
PUBLIC = '''\
def add(a, b):
    """Return a + b for two numbers; raise ValueError for anything else."""
    kinds = (int, float)
    if type(a) not in kinds or type(b) not in kinds:
        raise ValueError("add() wants two numbers, got %r and %r" % (type(a), type(b)))
    return a + b


def scale(values, factor):
    """Return the list of values multiplied by factor."""
    return list(map(lambda element: element * factor, values))
'''
ENDLESS = STUB.replace("raise NotImplementedError", "while True:\n        pass", 1)
CANDIDATES = {
    "alice.py": ORIGINAL, "mallory.py": COPIED, "ref.py": REFERENCE, "gus.py": PUBLIC.replace("element", "e"),
    "carol.py": SUBTRACTS, "bob.py": STUB, "=dan+@x.py": REFERENCE.replace("return a + b", "return a + b + 1"),
    "<i>eve<script>.py": "def add(a, b)\n    return a + b\n", "frank.py": ENDLESS,
}


class Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def chromium(url: str, *flags: str, profile: Path) -> str:
    if CHROMIUM is None:
        pytest.skip("no chromium: apt-get install chromium")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={profile}", *flags, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fp:
        return list(csv.DictReader(fp))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("report")
    subs, results = root / "subs", root / "results"
    subs.mkdir()
    for name, text in CANDIDATES.items():
        (subs / name).write_text(text, encoding="utf-8")
    (results / "known-solutions").mkdir(parents=True)
    (results / "known-solutions" / "adder.py").write_text(PUBLIC, encoding="utf-8")
    args = ["batch", subs, "-o", results, "--bank", MINI_BANK, "--sandbox", "process", "--jobs", "2", "--seed", "11",
            "--call-seconds", "1"]
    run = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    return {"root": root, "results": results, "args": [str(a) for a in args], "output": run.output,
            "summary": summary, "page": (results / "report.html").read_text(encoding="utf-8")}


def by_name(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in summary["candidates"]}


# --- ranking and verdicts -----------------------------------------------------------------------

def test_verdicts_tell_the_cases_apart(batch) -> None:
    verdicts = {name: c["verdict"] for name, c in by_name(batch["summary"]).items()}
    assert verdicts == {"alice": "graded", "mallory": "graded", "ref": "graded", "gus": "graded", "carol": "graded",
                        "=dan+@x": "graded", "bob": "not-attempted", "<i>eve<script>": "does-not-load",
                        "frank": "timed-out"}
    rows = {row["candidate"]: row for row in read_csv(batch["results"] / "summary.csv")}
    assert rows["bob"]["verdict"] == "not-attempted" and rows["'=dan+@x"]["verdict"] == "graded"


def test_candidates_are_ranked_by_score_then_name_everywhere(batch) -> None:
    candidates = batch["summary"]["candidates"]
    ranked = [(-(c["percent"] or 0), c["name"]) for c in candidates]
    assert ranked == sorted(ranked)
    page = batch["page"]
    leaderboard = [a["data-candidate"] for t, a in tags(page) if t == "tr" and "data-candidate" in a]
    sections = [a["data-candidate"] for t, a in tags(page) if t == "details" and "data-candidate" in a]
    assert leaderboard == sections == [c["candidate"] for c in candidates]


def test_leaderboard_and_candidates_come_first_and_the_test_rates_are_folded(batch) -> None:
    page = batch["page"]
    order = [page.index(f'id="{anchor}"') for anchor in ("leaderboard", "candidates", "similarity", "tests")]
    assert order == sorted(order)
    tests = page[page.index('<section id="tests">'):]
    assert tests.index("<details>") < tests.index('<table id="test-rates"')


def test_a_file_that_does_not_load_is_one_line_not_a_row_per_test(batch) -> None:
    page = batch["page"]
    eve = section(page, "<i>eve<script>.py")
    assert "Does not load: adder.py has a syntax error (line 1)" in eve
    assert 'class="failure' not in eve and '<span class="hll">' in eve  # the faulty line is marked
    assert "Not attempted: the stub is unchanged" in section(page, "bob.py")
    assert "No test passed:" in section(page, "frank.py")


def section(page: str, candidate: str) -> str:
    start = page.index(f'data-candidate="{html_escape(candidate)}"><summary>')
    return page[start:page.index("</details>\n", start)]


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


# --- the code -----------------------------------------------------------------------------------

def test_each_candidate_code_is_highlighted_beside_the_failing_tests(batch) -> None:
    carol = section(batch["page"], "carol.py")
    assert '<div class="side-by-side">' in carol and '<span class="linenos">' in carol
    assert '<span class="k">return</span>' in carol  # Pygments' token classes
    assert carol.index('class="code-pane"') < carol.index('class="tests-pane"')
    assert 'class="failure outcome-failed"' in carol and "expected" in carol
    results = batch["results"]
    assert f'href="{(batch["root"] / "subs" / "carol.py").as_uri()}">submission</a>' in carol
    for link in ("candidates/carol.py/files/adder.py", "candidates/carol.py/result.json",
                 "candidates/carol.py/junit.xml", "candidates/carol.py/files/"):
        assert f'href="{link}"' in carol
        assert (results / link).exists()


def test_candidate_code_and_names_cannot_break_out_of_the_report(batch) -> None:
    parsed = tags(batch["page"])
    assert [t for t, _ in parsed].count("script") == 1 and not any(t == "i" for t, _ in parsed)
    assert not any(name.startswith("on") for _, attrs in parsed for name in attrs)
    assert "&lt;i&gt;eve&lt;script&gt;" in batch["page"]


# --- similarity ---------------------------------------------------------------------------------

def test_copies_are_flagged_and_the_stub_does_not_count(batch) -> None:
    flags = batch["summary"]["similarity"]
    keys = {c["key"]: c["name"] for c in batch["summary"]["candidates"]}
    pairs = {frozenset((keys[p["a"]], keys[p["b"]])): p for p in flags["pairs"]}
    assert frozenset(("alice", "mallory")) in pairs and pairs[frozenset(("alice", "mallory"))]["score"] > 0.8
    assert not any("bob" in pair for pair in pairs), "an untouched stub is boilerplate, not a copy"
    known = {(keys[m["candidate"]], m["source"]): m for m in flags["known"]}
    assert known[("ref", "the bank's reference")]["identical"]
    assert known[("gus", "known solution adder.py")]["identical"]  # the same code, one name changed
    assert "similarity: " in batch["output"] and "not a verdict" in batch["output"]
    page = batch["page"]
    assert 'id="pair-1"' in page and "<mark>" in page and "never a penalty" in page
    row = next(r for r in read_csv(batch["results"] / "summary.csv") if r["candidate"] == "mallory")
    assert float(row["similarity"]) > 80 and row["similar_to"].startswith("alice")


def test_similarity_finds_edited_copies_but_not_different_solutions() -> None:
    files = {"adder": {"alice": ORIGINAL, "mallory": COPIED, "gus": PUBLIC, "ref": REFERENCE, "bob": STUB,
                       "bob2": STUB + "\n# started\n"}}
    report = similarity.detect(files, {"adder": STUB}, {"adder": [("the bank's reference", REFERENCE)]})
    pairs = {frozenset((p.a, p.b)) for p in report.flagged()}
    assert pairs == {frozenset(("alice", "mallory"))}
    assert [(m.candidate, m.identical) for m in report.known] == [("ref", True)]
    assert all(0 <= p.score <= 1 and p.regions_a and p.regions_b for p in report.flagged())


# --- the reviewers' decisions -----------------------------------------------------------------

def test_decisions_survive_a_regrade_and_come_back_into_the_report(batch, tmp_path) -> None:
    results = batch["results"]
    path = results / decisions.FILE
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    sheet = decisions.read(path)
    assert {row.candidate for row in sheet.rows} == {c["name"] for c in batch["summary"]["candidates"]}
    text = raw.decode("utf-8-sig")
    # A reviewer edits the file in a spreadsheet: ';' separators, a column of their own.
    edited = text.replace("candidate,decision,note,key", "candidate;decision;note;key;panel")
    lines = []
    for line in edited.splitlines()[1:]:
        cells = next(csv.reader([line]))
        if cells[0] == "alice":
            cells[1:3] = ["advance", "=SUM(A1) <b>strong</b>"]
        if cells[0] == "carol":
            cells[1:3] = ["maybe", "ask about tests"]
        lines.append(";".join(f'"{c}"' for c in cells) + ";P1")
    path.write_text("\n".join([edited.splitlines()[0], *lines]) + "\n", encoding="utf-8")
    run = CliRunner().invoke(main, [*batch["args"], "--force"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "decision 'maybe' for 'carol' is not one of advance, hold, reject" in run.output
    again = decisions.read(path)
    alice = next(r for r in again.rows if r.candidate == "alice")
    assert (alice.decision, alice.note, alice.extra) == ("advance", "=SUM(A1) <b>strong</b>", {"panel": "P1"})
    assert len(again.rows) == len(CANDIDATES)
    page = (results / "report.html").read_text(encoding="utf-8")
    assert "=SUM(A1) &lt;b&gt;strong&lt;/b&gt;" in page and "<b>strong</b>" not in page
    assert 'class="badge decision decision-advance"' in page
    row = next(r for r in read_csv(results / "summary.csv") if r["candidate"] == "alice")
    assert row["decision"] == "advance" and row["note"] == "'=SUM(A1) <b>strong</b>"
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    assert by_name(summary)["alice"]["decision"] == {"decision": "advance", "note": "=SUM(A1) <b>strong</b>"}


def test_a_formula_in_a_name_round_trips_through_the_sheet() -> None:
    sheet = decisions.DecisionSheet([decisions.Decision("=dan+@x", "hold", "@note", "k")])
    buffer = __import__("io").StringIO()
    sheet.write(buffer)
    assert "'=dan+@x" in buffer.getvalue() and "'@note" in buffer.getvalue()
    back = decisions.parse(buffer.getvalue().lstrip("\ufeff"))
    assert (back.rows[0].candidate, back.rows[0].note) == ("=dan+@x", "@note")


# --- in a browser, and on paper -----------------------------------------------------------------

def test_the_report_renders_ranked_and_prints_every_section_open(batch, tmp_path) -> None:
    url = (batch["results"] / "report.html").as_uri()
    dom = chromium(url, "--dump-dom", profile=tmp_path / "profile")
    assert 'data-ready="1"' in dom and 'data-sorted-by="percent"' in dom
    order = [a["data-candidate"] for t, a in tags(dom) if t == "tr" and "data-candidate" in a]
    assert order == [c["candidate"] for c in batch["summary"]["candidates"]]
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "batch-report-ranked.png"
    shot.unlink(missing_ok=True)
    chromium(url, f"--screenshot={shot}", "--window-size=1280,1800", profile=tmp_path / "profile")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = OUTPUT / "batch-report.pdf"
    pdf.unlink(missing_ok=True)
    chromium(url, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", profile=tmp_path / "profile")
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    # Each candidate's section starts a page when printed: closed sections would fit on one or two.
    assert data[:5] == b"%PDF-" and pages >= len(CANDIDATES), pages


def test_every_junit_report_of_the_batch_validates_against_both_schemas(batch) -> None:
    import xmlschema

    schemas = [xmlschema.XMLSchema(DATA / "schemas" / f"{name}.xsd") for name in ("junit-10", "junit-4")]
    reports = sorted((batch["results"] / "candidates").glob("*/junit.xml"))
    assert len(reports) == len(CANDIDATES)
    for report in reports:
        for schema in schemas:
            schema.validate(str(report))
        assert str(batch["root"]) not in report.read_text(encoding="utf-8")  # no local path


def test_known_solutions_inside_the_submissions_are_refused_before_grading(tmp_path) -> None:
    subs = tmp_path / "subs"
    (subs / "known").mkdir(parents=True)
    (subs / "alice.py").write_text(REFERENCE, encoding="utf-8")
    run = CliRunner().invoke(main, ["batch", str(subs), "-o", str(tmp_path / "results"), "--bank", str(MINI_BANK),
                                    "--sandbox", "process", "--known-solutions", str(subs / "known")])
    assert run.exit_code == 2 and "must not be inside the submissions folder" in run.output
    assert not (tmp_path / "results" / "candidates" / "alice.py").exists()
