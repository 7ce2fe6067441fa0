"""Home page, "About this information" and the language switcher."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.knowledge.check import STALE_AFTER_YEARS, check, fact_counts, iter_fact_records
from hsct.web.deps import CatalogDep, SettingsDep
from hsct.web.locale import Locale, remember_locale, safe_next_path
from hsct.web.templating import Pages


def page_router(pages: Pages) -> APIRouter:
    """Routes for the general pages."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, locale: Locale) -> HTMLResponse:
        return pages.render(request, "home.html", locale=locale)

    @router.get("/about", response_class=HTMLResponse)
    def about(
        request: Request, locale: Locale, catalog: CatalogDep, settings: SettingsDep
    ) -> HTMLResponse:
        """Who made the information, how it was chosen, how old it is, who pays, and how to
        report an error (the IPDAS disclosure items)."""
        records = list(iter_fact_records(catalog))
        report = check(catalog, dt.datetime.now(dt.UTC).date(), records=records)
        dates = sorted(source.date for source in catalog.sources.values())
        kinds = Counter(source.kind for source in catalog.sources.values())
        return pages.render(
            request,
            "about.html",
            locale=locale,
            context={
                "counts": report.counts,
                "facts": fact_counts(records),
                "sources": len(catalog.sources),
                "source_kinds": kinds.most_common(),
                "newest": dates[-1] if dates else None,
                "oldest": dates[0] if dates else None,
                "stale_years": STALE_AFTER_YEARS,
                "contact": settings.contact,
            },
        )

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
