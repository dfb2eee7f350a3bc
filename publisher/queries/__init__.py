"""The publisher's own SPARQL, one ``.rq`` file per question; values are bound, never pasted."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def load_query(name: str) -> str:
    return (_HERE / f"{name}.rq").read_text(encoding="utf-8")
