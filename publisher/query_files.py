"""The researchers' questions in ``sparql/``: one ``.rq`` file each, with a header saying what it asks.

The header is the file's first block of ``#`` lines (format in ``sparql/README.md``)::

    # title: Funding by country and year
    # description: Funding declared for partnerships with local authorities of each foreign
    #   country, summed by year.
    # tags: funding, country
    # param: country iri -- The foreign country; every country when not given.
    # federated: https://query.wikidata.org/sparql

A parameter names a variable of the query. Its value arrives as text (a URL parameter) and
becomes an RDF term of the declared type here; the term, written by the store's own
serialiser, goes into a ``VALUES`` block that opens the query's outermost ``WHERE`` group.
The value is never pasted into the query: text that looks like SPARQL stays a string.
A parameter left free leaves the variable free.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urljoin

from publisher.resources import resource_dir
from publisher.store import Literal, NamedNode, Term

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER_TYPES = {
    "iri": "an IRI, absolute or relative to the base IRI (e.g. id/country/ml)",
    "string": "a text",
    "integer": "a whole number",
    "decimal": "a decimal number (e.g. 1250.50)",
    "year": "a year of four digits",
    "boolean": "true or false",
}
MAX_VALUE_LENGTH = 2000
HEADER_FIELDS = ("title", "description", "tags", "param", "federated")
REQUIRED_FIELDS = ("title", "description", "tags")

_FIELD = re.compile(r"^#\s?(?P<key>[a-z]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")
_PARAMETER = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)(?:\s*=\s*(?P<default>.*?))?\s+--\s+(?P<description>.+)$"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?<([^>]*)>", re.IGNORECASE)


class QueryFileError(ValueError):
    """A query file whose header cannot be read; says which file and line."""


class ParameterError(ValueError):
    """A parameter value that does not fit the parameter's type; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class QueryParameter:
    """A variable of a query that a caller may bind: name, type, default (as text) and meaning."""

    name: str
    type: str
    default: str | None
    description: str

    def term(self, value: str, base_iri: str) -> Term:
        """The RDF term for ``value`` as given in a URL; raises :class:`ParameterError`."""
        if len(value) > MAX_VALUE_LENGTH:
            raise ParameterError(self.name, f"longer than {MAX_VALUE_LENGTH} characters")
        text = value.strip()
        if self.type == "string":
            return Literal(value)
        if self.type == "iri":
            iri = text if _SCHEME.match(text) else urljoin(base_iri, text)
            try:
                return NamedNode(iri)
            except ValueError as exc:
                raise ParameterError(
                    self.name, f"expected {PARAMETER_TYPES['iri']}, got {value!r} ({exc})") from None
        if self.type == "integer" and re.fullmatch(r"[+-]?[0-9]+", text):
            return Literal(str(int(text)), datatype=NamedNode(XSD + "integer"))
        if self.type == "year" and re.fullmatch(r"[0-9]{4}", text):
            return Literal(text, datatype=NamedNode(XSD + "gYear"))
        if self.type == "boolean" and text.lower() in {"true", "false", "1", "0"}:
            truth = "true" if text.lower() in {"true", "1"} else "false"
            return Literal(truth, datatype=NamedNode(XSD + "boolean"))
        if self.type == "decimal" and re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
            try:
                number = Decimal(text)
            except InvalidOperation:
                pass
            else:
                return Literal(format(number, "f"), datatype=NamedNode(XSD + "decimal"))
        raise ParameterError(self.name, f"expected {PARAMETER_TYPES[self.type]}, got {value!r}")


