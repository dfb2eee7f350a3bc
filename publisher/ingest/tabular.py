"""Tabular exports (CSV, JSON Lines): one row per partnership, read through a declared column mapping.

What each column holds is not written here but in a mapping file, ``mappings/tabular/<name>.toml``
(see ``mappings/README.md``): which record field a column fills, and the cell syntax — the separator
between the values of a multi-valued cell, the separator between the parts of a structured value
(a funding line's funder, amount, water amount and year), the escape character, the decimal
separator, the words for yes and no. A file picks its mapping by its header: the mapping that knows
the most of its columns, among those whose record-id column it has.

Types come from :mod:`publisher.record`: a field typed ``int`` holds a year, ``bool`` a flag,
``Decimal`` an amount, a list of a dataclass a structured value whose parts are that dataclass's
fields. So a mapping names fields and parts; it never says how to read them.

A row that cannot be read (an unparseable cell, a missing record id) is reported with its file, line,
column, record and field, and left out; every other row comes through. A column the mapping does not
declare is reported once, with the header's line, and its values are not read.

:func:`write_csv` and :func:`write_jsonl` write records in a mapping's form, so that reading the file
back through the same mapping gives the same records.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import re
import tomllib
import types
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cache, cached_property
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from publisher.problems import Problem, Severity, SourceError
from publisher.record import PartnershipRecord, SourceRef
from publisher.resources import resource_dir

CSV_SUFFIXES = frozenset({".csv"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


# -- What a record can hold -------------------------------------------------------------------------


class Scalar(Enum):
    """How one value is written in a cell."""

    TEXT = "text"
    YEAR = "a year (4 digits)"
    FLAG = "yes or no"
    AMOUNT = "an amount in euros"


@dataclass(frozen=True)
class Part:
    """One part of a structured value (a field of FundingLine, ForeignPartner, ...)."""

    name: str
    scalar: Scalar
    required: bool


@dataclass(frozen=True)
class RecordField:
    """A field of :class:`PartnershipRecord` as a column can fill it."""

    name: str
    scalar: Scalar
    required: bool = False
    multiple: bool = False
    item: type | None = None
    parts: tuple[Part, ...] = ()

    @property
    def structured(self) -> bool:
        return self.item is not None

    @cached_property
    def parts_by_name(self) -> dict[str, Part]:
        return {p.name: p for p in self.parts}

    def part(self, name: str) -> Part | None:
        return self.parts_by_name.get(name)


_SCALARS: dict[object, Scalar] = {
    str: Scalar.TEXT, int: Scalar.YEAR, bool: Scalar.FLAG, Decimal: Scalar.AMOUNT,
}


def _scalar_of(hint: object) -> tuple[Scalar, bool]:
    """The scalar kind of a type hint and whether None is allowed."""
    optional = False
    if isinstance(hint, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        optional = len(args) < len(get_args(hint))
        (hint,) = args
    return _SCALARS[hint], optional


@cache
def record_fields() -> dict[str, RecordField]:
    """Every record field a column can fill, read from the record's type hints."""
    hints = get_type_hints(PartnershipRecord)
    fields: dict[str, RecordField] = {}
    for f in dataclasses.fields(PartnershipRecord):
        if f.name == "source":
            continue
        hint = hints[f.name]
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if get_origin(hint) is list:
            (item,) = get_args(hint)
            if item is str:
                fields[f.name] = RecordField(f.name, Scalar.TEXT, multiple=True)
                continue
            item_hints = get_type_hints(item)
            parts = []
            for p in dataclasses.fields(item):
                scalar, optional = _scalar_of(item_hints[p.name])
                parts.append(Part(p.name, scalar, p.default is dataclasses.MISSING and not optional))
            fields[f.name] = RecordField(f.name, Scalar.TEXT, multiple=True, item=item, parts=tuple(parts))
            continue
        scalar, _optional = _scalar_of(hint)
        fields[f.name] = RecordField(f.name, scalar, required=required)
    return fields


# -- Mappings ---------------------------------------------------------------------------------------


class MappingError(ValueError):
    """A mapping file that cannot be used, naming the file and the key at fault."""


@dataclass(frozen=True)
class CellSyntax:
    """How values are written inside one cell (declared in a mapping's ``[syntax]`` table)."""

    list_separator: str = "|"
    part_separator: str = ";"
    escape: str = "\\"
    decimal_separator: str = "."
    yes: tuple[str, ...] = ("Oui",)
    no: tuple[str, ...] = ("Non",)
    email_at: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnTarget:
    """What a column fills: a record field, or one part of a structured field (values aligned by position)."""

    field: str
    part: str | None = None

    def __str__(self) -> str:
        return self.field if self.part is None else f"{self.field}.{self.part}"


