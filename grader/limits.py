"""Resource limits for one sandbox session, declared once and mapped onto each backend in one place.

Each field of :class:`Limits` carries its default and its description, and says where it may be
set: ``exercise.toml``'s ``[limits]`` table (``exercise=True``) and the command line
(``option=True``, as ``--call-seconds`` and so on). The bank's check and the CLI's options are
derived from these declarations, so a new limit is added here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from grader.errors import LimitError


def _limit(default: float, description: str, *, exercise: bool = False, option: bool = False) -> Any:
    return dataclasses.field(default=default, metadata={"description": description, "exercise": exercise,
                                                        "option": option})


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one submission may use. Each backend maps these onto its own options."""

    call_seconds: float = _limit(10.0, "Deadline of one call into the sandbox, enforced by the judge (seconds).",
                                 exercise=True, option=True)
    submission_seconds: float = _limit(300.0, "Budget for all calls of one exercise (seconds).", exercise=True)
    load_seconds: float = _limit(60.0, "Starting the sandbox and importing the submission (seconds; torch: ~2 s).",
                                 exercise=True)
    memory_mb: int = _limit(2048, "Memory limit of the sandbox (MB).", exercise=True, option=True)
    cpus: float = _limit(1.0, "CPUs for the sandbox.", option=True)
    pids: int = _limit(256, "Processes and threads the sandbox may run.")
    output_bytes: int = _limit(64 * 1024, "Candidate stdout/stderr kept per call; the rest is only counted.")
    file_size_mb: int = _limit(64, "Largest file the sandbox may write (MB).")

    def merged(self, overrides: Mapping[str, Any]) -> Limits:
        """Return a copy with the given fields replaced; see :meth:`check`."""
        return dataclasses.replace(self, **self.check(overrides))

    @classmethod
    def check(cls, overrides: Mapping[str, Any], allowed: frozenset[str] | None = None) -> dict[str, Any]:
        """Validate overrides (known names, positive numbers) and convert each to its field's type.

        ``allowed`` narrows the names (e.g. to :meth:`exercise_keys`). Raise :class:`LimitError`.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(overrides) - set(allowed if allowed is not None else known)
        if unknown:
            raise LimitError(f"unknown limit(s): {', '.join(sorted(unknown))}")
        return {name: _convert(known[name], value) for name, value in overrides.items()}

    @classmethod
    def exercise_keys(cls) -> frozenset[str]:
        """The limits an exercise may set in its ``exercise.toml``."""
        return frozenset(f.name for f in dataclasses.fields(cls) if f.metadata["exercise"])

    @classmethod
    def option_fields(cls) -> list[dataclasses.Field[Any]]:
        """The limits a user may set on the command line, in declaration order."""
        return [f for f in dataclasses.fields(cls) if f.metadata["option"]]

    @classmethod
    def default(cls) -> Limits:
        """The defaults: one CPU per sandbox, so N parallel sandboxes fit N cores."""
        return cls()


def _convert(field: dataclasses.Field[Any], value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise LimitError(f"limit {field.name} must be a positive number, not {value!r}")
    return int(value) if field.type in ("int", int) else float(value)
