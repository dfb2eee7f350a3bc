"""Problems found while building: each names the file, the record and the field.

A :class:`Problem` is a value the build report collects; :class:`SourceError`
carries one when a source cannot be read at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, located precisely enough to fix it."""

    severity: Severity
    path: str
    message: str
    record: str | None = None
    field: str | None = None
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.record:
            parts.append(f"record {self.record}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return f"{self.severity.value}: {', '.join(parts)}: {self.message}"


class SourceError(Exception):
    """A source that cannot be turned into a record."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
