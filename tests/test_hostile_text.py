"""Candidate text cannot break a report or lie to the person reading it.

Submissions whose exception messages and printed output hold a lone surrogate, ANSI and OSC
escape sequences, raw HTML that fakes a score, and GitHub Actions workflow commands on lines of
their own are graded for real (process sandbox, through the CLI), at every feedback level and in
every format. Each report must stay valid and truthful: the JUnit XML parses, the JSON is UTF-8,
the terminal output carries no escape sequence, the Markdown (and ``$GITHUB_STEP_SUMMARY``) no raw
HTML, no line of stdout begins with candidate text, the exit status is 0 and the score is 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HOSTILE = (
    "bad \\ud800 surrogate \\x1b[2J\\x1b[31mred\\x1b]0;title\\x07 \\x1b]8;;http://x\\x1b\\\\link"
    "</table><h2>Score 100/100</h2><script>alert(1)</script>"
    "\\n::notice::all tests passed\\n::error file=x::forged\\n| fake | row |\\n# Score: 100/100\\r\\u202eevil"
)
AT_IMPORT = f'raise ValueError("{HOSTILE}")\n'
AT_CALL = f'''
import sys
def cosine_similarity(a, b):
    print("{HOSTILE}")
    print("{HOSTILE}", file=sys.stderr)
    raise ValueError("{HOSTILE}")
cosine_similarity_matrix = most_similar = cosine_similarity
'''
CONTROL = ("\x1b", "\x07", "\r", "\ud800", "\u202e")
MARKERS = ("<h2>", "</table>", "<script>", *CONTROL)


def grade(
    tmp_path: Path, source: str, feedback: str, sandbox: str = "process"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    submission = tmp_path / "cosine_similarity.py"
    submission.write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, GITHUB_OUTPUT=str(out / "github_output"), GITHUB_STEP_SUMMARY=str(out / "summary.md"))
    command = [
        str(Path(sys.executable).parent / "grader"), "grade", str(submission), "-e", "cosine_similarity",
        "--sandbox", sandbox, "--feedback", feedback, "--junit", str(out / "report.xml"),
        "--json", str(out / "report.json"), "--markdown", str(out / "report.md"), "--format", "classroom",
    ]
    result = subprocess.run(command, capture_output=True, env=env, timeout=300)
    decoded = subprocess.CompletedProcess(result.args, result.returncode,
                                          result.stdout.decode("utf-8"), result.stderr.decode("utf-8"))
    return decoded, out


CASES = [
    *[("process", where, feedback) for where in ("import", "call") for feedback in ("full", "summary", "none")],
    *[pytest.param("docker", where, "full", marks=pytest.mark.docker) for where in ("import", "call")],
]


@pytest.mark.parametrize(("sandbox", "where", "feedback"), CASES)
def test_hostile_text_leaves_every_report_valid_and_truthful(tmp_path, sandbox, where, feedback):
    run, out = grade(tmp_path, AT_IMPORT if where == "import" else AT_CALL, feedback, sandbox)
    assert run.returncode == 0, run.stderr
    for stream in (run.stdout, run.stderr):
        assert not any(marker in stream for marker in CONTROL), stream
        for line in stream.splitlines():
            assert not line.startswith(("::", "|", "#", "bad ", "</")), line

    report = json.loads((out / "report.json").read_bytes().decode("utf-8"))
    assert report["score"] == 0

    suites = ET.parse(out / "report.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in suites.iter("property")}
    assert float(properties["score"]) == 0

    for markdown in (out / "report.md", out / "summary.md"):
        text = markdown.read_text(encoding="utf-8")
        assert not any(marker in text for marker in MARKERS), text
        assert text.startswith("## Score: 0/")
        assert "Score 100/100" not in text.replace("\\", "") or "&lt;h2&gt;" in text
        assert "\n::" not in text and "\n# " not in text

    outputs = (out / "github_output").read_text(encoding="utf-8")
    assert all(line.startswith("result=") for line in outputs.splitlines()), outputs
