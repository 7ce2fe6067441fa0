"""The journey page: a dated plan grouped by month, today marked, and a calendar file.

"Today" is the app's clock (tests freeze it). Without a date the plan proposes one and
says why; late steps are shown at today, flagged, never dated silently in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.eligibility import PatientProfile, parse_profile
from hsct.journey import Timeline, plan, to_ics
from hsct.knowledge import Catalog
from hsct.knowledge.labels import STATUS_LABELS, TAG_LABELS
from hsct.web.auth import NowDep
from hsct.web.deps import CatalogDep
from hsct.web.locale import Locale
from hsct.web.routes.candidate import flat_form, load_profile
from hsct.web.templating import Pages

FIELD_LABELS = {
    "facility": N_("Clinic"),
    "admission_date": N_("Admission date"),
    "transplant_date": N_("Day 0"),
    "profile": N_("Saved answers"),
}
BASIS_LABELS = {
    "facility": N_("The clinic's own schedule"),
    "generic": N_("Typical timing"),
    "profile": N_("From your drugs"),
}


def _date(values: Mapping[str, str], name: str, errors: list[FieldError]) -> dt.date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(
            FieldError.translatable(name, Message(N_("is not a date")), Message(N_("YYYY-MM-DD")))
        )
        return None


def rows(timeline: Timeline) -> list[tuple[str, Any]]:
    """Month headings, milestones, and a "today" marker where today falls.

    Steps to do now (late ones, open windows, "as soon as you can") come right after it.
    """
    found: list[tuple[str, Any]] = []
    today_shown = False
    for month, items in timeline.by_month():
        first_of_month = dt.date.fromisoformat(month + "-01")
        if not today_shown and timeline.today < first_of_month:
            found.append(("today", timeline.today))
            today_shown = True
        found.append(("month", first_of_month))
        for item in items:
            if not today_shown and timeline.placed(item) >= timeline.today:
                found.append(("today", timeline.today))
                today_shown = True
            found.append(("item", item))
    if not today_shown:
        found.insert(0, ("today", timeline.today))
    return found


def build_timeline(
    values: Mapping[str, str], catalog: Catalog, *, today: dt.date | None = None
) -> tuple[Timeline | None, list[FieldError]]:
    """The plan from the journey form's fields, or the problems with them."""
    errors: list[FieldError] = []
    admission = _date(values, "admission_date", errors)
    transplant = _date(values, "transplant_date", errors)
    profile: PatientProfile | None = None
    if values.get("profile"):
        try:
            profile = parse_profile(load_profile(values.get("profile")), catalog)
        except InvalidInput as exc:
            errors += [FieldError("profile", e.message, e.allowed) for e in exc.errors]
    facility = values.get("facility", "")
    if errors or not facility:
        return None, errors
    try:
        return (
            plan(
                facility,
                admission_date=admission,
                transplant_date=transplant,
                profile=profile,
                catalog=catalog,
                today=today,
            ),
            [],
        )
    except InvalidInput as exc:
        return None, list(exc.errors)


def journey_router(pages: Pages) -> APIRouter:
    """Routes for the journey page and its calendar file."""
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request,
        locale: str,
        values: Mapping[str, str],
        catalog: Catalog,
        today: dt.date,
    ) -> HTMLResponse:
        timeline, errors = build_timeline(values, catalog, today=today)
        gettext = pages.gettext(locale)
        messages = {
            e.field: gettext("{field}: {problem}.").format(
                field=gettext(FIELD_LABELS.get(e.field, e.field)),
                problem=e.translate(gettext),
            )
            for e in errors
        }
        context = {
            "values": values,
            "errors": messages,
            "timeline": timeline,
            "rows": rows(timeline) if timeline else [],
            "facilities": sorted(catalog.facilities.values(), key=lambda f: f.name.casefold()),
            "status_labels": STATUS_LABELS,
            "tag_labels": TAG_LABELS,
            "basis_labels": BASIS_LABELS,
        }
        return pages.render(
            request,
            "journey.html",
            locale=locale,
            context=context,
            status_code=422 if errors else 200,
        )

    @router.get("/journey", response_class=HTMLResponse)
    def journey_page(
        request: Request, locale: Locale, catalog: CatalogDep, now: NowDep
    ) -> HTMLResponse:
        values = {k: v for k, v in request.query_params.items() if k != "profile"}
        return page(request, locale, values, catalog, now.date())

    @router.post("/journey", response_class=HTMLResponse)
    async def journey_with_profile(
        request: Request, locale: Locale, catalog: CatalogDep, now: NowDep
    ) -> HTMLResponse:
        form = flat_form(await request.form())
        return await run_in_threadpool(page, request, locale, form, catalog, now.date())

    def calendar(
        locale: str, values: Mapping[str, str], catalog: Catalog, today: dt.date
    ) -> Response:
        timeline, errors = build_timeline(values, catalog, today=today)
        if timeline is None:
            raise InvalidInput(errors or [FieldError("facility", "is missing", "a facility id")])
        include_past = values.get("include_past") == "1"
        return Response(
            to_ics(timeline, pages.gettext(locale), include_past=include_past),
            media_type="text/calendar",
            headers={"Content-Disposition": 'attachment; filename="ahsct-plan.ics"'},
        )

    @router.get("/journey/plan.ics")
    def calendar_get(
        request: Request, locale: Locale, catalog: CatalogDep, now: NowDep
    ) -> Response:
        values = {k: v for k, v in request.query_params.items() if k != "profile"}
        return calendar(locale, values, catalog, now.date())

    @router.post("/journey/plan.ics")
    async def calendar_post(
        request: Request, locale: Locale, catalog: CatalogDep, now: NowDep
    ) -> Response:
        form = flat_form(await request.form())
        return await run_in_threadpool(calendar, locale, form, catalog, now.date())

    return router
