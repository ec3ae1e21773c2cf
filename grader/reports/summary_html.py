"""``report.html``: a batch's report for a hiring team, in one self-contained HTML5 file.

Sections, in the order a decision is made: the batch (seed, grader version, sandboxes, counts by
verdict), the leaderboard (ranked by score, ties by name; sortable; with each candidate's verdict,
similarity flag and the reviewers' decision and note), the interviews (with ``--scorecards``),
one section per candidate in ranking order (:mod:`grader.reports.html_candidates`: the code,
syntax-highlighted, beside why each test failed), the similarity flags
(:mod:`grader.reports.html_similarity`), the score distribution per exercise (inline SVG
histograms), and, folded, the pass rate of every hidden test across the graded candidates (a test
nobody passes may be too hard, or broken).

Printing opens every folded section (a ``beforeprint`` handler, and ``::details-content`` where
the browser has it), repeats table headers on each page and never cuts a row or a sticky header.

Candidate names, messages and output are hostile: every piece of text goes through :func:`esc`
(HTML-escaped, control characters removed, capped). As a second wall, a Content-Security-Policy
allows no network access at all and only the one inline script below, by its SHA-256 hash, so
even markup that slipped through could neither run script nor load anything.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TextIO

from grader.reports import code_view, html_candidates, html_similarity
from grader.reports import interview as interviews
from grader.reports.html_text import esc
from grader.summary import BINS, BatchSummary, Row, Status, TestStat, Verdict

CELL_CHARS = 160
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
  /* Printing: every folded section open, then as it was. */
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; reopened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
  });
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
.outcome-error, .outcome-timeout, .outcome-memory, .outcome-crashed, .outcome-forbidden { color: var(--bad); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
#leaderboard thead th { position: sticky; top: 0; background: #fff; z-index: 1; box-shadow: 0 1px 0 var(--line); }
.verdict { font-weight: 600; } .verdict.verdict-graded { color: #1a7f37; }
.verdict.verdict-not-attempted, .verdict.verdict-does-not-load { color: var(--warn); }
.verdict.verdict-timed-out, .verdict.verdict-invalid, .verdict.verdict-infrastructure-error,
.verdict.verdict-pending { color: var(--bad); }
tr.verdict-not-attempted td, tr.verdict-does-not-load td { background: #fffaf0; }
tr.verdict-timed-out td, tr.verdict-invalid td { background: #fff8e5; }
tr.verdict-infrastructure-error td, tr.verdict-pending td { background: #fdecea; }
td.flagged-similar { color: var(--bad); font-weight: 600; }
.badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 4px; padding: 0 6px;
         margin-left: 4px; background: #eef1f6; }
.badge.flag { background: #fdecea; color: var(--bad); }
.decision-advance { color: #1a7f37; } .decision-reject { color: var(--bad); } .decision-hold { color: var(--warn); }
.badge.decision-advance { background: #e6f4ea; } .badge.decision-reject { background: #fdecea; }
.badge.decision-hold { background: #fff4d6; }
details.candidate summary .rank { color: var(--muted); } details.candidate summary .verdict { margin-left: 6px; }
details.candidate summary .score { margin-left: 6px; font-variant-numeric: tabular-nums; }
p.hint, p.meta { color: var(--muted); font-size: 13px; } p.reviewer.empty { color: var(--muted); }
p.one-line { margin: 4px 0; } p.load-error { color: var(--bad); }
div.similar { background: #fdf3f2; border: 1px solid #f1c5c0; padding: 4px 10px; margin: 6px 0; }
div.similar ul { margin: 2px 0; }
.side-by-side { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; align-items: start; }
.code-pane, .tests-pane, .code-only { min-width: 0; }
p.file { margin: 4px 0; font-family: ui-monospace, monospace; font-size: 12px; }
p.tests-title { font-weight: 600; margin: 4px 0; }
ol.failures { padding-left: 20px; margin: 0; } li.failure { margin: 0 0 6px; overflow-wrap: anywhere; }
.outcome.bad { color: var(--bad); font-weight: 600; } .outcome.warn { color: var(--warn); font-weight: 600; }
.points { color: var(--muted); font-variant-numeric: tabular-nums; }
.code pre { max-height: 420px; margin: 0; font-size: 12px; white-space: pre; overflow: auto; }
.code span.linenos { color: var(--muted); background: #eef1f6; padding: 0 6px 0 2px; margin-right: 6px;
                     user-select: none; }
.code .hll { background: #ffe9a8; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.compare .pane { min-width: 0; } pre.marked { max-height: 480px; white-space: pre; overflow: auto; }
pre.marked mark { background: #ffd9d4; } pre.marked .ln { color: var(--muted); user-select: none; }
section#tests > details > summary { cursor: pointer; font-weight: 600; }
@page { margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  #leaderboard thead th { position: static; box-shadow: none; }
  thead { display: table-header-group; }
  tr, li.failure, p.one-line, .badge { break-inside: avoid; }
  h2, h3, h4, summary { break-after: avoid; }
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; }
  details.candidate { break-before: page; border: 0; padding: 0; }
  pre, .code pre, pre.marked { max-height: none; overflow: visible; white-space: pre-wrap; }
  .side-by-side, .compare { display: block; }
  th button { pointer-events: none; } th[aria-sort] button::after { content: ""; }
  #leaderboard th[data-key="sandbox"], #leaderboard td.sandbox, #leaderboard th[data-key="message"],
  #leaderboard td.message.why { display: none; }
  td.message { max-width: none; min-width: 5em; overflow-wrap: normal; }
  a { color: inherit; text-decoration: none; }
}
"""


