"""Resource limits for one sandbox session, mapped onto each backend in one place."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one submission may use. Each backend maps these onto its own options."""

    call_seconds: float = 10.0  # deadline of one call into the sandbox, enforced by the judge
    submission_seconds: float = 300.0  # budget for all calls of one exercise
    load_seconds: float = 60.0  # starting the sandbox and importing the submission (torch: ~2 s)
    memory_mb: int = 2048
    cpus: float = 1.0
    pids: int = 256
    output_bytes: int = 64 * 1024  # candidate stdout/stderr kept per call; the rest is counted
    file_size_mb: int = 64  # largest file the sandbox may write

    def merged(self, overrides: Mapping[str, Any]) -> Limits:
        """Return a copy with the given fields replaced; unknown names are an error."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **dict(overrides))

    @classmethod
    def default(cls) -> Limits:
        """The defaults: one CPU per sandbox, so N parallel sandboxes fit N cores."""
        return cls()
