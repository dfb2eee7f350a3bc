"""The publisher's settings: one typed object, every field with a default and a help line.

Values come, in order of precedence, from test or command-line overrides, from the
environment (``ATLAS_LD_<FIELD>`` in upper case), from a TOML file named by
``ATLAS_LD_CONFIG``, then from the defaults below. ``docs/settings.md`` is
generated from this module and a test keeps it in step.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "ATLAS_LD_"
STORE_KINDS = ("embedded", "sparql")
SPARQL_AUTH_SCHEMES = ("basic", "digest")


def _setting(default: Any, help: str, secret: bool = False) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    # A secret stays out of the settings' repr, so that no log or traceback shows it.
    return field(default=default, metadata={"help": help}, repr=not secret)


@dataclass(frozen=True)
class Settings:
    base_iri: str = _setting(
        "https://atlas-ld.example/",
        "Base IRI of every published IRI (entities under id/, vocabulary under def/). "
        "Independent of the host that serves the data; must end with '/'.",
    )
    publish_emails: bool = _setting(
        False,
        "Publish contacts' e-mail addresses (vcard:hasEmail) in the store, pages and dumps. "
        "Off by default: personal data is published only when this is set.",
    )
    dataset_title: str = _setting(
        "Atlas français de la coopération décentralisée (données liées)",
        "Title of the dataset in its VoID/DCAT description and on the home page.",
    )
    dataset_licence: str = _setting(
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "IRI of the licence under which the data is published.",
    )
    dataset_publisher: str = _setting(
        "Ministère de l'Europe et des Affaires étrangères",
        "Name of the organisation publishing the dataset.",
    )
    page_size: int = _setting(50, "Rows per page in entity pages' incoming links and in class indexes.")
    query_timeout_s: float = _setting(
        20.0,
        "Longest time a /sparql query may take, waiting for a free query process included, before it "
        "is stopped and answered with 503.",
    )
    max_result_rows: int = _setting(
        10000,
        "Most rows a SELECT (or triples a CONSTRUCT or DESCRIBE) returns from /sparql; longer results "
        "are cut and marked so (header X-Atlas-Truncated, and a notice in JSON results).",
    )
    max_request_bytes: int = _setting(
        1_000_000,
        "Largest request body accepted by /sparql (larger bodies get 413), and longest query string "
        "of a GET (longer ones get 414).",
    )
    federation_allowlist: list[str] = _setting(
        [],
        "Endpoints a SERVICE clause may call, as IRI prefixes (end each with '/'). Empty: federation off, "
        "every query with SERVICE is refused.",
    )
    query_workers: int = _setting(
        0,
        "Processes running /sparql queries, in each HTTP server process (a query past query_timeout_s, "
        "or whose client has gone, is stopped by killing its process, which is then replaced). "
        "0: two per CPU, so that a runaway query holding one leaves others free for short queries.",
    )
    cors_allow_origin: str = _setting(
        "*",
        "Access-Control-Allow-Origin of /sparql answers, so that pages on other sites can query the "
        "endpoint (CORS). Empty: no CORS headers.",
    )
    max_source_bytes: int = _setting(
        20_000_000,
        "Largest source file (Atlas page or tabular export) a build reads; a larger one is refused with an "
        "error naming it.",
    )
    store: str = _setting(
        "embedded",
        "Where the graph is kept: 'embedded' (pyoxigraph releases in the store folder) or 'sparql' (an "
        "external SPARQL 1.1 store, reached at the sparql_* URLs; the store folder then keeps only the build "
        "cache, reports and release files). See docs/deploy.md.",
    )
    sparql_query_url: str = _setting(
        "",
        "With store = 'sparql': the store's SPARQL 1.1 query endpoint. Its default graph must be the union "
        "of the named graphs (oxigraph serve --union-default-graph; Virtuoso does so by default).",
    )
    sparql_update_url: str = _setting(
        "",
        "With store = 'sparql': the store's SPARQL 1.1 update endpoint, used by builds (not needed to serve).",
    )
    sparql_graph_store_url: str = _setting(
        "",
        "With store = 'sparql': the store's Graph Store HTTP Protocol endpoint, used by builds to upload "
        "graphs. Empty: graphs are uploaded with SPARQL Update (INSERT DATA) instead.",
    )
    sparql_user: str = _setting(
        "",
        "With store = 'sparql': user name sent to the store's endpoints. Empty: no authentication.",
    )
    sparql_password: str = _setting(
        "",
        "With store = 'sparql': password of sparql_user. Best set in the environment "
        "(ATLAS_LD_SPARQL_PASSWORD); never printed.",
        secret=True,
    )
    sparql_auth: str = _setting(
        "basic",
        "With store = 'sparql': HTTP authentication scheme for sparql_user, 'basic' or 'digest' "
        "(Virtuoso's /sparql-auth and /sparql-graph-crud-auth want digest).",
    )
    sparql_timeout_s: float = _setting(
        30.0,
        "With store = 'sparql': longest wait for the store's answer to one of the publisher's own queries "
        "(pages, documents); past it the page answers 503. /sparql queries wait query_timeout_s instead.",
    )
    sparql_update_timeout_s: float = _setting(
        600.0,
        "With store = 'sparql': longest wait for the store to take one upload or the update that switches "
        "to a new release; past it the build fails and publishes nothing.",
    )

    @property
    def vocab_iri(self) -> str:
        """Namespace of the Atlas vocabulary (hash namespace under the base IRI)."""
        return self.base_iri + "def/atlas#"

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def setting_fields() -> list[tuple[str, Any, str]]:
    """(name, default, help) for every setting, in declaration order."""
    rows = []
    for f in fields(Settings):
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        rows.append((f.name, default, f.metadata["help"]))
    return rows


def _coerce(name: str, raw: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"setting {name}: expected true or false, got {raw!r}")
    if isinstance(default, list):
        if isinstance(raw, list):
            return [str(item) for item in raw]
        return [item.strip() for item in str(raw).split(",") if item.strip()]
    try:
        return type(default)(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name}: expected {type(default).__name__}, got {raw!r}") from exc


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the defaults, the TOML file, the environment, then ``overrides``."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    defaults = {name: default for name, default, _ in setting_fields()}
    config_path = env.get(ENV_PREFIX + "CONFIG")
    if config_path:
        with Path(config_path).open("rb") as handle:
            table = tomllib.load(handle)
        unknown = set(table) - set(defaults)
        if unknown:
            raise ValueError(f"{config_path}: unknown settings {sorted(unknown)}; see docs/settings.md")
        values.update({k: _coerce(k, v, defaults[k]) for k, v in table.items()})
    for name, default in defaults.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(name, raw, default)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)
    if not settings.base_iri.endswith("/"):
        raise ValueError(f"setting base_iri must end with '/', got {settings.base_iri!r}")
    if settings.store not in STORE_KINDS:
        raise ValueError(f"setting store must be one of {', '.join(STORE_KINDS)}, got {settings.store!r}")
    if settings.sparql_auth not in SPARQL_AUTH_SCHEMES:
        raise ValueError(f"setting sparql_auth must be one of {', '.join(SPARQL_AUTH_SCHEMES)}, "
                         f"got {settings.sparql_auth!r}")
    return settings


def settings_markdown() -> str:
    """The settings reference, as written to ``docs/settings.md``."""
    lines = [
        "# Settings",
        "",
        "Generated by `atlas-ld settings`; a test keeps this page in step with `publisher/settings.py`.",
        "Set each one in the environment as `ATLAS_LD_<NAME>` (upper case), or in a TOML file named by",
        "`ATLAS_LD_CONFIG`.",
        "",
        "| setting | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, default, help_text in setting_fields():
        lines.append(f"| `{name}` | `{default!r}` | {help_text} |")
    return "\n".join(lines) + "\n"
