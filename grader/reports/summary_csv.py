"""``summary.csv``: one row per candidate of a batch (RFC 4180 CSV, UTF-8 with a byte-order mark,
header row first).

Columns: ``rank, candidate, status, verdict, <one per exercise: points>, total, max_total,
percent, sandbox, seed, duration_s, message, similarity, similar_to, known_match, decision,
note``, then, with ``--scorecards``, the interviews' columns
(:func:`grader.reports.interview.csv_headers`). Rows come best first, as
:func:`grader.summary.rank` orders them; a candidate without a result (pending, infrastructure
error) has empty points. ``candidate`` is the name without ``.py`` or ``.zip``; ``verdict`` tells
a graded candidate from one who did not attempt, whose file does not load, or whose code timed out
on everything (:class:`grader.summary.Verdict`); ``similarity`` is the candidate's highest
flagged share of code with another candidate (``similar_to``), ``known_match`` a match with the
bank's reference or a known solution; ``decision`` and ``note`` come from ``decisions.csv``.

The byte-order mark makes Excel read the file as UTF-8 (names such as Müller or 李); other
readers skip it (Python: ``encoding="utf-8-sig"``). Candidate names and messages come from
candidates. A cell that starts with ``= + - @`` (or a tab or carriage return) is one a
spreadsheet would run as a formula, so it is prefixed with ``'``, as OWASP's CSV-injection advice
says. Numbers are written plainly.
"""

from __future__ import annotations

import csv
from typing import TextIO

from grader.reports import interview as interviews
from grader.summary import BatchSummary, Row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def write(summary: BatchSummary, fp: TextIO) -> None:
    """Write the batch's summary as CSV."""
    fp.write(BOM)
    writer = csv.writer(fp, lineterminator="\n")
    slugs = [exercise.slug for exercise in summary.exercises]
    panel = summary.interview
    writer.writerow(["rank", "candidate", "status", "verdict", *slugs, "total", "max_total", "percent", "sandbox",
                     "seed", "duration_s", "message", "similarity", "similar_to", "known_match", "decision", "note",
                     *(interviews.csv_headers(panel) if panel else [])])
    for row in summary.rows:
        extra = [text_cell(cell) for cell in interviews.csv_cells(panel, row.key)] if panel else []
        writer.writerow(_cells(row, slugs, summary) + extra)


def _cells(row: Row, slugs: list[str], summary: BatchSummary) -> list[str]:
    result, record = row.result, row.record
    return [
        "" if row.rank is None else str(row.rank),
        text_cell(row.name),
        row.status,
        summary.verdict(row),
        *[_number(row.points(slug)) for slug in slugs],
        _number(result.score if result else None),
        _number(summary.max_score),
        "" if result is None else f"{result.percent:.2f}",
        result.sandbox if result else (record.sandbox if record else ""),
        "" if record is None else str(record.seed),
        "" if record is None else f"{record.duration:.1f}",
        text_cell(" ".join(row.message.split())),  # one line: spreadsheets show multi-line cells badly
        *_similarity(row, summary),
        row.decision.decision if row.decision else "",
        text_cell(" ".join(row.decision.note.split())) if row.decision else "",
    ]


def _similarity(row: Row, summary: BatchSummary) -> list[str]:
    report = summary.similarity
    if report is None:
        return ["", "", ""]
    best = report.best(row.key)
    other = summary.row(best.other(row.key)) if best else None
    known = report.known_for(row.key)
    told = "; ".join(f"{'identical to' if m.identical else f'{100 * m.share:.0f}% like'} {m.source} ({m.exercise})"
                     for m in known)
    return ["" if best is None else f"{100 * best.score:.0f}",
            "" if best is None else text_cell(f"{other.name if other else best.other(row.key)} ({best.exercise})"),
            text_cell(told)]


def text_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
