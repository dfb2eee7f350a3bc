"""Application factory: settings in, a Flask app serving one store out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template

from publisher.settings import Settings, load_settings
from publisher.store import Store, StoreUnavailable, open_store_target

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def create_app(store_dir: Path | str, settings: Settings | None = None, **overrides: Any) -> Flask:
    """The publisher serving the store in ``store_dir``."""
    settings = (settings or load_settings()).with_overrides(**overrides)
    app = Flask(__name__)
    # A key with an empty segment (/id//x, /id/%2Fx) names no resource: a 404, not a redirect to another path.
    app.url_map.merge_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["atlas_settings"] = settings
    store: Store = open_store_target(settings, store_dir).reader()
    app.extensions["atlas_store"] = store

    from publisher.web import browse, dataset, facets, http_cache, linked_data, maps, search, sparql

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(linked_data.blueprint)
    from publisher.web import queries_api
    app.register_blueprint(queries_api.blueprint)
    for pages in (browse, facets, search, maps, dataset):
        app.register_blueprint(pages.blueprint)
    http_cache.install(app, {"linked_data", "browse", "facets", "search", "maps", "dataset"}, Path(store_dir), store)
    from publisher.web import openapi, request_limits
    app.register_blueprint(openapi.blueprint)
    request_limits.install(app, settings)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"settings": settings}

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc: StoreUnavailable) -> tuple[str, int, dict[str, str]]:
        return render_template("error.html", title="Données indisponibles", message=str(exc)), 503, {
            "Retry-After": "10"}

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Introuvable",
                               message="Aucune ressource à cette adresse."), 404

    @app.errorhandler(413)
    def _too_large(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Requête trop volumineuse",
                               message=f"Le corps de la requête dépasse {settings.max_request_bytes} octets."), 413

    return app


def current_settings() -> Settings:
    from flask import current_app

    return current_app.extensions["atlas_settings"]  # type: ignore[no-any-return]


def current_store() -> Store:
    from flask import current_app

    return current_app.extensions["atlas_store"]  # type: ignore[no-any-return]
