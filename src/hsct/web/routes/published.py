"""Published outcomes: the public pages, and a clinic lead's preview, publish and withdraw.

``/outcomes`` lists every clinic that publishes here, each with its size, follow-up,
self-reported share and the legitimacy rating of its directory entry beside its results;
``/outcomes/{id}`` shows one dated version (or that it was withdrawn, when and why). The
numbers are the stored snapshot (:mod:`hsct.registry.publication`), never recomputed; the
rules that made them are :mod:`hsct.outcomes.publication`'s.

Under ``/clinic/{id}/publish`` a lead chooses the grouping and definitions, sees exactly
what would be public, publishes it as the next version, or withdraws a version with a
reason. Everyone in the clinic sees the versions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hsct.common.errors import Conflict, InvalidInput
from hsct.common.i18n import N_
from hsct.knowledge import Catalog
from hsct.knowledge.legitimacy import rate_facility
from hsct.outcomes.publication import OTHER, plain_reading
from hsct.registry import Permission, clinics
from hsct.registry import publication as publishing
from hsct.registry.dashboard import DashboardOptions
from hsct.registry.migrate import DatabaseUnavailableError
from hsct.registry.tables import Publication
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import CatalogDep, DbSession
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.routes.record import page_base
from hsct.web.routes.workspace import ENDPOINT_LABELS, GROUP_LABELS, ChosenQuery, km_chart
from hsct.web.templating import Pages

COUNT_LABELS: Final = {
    "deaths": N_("Deaths, any cause"),
    "treatment_related_deaths": N_("Deaths related to the treatment"),
    "serious_adverse_events": N_("People with a serious complication after day 0"),
    "edss_last_12_months": N_("People with an EDSS visit in the last 12 months"),
    "lost_to_follow_up": N_("People with no EDSS visit in two years (lost to follow-up)"),
}
#: The counts that are harms, shown first and in the colour of risk.
RISKS: Final = ("treatment_related_deaths", "deaths", "serious_adverse_events")


def _icons(per100: int | None) -> list[bool]:
    return [index < (per100 or 0) for index in range(100)]


def view_of(content: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """What a publication's page needs besides its content: charts, plain words, rating."""
    charts = {}
    for endpoint, curves in content.get("curves", {}).items():
        benchmarks: list[dict[str, Any]] = next(
            (e["benchmarks"] for e in content.get("endpoints", []) if e["endpoint"] == endpoint),
            [],
        )
        curve = {
            "groups": [
                {
                    "group": c["group"],
                    "n": c["points"][0][4] if c["points"] else 0,
                    "points": [[p[0] / 12, p[1], p[2], p[3]] for p in c["points"]],
                }
                for c in curves
                if c["points"]
            ],
            "benchmarks": benchmarks,
        }
        charts[endpoint] = km_chart(curve) if curve["groups"] else None
    facility_id = (content.get("clinic") or {}).get("facility_id")
    facility = catalog.facilities.get(facility_id) if facility_id else None
    return {
        "charts": charts,
        "readings": {e: plain_reading(content, e) for e in content.get("curves", {})},
        "facility": facility,
        "rating": rate_facility(facility, catalog) if facility is not None else None,
    }


def summary_of(publication: Publication, catalog: Catalog) -> dict[str, Any]:
    """A version's line in a list, and its headline: NEDA-3 in plain words."""
    content = publication.content
    withdrawn = publication.withdrawn_at is not None
    return {
        "publication": publication,
        "content": content,
        "withdrawn": withdrawn,
        "neda": [] if withdrawn else plain_reading(content, "neda3"),
        "deaths": None if withdrawn else content["counts"]["treatment_related_deaths"]["total"],
        **({} if withdrawn else {"rating": view_of(content, catalog)["rating"]}),
    }


