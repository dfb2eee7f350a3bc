"""Sources → records: one reader per source format, chosen by the file's suffix.

- ``.txt``: an Atlas project page (:mod:`publisher.ingest.atlas_page`), one record per file;
- ``.csv``, ``.jsonl`` / ``.ndjson``: a tabular export (:mod:`publisher.ingest.tabular`), one record
  per row, read through the mapping in ``mappings/tabular/`` that fits the file's header.

:func:`read_source` never raises for a bad input: it returns the records it could read and a
:class:`~publisher.problems.Problem` for each thing it could not (file, line or row, column, record,
field).
"""

from __future__ import annotations

from pathlib import Path

from publisher.ingest.atlas_page import read_atlas_page
from publisher.ingest.checks import check_record
from publisher.ingest.tabular import (
    CSV_SUFFIXES,
    JSONL_SUFFIXES,
    SourceReadResult,
    TabularMapping,
    read_csv,
    read_jsonl,
)
from publisher.problems import Problem, Severity, SourceError

PAGE_SUFFIXES = frozenset({".txt"})
SOURCE_SUFFIXES = PAGE_SUFFIXES | CSV_SUFFIXES | JSONL_SUFFIXES


def shown_path(path: Path, root: Path) -> str:
    """The path as reports show it: relative to ``root`` when it is under it."""
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


DEFAULT_MAX_SOURCE_BYTES = 20_000_000


def read_source(path: Path, root: Path, mapping: TabularMapping | None = None,
                max_bytes: int = DEFAULT_MAX_SOURCE_BYTES) -> SourceReadResult:
    """The records of one source file, and the problems of what could not be read.

    Paths in records and problems are relative to ``root``. ``mapping`` forces the mapping of a
    tabular export (by default the one that fits its header). Every record's text values are
    checked (:mod:`publisher.ingest.checks`); a file larger than ``max_bytes`` or holding binary
    data is refused as a whole.
    """
    result = _read_source(path, root, mapping, max_bytes)
    checked = []
    for record in result.records:
        record, problems = check_record(record)
        checked.append(record)
        result.problems.extend(problems)
    result.records = checked
    return result


def _refused(shown: str, message: str) -> SourceReadResult:
    return SourceReadResult(problems=[Problem(Severity.ERROR, shown, message)], unreadable=True)


def _read_source(path: Path, root: Path, mapping: TabularMapping | None, max_bytes: int) -> SourceReadResult:
    suffix = path.suffix.lower()
    shown = shown_path(path, root)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        return _refused(shown, f"cannot read the file: {error.strerror or error}")
    if size > max_bytes:
        return _refused(shown, f"the file is {size / 1e6:.1f} MB, more than the {max_bytes / 1e6:.1f} MB a source "
                               "may have (setting max_source_bytes); split it or raise the setting")
    if b"\x00" in head:
        return _refused(shown, "the file holds binary data (NUL bytes), not text: it is not an Atlas page or export")
    if suffix in PAGE_SUFFIXES:
        try:
            return SourceReadResult(records=[read_atlas_page(path, root=root)])
        except SourceError as error:
            return SourceReadResult(problems=[error.problem], unreadable=True)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, shown, mapping)
    if suffix in JSONL_SUFFIXES:
        return read_jsonl(path, shown, mapping)
    return SourceReadResult(
        problems=[Problem(
            Severity.ERROR, shown,
            f"unknown kind of source {suffix or '(no suffix)'!r}; "
            f"expected one of {', '.join(sorted(SOURCE_SUFFIXES))}",
        )],
        unreadable=True,
    )


__all__ = ["DEFAULT_MAX_SOURCE_BYTES", "PAGE_SUFFIXES", "SOURCE_SUFFIXES", "SourceReadResult", "read_source",
           "shown_path"]