@dataclass(frozen=True)
class TabularMapping:
    """A column → field correspondence and cell syntax, as declared in one mapping file."""

    name: str
    path: Path
    title: str
    encoding: str
    csv_delimiter: str
    syntax: CellSyntax
    columns: tuple[tuple[str, ColumnTarget], ...]
    parts: dict[str, tuple[str, ...]]
    ignored: tuple[str, ...] = ()

    @property
    def id_column(self) -> str:
        return next(column for column, target in self.columns if target.field == "record_id")

    def known(self) -> dict[str, ColumnTarget | None]:
        """Column key → target (None for an ignored column)."""
        known: dict[str, ColumnTarget | None] = {column_key(c): None for c in self.ignored}
        known.update((column_key(column), target) for column, target in self.columns)
        return known

    def part_order(self, name: str) -> tuple[str, ...]:
        """The parts of a structured field in the order a cell writes them."""
        return self.parts.get(name) or tuple(p.name for p in record_fields()[name].parts)


def column_key(name: str) -> str:
    """The form column names are compared in: case, surrounding and repeated spaces, apostrophes ignored."""
    name = unicodedata.normalize("NFC", name.replace("\ufeff", ""))
    name = re.sub(r"[’‘ʼ´`]", "'", name)
    return " ".join(name.split()).casefold()


def _string_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MappingError(f"{where}: expected a string or a list of strings, found {value!r}")


