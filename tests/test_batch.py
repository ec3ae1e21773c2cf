"""``grader batch``: many candidates, parallel sandboxes, resumable results, CSV and HTML reports.

The first half runs in the ``process`` sandbox on the tiny ``adder`` bank (seconds per batch): kinds
of candidates, resume, seeds, faults, Ctrl-C, kill -9, hiding other candidates, the summaries and
the HTML report in headless Chromium. The second half (marked ``docker``) grades a generated batch
of 40 candidates of the real cosine_similarity exercise in Docker, kills a batch with SIGKILL
halfway and resumes it, and checks that no container is left behind.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from junitparser import JUnitXml

from grader.batch.candidates import discover
from grader.batch.run import BatchRequest, run_batch
from grader.batch.worker import grade_candidate
from grader.cli.main import main
from grader.cli.progress import ProgressDisplay, clock, describe
from grader.errors import BatchConflict
from grader.reports.summary_csv import text_cell
from grader.sandbox.process_backend import isolation_available
from grader.summary import Status, display_names

from .conftest import DATA, MINI_BANK, OUTPUT, ROOT
from .test_archive import make_zip, unix_info

GRADER = Path(sys.executable).with_name("grader")
ADDER = DATA / "reference" / "adder.py"
ADDER_STUB = MINI_BANK / "adder" / "stub.py"
SUBTRACTS = MINI_BANK / "adder" / "tests" / "wrong" / "subtracts.py"
COSINE = ROOT / "exercises" / "cosine_similarity"
HOSTILE = Path(__file__).parent / "hostile"
HOSTILE_OUTPUT = ("<script>document.body.id='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
                  "</pre></details><h1>owned</h1>")
SLOW_ADDER = ADDER.read_text() + "\n\nimport time\n_add = add\n\n\ndef add(a, b):\n    time.sleep(0.7)\n" \
                                  "    return _add(a, b)\n"


# --- helpers ------------------------------------------------------------------------------------

def read_csv(results: Path) -> list[dict[str, str]]:
    with (results / "summary.csv").open(encoding="utf-8-sig", newline="") as fp:
        return list(csv.DictReader(fp))


def by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Rows by candidate: as summary.csv names them (without .py or .zip), and by their entries' names."""
    names = [row["candidate"] for row in rows]
    assert len(names) == len(set(names)), "a candidate appears twice in summary.csv"
    found = {row["candidate"]: row for row in rows}
    for row in rows:
        for suffix in (".py", ".zip"):
            found.setdefault(row["candidate"] + suffix, row)
    return found