def facility_publications(db: Any, catalog: Catalog) -> dict[str, dict[str, Any]] | None:
    """The newest version of each clinic linked to a directory facility, by facility id;
    None when the registry cannot be read (the directory works without it)."""
    out: dict[str, dict[str, Any]] = {}
    try:
        publications = publishing.publication_public_list(db)
    except DatabaseUnavailableError:
        return None
    for publication in publications:
        facility_id = (publication.content.get("clinic") or {}).get("facility_id")
        if facility_id and facility_id not in out:
            out[facility_id] = summary_of(publication, catalog)
    return out


def _common() -> dict[str, Any]:
    return {
        "endpoint_labels": ENDPOINT_LABELS,
        "group_labels": GROUP_LABELS,
        "count_labels": COUNT_LABELS,
        "risks": RISKS,
        "icons": _icons,
        "other": OTHER,
    }


def published_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one closure per page
    """The public ``/outcomes`` pages and the workspace's ``/clinic/{id}/publish``."""
    router = APIRouter(include_in_schema=False)

    # ------------------------------------------------------------ public

    @router.get("/outcomes", response_class=HTMLResponse)
    def outcomes_list(
        request: Request, locale: Locale, db: DbSession, catalog: CatalogDep
    ) -> HTMLResponse:
        newest: dict[str, Publication] = {}
        try:
            publications = publishing.publication_public_list(db)
        except DatabaseUnavailableError:
            return pages.render(
                request,
                "published/list.html",
                locale=locale,
                context={**_common(), "unavailable": True, "current_path": "/outcomes"},
                status_code=503,
            )
        for publication in publications:
            newest.setdefault(publication.clinic_id, publication)
        entries = [summary_of(p, catalog) for p in newest.values()]
        entries.sort(key=lambda e: (e["withdrawn"], e["content"]["clinic"]["name"].lower()))
        publishing_facilities = {(e["content"]["clinic"] or {}).get("facility_id") for e in entries}
        silent = [f for f in catalog.facilities.values() if f.id not in publishing_facilities]
        return pages.render(
            request,
            "published/list.html",
            locale=locale,
            context={
                **_common(),
                "entries": entries,
                "unavailable": False,
                "silent": sorted(silent, key=lambda f: f.name),
                "current_path": "/outcomes",
            },
        )

    @router.get("/outcomes/{publication_id}", response_class=HTMLResponse)
    def outcomes_detail(
        request: Request,
        publication_id: str,
        locale: Locale,
        db: DbSession,
        catalog: CatalogDep,
    ) -> HTMLResponse:
        publication = publishing.publication_public_get(db, publication_id=publication_id[:40])
        history = publishing.publication_history(db, clinic_id=publication.clinic_id)
        return pages.render(
            request,
            "published/detail.html",
            locale=locale,
            context={
                **_common(),
                **view_of(publication.content, catalog),
                "publication": publication,
                "content": publication.content,
                "history": history,
                "current_path": "/outcomes",
            },
        )

    # ------------------------------------------------------------ workspace

    def publish_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        catalog: Catalog,
        clinic_id: str,
        chosen: dict[str, Any],
        *,
        preview: bool,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        clinic = clinics.clinic_for(
            db, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
        )
        can_publish = actor.can(Permission.CLINIC_AGGREGATES_PUBLISH, clinic_id=clinic_id)
        errors = dict(errors or {})
        made = None
        if preview and can_publish and not _check(chosen, pages.gettext(locale)):
            try:
                made = publishing.publication_preview(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    options=_options(chosen),
                    now=now,
                    catalog=catalog,
                )
            except InvalidInput as exc:
                errors = form_errors(exc, pages.gettext(locale))
                status_code = 422
        versions = publishing.publication_list(db, actor=actor, clinic_id=clinic_id)
        return form_page(
            pages,
            request,
            "published/publish.html",
            locale=locale,
            context={
                **page_base(),
                **_common(),
                "nav_template": "clinic/_nav.html",
                "clinic": clinic,
                "can_publish": can_publish,
                "chosen": chosen,
                "made": made,
                "content": made["content"] if made else None,
                **(view_of(made["content"], catalog) if made else {}),
                "versions": versions,
                "errors": errors,
                "notice": notice,
                "current_path": f"/clinic/{clinic_id}/publish",
            },
            status_code=status_code,
        )

    @router.get("/clinic/{clinic_id}/publish", response_class=HTMLResponse)
    def publish_view(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        chosen: ChosenQuery,
        show: Annotated[str, Query(max_length=5)] = "",
        published: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        withdrawn: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> HTMLResponse:
        errors = _check(chosen, pages.gettext(locale))
        notice = None
        if published:
            notice = pages.gettext(locale)(N_("Version %(n)s is public.")) % {"n": published}
        elif withdrawn:
            notice = pages.gettext(locale)(N_("Version %(n)s was withdrawn.")) % {"n": withdrawn}
        return publish_page(
            request,
            locale,
            actor,
            db,
            now,
            catalog,
            clinic_id,
            chosen,
            preview=show == "yes",
            errors=errors,
            notice=notice,
            status_code=422 if errors else 200,
        )

    @router.post("/clinic/{clinic_id}/publish", response_model=None)
    def publish(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        digest: Annotated[str, Form(max_length=64)] = "",
        by: Annotated[str, Form(max_length=20)] = "",
        weeks: Annotated[int, Form(ge=1, le=100)] = 12,
        threshold: Annotated[str, Form(max_length=20)] = "msbase",
        rebaseline: Annotated[str, Form(max_length=5)] = "",
    ) -> Response:
        chosen = _chosen(by, weeks, threshold, rebaseline)
        errors = _check(chosen, pages.gettext(locale))
        if errors:
            return publish_page(
                request, locale, actor, db, now, catalog, clinic_id, chosen,
                preview=False, errors=errors, status_code=422,
            )  # fmt: skip
        try:
            with db.begin_nested():
                made = publishing.publication_create(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    options=_options(chosen),
                    digest=digest,
                    now=now,
                    catalog=catalog,
                )
        except Conflict:
            message = pages.gettext(locale)(
                N_(
                    "The records changed since your preview, so the numbers did too. Here "
                    "is the new preview: read it again before publishing."
                )
            )
            return publish_page(
                request, locale, actor, db, now, catalog, clinic_id, chosen,
                preview=True, errors={"digest": message}, status_code=409,
            )  # fmt: skip
        except InvalidInput as exc:
            return publish_page(
                request, locale, actor, db, now, catalog, clinic_id, chosen,
                preview=False, errors=form_errors(exc, pages.gettext(locale)), status_code=422,
            )  # fmt: skip
        return RedirectResponse(
            f"/clinic/{clinic_id}/publish?published={made.version}", status_code=303
        )

    @router.post("/clinic/{clinic_id}/publish/{publication_id}/withdraw", response_model=None)
    def withdraw(
        request: Request,
        clinic_id: str,
        publication_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        reason: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        try:
            with db.begin_nested():
                done = publishing.publication_withdraw(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    publication_id=publication_id[:40],
                    reason=reason,
                    now=now,
                )
        except InvalidInput as exc:
            errors = {
                f"reason-{publication_id[:40]}": message
                for message in form_errors(exc, pages.gettext(locale)).values()
            }
            return publish_page(
                request, locale, actor, db, now, catalog, clinic_id, _chosen("", 12, "msbase", ""),
                preview=False, errors=errors, status_code=422,
            )  # fmt: skip
        return RedirectResponse(
            f"/clinic/{clinic_id}/publish?withdrawn={done.version}", status_code=303
        )

    return router


def _chosen(by: str, weeks: int, threshold: str, rebaseline: str) -> dict[str, Any]:
    return {"by": by, "weeks": weeks, "threshold": threshold, "rebaseline": rebaseline == "yes"}


def _options(chosen: Mapping[str, Any]) -> DashboardOptions:
    return DashboardOptions(
        by=chosen["by"] or None,
        confirmation_weeks=chosen["weeks"],
        threshold=chosen["threshold"],
        rebaseline=chosen["rebaseline"],
    )


def _check(chosen: Mapping[str, Any], gettext: Any) -> dict[str, str]:
    try:
        _options(chosen).check()
    except InvalidInput as exc:
        return form_errors(exc, gettext)
    return {}
