"""``summary.csv``: one row per candidate of a batch (RFC 4180 CSV, UTF-8, header row first).

Columns: ``rank, candidate, status, <one per exercise: points>, total, max_total, percent, sandbox,
seed, duration_s, message``, then, with ``--scorecards``, the interviews' columns
(:func:`grader.reports.interview.csv_headers`). Rows come best first, as :func:`grader.summary.rank` orders
them; a candidate without a result (pending, infrastructure error) has empty points.

Candidate names and messages come from candidates. A cell that starts with ``= + - @`` (or a tab
or carriage return) is one a spreadsheet would run as a formula, so it is prefixed with ``'``, as
OWASP's CSV-injection advice says. Numbers are written plainly.
"""

from __future__ import annotations

import csv
from typing import TextIO

from grader.reports import interview as interviews
from grader.summary import BatchSummary, Row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write(summary: BatchSummary, fp: TextIO) -> None:
    """Write the batch's summary as CSV."""
    writer = csv.writer(fp, lineterminator="\n")
    slugs = [exercise.slug for exercise in summary.exercises]
    panel = summary.interview
    writer.writerow(["rank", "candidate", "status", *slugs, "total", "max_total", "percent", "sandbox", "seed",
                     "duration_s", "message", *(interviews.csv_headers(panel) if panel else [])])
    for row in summary.rows:
        extra = [text_cell(cell) for cell in interviews.csv_cells(panel, row.key)] if panel else []
        writer.writerow(_cells(row, slugs, summary.max_score) + extra)


def _cells(row: Row, slugs: list[str], max_total: float) -> list[str]:
    result, record = row.result, row.record
    return [
        "" if row.rank is None else str(row.rank),
        text_cell(row.candidate),
        row.status,
        *[_number(row.points(slug)) for slug in slugs],
        _number(result.score if result else None),
        _number(max_total),
        "" if result is None else f"{result.percent:.2f}",
        result.sandbox if result else (record.sandbox if record else ""),
        "" if record is None else str(record.seed),
        "" if record is None else f"{record.duration:.1f}",
        text_cell(" ".join(row.message.split())),  # one line: spreadsheets show multi-line cells badly
    ]


def text_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
