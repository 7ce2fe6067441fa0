"""Server-rendered pages: one Jinja environment per language, built once per app.

Each environment has its language's gettext catalogue installed (new-style gettext,
trimmed ``{% trans %}`` blocks), so a template never mixes languages and rendering is
thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from hsct import __version__
from hsct.common.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, translations
from hsct.web.sections import SECTIONS

SITE_NAME = "HSCT Navigator"


def static_url(path: str) -> str:
    """URL of a file under ``web/static``, with the version for cache busting."""
    return f"/static/{path}?v={__version__}"


class Pages:
    """Renders templates in the request's language."""

    def __init__(self) -> None:
        self._environments = {locale: _environment(locale) for locale in SUPPORTED_LOCALES}

    def environment(self, locale: str) -> Environment:
        """The Jinja environment for ``locale``."""
        return self._environments[locale]

    def render(
        self,
        request: Request,
        template: str,
        *,
        locale: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render ``template`` for ``request`` in ``locale`` as an HTML response."""
        page = self._environments[locale].get_template(template)
        query = request.url.query
        html = page.render(
            {
                "request": request,
                "locale": locale,
                "current_path": request.url.path + (f"?{query}" if query else ""),
                **(context or {}),
            }
        )
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={"Content-Language": locale, "Vary": "Accept-Language, Cookie"},
        )


def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("hsct.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_translations(  # type: ignore[attr-defined]  # added by the i18n extension
        translations(locale), newstyle=True
    )
    environment.globals.update(
        site_name=SITE_NAME,
        version=__version__,
        static=static_url,
        languages=tuple(LANGUAGE_NAMES.items()),
        sections=SECTIONS,
    )
    return environment
