"""A batch survives any file name: names that are not valid UTF-8 are graded and reported readably.

``unzip`` of a Windows export leaves latin-1 names on disk (``M\\xfcller.py``); Python sees their
undecodable bytes as lone surrogates, which no report can encode. Each such candidate must be
graded and appear under a readable name in summary.csv, summary.json and report.html.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.names import readable_name

from .conftest import DATA, MINI_BANK

GRADER = Path(sys.executable).with_name("grader")
ADDER = DATA / "reference" / "adder.py"


def test_readable_name_keeps_utf8_and_reads_stray_bytes_as_windows_1252():
    assert readable_name("plain.py") == "plain.py"
    assert readable_name(os.fsdecode(b"M\xfcller.py")) == "Müller.py"
    assert readable_name(os.fsdecode("Jos\u00e9 ".encode() + b"M\xfcller \x81")) == "José Müller \ufffd"


def test_a_batch_grades_and_reports_names_that_are_not_utf8(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    raw = os.fsencode(submissions)
    shutil.copy(ADDER, os.fsdecode(raw + b"/M\xfcller.py"))
    folder = raw + b"/Jos\xe9"
    os.mkdir(folder)
    shutil.copy(ADDER, os.fsdecode(folder + b"/adder.py"))
    shutil.copy(MINI_BANK / "adder" / "stub.py", os.fsdecode(raw + b"/\xff\xfe stub.py"))
    results = tmp_path / "results"
    run = subprocess.run(
        [str(GRADER), "batch", str(submissions), "-o", str(results), "--bank", str(MINI_BANK),
         "--sandbox", "process", "--jobs", "2"],
        capture_output=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")

    with (results / "summary.csv").open(encoding="utf-8-sig", newline="") as fp:
        rows = {row["candidate"]: row for row in csv.DictReader(fp)}
    assert rows["Müller.py"]["percent"] == "100.00"
    assert rows["José"]["percent"] == "100.00"
    assert rows["ÿþ stub.py"]["percent"] == "0.00"
    summary = json.loads((results / "summary.json").read_bytes().decode("utf-8"))
    assert {"Müller.py", "José", "ÿþ stub.py"} <= {c["candidate"] for c in summary["candidates"]}
    page = (results / "report.html").read_bytes().decode("utf-8")
    assert "Müller.py" in page and "José" in page


def test_a_store_that_fails_costs_the_candidates_files_not_the_batch(tmp_path):
    from grader.batch.pool import _saved_brief
    from grader.summary import CandidateRecord, Status

    not_a_folder = tmp_path / "results"
    not_a_folder.write_text("a file where the results folder should be")
    record = CandidateRecord("Müller.py", "M_ller.py-1", "file", Status.INFRASTRUCTURE_ERROR, 7, ["adder"],
                             message="the grader's worker process died")
    brief = _saved_brief(not_a_folder, record)
    assert brief["candidate"] == "Müller.py"
    assert "could not be saved" in brief["message"]