def load_mapping(path: Path) -> TabularMapping:
    """Read and check one mapping file; raises :class:`MappingError` naming the file and the key."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"{path}: cannot read the mapping: {error}") from error

    def fail(message: str) -> MappingError:
        return MappingError(f"{path}: {message}")

    known_top = {"title", "encoding", "csv_delimiter", "ignore", "syntax", "columns", "parts"}
    for key in data:
        if key not in known_top:
            raise fail(f"unknown key {key!r}; expected one of {', '.join(sorted(known_top))}")
    raw_syntax = data.get("syntax", {})
    defaults = CellSyntax()
    syntax_keys = {f.name for f in dataclasses.fields(CellSyntax)}
    for key in raw_syntax:
        if key not in syntax_keys:
            raise fail(f"[syntax]: unknown key {key!r}; expected one of {', '.join(sorted(syntax_keys))}")
    syntax = CellSyntax(
        list_separator=str(raw_syntax.get("list_separator", defaults.list_separator)),
        part_separator=str(raw_syntax.get("part_separator", defaults.part_separator)),
        escape=str(raw_syntax.get("escape", defaults.escape)),
        decimal_separator=str(raw_syntax.get("decimal_separator", defaults.decimal_separator)),
        yes=_string_list(raw_syntax.get("yes", list(defaults.yes)), f"{path}: [syntax] yes"),
        no=_string_list(raw_syntax.get("no", list(defaults.no)), f"{path}: [syntax] no"),
        email_at=_string_list(raw_syntax.get("email_at", list(defaults.email_at)),
                              f"{path}: [syntax] email_at"),
    )
    if not syntax.list_separator.strip(" ") or not syntax.part_separator.strip():
        raise fail("[syntax]: list_separator and part_separator must not be blank")
    if syntax.list_separator == syntax.part_separator:
        raise fail("[syntax]: list_separator and part_separator must differ")
    if len(syntax.escape) != 1:
        raise fail("[syntax]: escape must be one character")
    if syntax.decimal_separator not in {".", ","}:
        raise fail("[syntax]: decimal_separator must be '.' or ','")
    if {v.casefold() for v in syntax.yes} & {v.casefold() for v in syntax.no}:
        raise fail("[syntax]: a word is both in yes and in no")

    fields = record_fields()
    columns: list[tuple[str, ColumnTarget]] = []
    seen: dict[str, str] = {}
    whole: set[str] = set()
    spread: set[str] = set()
    for column, target_text in data.get("columns", {}).items():
        if not isinstance(target_text, str):
            raise fail(f"[columns] {column!r}: expected a record field name, found {target_text!r}")
        field_name, _, part_name = target_text.partition(".")
        record_field = fields.get(field_name)
        if record_field is None:
            raise fail(f"[columns] {column!r}: {field_name!r} is not a record field; "
                       f"expected one of {', '.join(fields)}")
        if part_name:
            if record_field.part(part_name) is None:
                raise fail(f"[columns] {column!r}: {field_name!r} has no part {part_name!r}; "
                           f"expected one of {', '.join(p.name for p in record_field.parts) or 'none'}")
            spread.add(field_name)
        else:
            whole.add(field_name)
        key = column_key(column)
        if key in seen:
            raise fail(f"[columns] {column!r} is declared twice (also as {seen[key]!r})")
        seen[key] = column
        columns.append((column, ColumnTarget(field_name, part_name or None)))
    if "record_id" not in whole:
        raise fail("[columns] must name the column holding the record id (a column mapped to 'record_id')")
    for name, record_field in fields.items():
        if record_field.required and name not in whole:
            raise fail(f"[columns] must name a column for the required field {name!r}")
    both = whole & spread
    if both:
        raise fail(f"[columns] {', '.join(sorted(both))} is mapped both whole and by parts; choose one")
    for field_name in sorted(spread):
        record_field = fields[field_name]
        mapped = {t.part for _, t in columns if t.field == field_name}
        missing = [p.name for p in record_field.parts if p.required and p.name not in mapped]
        if missing:
            raise fail(f"[columns] {field_name!r} is mapped by parts but its required part(s) "
                       f"{', '.join(missing)} have no column")
    parts: dict[str, tuple[str, ...]] = {}
    for field_name, order in data.get("parts", {}).items():
        record_field = fields.get(field_name)
        if record_field is None or not record_field.structured:
            raise fail(f"[parts] {field_name!r} is not a structured record field")
        names = _string_list(order, f"{path}: [parts] {field_name}")
        unknown = [n for n in names if record_field.part(n) is None]
        if unknown or len(set(names)) != len(names):
            raise fail(f"[parts] {field_name!r}: expected each of "
                       f"{', '.join(p.name for p in record_field.parts)} at most once, found {list(names)}")
        missing = [p.name for p in record_field.parts if p.required and p.name not in names]
        if missing:
            raise fail(f"[parts] {field_name!r} leaves out the required part(s) {', '.join(missing)}")
        parts[field_name] = names
    ignored = _string_list(data.get("ignore", []), f"{path}: ignore")
    for column in ignored:
        if column_key(column) in seen:
            raise fail(f"ignore: {column!r} is also declared in [columns]")
    delimiter = str(data.get("csv_delimiter", ","))
    if len(delimiter) != 1:
        raise fail("csv_delimiter must be one character")
    encoding = str(data.get("encoding", "utf-8"))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise fail(f"unknown encoding {encoding!r}") from None
    return TabularMapping(
        name=path.stem,
        path=path,
        title=str(data.get("title", path.stem)),
        encoding=encoding,
        csv_delimiter=delimiter,
        syntax=syntax,
        columns=tuple(columns),
        parts=parts,
        ignored=ignored,
    )


def mapping_dir() -> Path:
    return resource_dir("mappings") / "tabular"


@cache
def _mappings_in(folder: Path) -> tuple[TabularMapping, ...]:
    return tuple(load_mapping(path) for path in sorted(folder.glob("*.toml")))


def tabular_mappings() -> tuple[TabularMapping, ...]:
    """Every mapping shipped in ``mappings/tabular/``, by file name."""
    return _mappings_in(mapping_dir())


def mapping_named(name: str) -> TabularMapping:
    """A shipped mapping by name (its file's stem), or a mapping file by path."""
    for mapping in tabular_mappings():
        if mapping.name == name:
            return mapping
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return load_mapping(path)
    known = ", ".join(m.name for m in tabular_mappings())
    raise MappingError(f"no tabular mapping named {name!r} (known: {known}; or give a .toml file)")


# -- Cells ------------------------------------------------------------------------------------------


class _CellError(Exception):
    """A value that cannot be read, with what was expected."""


def _split(text: str, separator: str, escape: str) -> list[str]:
    """``text`` cut at each unescaped ``separator``; escapes are kept for the next level."""
    if escape not in text:
        return text.split(separator)
    pieces: list[str] = []
    start = index = 0
    while index < len(text):
        if text[index] == escape:
            index += 2
        elif text.startswith(separator, index):
            pieces.append(text[start:index])
            index += len(separator)
            start = index
        else:
            index += 1
    pieces.append(text[start:])
    return pieces


def _unescape(text: str, escape: str) -> str:
    if escape not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        if text[index] == escape:
            if index + 1 == len(text):
                raise _CellError(f"the escape character {escape!r} ends the value {text!r}; "
                                 f"write {escape * 2!r} for the character itself")
            out.append(text[index + 1])
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _escape(text: str, syntax: CellSyntax) -> str:
    """``text`` with the escape character and the separators' characters escaped."""
    special = {syntax.escape}
    for separator in (syntax.list_separator, syntax.part_separator):
        special.update(separator.strip() or separator)
    return "".join(syntax.escape + c if c in special else c for c in text)


_YEAR = re.compile(r"\d{4}")
_AMOUNT_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d)")


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _scalar(value: object, scalar: Scalar, syntax: CellSyntax, *, email: bool = False) -> object:
    """A value of a cell (text, or a JSON value) as the record holds it; None when empty."""
    if value is None:
        return None
    if scalar is Scalar.FLAG:
        if isinstance(value, bool):
            return value
        if not isinstance(value, str):
            raise _CellError(f"expected {' or '.join(syntax.yes + syntax.no)}, found {value!r}")
        text = value.strip()
        if not text:
            return None
        if text.casefold() in {v.casefold() for v in syntax.yes}:
            return True
        if text.casefold() in {v.casefold() for v in syntax.no}:
            return False
        raise _CellError(f"expected {' or '.join(syntax.yes + syntax.no)} (or nothing), found {text!r}")
    if scalar is Scalar.YEAR:
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            return value
        year = value.strip() if isinstance(value, str) else None
        if year == "":
            return None
        if year is None or not _YEAR.fullmatch(year):
            raise _CellError(f"expected a year (4 digits), found {value!r}")
        return int(year)
    if scalar is Scalar.AMOUNT:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return Decimal(value)
        if isinstance(value, Decimal) and value.is_finite() and value >= 0:
            return value
        if not isinstance(value, str):
            raise _CellError(f"expected an amount in euros, found {value!r}")
        text = _AMOUNT_SPACES.sub("", value.strip())
        if not text:
            return None
        sep = re.escape(syntax.decimal_separator)
        if not re.fullmatch(rf"\d+(?:{sep}\d+)?", text):
            example = f"29000 or 1250{syntax.decimal_separator}50"
            raise _CellError(f"expected an amount in euros with {syntax.decimal_separator!r} as decimal "
                             f"separator (e.g. {example}), found {value!r}")
        return Decimal(text.replace(syntax.decimal_separator, "."))
    if not isinstance(value, str):
        raise _CellError(f"expected text, found {value!r}")
    text = _text(value)
    if email:
        for written in syntax.email_at:
            text = re.sub(r"\s*" + re.escape(written) + r"\s*", "@", text, flags=re.IGNORECASE)
    return text or None


