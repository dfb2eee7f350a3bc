"""SERVICE clauses (SPARQL 1.1 Federated Query) in a user's query, and the allow-list that admits them.

https://www.w3.org/TR/sparql11-federated-query/

Federation is off unless the ``federation_allowlist`` setting names endpoints: a query
that would call any other endpoint is refused before it runs, so the server opens no
connection on a stranger's behalf. The query text is read with SPARQL's lexical rules
(the terminals of https://www.w3.org/TR/sparql11-query/#sparqlGrammar): comments,
strings, IRIs, variables and prefixed names are tokens of their own, so ``SERVICE`` is
found as a keyword wherever the parser would see one (in any letter case, after a
``.``, after a comment) and never inside a string, an IRI, a comment or a name. The
text is read twice, as written and with its ``\\u`` escapes decoded, and a keyword
found in either reading counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

_PN_CHARS = r"\w\-\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
TOKEN = re.compile(
    rf"""
    (?P<ws>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             | '(?:[^'\\\n\r]|\\.)*'
             | "(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<bnode>_:[{_PN_CHARS}.]*)
  | (?P<pname>(?:[^\W\d_][{_PN_CHARS}.]*)?:(?:[{_PN_CHARS}:]|{_PLX}|\.(?=[{_PN_CHARS}:%\\]))*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:[0-9]*\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(query: str) -> Iterator[Token]:
    """The significant tokens of ``query`` (no whitespace, no comments)."""
    for match in TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        if kind not in {"ws", "comment"}:
            yield Token(kind, match.group())


def _decode_codepoints(query: str) -> str:
    def decode(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group()

    return CODEPOINT_ESCAPE.sub(decode, query)


def _endpoints(query: str, base_iri: str) -> list[str | None]:
    """The endpoint of every SERVICE clause, as an absolute IRI; None where it is a variable or unreadable."""
    found: list[str | None] = []
    prefixes: dict[str, str] = {}
    base = base_iri
    stream = list(tokens(query))
    for index, token in enumerate(stream):
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        following = stream[index + 1:index + 3]
        if keyword == "BASE" and following and following[0].kind == "iri":
            base = urljoin(base, following[0].text[1:-1])
        elif keyword == "PREFIX" and len(following) == 2 and following[1].kind == "iri":
            prefixes[following[0].text.rstrip(":")] = urljoin(base, following[1].text[1:-1])
        elif keyword == "SERVICE":
            target = following[1] if following and following[0].text.upper() == "SILENT" else (
                following[0] if following else None)
            found.append(_resolve(target, base, prefixes))
    return found


def _resolve(token: Token | None, base: str, prefixes: dict[str, str]) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + LOCAL_ESCAPE.sub(r"\1", local)
    return None


def service_endpoints(query: str, base_iri: str) -> list[str | None]:
    """Endpoints called by ``query``'s SERVICE clauses; None for one that cannot be known before running."""
    if "service" not in query.lower() and "\\u" not in query and "\\U" not in query:
        return []  # the keyword is spelt out, or escaped: neither here
    found = _endpoints(query, base_iri)
    decoded = _decode_codepoints(query)
    if decoded != query:
        found += [endpoint for endpoint in _endpoints(decoded, base_iri) if endpoint not in found]
    return found


def federation_refusal(query: str, allowlist: Sequence[str], base_iri: str) -> str | None:
    """Why ``query`` may not run here because of its SERVICE clauses, or None if it may."""
    endpoints = service_endpoints(query, base_iri)
    if not endpoints:
        return None
    if not allowlist:
        return ("SERVICE (federated query) is off on this endpoint: queries that call other endpoints "
                "are refused. Run the query without its SERVICE clauses, or on your own endpoint.")
    for endpoint in endpoints:
        if endpoint is None:
            return ("SERVICE is allowed here only with an endpoint IRI written in the query "
                    "(not a variable), so that it can be checked against the allow-list.")
        if not any(endpoint.startswith(allowed) for allowed in allowlist):
            return (f"SERVICE <{endpoint}> is refused: this endpoint federates only with "
                    + ", ".join(f"<{allowed}>" for allowed in allowlist) + ".")
    return None
