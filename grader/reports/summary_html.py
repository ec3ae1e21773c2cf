"""``report.html``: a batch's report for people, in one self-contained HTML5 file.

Sections: the batch (seed, grader version, sandboxes, counts), a sortable leaderboard, the score
distribution per exercise (inline SVG histograms), the pass rate of every hidden test across the
graded candidates (a test nobody passes may be too hard, or broken), and each candidate's details
with failure messages and captured output.

Candidate names, messages and output are hostile: every piece of text goes through :func:`esc`
(HTML-escaped, control characters removed, capped). As a second wall, a Content-Security-Policy
allows no network access at all and only the one inline script below, by its SHA-256 hash, so
even markup that slipped through could neither run script nor load anything.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import TextIO

from grader.interview import InterviewPanel
from grader.reports import interview as interviews
from grader.reports.html_text import esc
from grader.results import ExerciseResult, SubmissionResult, TestResult
from grader.summary import BINS, BatchSummary, Row, Status, TestStat

CELL_CHARS = 160
STATUS_LABELS = {Status.INFRASTRUCTURE_ERROR: "infrastructure error"}
NUM, FLAGGED = ' class="num"', ' class="flagged"'

SCRIPT = """\
"use strict";
(function () {
  function cellValue(row, index, type) {
    var cell = row.cells[index];
    var raw = cell ? cell.getAttribute("data-value") : "";
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return (raw || "").toLowerCase();
  }
  function compare(a, b, descending) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }  /* empty values last, whatever the order */
    if (b === null) { return -1; }
    var order = a < b ? -1 : 1;
    return descending ? -order : order;
  }
  function sortTable(table, key, descending) {
    var headers = table.tHead.rows[0].cells, index = -1, type = "text";
    for (var i = 0; i < headers.length; i++) {
      if (headers[i].getAttribute("data-key") === key) {
        index = i;
        type = headers[i].getAttribute("data-type");
        headers[i].setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        headers[i].removeAttribute("aria-sort");
      }
    }
    if (index < 0) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      return compare(cellValue(x, index, type), cellValue(y, index, type), descending) ||
        (Number(x.getAttribute("data-order")) - Number(y.getAttribute("data-order")));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.setAttribute("data-sorted-by", key);
    table.setAttribute("data-sort-order", descending ? "desc" : "asc");
  }
  function wire(table) {
    table.tHead.querySelectorAll("th[data-key] button").forEach(function (button) {
      button.addEventListener("click", function () {
        var header = button.parentNode, key = header.getAttribute("data-key");
        var again = table.getAttribute("data-sorted-by") === key;
        var descending = again ? table.getAttribute("data-sort-order") !== "desc"
                               : header.getAttribute("data-type") === "number";
        sortTable(table, key, descending);
      });
    });
    var initial = (table.getAttribute("data-initial-sort") || "").split(":");
    if (initial[0]) { sortTable(table, initial[0], initial[1] === "desc"); }
  }
  document.querySelectorAll("table.sortable").forEach(wire);
  var asked = /sort=([A-Za-z0-9_-]+):(asc|desc)/.exec(window.location.hash);
  if (asked) { sortTable(document.getElementById("leaderboard"), asked[1], asked[2] === "desc"); }
  document.body.setAttribute("data-ready", "1");
})();
"""

STYLE = """\
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --accent: #2f6fdb; --bad: #b3261e; --warn: #9a6700; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); }
h4 { margin: 16px 0 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
.notice { background: #fff4d6; border: 1px solid #e8c66a; padding: 8px 12px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.meter { position: relative; min-width: 90px; }
.meter span.fill { position: absolute; left: 0; top: 3px; bottom: 3px; background: #dce8fb; }
.meter span.label { position: relative; }
tr.status-invalid td { background: #fff8e5; }
tr.status-infrastructure-error td, tr.status-pending td { background: #fdecea; }
.status { font-weight: 600; } .status-invalid .status { color: var(--warn); }
.status-infrastructure-error .status, .status-pending .status { color: var(--bad); }
td.message { color: var(--muted); max-width: 360px; overflow-wrap: anywhere; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; } figure { margin: 0; }
svg.histogram rect.bar { fill: var(--accent); } svg.histogram text { font-size: 11px; fill: var(--muted); }
svg.histogram line { stroke: var(--muted); }
tr.flagged td { background: #fff4d6; }
details.candidate { border: 1px solid var(--line); margin: 6px 0; padding: 4px 10px; }
details.candidate summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f6f8; padding: 6px 8px; margin: 4px 0;
      max-height: 240px; overflow: auto; font-size: 12px; }
.outcome-passed { color: #1a7f37; } .outcome-failed, .outcome-missing, .outcome-not-implemented { color: var(--warn); }
.outcome-error, .outcome-timeout, .outcome-memory, .outcome-crashed { color: var(--bad); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""


def write(summary: BatchSummary, fp: TextIO) -> None:
    """Write the batch's report as one HTML document."""
    fp.write(render(summary))


def render(summary: BatchSummary) -> str:
    """The whole document, as a string."""
    panel = summary.interview
    sections = [_header(summary), _leaderboard(summary), interviews.section(panel) if panel else "",
                _charts(summary), _test_rates(summary), _candidates(summary)]
    version = esc(summary.settings.grader_version)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="nlp-grader {version}">\n',
        "<title>nlp-grader batch report</title>\n<style>\n", STYLE, interviews.STYLE if panel else "",
        "</style>\n</head>\n",
        f'<body data-seed="{summary.settings.seed}" data-grader-version="{version}">\n',
        *sections,
        f"<footer>nlp-grader {version} &middot; seed {summary.settings.seed} &middot; "
        f"generated {esc(summary.generated_at)}</footer>\n",
        "<script>", SCRIPT, "</script>\n</body>\n</html>\n",
    ])


def content_security_policy() -> str:
    """No network at all, inline styles, and only our own script (by hash)."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; form-action 'none'")


# --- the batch ---------------------------------------------------------------------------------

def _header(summary: BatchSummary) -> str:
    counts = summary.counts()
    told = ", ".join(f"{n} {STATUS_LABELS.get(s, s)}" for s, n in counts.items() if n)
    exercises = "; ".join(f"{esc(e.title)} ({e.points:g} points)" for e in summary.exercises)
    sandboxes = ", ".join(summary.sandboxes()) or "none yet"
    items = [("Candidates", f"{len(summary.rows)}: {esc(told)}"), ("Exercises", exercises),
             ("Seed", str(summary.settings.seed)), ("Grader", f"nlp-grader {esc(summary.settings.grader_version)}"),
             ("Sandbox", esc(sandboxes)), ("Generated", esc(summary.generated_at))]
    if summary.interview is not None:
        items.append(("Ranking", esc(interviews.ranking_text(summary.interview))))
    parts = ["<header>\n<h1>nlp-grader batch report</h1>\n<dl class=\"meta\">\n"]
    parts += [f"<dt>{label}</dt><dd>{value}</dd>\n" for label, value in items]
    parts.append("</dl>\n")
    if summary.interrupted or counts.get(Status.PENDING):
        parts.append('<p class="notice">This batch is unfinished: rerun the same <code>grader batch</code> '
                     "command to grade the pending candidates.</p>\n")
    if len(summary.sandboxes()) > 1:
        parts.append('<p class="notice">Candidates were graded in different sandboxes; compare with care.</p>\n')
    return "".join(parts) + "</header>\n"


# --- leaderboard --------------------------------------------------------------------------------

def _leaderboard(summary: BatchSummary) -> str:
    heads = [("rank", "number", "#"), ("candidate", "text", "Candidate"), ("status", "text", "Status")]
    heads += [(f"ex-{e.slug}", "number", f"{e.title} (/{e.points:g})") for e in summary.exercises]
    heads += [("total", "number", f"Total (/{summary.max_score:g})"), ("percent", "number", "%")]
    heads += interviews.leaderboard_heads(summary.interview) if summary.interview else []
    heads += [("sandbox", "text", "Sandbox"), ("message", "text", "Message")]
    header = "".join(
        f'<th data-key="{esc(key)}" data-type="{kind}"{NUM if kind == "number" else ""}>'
        f'<button type="button">{esc(label)}</button></th>' for key, kind, label in heads)
    rows = "".join(_leaderboard_row(order, row, summary) for order, row in enumerate(summary.rows))
    return ('<section id="leaderboard-section">\n<h2>Leaderboard</h2>\n'
            f'<table id="leaderboard" class="sortable" data-initial-sort="{_initial_sort(summary)}">\n'
            f"<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n")


def _leaderboard_row(order: int, row: Row, summary: BatchSummary) -> str:
    result = row.result
    cells = [
        _num_cell(row.rank, "" if row.rank is None else str(row.rank)),
        f'<td data-value="{esc(row.candidate, CELL_CHARS)}"><a href="#c-{esc(row.key)}">'
        f"{esc(row.candidate, CELL_CHARS)}</a></td>",
        f'<td class="status" data-value="{esc(row.status)}">{esc(STATUS_LABELS.get(row.status, row.status))}</td>',
    ]
    cells += [_num_cell(row.points(e.slug), _points(row.points(e.slug))) for e in summary.exercises]
    cells.append(_num_cell(result.score if result else None, _points(result.score if result else None)))
    cells.append(_percent_cell(result.percent if result else None))
    if summary.interview is not None:
        cells.append(interviews.leaderboard_cells(summary.interview, row.key))
    sandbox = result.sandbox if result else ""
    cells.append(f'<td data-value="{esc(sandbox)}">{esc(sandbox)}</td>')
    message = " ".join(row.message.split())
    cells.append(f'<td class="message" data-value="{esc(message, CELL_CHARS)}">{esc(message, CELL_CHARS)}</td>')
    return (f'<tr data-order="{order}" data-candidate="{esc(row.candidate, CELL_CHARS)}" '
            f'class="status-{esc(row.status)}">{"".join(cells)}</tr>\n')


def _initial_sort(summary: BatchSummary) -> str:
    return interviews.initial_sort(summary.interview) if summary.interview else "percent:desc"


def _num_cell(value: float | None, text: str) -> str:
    return f'<td class="num" data-value="{"" if value is None else value}">{text}</td>'


def _percent_cell(percent: float | None) -> str:
    if percent is None:
        return '<td class="num" data-value=""></td>'
    return (f'<td class="num meter" data-value="{percent:.2f}"><span class="fill" style="width:{percent:.1f}%">'
            f'</span><span class="label">{percent:.1f}%</span></td>')


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# --- charts -------------------------------------------------------------------------------------

def _charts(summary: BatchSummary) -> str:
    charts = [_histogram(f"{e.title} (/{e.points:g})", e.slug, summary.distribution(e.slug))
              for e in summary.exercises]
    if len(summary.exercises) > 1:
        charts.append(_histogram("Total", "total", summary.distribution(None)))
    graded = summary.counts().get(Status.GRADED, 0)
    return ('<section id="distribution">\n<h2>Score distribution</h2>\n'
            f"<p>Graded candidates ({graded}) by score, in tenths of the points.</p>\n"
            f'<div class="charts">\n{"".join(charts)}</div>\n</section>\n')


def _histogram(title: str, slug: str, bins: list[int]) -> str:
    """A bar chart of ``bins`` (counts per tenth of the points), as inline SVG."""
    width, height, left, bottom, top = 420, 220, 36, 28, 16
    plot_w, plot_h = width - left - 24, height - bottom - top
    tallest = max(bins + [1])
    bar_w = plot_w / BINS
    shapes = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>']
    for index, count in enumerate(bins):
        h = plot_h * count / tallest
        x, y = left + index * bar_w + 2, top + plot_h - h
        low, high = index * 100 // BINS, (index + 1) * 100 // BINS
        shapes.append(f'<rect class="bar" data-bin="{index}" data-count="{count}" x="{x:.1f}" y="{y:.1f}" '
                      f'width="{bar_w - 4:.1f}" height="{h:.1f}"><title>{low}-{high}%: {count} candidate(s)'
                      "</title></rect>")
        if count:
            shapes.append(f'<text x="{x + (bar_w - 4) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{count}</text>')
    for index in range(0, BINS + 1, 2):
        x = left + index * bar_w
        shapes.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{index * 100 // BINS}%</text>')
    label = f"{title}: score distribution"
    return (f'<figure class="chart" data-exercise="{esc(slug)}"><figcaption>{esc(title)}</figcaption>\n'
            f'<svg class="histogram" role="img" aria-label="{esc(label)}" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{"".join(shapes)}</svg>\n</figure>\n')


# --- hidden tests -------------------------------------------------------------------------------

def _test_rates(summary: BatchSummary) -> str:
    stats = summary.test_stats()
    if not stats:
        return '<section id="tests">\n<h2>Hidden tests</h2>\n<p>No candidate has been graded yet.</p>\n</section>\n'
    heads = [("exercise", "text", "Exercise"), ("test", "text", "Test"), ("points", "number", "Points"),
             ("rate", "number", "Pass rate"), ("outcomes", "text", "Outcomes"), ("note", "text", "Note")]
    header = "".join(f'<th data-key="{key}" data-type="{kind}"><button type="button">{label}</button></th>'
                     for key, kind, label in heads)
    rows = "".join(_test_row(order, stat) for order, stat in enumerate(stats))
    return ('<section id="tests">\n<h2>Hidden tests: pass rate across graded candidates</h2>\n'
            '<table id="test-rates" class="sortable">\n'
            f"<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n")


def _test_row(order: int, stat: TestStat) -> str:
    rate = stat.pass_rate or 0.0
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(stat.outcomes.items()))
    flag = stat.flag
    return (f'<tr data-order="{order}"{FLAGGED if flag else ""}>'
            f'<td data-value="{esc(stat.exercise)}">{esc(stat.exercise)}</td>'
            f'<td data-value="{esc(stat.name)}"><code>{esc(stat.name)}</code><br>{esc(stat.description)}</td>'
            f'<td class="num" data-value="{stat.max_points}">{stat.max_points:g}</td>'
            f'<td class="num meter" data-value="{rate:.4f}"><span class="fill" style="width:{100 * rate:.1f}%"></span>'
            f'<span class="label">{stat.passed}/{stat.graded} ({100 * rate:.0f}%)</span></td>'
            f'<td data-value="{esc(outcomes)}">{esc(outcomes)}</td>'
            f'<td data-value="{esc(flag)}">{esc(flag)}</td></tr>\n')


# --- candidates ---------------------------------------------------------------------------------

def _candidates(summary: BatchSummary) -> str:
    blocks = "".join(_candidate(row, summary.interview) for row in sorted(summary.rows, key=lambda r: r.candidate))
    return f'<section id="candidates">\n<h2>Candidates</h2>\n{blocks}</section>\n'


def _candidate(row: Row, panel: InterviewPanel | None = None) -> str:
    result, record = row.result, row.record
    score = f" &mdash; {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)" if result else ""
    parts = [f'<details class="candidate status-{esc(row.status)}" id="c-{esc(row.key)}">'
             f"<summary>{esc(row.candidate, CELL_CHARS)} &mdash; {esc(STATUS_LABELS.get(row.status, row.status))}"
             f"{score}</summary>\n"]
    if row.message:
        parts.append(f'<pre class="message">{esc(row.message)}</pre>\n')
    if record is not None:
        parts.append(_candidate_meta(row))
    if record is not None and record.detail:
        parts.append(f'<pre class="detail">{esc(record.detail)}</pre>\n')
    if panel is not None:
        parts.append(interviews.candidate_block(panel, row.key))
    if result is not None:
        parts.extend(_exercise(exercise) for exercise in result.exercises)
    return "".join(parts) + "</details>\n"


def _candidate_meta(row: Row) -> str:
    record = row.record
    assert record is not None
    links = ""
    if row.result is not None:
        links = (f' &middot; <a href="candidates/{esc(row.key)}/result.json">JSON</a>'
                 f' &middot; <a href="candidates/{esc(row.key)}/junit.xml">JUnit XML</a>')
    sandbox = _sandbox(row.result, record.sandbox)
    return (f'<p class="meta">{esc(record.kind)} &middot; sandbox {esc(sandbox)} &middot; seed {record.seed} '
            f"&middot; {record.duration:.1f} s &middot; {esc(record.started_at)}{links}</p>\n")


def _sandbox(result: SubmissionResult | None, fallback: str) -> str:
    return result.sandbox if result is not None else fallback


def _exercise(exercise: ExerciseResult) -> str:
    parts = [f"<h4>{esc(exercise.title)}: {exercise.score:g}/{exercise.max_score:g}</h4>\n"]
    if exercise.load_error:
        parts.append(f'<pre class="load-error">{esc(exercise.load_error)}</pre>\n')
    parts.append('<table class="tests">\n')
    parts.extend(_test(test, bool(exercise.load_error)) for test in exercise.tests)
    return "".join(parts) + "</table>\n"


def _test(test: TestResult, load_failed: bool) -> str:
    outcome = test.outcome.value
    details = _texts(test, load_failed)
    return (f'<tr class="test outcome-{esc(outcome)}"><td class="outcome">{esc(outcome)}</td>'
            f'<td class="num">{test.points:g}/{test.max_points:g}</td>'
            f"<td>{esc(test.description or test.name)} <code>{esc(test.name)}</code>{details}</td></tr>\n")


def _texts(test: TestResult, load_failed: bool) -> str:
    """The message (unless it only repeats the load error) and the captured output."""
    shown: Iterable[tuple[str, str]] = [("msg", "" if test.passed or load_failed else test.message),
                                        ("output", test.output)]
    return "".join(f'<pre class="{kind}">{esc(text)}</pre>' for kind, text in shown if text)