def _part_value(raw: str | None, part: Part, syntax: CellSyntax) -> object:
    text = None if raw is None else _unescape(raw, syntax.escape).strip()
    return _scalar(text or None, part.scalar, syntax, email=part.name == "email")


def _structured(value: object, record_field: RecordField, order: Sequence[str], syntax: CellSyntax) -> object:
    """One structured value from its cell text (parts in ``order``) or a JSON object keyed by part."""
    assert record_field.item is not None
    values: dict[str, object] = {}
    if isinstance(value, dict):
        for key, part_value in value.items():
            part = record_field.part(str(key))
            if part is None:
                raise _CellError(f"unknown part {key!r}; expected {', '.join(order)}")
            values[part.name] = _scalar(part_value, part.scalar, syntax, email=part.name == "email")
    elif isinstance(value, str):
        pieces = _split(value, syntax.part_separator, syntax.escape)
        if len(pieces) > len(order):
            raise _CellError(f"{len(pieces)} parts in {value.strip()!r}; expected at most {len(order)}: "
                             f"{syntax.part_separator.join(order)}")
        for name, piece in zip(order, pieces, strict=False):
            part = record_field.part(name)
            assert part is not None
            values[name] = _part_value(piece, part, syntax)
    else:
        raise _CellError(f"expected {syntax.part_separator.join(order)} or an object, found {value!r}")
    return _instance(record_field, values, value)


