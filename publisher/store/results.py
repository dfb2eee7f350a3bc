"""SPARQL 1.1 query results formats, written from a list of solutions.

pyoxigraph serialises only a whole, unread result; the endpoint keeps the first
rows of a result and cuts the rest (the ``max_result_rows`` setting), so it writes
those rows itself, in the four formats of the SPARQL 1.1 Protocol:

- JSON: https://www.w3.org/TR/sparql11-results-json/
- XML: https://www.w3.org/TR/rdf-sparql-XMLres/
- CSV and TSV: https://www.w3.org/TR/sparql11-results-csv-tsv/

RDF-star triple terms are written as the formats' drafts for RDF 1.2 do (``"type": "triple"``,
``<triple>``), as pyoxigraph does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

# Turtle's short forms, used by TSV for the literals that have one (§ 3.2 of the CSV/TSV note).
TSV_SHORT_FORMS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}

Row = Mapping[str, Any]


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        }}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
        if getattr(term, "direction", None) is not None:
            out["its:dir"] = str(term.direction).lower()
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def write_json(
    variables: Sequence[str], rows: Sequence[Row], extra: Mapping[str, Any] | None = None
) -> bytes:
    """SPARQL 1.1 Query Results JSON Format, §3; ``extra`` adds members to the top-level object."""
    document: dict[str, Any] = {
        "head": {"vars": list(variables)},
        "results": {"bindings": [{name: _json_term(value) for name, value in row.items()} for row in rows]},
    }
    document.update(extra or {})
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject>"
                f"<predicate>{_xml_term(term.predicate)}</predicate>"
                f"<object>{_xml_term(term.object)}</object></triple>")
    text = escape(term.value, {"\r": "&#13;"})
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"
    return f"<literal>{text}</literal>"


def write_xml(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL Query Results XML Format, §2."""
    parts = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts.extend(f"<variable name={quoteattr(name)}/>" for name in variables)
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        parts.extend(f"<binding name={quoteattr(name)}>{_xml_term(value)}</binding>"
                     for name, value in row.items())
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts).encode("utf-8")


def _csv_field(term: Any) -> str:
    if isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    elif isinstance(term, ox.BlankNode):
        text = "_:" + term.value
    else:
        text = " ".join(_csv_field(part) for part in (term.subject, term.predicate, term.object))
    if any(c in text for c in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results CSV Format, §2 (lines end with CRLF, as RFC 4180 has it)."""
    lines = [",".join(variables)]
    for row in rows:
        lines.append(",".join(_csv_field(row[name]) if name in row else "" for name in variables))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _tsv_term(term: Any) -> str:
    if isinstance(term, ox.Literal) and not term.language:
        pattern = TSV_SHORT_FORMS.get(term.datatype.value)
        if pattern is not None and pattern.fullmatch(term.value):
            return term.value
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"
    # N-Triples form escapes quotes, backslashes and line breaks; TSV also needs tabs escaped.
    return str(term).replace("\t", "\\t")


def write_tsv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """SPARQL 1.1 Query Results TSV Format, §3."""
    lines = ["\t".join("?" + name for name in variables)]
    for row in rows:
        lines.append("\t".join(_tsv_term(row[name]) if name in row else "" for name in variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


WRITERS: dict[str, Callable[[Sequence[str], Sequence[Row]], bytes]] = {
    "xml": write_xml,
    "csv": write_csv,
    "tsv": write_tsv,
}


def write_solutions(
    format_name: str,
    variables: Sequence[str],
    rows: Sequence[Row],
    json_extra: Mapping[str, Any] | None = None,
) -> bytes:
    """Solutions in one of the result formats named in ``publisher.store.base.RESULT_FORMATS``."""
    if format_name == "json":
        return write_json(variables, rows, json_extra)
    return WRITERS[format_name](variables, rows)
