"""Query text for a remote SPARQL store: the query form, bound values as ``VALUES``, an explicit ``BASE``.

The embedded store binds values with pyoxigraph's substitutions and resolves relative IRIs
against the base IRI it is given. A store reached through the SPARQL 1.1 Protocol gets neither,
so the query text itself carries them:

- bound values become a ``VALUES`` block (SPARQL 1.1 Query, §10.2) opening the query's
  outermost ``WHERE`` group, each value written as an N-Triples term by pyoxigraph's
  serialiser (escaped, so a value can never end the term it is written in);
- a ``BASE`` declaration (§4.1.1) comes first, so the relative IRIs of ``.rq`` files
  (``PREFIX atlas: <def/atlas#>``) resolve against the base IRI.

The scanner below knows just enough of the grammar (§19.8) to find that group: it skips
comments, strings and IRI references, and counts braces and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from publisher.store.base import BlankNode, Term

FORMS = ("select", "construct", "ask", "describe")
# IRIREF of the SPARQL grammar: anything but these characters between angle brackets.
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]*:?[A-Za-z0-9_\-.:%]*")
_VARIABLE = re.compile(r"[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+")
_LONG_STRING = {'"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S),
                "'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.S)}
_STRING = {'"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"'), "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'")}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def tokens(query: str) -> Iterator[Token]:
    """Keywords, names and brackets of ``query``; comments, strings, IRIs and variables are skipped."""
    position, length = 0, len(query)
    while position < length:
        char = query[position]
        if char.isspace():
            position += 1
        elif char == "#":
            newline = query.find("\n", position)
            position = length if newline < 0 else newline + 1
        elif char in "\"'":
            long = query[position:position + 3]
            pattern = _LONG_STRING.get(long) or _STRING[char]
            found = pattern.match(query, position)
            if found is None:
                raise SyntaxError(f"unterminated string at character {position}")
            position = found.end()
        elif char == "<" and (iri := _IRIREF.match(query, position)) is not None:
            position = iri.end()
        elif char in "?$" and (variable := _VARIABLE.match(query, position)) is not None:
            position = variable.end()
        elif char in "{}()":
            yield Token(char, position, position + 1)
            position += 1
        elif (word := _WORD.match(query, position)) is not None:
            yield Token(word.group(), position, word.end())
            position = word.end()
        else:
            position += 1


def query_form(query: str) -> str:
    """``select``, ``construct``, ``ask`` or ``describe``; raises ``SyntaxError`` when there is none."""
    for token in tokens(query):
        if token.text.lower() in FORMS:
            return token.text.lower()
    raise SyntaxError("not a SPARQL query: no SELECT, CONSTRUCT, ASK or DESCRIBE")


def _where_group(query: str) -> int:
    """Offset just after the ``{`` that opens the query's outermost WHERE group."""
    form: str | None = None
    braces = parens = 0
    template_done = False
    after_where = False
    for token in tokens(query):
        text = token.text
        if form is None:
            if text.lower() in FORMS:
                form = text.lower()
            continue
        if text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{":
            if braces == 0 and parens == 0:
                if form != "construct" or after_where or template_done:
                    return token.end
            braces += 1
        elif text == "}":
            braces -= 1
            if braces == 0 and form == "construct":
                template_done = True
        elif braces == 0 and parens == 0 and text.lower() == "where":
            after_where = True
            if form == "construct" and not template_done:
                raise ValueError("values cannot be bound in a CONSTRUCT WHERE short form")
    raise ValueError("the query has no WHERE group to bind values in")


def values_block(bindings: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (term term) }`` for ``bindings``, terms in N-Triples syntax."""
    names = sorted(bindings)
    for name in names:
        if isinstance(bindings[name], BlankNode):
            raise ValueError(f"?{name}: a blank node cannot be bound in a query sent to a SPARQL store")
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(str(bindings[name]) for name in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def with_values(query: str, bindings: Mapping[str, Term] | None) -> str:
    """``query`` with ``bindings`` in a ``VALUES`` block at the start of its outermost WHERE group."""
    if not bindings:
        return query
    offset = _where_group(query)
    return f"{query[:offset]} {values_block(bindings)}\n{query[offset:]}"


def with_base(query: str, base_iri: str) -> str:
    """``query`` preceded by ``BASE <base_iri>`` (the prologue may mix BASE and PREFIX in any order)."""
    return f"BASE <{base_iri}>\n{query}"
