"""The JSON report: :meth:`SubmissionResult.to_dict`, documented in ``docs/reports.md``."""

from __future__ import annotations

import json
from typing import TextIO

from grader.results import SubmissionResult

SCHEMA_VERSION = 1


def write(result: SubmissionResult, fp: TextIO) -> None:
    """Write the result as one JSON object."""
    data = {"schema_version": SCHEMA_VERSION, **result.to_dict()}
    json.dump(data, fp, indent=2, ensure_ascii=False, allow_nan=False)
    fp.write("\n")
