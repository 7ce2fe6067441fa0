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
from hsct.outcomes.publication import OTHER, plain_reading, summary_counts
from hsct.registry import Permission, clinics
from hsct.registry import publication as publishing
from hsct.registry.dashboard import ENDPOINTS, DashboardOptions
from hsct.registry.migrate import DatabaseUnavailableError
from hsct.registry.tables import Publication
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import CatalogDep, DbSession
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.routes.guide import icon_dots
from hsct.web.routes.record import page_base
from hsct.web.routes.workspace import ENDPOINT_LABELS, GROUP_LABELS, ChosenQuery, km_chart
from hsct.web.templating import Pages

#: The headline counts, harms first (shown in the colour of risk).
RISK_LABELS: Final = {
    "treatment_related_deaths": N_("Deaths related to the treatment"),
    "deaths": N_("Deaths, any cause"),
    "serious_adverse_events": N_("People with a serious complication after day 0"),
}
TABLE_LABELS: Final = {
    "outcome": N_("Deaths and follow-up"),
    "serious_adverse_events": N_("People with a serious complication after day 0"),
}
COLUMN_LABELS: Final = {
    "treatment_related_death": N_("Died, related to the treatment"),
    "other_death": N_("Died, other causes"),
    "seen_12_months": N_("Alive, seen by a neurologist in the last 12 months"),
    "seen_24_months": N_("Alive, last seen 1 to 2 years ago"),
    "not_seen_24_months": N_("Not seen for 2 years (lost to follow-up)"),
    "yes": N_("Yes"),
    "no": N_("No"),
}


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
    return {
        "charts": charts,
        "readings": {"neda3": plain_reading(content, "neda3")},
        "summary": summary_counts(content),
        **_rating(content, catalog),
    }


def _rating(content: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """The directory facility of the publishing clinic and its legitimacy rating (None when
    the clinic is not in the directory)."""
    facility_id = (content.get("clinic") or {}).get("facility_id")
    facility = catalog.facilities.get(facility_id) if facility_id else None
    return {
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
        "summary": None if withdrawn else summary_counts(content),
        **({} if withdrawn else {"rating": _rating(content, catalog)["rating"]}),
    }


def facility_publication(db: Any, catalog: Catalog, facility_id: str) -> dict[str, Any] | None:
    """The current publication of the clinic linked to a directory facility, summarised;
    ``{"unavailable": True}`` when the registry cannot be read (the directory works
    without it); None when it publishes nothing."""
    try:
        publication = publishing.publication_for_facility(db, facility_id=facility_id)
    except DatabaseUnavailableError:
        return {"unavailable": True}
    return None if publication is None else summary_of(publication, catalog)


def _common() -> dict[str, Any]:
    return {
        "endpoint_labels": ENDPOINT_LABELS,
        "group_labels": GROUP_LABELS,
        "risk_labels": RISK_LABELS,
        "table_labels": TABLE_LABELS,
        "column_labels": COLUMN_LABELS,
        "icons": icon_dots,
        "other": OTHER,
        "all_endpoints": ENDPOINTS,
    }


def published_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - a closure a page
    """The public ``/outcomes`` pages and the workspace's ``/clinic/{id}/publish``."""
    router = APIRouter(include_in_schema=False)

    # ------------------------------------------------------------ public

    def unavailable(request: Request, locale: str) -> HTMLResponse:
        """The registry cannot be read: say so (503), with the rest of the site working."""
        return pages.render(
            request,
            "published/list.html",
            locale=locale,
            context={**_common(), "unavailable": True, "current_path": "/outcomes"},
            status_code=503,
        )

    @router.get("/outcomes", response_class=HTMLResponse)
    def outcomes_list(
        request: Request, locale: Locale, db: DbSession, catalog: CatalogDep
    ) -> HTMLResponse:
        try:
            publications = publishing.publication_public_list(db)
        except DatabaseUnavailableError:
            return unavailable(request, locale)
        entries = [summary_of(p, catalog) for p in publications]
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
        try:
            publication = publishing.publication_public_get(db, publication_id=publication_id[:40])
            history = publishing.publication_history(db, clinic_id=publication.clinic_id)
        except DatabaseUnavailableError:
            return unavailable(request, locale)
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
                    endpoints=chosen.get("endpoints"),
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
        endpoint: Annotated[list[str] | None, Query()] = None,
        endpoints_given: Annotated[str, Query(max_length=5)] = "",
    ) -> HTMLResponse:
        chosen = {**chosen, "endpoints": _endpoints(endpoint, endpoints_given)}
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
        endpoint: Annotated[list[str] | None, Form()] = None,
        endpoints_given: Annotated[str, Form(max_length=5)] = "",
    ) -> Response:
        chosen = {
            **_chosen(by, weeks, threshold, rebaseline),
            "endpoints": _endpoints(endpoint, endpoints_given),
        }
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
                    endpoints=chosen["endpoints"],
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
    return {
        "by": by,
        "weeks": weeks,
        "threshold": threshold,
        "rebaseline": rebaseline == "yes",
        "endpoints": None,
    }


def _endpoints(endpoint: list[str] | None, given: str) -> list[str] | None:
    """The curves ticked: None (all) when the form did not say, else those ticked."""
    if given != "yes" and not endpoint:
        return None
    return [e[:20] for e in (endpoint or [])][:10]


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
        publishing.endpoints_check(chosen.get("endpoints"))
    except InvalidInput as exc:
        return form_errors(exc, gettext)
    return {}