@dataclass(frozen=True)
class QueryFile:
    """One researcher question: its header and its SPARQL text."""

    name: str
    path: Path
    title: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[QueryParameter, ...]
    federated: tuple[str, ...]
    text: str

    @property
    def form(self) -> str:
        """``select``, ``construct``, ``ask`` or ``describe``."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        found = _FORM.search(body)
        return found.group(1).lower() if found else "select"

    def services(self) -> list[str]:
        """The endpoints the query's SERVICE clauses call."""
        return _SERVICE.findall(self.text)

    def parameter(self, name: str) -> QueryParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bindings(self, values: Mapping[str, str], base_iri: str) -> dict[str, Term]:
        """Terms for the given parameter values, defaults filling the rest; an empty value leaves one free.

        Raises :class:`ParameterError` for a name the query does not declare or a value of the wrong type.
        """
        for name in values:
            if self.parameter(name) is None:
                declared = ", ".join(p.name for p in self.parameters) or "none"
                raise ParameterError(name, f"not a parameter of {self.name} (its parameters: {declared})")
        bound: dict[str, Term] = {}
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is None or value.strip() == "":
                continue
            bound[parameter.name] = parameter.term(value, base_iri)
        return bound

    def bound_text(self, bindings: Mapping[str, Term]) -> str:
        """The query with ``bindings`` in a ``VALUES`` block at the start of its outermost WHERE group."""
        if not bindings:
            return self.text
        names = sorted(bindings)
        block = "VALUES ({}) {{ ({}) }}".format(
            " ".join(f"?{name}" for name in names), " ".join(str(bindings[name]) for name in names))
        where = _WHERE.search(self.text, self._header_end())
        assert where is not None, "checked when the file was read"
        return f"{self.text[:where.end()]}\n  {block}{self.text[where.end():]}"

    def _header_end(self) -> int:
        offset = 0
        for line in self.text.splitlines(keepends=True):
            if not line.startswith("#"):
                break
            offset += len(line)
        return offset

    def text_with_base(self, base_iri: str) -> str:
        """The query with a ``BASE`` line after its header, so it runs as it is on any endpoint."""
        lines = self.text.splitlines()
        header = 0
        while header < len(lines) and lines[header].startswith("#"):
            header += 1
        return "\n".join([*lines[:header], f"BASE <{base_iri}>", *lines[header:]]) + "\n"


def _parse_parameter(path: Path, number: int, value: str) -> QueryParameter:
    match = _PARAMETER.match(value.strip())
    if match is None:
        raise QueryFileError(
            f"{path}:{number}: a parameter reads 'NAME TYPE [= DEFAULT] -- DESCRIPTION', got {value!r}")
    if match["type"] not in PARAMETER_TYPES:
        known = ", ".join(PARAMETER_TYPES)
        raise QueryFileError(f"{path}:{number}: parameter type {match['type']!r} unknown; use one of {known}")
    default = match["default"] or None
    parameter = QueryParameter(match["name"], match["type"], default, match["description"].strip())
    if default is not None:
        try:
            parameter.term(default, "https://example.org/")
        except ParameterError as exc:
            raise QueryFileError(f"{path}:{number}: default of {exc}") from None
    return parameter


def read_query_file(path: Path) -> QueryFile:
    """The query in ``path`` with its header read; raises :class:`QueryFileError` on a bad header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[tuple[int, str]]] = {}
    last: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        continued = _CONTINUATION.match(line)
        if continued and last is not None:
            previous_number, previous = fields[last][-1]
            fields[last][-1] = (previous_number, previous + " " + continued["value"].strip())
            continue
        field = _FIELD.match(line)
        if field is None or field["key"] not in HEADER_FIELDS:
            known = ", ".join(HEADER_FIELDS)
            raise QueryFileError(
                f"{path}:{number}: header lines read '# FIELD: value' with FIELD one of {known}, "
                f"or continue the previous field after '#' and two spaces; got {line!r}")
        last = field["key"]
        fields.setdefault(last, []).append((number, field["value"].strip()))
    for required in REQUIRED_FIELDS:
        if not fields.get(required) or not fields[required][0][1]:
            raise QueryFileError(f"{path}: the header has no '# {required}:' line")
    for single in ("title", "description", "tags"):
        if len(fields[single]) > 1:
            raise QueryFileError(f"{path}:{fields[single][1][0]}: a second '# {single}:' line")
    parameters = tuple(_parse_parameter(path, n, v) for n, v in fields.get("param", []))
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{path}: a parameter is declared twice")
    for parameter in parameters:
        if not re.search(rf"[?$]{parameter.name}\b", text):
            raise QueryFileError(f"{path}: parameter {parameter.name!r} is not a variable of the query")
    if parameters and not _WHERE.search(text):
        raise QueryFileError(f"{path}: a query with parameters writes its pattern as 'WHERE {{ ... }}'")
    return QueryFile(
        name=path.stem,
        path=path,
        title=fields["title"][0][1],
        description=fields["description"][0][1],
        tags=tuple(t.strip() for t in fields["tags"][0][1].split(",") if t.strip()),
        parameters=parameters,
        federated=tuple(v for _, v in fields.get("federated", [])),
        text=text,
    )


def query_files_dir() -> Path:
    return resource_dir("sparql")


def load_query_files(directory: Path | None = None) -> dict[str, QueryFile]:
    """Every query in ``directory`` (default: the project's ``sparql/``), by name, in name order."""
    folder = directory or query_files_dir()
    return {path.stem: read_query_file(path) for path in sorted(folder.glob("*.rq"))}


def find_query_file(name: str, directory: Path | None = None) -> QueryFile | None:
    """The query called ``name``, or ``None`` when there is none (``name`` is never used as a path)."""
    folder = directory or query_files_dir()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        return None
    path = folder / f"{name}.rq"
    return read_query_file(path) if path.is_file() else None
