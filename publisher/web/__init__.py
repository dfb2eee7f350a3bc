"""The publisher's web application: SPARQL endpoint, dereferenceable IRIs, entity pages."""

from publisher.web.app import create_app

__all__ = ["create_app"]