def write(summary: BatchSummary, fp: TextIO) -> None:
    """Write the batch's report as one HTML document."""
    fp.write(render(summary))


def render(summary: BatchSummary) -> str:
    """The whole document, as a string."""
    panel = summary.interview
    sections = [_header(summary), _leaderboard(summary), interviews.section(panel) if panel else "",
                html_candidates.section(summary), html_similarity.section(summary), _charts(summary),
                _test_rates(summary)]
    version = esc(summary.settings.grader_version)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="nlp-grader {version}">\n',
        "<title>nlp-grader batch report</title>\n<style>\n", STYLE, code_view.style(),
        interviews.STYLE if panel else "",
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
    verdicts: dict[Verdict, int] = {}
    for row in summary.rows:
        verdict = summary.verdict(row)
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    told = ", ".join(f"{verdicts[v]} {v.label}" for v in Verdict if verdicts.get(v))
    exercises = "; ".join(f"{esc(e.title)} ({e.points:g} points)" for e in summary.exercises)
    sandboxes = ", ".join(summary.sandboxes()) or "none yet"
    items = [("Candidates", f"{len(summary.rows)}: {esc(told)}"), ("Exercises", exercises),
             ("Seed", str(summary.settings.seed)), ("Grader", f"nlp-grader {esc(summary.settings.grader_version)}"),
             ("Sandbox", esc(sandboxes)), ("Generated", esc(summary.generated_at))]
    if summary.interview is not None:
        items.append(("Ranking", esc(interviews.ranking_text(summary.interview))))
    else:
        items.append(("Ranking", "by total score, best first; equal scores share a rank and are listed by name"))
    if summary.similarity is not None:
        flagged = len(summary.similarity.flagged())
        items.append(("Similarity", f'<a href="#similarity">{flagged} pair(s) flagged</a>, '
                                    f"{len(summary.similarity.known)} match(es) with a known solution"))
    parts = ["<header>\n<h1>nlp-grader batch report</h1>\n<dl class=\"meta\">\n"]
    parts += [f"<dt>{label}</dt><dd>{value}</dd>\n" for label, value in items]
    parts.append("</dl>\n")
    if summary.interrupted or counts.get(Status.PENDING):
        parts.append('<p class="notice">This batch is unfinished: rerun the same <code>grader batch</code> '
                     "command to grade the pending candidates.</p>\n")
    if len(summary.sandboxes()) > 1:
        parts.append('<p class="notice">Candidates were graded in different sandboxes; compare with care.</p>\n')
    for problem in summary.decisions.problems if summary.decisions else []:
        parts.append(f'<p class="notice">{esc(problem, 600)}</p>\n')
    return "".join(parts) + "</header>\n"


# --- leaderboard --------------------------------------------------------------------------------