def _instance(record_field: RecordField, values: dict[str, object], written: object) -> object:
    assert record_field.item is not None
    missing = [p.name for p in record_field.parts if p.required and values.get(p.name) is None]
    if missing:
        shown = f" in {written.strip()!r}" if isinstance(written, str) else ""
        raise _CellError(f"{' and '.join(missing)} missing{shown}")
    return record_field.item(**{k: v for k, v in values.items() if v is not None})


def _pieces(value: object, syntax: CellSyntax) -> tuple[list[object], bool]:
    """The values of a multi-valued cell, and whether they are escaped cell text.

    A JSON list gives its elements as they are; a cell's text is cut at the list separator.
    """
    if value is None:
        return [], False
    if isinstance(value, list):
        return value, False
    if isinstance(value, str):
        text = value.strip()
        return ([] if not text else list(_split(text, syntax.list_separator, syntax.escape))), True
    raise _CellError(f"expected values separated by {syntax.list_separator!r} or a list, found {value!r}")


def _field_value(value: object, record_field: RecordField, mapping: TabularMapping) -> object:
    syntax = mapping.syntax
    if not record_field.multiple:
        return _scalar(value, record_field.scalar, syntax)
    pieces, escaped = _pieces(value, syntax)
    values: list[object] = []
    for n, piece in enumerate(pieces, start=1):
        try:
            if record_field.structured:
                order = mapping.part_order(record_field.name)
                values.append(_structured(piece, record_field, order, syntax))
            else:
                text = _unescape(piece, syntax.escape) if escaped and isinstance(piece, str) else piece
                name = _scalar(text, Scalar.TEXT, syntax)
                if name is None:
                    raise _CellError("an empty value")
                values.append(name)
        except _CellError as error:
            raise _CellError(f"value {n}: {error}") from None
    return values


# -- Rows -------------------------------------------------------------------------------------------


