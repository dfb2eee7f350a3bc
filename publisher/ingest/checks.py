"""Checks every record's text values get, whatever format it came from.

Values copied from web pages or spreadsheets carry HTML entities ("Coop&eacute;ration"), markup
("<b>Titre</b>", "<script>…</script>") and control characters. Entities are decoded and control
characters removed, each with a warning naming the field; markup is kept as the text it is (pages
escape every value) and reported, so that a steward can clean the source.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from typing import Any

from publisher.problems import Problem, Severity
from publisher.record import PartnershipRecord

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str, field: str, report: Callable[[str, str], None]) -> str:
    if "&" in value and _ENTITY.search(value):
        value = html.unescape(value)
        report(field, "HTML entities decoded (the source holds HTML-escaped text)")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
        report(field, "control characters removed")
    if "<" in value and _MARKUP.search(value):
        report(field, "holds markup (such as <b> or <script>); published as plain text")
    return value


def _walk(value: Any, field: str, report: Callable[[str, str], None]) -> Any:
    if isinstance(value, str):
        return _clean(value, field, report)
    if isinstance(value, list):
        return [_walk(item, field, report) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), f"{field}.{f.name}", report)
                   for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def check_record(record: PartnershipRecord) -> tuple[PartnershipRecord, list[Problem]]:
    """The record with entities decoded and control characters removed, and a warning for each field touched."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()

    def report(field: str, message: str) -> None:
        top = field.split(".")[0]
        if (top, message) not in seen:
            seen.add((top, message))
            problems.append(Problem(Severity.WARNING, record.source.path, message, record=record.record_id,
                                    field=top, line=record.source.line))

    changes = {f.name: _walk(getattr(record, f.name), f.name, report)
               for f in dataclasses.fields(record) if f.name not in {"record_id", "source"}}
    return dataclasses.replace(record, **changes), problems
