"""``summary.json``: a batch's summary as JSON (RFC 8259, UTF-8): :meth:`BatchSummary.to_dict`.

Top-level keys: ``schema_version``, ``batch`` (the settings, counts per status, sandboxes),
``exercises``, ``candidates`` (one row each, best first, as ``summary.csv``) and ``tests`` (each
hidden test's pass rate across the graded candidates). See docs/batch.md.
"""

from __future__ import annotations

import json
from typing import TextIO

from grader.summary import BatchSummary


def write(summary: BatchSummary, fp: TextIO) -> None:
    """Write ``summary.json``."""
    json.dump(summary.to_dict(), fp, indent=2, ensure_ascii=False, allow_nan=False)
    fp.write("\n")