@dataclass
class SourceReadResult:
    """What one source file gave: its records, and the problems of what could not be read.

    ``unreadable`` is set when the file as a whole could not be read (no record came through
    because of it, not because of its rows).
    """

    records: list[PartnershipRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False


def _record_id(text: str) -> str:
    """The id as a slug, as a page's file name gives it ("PRJ 12/A" → "prj-12-a")."""
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass
class _Row:
    """One row of a file: where it starts, its number, its cells by column as written in the header."""

    line: int
    row: int
    cells: dict[str, object]

    def where(self) -> str:
        if self.row == self.line:
            return f"line {self.line}"
        return f"row {self.row} (line {self.line})"


@dataclass
class _AlignedError(Exception):
    column: str
    part: str
    message: str


class _Reader:
    """Rows → records through one mapping, collecting problems."""

    def __init__(self, mapping: TabularMapping, path: str, result: SourceReadResult) -> None:
        self.mapping = mapping
        self.path = path
        self.result = result
        self.known = mapping.known()
        self.reported: set[str] = set()
        self.targets: dict[str, ColumnTarget | None] = {}

    def target(self, column: str) -> ColumnTarget | None:
        if column not in self.targets:
            self.targets[column] = self.known.get(column_key(column))
        return self.targets[column]

    def check_columns(self, columns: Iterable[str], line: int) -> None:
        """Report each column the mapping does not know, once per file."""
        for column in columns:
            if column in self.targets:
                continue
            key = column_key(column)
            if self.target(column) is not None or key in self.known or key in self.reported:
                continue
            self.reported.add(key)
            self.result.problems.append(Problem(
                Severity.ERROR, self.path,
                f"the column {column!r} is not in the mapping {self.mapping.name!r} "
                f"({self.mapping.path.name}); its values are not read: declare it under [columns] "
                "(or list it in `ignore`)",
                line=line, column=column))

    def read(self, row: _Row) -> None:
        """The row's record, or its problems (every cell that cannot be read)."""
        fields = record_fields()
        values: dict[str, Any] = {}
        spread: dict[str, dict[str, tuple[str, list[object], bool]]] = {}
        errors: list[tuple[str | None, str, str]] = []  # column, field, message
        for column, value in row.cells.items():
            target = self.target(column)
            if target is None:
                continue
            try:
                if target.part is not None:
                    pieces, escaped = _pieces(value, self.mapping.syntax)
                    spread.setdefault(target.field, {})[target.part] = (column, pieces, escaped)
                else:
                    values[target.field] = _field_value(value, fields[target.field], self.mapping)
            except _CellError as error:
                errors.append((column, str(target), str(error)))
        for field_name, columns in spread.items():
            try:
                values[field_name] = self._aligned(fields[field_name], columns)
            except _AlignedError as error:
                errors.append((error.column, f"{field_name}.{error.part}".rstrip("."), error.message))
        raw_id = values.get("record_id")
        record_id = _record_id(raw_id) or None if isinstance(raw_id, str) else None
        failed = {f for _, f, _ in errors}
        for record_field in fields.values():
            if not record_field.required or record_field.name in failed:
                continue
            if values.get(record_field.name) is None:
                mapped = next((c for c, t in self.mapping.columns if t.field == record_field.name), None)
                errors.append((mapped, record_field.name, "a value is required"))
        if raw_id is not None and record_id is None:
            errors.append((self.mapping.id_column, "record_id", f"no usable record id in {raw_id!r}"))
        for at_column, field_name, message in errors:
            self.result.problems.append(Problem(
                Severity.ERROR, self.path, f"{row.where()}: {message}; the row is not read",
                record=record_id, field=field_name, line=row.line, column=at_column))
        if errors:
            return
        assert record_id is not None
        values["record_id"] = record_id
        self.result.records.append(PartnershipRecord(source=SourceRef(self.path, row.line), **values))

    def _aligned(self, record_field: RecordField,
                 columns: dict[str, tuple[str, list[object], bool]]) -> list[object]:
        """Structured values spread over one column per part, matched by position.

        A column holding a single value gives it to every item (one country for all the partners).
        """
        syntax = self.mapping.syntax
        count = max(len(pieces) for _, pieces, _ in columns.values())
        for part_name, (column, pieces, _) in columns.items():
            if len(pieces) not in (0, 1, count):
                raise _AlignedError(column, part_name, f"{len(pieces)} values where another column of "
                                    f"{record_field.name!r} has {count}; values are matched by position")
        items: list[object] = []
        for n in range(count):
            parts: dict[str, object] = {}
            for part_name, (column, pieces, escaped) in columns.items():
                part = record_field.part(part_name)
                assert part is not None
                piece = None if not pieces else pieces[0] if len(pieces) == 1 else pieces[n]
                try:
                    if escaped and isinstance(piece, str):
                        parts[part_name] = _part_value(piece, part, syntax)
                    else:
                        parts[part_name] = _scalar(piece, part.scalar, syntax, email=part_name == "email")
                except _CellError as error:
                    raise _AlignedError(column, part_name, f"value {n + 1}: {error}") from None
            try:
                items.append(_instance(record_field, parts, None))
            except _CellError as error:
                column, _, _ = next(iter(columns.values()))
                raise _AlignedError(column, "", f"value {n + 1}: {error}") from None
        return items


# -- Choosing a mapping -----------------------------------------------------------------------------


def _fit(columns: Iterable[str], mapping: TabularMapping) -> int | None:
    """How many of ``columns`` the mapping knows; None when its record-id column is not among them."""
    keys = {column_key(c) for c in columns}
    if column_key(mapping.id_column) not in keys:
        return None
    return len(keys & mapping.known().keys())


def _best(fits: Sequence[tuple[int | None, TabularMapping]], columns: Sequence[str]) -> TabularMapping:
    scored = sorted(((score, m) for score, m in fits if score is not None), key=lambda s: -s[0])
    if not scored:
        ids = ", ".join(f"{m.id_column!r} ({m.name})" for _, m in fits) or "none: mappings/tabular/ is empty"
        raise MappingError(f"no tabular mapping fits the columns {list(columns)!r}: each mapping needs its "
                           f"record-id column ({ids}); add a mapping to mappings/tabular/")
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        raise MappingError(f"the columns fit the mappings {scored[0][1].name!r} and {scored[1][1].name!r} "
                           "equally well; name the mapping to use")
    return scored[0][1]


def choose_mapping(columns: Sequence[str], mappings: Sequence[TabularMapping]) -> TabularMapping:
    """The mapping that knows the most of ``columns``, among those whose record-id column is present.

    Raises :class:`MappingError` when none fits or two fit equally well.
    """
    return _best([(_fit(columns, m), m) for m in mappings], columns)


def _file_problem(path: str, message: str, line: int | None = None) -> SourceReadResult:
    return SourceReadResult(problems=[Problem(Severity.ERROR, path, message, line=line)], unreadable=True)


def _decode(data: bytes, encoding: str, path: str) -> str:
    if codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}:
        data = data.removeprefix(codecs.BOM_UTF8)
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceError(Problem(
            Severity.ERROR, path,
            f"the file is not {encoding} (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it again in the encoding its mapping declares",
            line=data.count(b"\n", 0, error.start) + 1)) from None


