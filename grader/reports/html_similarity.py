"""``report.html``: the similarity section: flagged pairs, best first, with a side-by-side view.

The pairs come from :mod:`grader.similarity` (winnowing fingerprints, the stub as boilerplate).
Each is listed with its score (the larger of the two files' shares found in the other), and the
first ``SIDE_BY_SIDE`` open on both files with the matching regions marked. Matches with the
bank's reference or a known public solution are listed too. All of it is evidence for a person,
never a penalty: the report says so where the flags are.
"""

from __future__ import annotations

from grader.reports import code_view
from grader.reports.html_text import esc
from grader.similarity import PairMatch
from grader.summary import BatchSummary

CELL_CHARS = 160
SIDE_BY_SIDE = 40  # pairs shown side by side; the table lists them all


def section(summary: BatchSummary) -> str:
    """The similarity section (an explanation when the flags could not be computed)."""
    report = summary.similarity
    title = '<section id="similarity">\n<h2>Similarity flags</h2>\n'
    intro = ('<p class="human">Pairs of candidates whose code for an exercise is alike, found with '
             "winnowing fingerprints (as MOSS): names, comments and layout do not hide a copy, and the exercise's "
             "stub does not count. This is evidence for a person to look at, never a penalty: nothing here "
             "changes a score. Small exercises have few ways to be solved; read the code before concluding.</p>\n")
    if report is None:
        return title + intro + "<p>The flags could not be computed for this batch (see the batch's output).</p>\n" \
            "</section>\n"
    pairs = report.flagged()
    told = (f"<p>{report.files} file(s) compared in {report.seconds:.1f} s; a pair is flagged when one file has "
            f"at least {100 * report.threshold:.0f}% of its code in the other. {len(pairs)} pair(s) flagged"
            + (f", and {report.more} more not listed (the most alike are)" if report.more else "") + ".</p>\n")
    parts = [title, intro, told, _pairs_table(summary, pairs), _known_table(summary)]
    parts += [_side_by_side(summary, number, pair) for number, pair in enumerate(pairs[:SIDE_BY_SIDE], start=1)]
    return "".join(parts) + "</section>\n"


def _name(summary: BatchSummary, key: str) -> str:
    row = summary.row(key)
    return row.name if row else key


def _pairs_table(summary: BatchSummary, pairs: list[PairMatch]) -> str:
    if not pairs:
        return "<p>No pair of candidates is flagged.</p>\n"
    rows = "".join(
        f'<tr data-order="{n}"><td class="num">{n}</td><td class="num" data-value="{p.score:.4f}">'
        f"{100 * p.score:.0f}%</td><td>{esc(p.exercise)}</td>"
        f'<td><a href="#c-{esc(p.a)}">{esc(_name(summary, p.a), CELL_CHARS)}</a> ({100 * p.share_a:.0f}%)</td>'
        f'<td><a href="#c-{esc(p.b)}">{esc(_name(summary, p.b), CELL_CHARS)}</a> ({100 * p.share_b:.0f}%)</td>'
        f"<td>{_view_link(n)}</td></tr>\n" for n, p in enumerate(pairs, start=1))
    return ('<table id="similar-pairs">\n<thead><tr><th class="num">#</th><th class="num">Score</th><th>Exercise</th>'
            "<th>Candidate (share of their code found in the other's)</th><th>Candidate</th><th></th></tr></thead>\n"
            f"<tbody>\n{rows}</tbody>\n</table>\n")


def _view_link(number: int) -> str:
    return f'<a href="#pair-{number}">side by side</a>' if number <= SIDE_BY_SIDE else ""


IDENTICAL = "identical (up to comments, names, strings and layout)"


def _known_table(summary: BatchSummary) -> str:
    report = summary.similarity
    if report is None or not report.known:
        return "<p>No submission matches the bank's reference or a known solution.</p>\n"
    rows = "".join(
        f'<tr><td><a href="#c-{esc(m.candidate)}">{esc(_name(summary, m.candidate), CELL_CHARS)}</a></td>'
        f"<td>{esc(m.exercise)}</td><td>{esc(m.source)}</td>"
        f'<td>{IDENTICAL if m.identical else f"{100 * m.share:.0f}% of its code"}</td></tr>\n' for m in report.known)
    return ('<h3>Matches with the bank\'s reference or a known solution</h3>\n<table id="known-matches">\n'
            "<thead><tr><th>Candidate</th><th>Exercise</th><th>Matches</th><th>How much</th></tr></thead>\n"
            f"<tbody>\n{rows}</tbody>\n</table>\n")


def _side_by_side(summary: BatchSummary, number: int, pair: PairMatch) -> str:
    file = summary.file_of(pair.exercise)
    panes = []
    for key, regions, share in ((pair.a, pair.regions_a, pair.share_a), (pair.b, pair.regions_b, pair.share_b)):
        row = summary.row(key)
        source = (row.sources.get(file) or "").replace("\r\n", "\n") if row else ""
        panes.append(f'<div class="pane"><p class="file">{esc(_name(summary, key), CELL_CHARS)}: {esc(file)} '
                     f"({100 * share:.0f}% found in the other)</p><pre class=\"marked\">"
                     f"{code_view.marked(source, regions)}</pre></div>")
    return (f'<details class="pair" id="pair-{number}"><summary>#{number}: {esc(_name(summary, pair.a), CELL_CHARS)} '
            f"and {esc(_name(summary, pair.b), CELL_CHARS)}, {esc(pair.exercise)}, {100 * pair.score:.0f}%</summary>\n"
            f'<div class="compare">{"".join(panes)}</div>\n</details>\n')