def _leaderboard(summary: BatchSummary) -> str:
    heads = [("rank", "number", "#"), ("candidate", "text", "Candidate"), ("status", "text", "Verdict")]
    heads += [(f"ex-{e.slug}", "number", f"{e.title} (/{e.points:g})") for e in summary.exercises]
    heads += [("total", "number", f"Total (/{summary.max_score:g})"), ("percent", "number", "%")]
    heads += interviews.leaderboard_heads(summary.interview) if summary.interview else []
    heads += [("sandbox", "text", "Sandbox"), ("similarity", "number", "Similar code"),
              ("decision", "text", "Decision"), ("note", "text", "Note"), ("message", "text", "Message")]
    header = "".join(
        f'<th data-key="{esc(key)}" data-type="{kind}"{NUM if kind == "number" else ""}>'
        f'<button type="button">{esc(label)}</button></th>' for key, kind, label in heads)
    rows = "".join(_leaderboard_row(order, row, summary) for order, row in enumerate(summary.rows))
    return ('<section id="leaderboard-section">\n<h2>Leaderboard</h2>\n'
            f'<table id="leaderboard" class="sortable" data-initial-sort="{_initial_sort(summary)}">\n'
            f"<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n")


def _leaderboard_row(order: int, row: Row, summary: BatchSummary) -> str:
    result = row.result
    verdict = summary.verdict(row)
    cells = [
        _num_cell(row.rank, "" if row.rank is None else str(row.rank)),
        f'<td data-value="{esc(row.name, CELL_CHARS)}"><a href="#c-{esc(row.key)}">'
        f"{esc(row.name, CELL_CHARS)}</a></td>",
        f'<td class="verdict verdict-{verdict}" data-value="{esc(verdict)}">{esc(verdict.label)}</td>',
    ]
    cells += [_num_cell(row.points(e.slug), _points(row.points(e.slug))) for e in summary.exercises]
    cells.append(_num_cell(result.score if result else None, _points(result.score if result else None)))
    cells.append(_percent_cell(result.percent if result else None))
    if summary.interview is not None:
        cells.append(interviews.leaderboard_cells(summary.interview, row.key))
    sandbox = result.sandbox if result else ""
    cells.append(f'<td class="sandbox" data-value="{esc(sandbox)}">{esc(sandbox)}</td>')
    cells.append(_similarity_cell(row, summary))
    decision = row.decision.decision if row.decision else ""
    note = " ".join(row.decision.note.split()) if row.decision else ""
    cells.append(f'<td class="decision-{esc(decision)}" data-value="{esc(decision, 40)}">{esc(decision, 40)}</td>')
    cells.append(f'<td class="message" data-value="{esc(note, CELL_CHARS)}">{esc(note, CELL_CHARS)}</td>')
    message = " ".join(row.message.split())
    cells.append(f'<td class="message why" data-value="{esc(message, CELL_CHARS)}">{esc(message, CELL_CHARS)}</td>')
    return (f'<tr data-order="{order}" data-candidate="{esc(row.candidate, CELL_CHARS)}" '
            f'class="status-{esc(row.status)} verdict-{verdict}">{"".join(cells)}</tr>\n')


def _similarity_cell(row: Row, summary: BatchSummary) -> str:
    report = summary.similarity
    best = report.best(row.key) if report else None
    known = report.known_for(row.key) if report else []
    if best is None and not known:
        return '<td class="num" data-value=""></td>'
    parts = []
    if best is not None:
        other = summary.row(best.other(row.key))
        parts.append(f"{100 * best.score:.0f}% {esc(other.name if other else best.other(row.key), CELL_CHARS)}")
    parts += [("= " if m.identical else f"{100 * m.share:.0f}% ") + esc(m.source) for m in known]
    value = max([best.score if best else 0.0] + [1.0 if m.identical else m.share for m in known])
    return (f'<td class="num flagged-similar" data-value="{value:.4f}" title="evidence to look at, not a verdict">'
            f'&#9873; {"<br>".join(parts)}</td>')


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
    flagged = sum(1 for stat in stats if stat.flag)
    return ('<section id="tests">\n<h2>Hidden tests: pass rate across graded candidates</h2>\n'
            f'<details><summary>{len(stats)} tests; {flagged} flagged for the bank\'s authors (nobody or everybody '
            'passes)</summary>\n<table id="test-rates" class="sortable">\n'
            f"<thead><tr>{header}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</details>\n</section>\n")


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