# -- CSV --------------------------------------------------------------------------------------------


def _csv_header(data: bytes, mapping: TabularMapping) -> list[str]:
    """The first row as ``mapping`` would read it (its encoding and delimiter); [] if it cannot."""
    head = data[: 1 << 16]
    encoding = mapping.encoding
    if codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}:
        head, encoding = head.removeprefix(codecs.BOM_UTF8), "utf-8"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as error:
        text = head[: error.start].decode(encoding)  # the header may be fine: the full read reports the rest
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.csv_delimiter), [])
    except csv.Error:
        return []


def _choose_csv_mapping(data: bytes, mappings: Sequence[TabularMapping]) -> TabularMapping:
    headers = [(_csv_header(data, m), m) for m in mappings]
    shown = max((h for h, _ in headers), key=len, default=[])
    return _best([(_fit(h, m), m) for h, m in headers], shown)


def read_csv(path: Path, shown: str, mapping: TabularMapping | None = None) -> SourceReadResult:
    """The records of a CSV export (header on the first line, one partnership per row)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return _file_problem(shown, f"cannot read the file: {error.strerror or error}")
    if mapping is None:
        try:
            mapping = _choose_csv_mapping(data, tabular_mappings())
        except MappingError as error:
            return _file_problem(shown, str(error), line=1)
    try:
        text = _decode(data, mapping.encoding, shown)
    except SourceError as error:
        return SourceReadResult(problems=[error.problem], unreadable=True)
    result = SourceReadResult()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.csv_delimiter, strict=True)
    rows = _Reader(mapping, shown, result)
    try:
        header = next(reader, None)
        if header is None:
            return _file_problem(shown, "the file is empty: expected a header line naming the columns")
        columns = [" ".join(c.replace("\ufeff", "").split()) or f"(unnamed column {n})"
                   for n, c in enumerate(header, start=1)]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            return _file_problem(shown, f"the header names the column(s) {duplicates} more than once", line=1)
        rows.check_columns(columns, line=1)
        next_line = reader.line_num + 1
        for number, cells in enumerate(reader, start=2):
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            row = _Row(line, number, {})
            if any(cell.strip() for cell in cells[len(columns):]):
                result.problems.append(Problem(
                    Severity.ERROR, shown,
                    f"{row.where()}: {len(cells)} cells for {len(columns)} columns; the row is not read "
                    "(a delimiter inside a value that is not quoted?)", line=line))
                continue
            row.cells = dict(zip(columns, cells, strict=False))
            rows.read(row)
    except csv.Error as error:
        result.problems.append(Problem(Severity.ERROR, shown, f"CSV syntax error: {error}; reading stopped",
                                       line=reader.line_num))
    return result


# -- JSON Lines -------------------------------------------------------------------------------------


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def read_jsonl(path: Path, shown: str, mapping: TabularMapping | None = None) -> SourceReadResult:
    """The records of a JSON Lines export: one JSON object per line, keys are the mapping's columns."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return _file_problem(shown, f"cannot read the file: {error.strerror or error}")
    try:
        text = _decode(data, mapping.encoding if mapping else "utf-8", shown)
    except SourceError as error:
        return SourceReadResult(problems=[error.problem], unreadable=True)
    result = SourceReadResult()
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_float=Decimal, parse_constant=_no_constant)
        except ValueError as error:
            result.problems.append(Problem(Severity.ERROR, shown, f"line {number}: not JSON ({error}); "
                                           "the row is not read", line=number))
            continue
        if not isinstance(value, dict):
            result.problems.append(Problem(
                Severity.ERROR, shown, f"line {number}: expected a JSON object (one partnership), "
                f"found {type(value).__name__}; the row is not read", line=number))
            continue
        objects.append((number, value))
    if not objects:
        if not result.problems:
            return _file_problem(shown, "the file holds no JSON object: expected one partnership per line")
        result.unreadable = True
        return result
    if mapping is None:
        try:
            mapping = choose_mapping(list(objects[0][1]), tabular_mappings())
        except MappingError as error:
            result.problems.append(Problem(Severity.ERROR, shown, str(error), line=objects[0][0]))
            result.unreadable = True
            return result
    rows = _Reader(mapping, shown, result)
    for number, value in objects:
        rows.check_columns(list(value), line=number)
        rows.read(_Row(number, number, value))
    return result


