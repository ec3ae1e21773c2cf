"""The reviewers' sheet: ``decisions.csv`` in the results folder, a decision and a note per candidate.

::

    candidate,decision,note,key
    alice,advance,"Clean code, good tests; ask about complexity",alice.py
    bob,hold,,bob.py

``decision`` is ``advance``, ``hold``, ``reject`` or empty; ``note`` is free text. People edit
the file by hand (a spreadsheet saves it as CSV: a UTF-8 byte-order mark, ``;`` as separator and
CRLF line ends are all read). Every ``grader batch`` run reads it back into the reports and
rewrites it with a row added for each new candidate; a row is never dropped or changed, not by a
regrade (``--force``) nor when its candidate left the submissions folder. A row is matched to its
candidate by ``key`` (the candidate's folder in ``candidates/``), else by name. A decision the
grader does not know is kept in the file and shown as a problem, never guessed at.

Candidate names and notes are hostile text for a spreadsheet: a cell that would start with
``= + - @`` (a formula) is written with a leading ``'``, which is removed again on reading.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FILE = "decisions.csv"
DECISIONS = ("advance", "hold", "reject")
COLUMNS = ("candidate", "decision", "note", "key")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTE_CHARS = 4000


@dataclasses.dataclass
class Decision:
    """One row of the sheet."""

    candidate: str
    decision: str = ""
    note: str = ""
    key: str = ""
    extra: dict[str, str] = dataclasses.field(default_factory=dict)  # columns people added: kept as they are

    @property
    def known(self) -> bool:
        return self.decision in DECISIONS or not self.decision

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "note": self.note}


@dataclasses.dataclass
class DecisionSheet:
    """Every row of ``decisions.csv``, and what could not be read."""

    rows: list[Decision]
    problems: list[str] = dataclasses.field(default_factory=list)
    extra_columns: list[str] = dataclasses.field(default_factory=list)

    def find(self, key: str, names: Iterable[str]) -> Decision | None:
        """The row for a candidate: by key, else by one of its names."""
        by_key = next((r for r in self.rows if r.key and r.key == key), None)
        if by_key is not None:
            return by_key
        wanted = set(names)
        return next((r for r in self.rows if not r.key and r.candidate in wanted), None)

    def add_missing(self, candidates: Iterable[tuple[str, str]]) -> int:
        """Add an empty row for each (name, key) without one; return how many were added."""
        added = 0
        for name, key in candidates:
            if self.find(key, [name, key]) is None:
                self.rows.append(Decision(name, key=key))
                added += 1
        return added

    def write(self, fp: Any) -> None:
        """The sheet as CSV, with a byte-order mark so that a spreadsheet reads it as UTF-8."""
        fp.write("\ufeff")
        writer = csv.writer(fp, lineterminator="\r\n")
        writer.writerow([*COLUMNS, *self.extra_columns])
        for row in self.rows:
            cells = [row.candidate, row.decision, row.note, row.key]
            writer.writerow([guard(c) for c in cells] + [row.extra.get(c, "") for c in self.extra_columns])


def read(path: Path) -> DecisionSheet:
    """The sheet at ``path`` (an empty one when there is none); never raises on its content."""
    if not path.exists():
        return DecisionSheet([])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_bytes().decode("cp1252")  # an old spreadsheet's "CSV" export
        except UnicodeDecodeError:
            return DecisionSheet([], [f"{FILE} is neither UTF-8 nor Windows-1252 text: left as it is, not read"])
    except OSError as exc:
        return DecisionSheet([], [f"{FILE} cannot be read: {exc.strerror or exc}"])
    return parse(text)


def parse(text: str) -> DecisionSheet:
    """Read the sheet's text: header row first, columns in any order, ``,`` or ``;`` separated."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    sheet = DecisionSheet([])
    if "candidate" not in header:
        if any(header):
            sheet.problems.append(f"{FILE}: no 'candidate' column in its first row; the file is left as it is")
        return sheet
    sheet.extra_columns = [h for h in header if h and h not in COLUMNS]
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = dict(zip(header, cells, strict=False))
        row = Decision(unguard(values.get("candidate", "")).strip(), values.get("decision", "").strip().lower(),
                       unguard(values.get("note", "")).strip()[:NOTE_CHARS], values.get("key", "").strip(),
                       {c: values.get(c, "") for c in sheet.extra_columns})
        if not row.known:
            sheet.problems.append(f"{FILE} line {number}: decision {row.decision!r} for {row.candidate!r} is not one "
                                  f"of {', '.join(DECISIONS)}")
        sheet.rows.append(row)
    return sheet


def guard(text: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def unguard(text: str) -> str:
    """The text a :func:`guard`-ed cell stands for."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
