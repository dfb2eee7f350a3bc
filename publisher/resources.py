"""Where the project's declarative files live: ontology, shapes, mappings, queries, reference data.

From a source checkout they are the top-level folders; in an installed wheel they
are copied under ``publisher/_data`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder holding one kind of declarative file (``ontology``, ``shapes``, ...)."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cannot find the {name!r} folder (looked in {installed} and {checkout})")


def reference_table(name: str) -> Path:
    """A reference data table shipped with the project (see ``reference/README.md``)."""
    return resource_dir("reference") / "data" / name