# -- Writing ----------------------------------------------------------------------------------------


def _cell_scalar(value: object, scalar: Scalar, syntax: CellSyntax) -> str:
    if value is None:
        return ""
    if scalar is Scalar.FLAG:
        return syntax.yes[0] if value else syntax.no[0]
    if scalar is Scalar.AMOUNT:
        return format(value, "f").replace(".", syntax.decimal_separator)
    return str(value)


def _json_scalar(value: object, scalar: Scalar, syntax: CellSyntax) -> object:
    if scalar is Scalar.AMOUNT and value is not None:
        # A string, written as a cell writes it, keeps the decimals exactly as they are.
        return _cell_scalar(value, scalar, syntax)
    return value


def _cell_parts(item: object, order: Sequence[str], record_field: RecordField, syntax: CellSyntax) -> str:
    texts = []
    for name in order:
        part = record_field.part(name)
        assert part is not None
        texts.append(_escape(_cell_scalar(getattr(item, name), part.scalar, syntax), syntax))
    while texts and not texts[-1]:
        texts.pop()
    return syntax.part_separator.join(texts)


def _row_values(record: PartnershipRecord, mapping: TabularMapping, as_json: bool) -> dict[str, object]:
    fields = record_fields()
    syntax = mapping.syntax
    row: dict[str, object] = {}
    for column, target in mapping.columns:
        record_field = fields[target.field]
        value = getattr(record, target.field)
        if target.part is not None:
            part = record_field.part(target.part)
            assert part is not None
            values = [getattr(item, target.part) for item in value]
            if as_json:
                row[column] = [_json_scalar(v, part.scalar, syntax) for v in values]
            else:
                row[column] = syntax.list_separator.join(
                    _escape(_cell_scalar(v, part.scalar, syntax), syntax) for v in values)
        elif not record_field.multiple:
            if as_json:
                row[column] = value
            else:
                row[column] = _cell_scalar(value, record_field.scalar, syntax)
        elif record_field.structured:
            order = mapping.part_order(target.field)
            if as_json:
                row[column] = [
                    {name: _json_scalar(getattr(item, name), record_field.parts_by_name[name].scalar, syntax)
                     for name in order if getattr(item, name) is not None}
                    for item in value
                ]
            else:
                row[column] = syntax.list_separator.join(
                    _cell_parts(item, order, record_field, syntax) for item in value)
        else:
            row[column] = list(value) if as_json else syntax.list_separator.join(
                _escape(v, syntax) for v in value)
    return row


def _check_writable(record: PartnershipRecord, mapping: TabularMapping) -> None:
    mapped = {target.field for _, target in mapping.columns}
    for name in record_fields():
        value = getattr(record, name)
        if name not in mapped and value not in (None, []):
            raise ValueError(f"record {record.record_id}: the mapping {mapping.name!r} has no column for "
                             f"{name!r}, which holds {value!r}")


def csv_lines(records: Iterable[PartnershipRecord], mapping: TabularMapping) -> Iterator[str]:
    """The CSV text of ``records`` in ``mapping``'s form: the header, then one row per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=mapping.csv_delimiter, lineterminator="\n")
    writer.writerow([column for column, _ in mapping.columns])
    yield buffer.getvalue()
    for record in records:
        _check_writable(record, mapping)
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(list(_row_values(record, mapping, as_json=False).values()))
        yield buffer.getvalue()


def jsonl_lines(records: Iterable[PartnershipRecord], mapping: TabularMapping) -> Iterator[str]:
    """One JSON object per record, keyed by ``mapping``'s columns."""
    for record in records:
        _check_writable(record, mapping)
        yield json.dumps(_row_values(record, mapping, as_json=True), ensure_ascii=False) + "\n"


def write_csv(records: Iterable[PartnershipRecord], path: Path, mapping: TabularMapping) -> None:
    with path.open("w", encoding=mapping.encoding, newline="") as handle:
        handle.writelines(csv_lines(records, mapping))


def write_jsonl(records: Iterable[PartnershipRecord], path: Path, mapping: TabularMapping) -> None:
    with path.open("w", encoding=mapping.encoding, newline="") as handle:
        handle.writelines(jsonl_lines(records, mapping))


def read_tabular(path: Path, shown: str, mapping: TabularMapping | None = None) -> SourceReadResult:
    """A CSV or JSON Lines export, by its suffix."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        return read_jsonl(path, shown, mapping)
    return read_csv(path, shown, mapping)
