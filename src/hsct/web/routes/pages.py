"""Home page and the language switcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.web.locale import Locale, remember_locale, safe_next_path
from hsct.web.templating import Pages


def page_router(pages: Pages) -> APIRouter:
    """Routes for the general pages."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, locale: Locale) -> HTMLResponse:
        return pages.render(request, "home.html", locale=locale)

    @router.post("/language")
    def set_language(
        request: Request,
        locale: Locale,
        lang: Annotated[str, Form()] = "",
        next_path: Annotated[str, Form(alias="next")] = "/",
    ) -> Response:
        if lang not in SUPPORTED_LOCALES:
            return pages.render(
                request,
                "error.html",
                locale=locale,
                context={"status_code": 400, "bad_language": lang},
                status_code=400,
            )
        response = RedirectResponse(safe_next_path(next_path), status_code=303)
        remember_locale(response, lang)
        return response

    return router
