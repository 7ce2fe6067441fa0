"""The web face: server-rendered pages (Jinja2 + htmx) and the JSON API (FastAPI)."""

from hsct.web.app import create_app

__all__ = ["create_app"]