def start_batch(*args: Any) -> subprocess.Popen[str]:
    """``grader batch`` in its own process group, as a terminal's shell runs a foreground job
    (stdout not a TTY). Ctrl-C is restored: a test run started in the background, with SIGINT
    ignored, would otherwise pass that on and the batch would rightly ignore Ctrl-C."""
    return subprocess.Popen([str(GRADER), "batch", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=_ctrl_c_as_in_a_terminal)  # noqa: PLW1509 - a test, no threads at stake


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (workers, docker clients, process sandboxes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def command_lines(pids: set[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return lines


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def finished_count(results: Path) -> int:
    folder = results / "candidates"
    return sum(1 for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else 0


class Recorder:
    """A Progress that remembers what it was told."""

    def __init__(self) -> None:
        self.begun: tuple[int, int, int] | None = None
        self.briefs: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def begin(self, total: int, done: int, todo: int) -> None:
        self.begun = (total, done, todo)

    def finished(self, brief: dict[str, Any]) -> None:
        self.briefs.append(brief)

    def tick(self) -> None:
        pass

    def note(self, message: str) -> None:
        self.notes.append(message)


def adder_batch(subs: Path, results: Path, **kwargs: Any) -> tuple[Any, Recorder]:
    recorder = Recorder()
    options = {"bank": MINI_BANK, "sandbox": "process", "jobs": 2, "seed": 5, **kwargs}
    task = options.pop("task", grade_candidate)
    summary = run_batch(BatchRequest(subs, results, **options), recorder, task=task)
    return summary, recorder


def populate_adder_batch(subs: Path) -> None:
    """One candidate of every kind the batch handles, for the adder bank."""
    subs.mkdir(parents=True)
    shutil.copy(ADDER, subs / "alice.py")
    shutil.copy(ADDER_STUB, subs / "bob.py")
    (subs / "carol").mkdir()
    shutil.copy(SUBTRACTS, subs / "carol" / "adder.py")
    (subs / "dave").mkdir()
    shutil.copy(ADDER, subs / "dave" / "my_answer.py")  # a lone .py, whatever its name
    make_zip(subs / "erin.zip", [("erin/", b""), ("erin/adder.py", ADDER.read_bytes()), ("__MACOSX/x", b"")])
    make_zip(subs / "frank.zip", [("adder.py", ADDER.read_bytes()), ("../escape.py", b"x = 1\n")])
    make_zip(subs / "gina.zip", [(unix_info("adder.py", 0o120777), b"/etc/passwd")])
    (subs / "hugo.py").write_text("def add(a, b):\n    return a +\n")
    (subs / "ines.py").write_text("")
    (subs / "jack.py").write_bytes(b"\x00\x01binary\xff")
    (subs / "kim.txt").write_text("not a submission")
    (subs / "=1+1.py").write_text(ADDER.read_text())
    (subs / "<img src=x onerror=alert(1)>.py").write_text(
        f"print({HOSTILE_OUTPUT!r})\n\n\ndef add(a, b):\n    print({HOSTILE_OUTPUT!r})\n    return a + b\n")
    (subs / "link.py").symlink_to(ADDER)
    (subs / ".DS_Store").write_text("ignored")


EXPECTED_ADDER = {  # candidate: (status, total or None, words in the message)
    "alice.py": (Status.GRADED, 10, ""),
    "bob.py": (Status.GRADED, 0, ""),
    "carol": (Status.GRADED, None, ""),
    "dave": (Status.GRADED, 10, ""),
    "erin.zip": (Status.GRADED, 10, ""),
    "frank.zip": (Status.INVALID, 0, "climbs out"),
    "gina.zip": (Status.INVALID, 0, "symbolic link"),
    "hugo.py": (Status.GRADED, 0, "syntax error"),
    "ines.py": (Status.INVALID, 0, "empty"),
    "jack.py": (Status.INVALID, 0, "binary"),
    "kim.txt": (Status.INVALID, 0, "not a folder"),
    "=1+1.py": (Status.GRADED, 10, ""),
    "<img src=x onerror=alert(1)>.py": (Status.GRADED, None, ""),
    "link.py": (Status.INVALID, 0, "symbolic link"),
}


@pytest.fixture(scope="module")
def adder_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """One finished process-sandbox batch of every kind of candidate, shared by the tests below."""
    root = tmp_path_factory.mktemp("adder-batch")
    populate_adder_batch(root / "subs")
    summary, _ = adder_batch(root / "subs", root / "results")
    return root / "subs", root / "results", summary


# --- candidates ---------------------------------------------------------------------------------

def test_discovery_names_each_kind_and_skips_dot_files_and_the_results(tmp_path: Path) -> None:
    populate_adder_batch(tmp_path / "subs")
    (tmp_path / "subs" / "results").mkdir()
    found = {c.name: c for c in discover(tmp_path / "subs", exclude=[tmp_path / "subs" / "results"])}
    assert ".DS_Store" not in found and "results" not in found
    assert {found[n].kind for n in ("alice.py", "carol", "erin.zip", "kim.txt", "link.py")} == \
        {"file", "folder", "zip", "other", "symlink"}
    assert found["alice.py"].key == "alice.py"
    weird = found["<img src=x onerror=alert(1)>.py"].key
    assert "<" not in weird and "/" not in weird and not weird.startswith(".")
    assert len({c.key for c in found.values()}) == len(found)


# --- one batch, every kind of candidate ---------------------------------------------------------

def test_every_candidate_gets_exactly_one_row_with_the_right_verdict(adder_run) -> None:
    _, results, summary = adder_run
    rows = by_name(read_csv(results))
    shown = dict(zip(EXPECTED_ADDER, display_names(list(EXPECTED_ADDER)), strict=True))  # without .py or .zip
    assert {r["candidate"] for r in read_csv(results)} == {text_cell(name) for name in shown.values()}
    for name, (status, total, words) in EXPECTED_ADDER.items():
        row = rows[text_cell(shown[name])]
        assert row["status"] == status, (name, row)
        if total is not None:
            assert float(row["total"]) == total, (name, row)
        assert words in row["message"], (name, row["message"])
        assert row["sandbox"] == "process" and row["seed"] == "5"
    assert 0 < float(rows["carol"]["total"]) < 10
    verdicts = {name: rows[text_cell(shown[name])]["verdict"] for name in EXPECTED_ADDER}
    assert verdicts == {**dict.fromkeys(EXPECTED_ADDER, "graded"), "bob.py": "not-attempted",
                        "ines.py": "not-attempted", "hugo.py": "does-not-load", "jack.py": "does-not-load",
                        "frank.zip": "invalid", "gina.zip": "invalid", "kim.txt": "invalid", "link.py": "invalid"}
    assert summary.counts()[Status.GRADED] == 8 and summary.counts()[Status.INVALID] == 6


def test_the_csv_never_hands_a_spreadsheet_a_formula(adder_run) -> None:
    _, results, _ = adder_run
    raw = (results / "summary.csv").read_text(encoding="utf-8")
    assert raw.startswith("\ufeffrank,candidate,")  # the byte-order mark: Excel reads UTF-8
    assert ",'=1+1,graded," in raw and ",=1+1," not in raw


def test_each_candidate_has_a_json_and_a_junit_report(adder_run) -> None:
    _, results, _ = adder_run
    for key in ("alice.py", "carol", "erin.zip", "frank.zip"):
        folder = results / "candidates" / key
        report = json.loads((folder / "result.json").read_text())
        assert report["schema_version"] == 1 and report["seed"] == 5
        suite = next(iter(JUnitXml.fromfile(str(folder / "junit.xml"))))
        properties = {p.name: p.value for p in suite.properties()}
        assert float(properties["score"]) == report["score"]
        assert json.loads((folder / "status.json").read_text())["candidate"] == key
    erin = json.loads((results / "candidates" / "erin.zip" / "result.json").read_text())
    assert erin["exercises"][0]["submitted_file"] == "erin.zip/erin/adder.py"


def test_zips_are_extracted_under_the_results_and_cleaned_up(adder_run) -> None:
    subs, results, _ = adder_run
    assert not (subs.parent / "escape.py").exists() and not (results / "escape.py").exists()
    assert sorted(p.name for p in subs.iterdir() if p.suffix == ".zip") == ["erin.zip", "frank.zip", "gina.zip"]
    assert not any((results / ".work").glob("*-*")), "extracted archives must not outlive the grading"


def test_summary_json_has_rows_tests_and_settings(adder_run) -> None:
    _, results, _ = adder_run
    data = json.loads((results / "summary.json").read_text())
    assert data["batch"]["seed"] == 5 and data["batch"]["grader_version"]
    assert len(data["candidates"]) == len(EXPECTED_ADDER)
    assert data["candidates"][0]["rank"] == 1 and data["candidates"][0]["percent"] == 100.0
    tests = {t["name"]: t for t in data["tests"]}
    assert set(tests) == {"test_small_integers", "test_random_floats", "test_rejects_strings", "test_scale"}
    assert all(t["graded"] == 8 for t in tests.values())
    assert json.loads((results / "batch.json").read_text())["seed"] == 5


# --- the HTML report ----------------------------------------------------------------------------

class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_report_escapes_everything_a_candidate_controls(adder_run) -> None:
    _, results, _ = adder_run
    page = (results / "report.html").read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    assert tags.count("script") == 1 and "img" not in tags and tags.count("h1") == 1
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)
    assert "&lt;script&gt;document.body.id=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in page
    assert "http://" not in page and "https://" not in page and "src=" not in page.replace("src=x", "")
    assert "default-src 'none'" in page


CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


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


def leaderboard_order(dom: str) -> list[str]:
    parser = _Elements()
    parser.feed(dom)
    return [attrs["data-candidate"] or "" for tag, attrs in parser.tags if tag == "tr" and "data-candidate" in attrs]


def test_the_report_renders_and_sorts_in_headless_chromium(adder_run, tmp_path: Path) -> None:
    _, results, summary = adder_run
    url = (results / "report.html").as_uri()
    dom = chromium(url, "--dump-dom", profile=tmp_path / "profile")
    assert 'data-ready="1"' in dom, "the report's script did not run"
    assert 'data-sorted-by="percent"' in dom and 'data-sort-order="desc"' in dom
    order = leaderboard_order(dom)
    assert sorted(order) == sorted(EXPECTED_ADDER)
    percents = [summary.rows[[r.candidate for r in summary.rows].index(name)].percent or 0 for name in order]
    assert percents == sorted(percents, reverse=True)
    assert dom.count('class="bar"') == 10 and 'class="histogram"' in dom
    assert 'id="pwned"' not in dom and "<title>pwned" not in dom and "<h1>owned</h1>" not in dom

    by_name_dom = chromium(url + "#sort=candidate:asc", "--dump-dom", profile=tmp_path / "profile")
    assert 'data-sorted-by="candidate"' in by_name_dom
    assert leaderboard_order(by_name_dom) == sorted(EXPECTED_ADDER, key=str.lower)

    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "batch-report.png"
    shot.unlink(missing_ok=True)
    chromium(url, f"--screenshot={shot}", "--window-size=1280,1800", profile=tmp_path / "profile")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


# --- resuming -----------------------------------------------------------------------------------

def test_a_resumed_batch_grades_only_what_is_missing(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "c", "d"):
        shutil.copy(ADDER, subs / f"{name}.py")
    adder_batch(subs, tmp_path / "results")
    kept = (tmp_path / "results" / "candidates" / "a.py" / "status.json").read_text()
    shutil.rmtree(tmp_path / "results" / "candidates" / "b.py")  # as if killed before it finished
    (tmp_path / "results" / "candidates" / "c.py" / "status.json").write_text("{ torn")  # unreadable
    (tmp_path / "results" / "summary.csv").unlink()

    summary, recorder = adder_batch(subs, tmp_path / "results", seed=None)

    assert recorder.begun == (4, 2, 2)
    assert sorted(b["candidate"] for b in recorder.briefs) == ["b.py", "c.py"]
    assert (tmp_path / "results" / "candidates" / "a.py" / "status.json").read_text() == kept
    rows = read_csv(tmp_path / "results")
    assert {r["candidate"] for r in rows} == {"a", "b", "c", "d"} and {r["total"] for r in rows} == {"10"}
    assert summary.settings.seed == 5  # the stored seed, although none was given


def test_the_seed_is_kept_and_a_conflicting_one_refused(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    first, _ = adder_batch(subs, tmp_path / "results", seed=None)
    seed = json.loads((tmp_path / "results" / "batch.json").read_text())["seed"]
    assert first.settings.seed == seed
    with pytest.raises(BatchConflict, match=f"seed {seed}, not {seed + 1}"):
        adder_batch(subs, tmp_path / "results", seed=seed + 1)
    with pytest.raises(BatchConflict, match="limits"):
        adder_batch(subs, tmp_path / "results", seed=None, limits={"call_seconds": 1.0})

    forced, recorder = adder_batch(subs, tmp_path / "results", seed=seed + 1, force=True)
    assert forced.settings.seed == seed + 1 and len(recorder.briefs) == 1
    assert json.loads((tmp_path / "results" / "candidates" / "a.py" / "status.json").read_text())["seed"] == seed + 1
    assert first.settings.batch_id != forced.settings.batch_id


def test_force_regrades_everyone(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    shutil.copy(ADDER_STUB, subs / "b.py")
    adder_batch(subs, tmp_path / "results")
    _, again = adder_batch(subs, tmp_path / "results")
    assert again.begun == (2, 2, 0) and not again.briefs
    _, forced = adder_batch(subs, tmp_path / "results", force=True)
    assert forced.begun == (2, 0, 2) and len(forced.briefs) == 2


def test_records_of_an_interrupted_force_are_not_taken_for_done(tmp_path: Path) -> None:
    """--force gives the batch a new id; results of the old id are regraded even without --force."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    shutil.copy(ADDER, subs / "b.py")
    adder_batch(subs, tmp_path / "results")
    settings = json.loads((tmp_path / "results" / "batch.json").read_text())
    settings["batch_id"] = "a-forced-run-that-was-killed"
    (tmp_path / "results" / "batch.json").write_text(json.dumps(settings))
    _, recorder = adder_batch(subs, tmp_path / "results")
    assert recorder.begun == (2, 0, 2)


def test_ranks_share_ties_and_put_errors_and_pending_last() -> None:
    from grader.results import ExerciseResult, Outcome, SubmissionResult, TestResult
    from grader.summary import CandidateRecord, Row, rank

    def row(name: str, points: float | None, status: str = Status.GRADED) -> Row:
        if points is None:
            record = None if status == Status.PENDING else CandidateRecord(name, name, "file", status, 1, ["x"])
            return Row(name, name, "file", record)
        test = TestResult("t", Outcome.PASSED if points else Outcome.FAILED, points, 10)
        result = SubmissionResult(name, [ExerciseResult("x", "X", [test], 10)], 1, "process", "0")
        return Row(name, name, "file", CandidateRecord(name, name, "file", status, 1, ["x"], result=result))

    ranked = rank([row("e", None, Status.INFRASTRUCTURE_ERROR), row("b", 5), row("p", None, Status.PENDING),
                   row("a", 10), row("c", 5), row("d", 0, Status.INVALID)])
    assert [(r.candidate, r.rank) for r in ranked] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None),
                                                      ("p", None)]


# --- faults -------------------------------------------------------------------------------------

def dies_on_killer(candidate) -> dict[str, Any]:
    """A task whose worker process dies on one candidate, as a crashing judge would."""
    if candidate.name == "killer.py":
        os._exit(3)
    return grade_candidate(candidate)


def raises_on_buggy(candidate) -> dict[str, Any]:
    if candidate.name == "buggy.py":
        raise RuntimeError("a grader bug")
    return grade_candidate(candidate)


def test_a_worker_that_dies_is_retried_alone_then_reported(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "killer", "c", "d"):
        shutil.copy(ADDER, subs / f"{name}.py")
    summary, _ = adder_batch(subs, tmp_path / "results", task=dies_on_killer)
    rows = by_name(read_csv(tmp_path / "results"))
    assert rows["killer.py"]["status"] == Status.INFRASTRUCTURE_ERROR and "died" in rows["killer.py"]["message"]
    assert all(rows[f"{n}.py"]["status"] == Status.GRADED and rows[f"{n}.py"]["total"] == "10" for n in "abcd")
    assert summary.counts()[Status.INFRASTRUCTURE_ERROR] == 1


def test_a_grader_bug_is_an_infrastructure_error_and_the_batch_goes_on(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "buggy", "b"):
        shutil.copy(ADDER, subs / f"{name}.py")
    adder_batch(subs, tmp_path / "results", task=raises_on_buggy)
    rows = by_name(read_csv(tmp_path / "results"))
    assert rows["buggy.py"]["status"] == Status.INFRASTRUCTURE_ERROR and "a grader bug" in rows["buggy.py"]["message"]
    assert rows["a.py"]["status"] == rows["b.py"]["status"] == Status.GRADED
    # The next run retries the infrastructure error, and only it.
    _, recorder = adder_batch(subs, tmp_path / "results")
    assert recorder.begun == (3, 2, 1)
    assert by_name(read_csv(tmp_path / "results"))["buggy.py"]["status"] == Status.GRADED


def test_a_broken_bank_is_an_infrastructure_error_on_every_candidate_and_exit_3(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI_BANK, bank)
    shutil.copytree(DATA / "reference", tmp_path / "reference")
    (bank / "adder" / "tests" / "hidden" / "test_adder.py").write_text("def broken(:\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    shutil.copy(ADDER, subs / "b.py")
    result = CliRunner().invoke(main, ["batch", str(subs), "-o", str(tmp_path / "results"), "--bank", str(bank),
                                       "--sandbox", "process", "--jobs", "2"])
    assert result.exit_code == 3, result.output
    assert "infrastructure error" in result.output
    rows = read_csv(tmp_path / "results")
    assert [r["status"] for r in rows] == [Status.INFRASTRUCTURE_ERROR] * 2
    assert "could not be collected" in rows[0]["message"]


# --- the command line ---------------------------------------------------------------------------

def test_the_command_prints_plain_progress_lines_and_exit_codes(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ADDER, subs / "a.py")
    shutil.copy(ADDER_STUB, subs / "b.py")
    args = ["batch", str(subs), "-o", str(tmp_path / "results"), "--bank", str(MINI_BANK), "--sandbox", "process",
            "--jobs", "2", "--seed", "9"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "[1/2] " in result.output and "[2/2] " in result.output and "ETA" in result.output
    assert "wrote" in result.output and "summary.csv" in result.output
    conflict = CliRunner().invoke(main, [*args[:-1], "10"])
    assert conflict.exit_code == 2 and "--force" in conflict.output
    missing = CliRunner().invoke(main, ["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "r")])
    assert missing.exit_code == 2


def test_the_live_bar_shows_done_total_elapsed_and_eta() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, live=True, color=False)
    display.begin(total=4, done=1, todo=3)
    display.finished({"candidate": "a\x1b[2J.py", "status": Status.GRADED, "score": 5, "max_score": 10, "percent": 50.0,
                      "duration": 1.0})
    text = stream.getvalue()
    assert "\r[##############--------------] 2/4  50%" in text and "ETA" in text
    assert "\x1b[2J" not in text and "a?[2J.py: graded 5/10 (50.0%)" in text
    display.close()
    assert clock(3725) == "1:02:05" and clock(65) == "1:05"
    assert "invalid" in describe({"candidate": "x", "status": Status.INVALID, "message": "bad\nzip", "duration": 0})


# --- stopping: Ctrl-C and kill -9 ---------------------------------------------------------------

def slow_batch(subs: Path, count: int) -> None:
    subs.mkdir(parents=True)
    for index in range(count):
        (subs / f"slow{index:02d}.py").write_text(SLOW_ADDER)


def test_ctrl_c_stops_cleanly_and_the_rerun_finishes(tmp_path: Path) -> None:
    subs, results = tmp_path / "subs", tmp_path / "results"
    slow_batch(subs, 8)
    args = (subs, "-o", results, "--bank", MINI_BANK, "--sandbox", "process", "--jobs", "2", "--seed", "3")
    batch = start_batch(*args)
    try:
        wait_for(lambda: finished_count(results) >= 1, 120, "a first result")
        family = descendants(batch.pid)
        assert family, "the batch should have worker processes"
        os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = batch.communicate(timeout=60)
    finally:
        with_kill(batch)
    assert batch.returncode == 130, output
    assert "interrupted" in output
    wait_for(lambda: not alive(family), 15, "the workers and their sandboxes to be gone")
    rows = by_name(read_csv(results))
    assert len(read_csv(results)) == 8 and Status.PENDING in {r["status"] for r in rows.values()}

    rerun = subprocess.run([str(GRADER), "batch", *map(str, args)], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    rows = by_name(read_csv(results))
    assert {r["status"] for r in rows.values()} == {Status.GRADED} and {r["total"] for r in rows.values()} == {"10"}


def test_workers_of_a_batch_killed_with_sigkill_do_not_linger(tmp_path: Path) -> None:
    subs, results = tmp_path / "subs", tmp_path / "results"
    slow_batch(subs, 6)
    batch = start_batch(subs, "-o", results, "--bank", MINI_BANK, "--sandbox", "process", "--jobs", "2")
    try:
        wait_for(lambda: finished_count(results) >= 1, 120, "a first result")
        family = descendants(batch.pid)
        batch.kill()  # the parent only: its workers are orphaned
        batch.wait(timeout=10)
    finally:
        with_kill(batch)
    wait_for(lambda: not alive(family), 20, "orphaned workers and sandboxes to stop")


WATCH = """
import os, subprocess, sys, time
from grader.batch import worker
if sys.argv[1] == "poll":
    del os.pidfd_open  # as on a kernel before 5.3
batch = subprocess.Popen(["sleep", "60"])
worker._watch_batch(batch.pid)
time.sleep(0.3)
print("watching", flush=True)
batch.kill()
if sys.argv[1] == "poll":
    batch.wait()  # polling sees a process once it is reaped; a pidfd sees it end
time.sleep(10)
print("still running")
"""


@pytest.mark.parametrize("how", ["pidfd", "poll"])
def test_a_worker_stops_when_the_batchs_process_ends(how: str) -> None:
    """The batch's process is not the worker's parent (the forkserver is): the worker watches it."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", WATCH, how], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "watching" and done.returncode == 1, (done.stdout, done.stderr)
    assert time.monotonic() - started < 8


def with_kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- the process sandbox hides other candidates and the results ---------------------------------

@pytest.fixture()
def outside_tmp() -> Iterator[Path]:
    """A folder outside /tmp (which the process sandbox hides anyway): the hiding must be the batch's."""
    (ROOT / "out").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="batch-hide-", dir=ROOT / "out"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not isolation_available(), reason="no mount namespaces here: the process sandbox cannot hide")
def test_the_process_sandbox_sees_neither_other_candidates_nor_results(outside_tmp: Path) -> None:
    subs, results = outside_tmp / "subs", outside_tmp / "results"
    subs.mkdir()
    (subs / "victim.py").write_text("SECRET = 'victim-secret-4711'\n" + ADDER.read_text())
    spy = f"""
import os

def add(a, b):
    for path in ({str(subs)!r}, {str(results)!r}):
        try:
            print("LIST", path, sorted(os.listdir(path)))
        except OSError as exc:
            print("LIST", path, "denied", type(exc).__name__)
    try:
        print("READ", open({str(subs / "victim.py")!r}).read())
    except OSError as exc:
        print("READ denied", type(exc).__name__)
    return a + b
"""
    (subs / "spy.py").write_text(spy)
    adder_batch(subs, results)
    report = json.loads((results / "candidates" / "spy.py" / "result.json").read_text())
    output = "".join(t["output"] for e in report["exercises"] for t in e["tests"])
    assert "LIST" in output and "READ" in output
    assert "victim-secret-4711" not in output and "victim.py" not in output and "candidates" not in output


# --- Docker: 40 candidates, kill -9 and resume ---------------------------------------------------

WRONG = sorted((COSINE / "tests" / "wrong").glob("*.py"))[:10]  # the bank holds dozens: ten keep 40 candidates
ALTERNATIVES = sorted((COSINE / "tests" / "alternative").glob("*.py"))
REFERENCE = ROOT / "reference" / "cosine_similarity.py"
# Hostile cases that end within seconds in Docker; each must score under 100%.
FAST_HOSTILE = ["read_hidden_tests", "import_the_answers", "walk_the_stack", "patch_the_checkers",
                "fake_pass_output", "lying_objects", "nan_everywhere", "import_time_exit", "network_exfiltration",
                "exit_mid_test"]  # exit_mid_test: a sandbox that dies in the middle of a test
DOCKER_SEED = 1234


def populate_cosine_batch(subs: Path) -> dict[str, tuple[str, str]]:
    """40 candidates: correct, wrong, hostile and broken. Returns candidate -> (expected status, words)."""
    subs.mkdir(parents=True)
    expected: dict[str, tuple[str, str]] = {}

    def add(name: str, status: str = Status.GRADED, words: str = "") -> None:
        expected[name] = (status, words)

    shutil.copy(REFERENCE, subs / "reference.py")
    add("reference.py")
    for path in ALTERNATIVES:
        shutil.copy(path, subs / f"alt_{path.name}")
        add(f"alt_{path.name}")
    (subs / "ref_folder").mkdir()
    shutil.copy(REFERENCE, subs / "ref_folder" / "cosine_similarity.py")
    add("ref_folder")
    make_zip(subs / "ref_zipped.zip", [("take-home/", b""), ("take-home/cosine_similarity.py", REFERENCE.read_bytes()),
                                       ("take-home/NOTES.md", b"# my notes\n")])
    add("ref_zipped.zip")
    (subs / "lone_file_folder").mkdir()
    shutil.copy(REFERENCE, subs / "lone_file_folder" / "solution.py")  # the folder's only .py, any name
    add("lone_file_folder")
    shutil.copy(COSINE / "stub.py", subs / "stub.py")
    add("stub.py")
    make_zip(subs / "wrong_zipped.zip", [("cosine_similarity.py", WRONG[0].read_bytes())])
    add("wrong_zipped.zip")
    for path in WRONG:
        shutil.copy(path, subs / f"wrong_{path.name}")
        add(f"wrong_{path.name}")
    for name in FAST_HOSTILE:
        shutil.copy(HOSTILE / f"{name}.py", subs / f"hostile_{name}.py")
        add(f"hostile_{name}.py")
    broken: dict[str, tuple[str, str]] = {
        "broken_syntax.py": (Status.GRADED, "syntax error"),
        "broken_empty.py": (Status.INVALID, "empty"),
        "broken_binary.py": (Status.INVALID, "binary"),
        "broken_latin1.py": (Status.INVALID, "UTF-8"),
        "broken_slip.zip": (Status.INVALID, "climbs out"),
        "broken_symlink.zip": (Status.INVALID, "symbolic link"),
        "broken_absolute.zip": (Status.INVALID, "absolute path"),
        "broken_bomb.zip": (Status.INVALID, "zip bomb"),
        "broken_not_a_zip.zip": (Status.INVALID, "cannot be read"),
        "broken_empty_folder": (Status.INVALID, "holds none"),
    }
    (subs / "broken_syntax.py").write_text("def cosine_similarity(a, b)\n    return 1\n")
    (subs / "broken_empty.py").write_text("\n\n")
    (subs / "broken_binary.py").write_bytes(bytes(range(256)))
    (subs / "broken_latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    make_zip(subs / "broken_slip.zip", [("cosine_similarity.py", REFERENCE.read_bytes()),
                                        ("../../etc/evil.py", b"x = 1\n")])
    make_zip(subs / "broken_symlink.zip", [(unix_info("cosine_similarity.py", 0o120777), b"/etc/shadow")])
    make_zip(subs / "broken_absolute.zip", [("/tmp/evil.py", b"x = 1\n")])
    make_zip(subs / "broken_bomb.zip", [("cosine_similarity.py", b"#" * (20 * 1024 * 1024))])
    (subs / "broken_not_a_zip.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (subs / "broken_empty_folder").mkdir()
    expected.update(broken)
    assert len(expected) == 40, len(expected)
    return expected


@pytest.fixture(scope="module")
def cosine_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 40-candidate batch, graded once without interruption in Docker (--jobs 2)."""
    root = tmp_path_factory.mktemp("cosine-batch")
    expected = populate_cosine_batch(root / "subs")
    started = time.monotonic()
    done = subprocess.run([str(GRADER), "batch", str(root / "subs"), "-o", str(root / "results"),
                           "-e", "cosine_similarity", "--sandbox", "docker", "--jobs", "2",
                           "--seed", str(DOCKER_SEED), "--call-seconds", "3"],
                          capture_output=True, text=True, timeout=1800)
    return {"root": root, "expected": expected, "run": done, "seconds": time.monotonic() - started}


def single_grade(path: Path) -> float:
    from grader.bank import load_bank
    from grader.grading import grade
    from grader.sandbox.docker_backend import DockerBackend

    exercise = load_bank()["cosine_similarity"]
    return grade(path, [exercise], DockerBackend(), seed=DOCKER_SEED, overrides={"call_seconds": 3},
                 explicit=True).score


@pytest.mark.docker
def test_docker_batch_of_40_gives_every_candidate_its_verdict(cosine_batch: dict[str, Any]) -> None:
    run, root = cosine_batch["run"], cosine_batch["root"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    print(f"40 candidates in {cosine_batch['seconds']:.0f} s with --jobs 2")
    rows = by_name(read_csv(root / "results"))
    assert {r["candidate"] for r in read_csv(root / "results")} == set(display_names(list(cosine_batch["expected"])))
    for name, (status, words) in cosine_batch["expected"].items():
        row = rows[name]
        assert row["status"] == status, (name, row)
        assert words in row["message"], (name, row["message"])
        assert row["sandbox"] == "docker" and row["seed"] == str(DOCKER_SEED)
    correct = ["reference.py", "ref_folder", "ref_zipped.zip", "lone_file_folder",
               *[f"alt_{p.name}" for p in ALTERNATIVES]]
    assert all(float(rows[name]["percent"]) == 100 for name in correct)
    assert float(rows["stub.py"]["total"]) == 0
    assert all(float(rows[f"wrong_{p.name}"]["percent"]) < 100 for p in WRONG)
    assert rows["wrong_zipped.zip"]["total"] == rows[f"wrong_{WRONG[0].name}"]["total"]
    assert all(float(rows[f"hostile_{n}.py"]["percent"]) < 100 for n in FAST_HOSTILE)
    assert all(float(rows[name]["total"]) == 0 for name, (status, _) in cosine_batch["expected"].items()
               if status == Status.INVALID)
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(root / "results" / "report.html", OUTPUT / "batch-report-docker.html")


@pytest.mark.docker
def test_docker_batch_scores_match_single_gradings(cosine_batch: dict[str, Any]) -> None:
    rows = by_name(read_csv(cosine_batch["root"] / "results"))
    subs = cosine_batch["root"] / "subs"
    for name in ("reference.py", "stub.py", f"wrong_{WRONG[0].name}", f"wrong_{WRONG[-1].name}"):
        assert float(rows[name]["total"]) == single_grade(subs / name), name


def docker_client():
    import docker

    return docker.from_env()


def containers_owned_by(pids: set[int]) -> list[str]:
    from grader.sandbox.docker_backend import LABEL_OWNER_PID, LABEL_SANDBOX

    found = docker_client().api.containers(all=True, filters={"label": f"{LABEL_SANDBOX}=1"})
    return [c["Names"][0] for c in found if int((c.get("Labels") or {}).get(LABEL_OWNER_PID, "0")) in pids]


@pytest.mark.docker
def test_docker_batch_killed_with_sigkill_resumes_to_the_same_scores(cosine_batch: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    reference = by_name(read_csv(cosine_batch["root"] / "results"))
    subs, results = tmp_path / "subs", tmp_path / "results"
    subs.mkdir()
    # Not double_loop_matrix: it is too slow by design, so its score depends on the machine's load.
    steady = [p for p in WRONG if p.stem != "double_loop_matrix"]
    chosen = ["reference.py", "ref_zipped.zip", "stub.py", *[f"wrong_{p.name}" for p in steady[:7]],
              "hostile_walk_the_stack.py", "hostile_lying_objects.py", "broken_syntax.py", "broken_slip.zip",
              "broken_symlink.zip", "broken_empty.py"]
    for name in chosen:
        shutil.copy(cosine_batch["root"] / "subs" / name, subs / name)
    args = (subs, "-o", results, "-e", "cosine_similarity", "--sandbox", "docker", "--jobs", "2",
            "--seed", DOCKER_SEED, "--call-seconds", "3")

    batch = start_batch(*args)
    family: set[int] = set()
    try:
        wait_for(lambda: finished_count(results) >= 4, 600, "some results")
        family = descendants(batch.pid) | {batch.pid}
        os.killpg(batch.pid, signal.SIGKILL)
        batch.wait(timeout=30)
    finally:
        with_kill(batch)
    graded_before = finished_count(results)
    assert graded_before < len(chosen), "the batch finished before it could be killed: kill it sooner"

    rerun = subprocess.run([str(GRADER), "batch", *map(str, args)], capture_output=True, text=True, timeout=1200)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"{graded_before} already done" in rerun.stdout
    rows = by_name(read_csv(results))
    assert {r["candidate"] for r in read_csv(results)} == set(display_names(list(chosen)))
    for name in chosen:
        for column in ("status", "cosine_similarity", "total", "percent"):
            assert rows[name][column] == reference[name][column], (name, column, rows[name], reference[name])
    assert not containers_owned_by(family), "the killed batch's containers were not swept"


@pytest.mark.docker
def test_docker_batch_ctrl_c_leaves_no_containers(tmp_path: Path) -> None:
    subs, results = tmp_path / "subs", tmp_path / "results"
    subs.mkdir()
    for index in range(4):
        shutil.copy(REFERENCE, subs / f"candidate{index}.py")
    batch = start_batch(subs, "-o", results, "-e", "cosine_similarity", "--sandbox", "docker", "--jobs", "2")
    try:
        wait_for(lambda: bool(containers_owned_by(descendants(batch.pid))), 300, "a running sandbox container")
        family = descendants(batch.pid)
        os.killpg(batch.pid, signal.SIGINT)
        output, _ = batch.communicate(timeout=120)
    finally:
        with_kill(batch)
    assert batch.returncode == 130, output
    assert not containers_owned_by(family | {batch.pid})
    # A `docker run` client caught while its container was starting ends once the sweep removed it.
    wait_for(lambda: not alive(family), 15, f"processes to end: {command_lines(alive(family))}")
