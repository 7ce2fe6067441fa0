"""The clinic workspace: records and their follow-up, imports with a dry run, the dashboard.

Staff and leads enter and import; monitors read; leads lock and unlock records (with a
reason). Another clinic, or a record of another clinic, is not found (404). Record ids and
study codes are pseudonyms, so they may appear in addresses; entries never do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.registry import Permission, clinics, dashboard, patients
from hsct.registry import fhir_import as fhir_services
from hsct.registry import imports as import_services
from hsct.registry import record as services
from hsct.registry import review as review_services
from hsct.registry.entries import KINDS
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import CatalogDep, DbSession
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.routes.record import _control, _values, entry_context, form_data, page_base
from hsct.web.templating import Pages

FormText = Annotated[str, Form(max_length=2000)]
#: Rows of a dry run shown on the page (refused and changed first); the rest by download.
PLAN_ROWS_SHOWN: Final = 300
#: The form's message when a FHIR import is refused (its problems are listed below it).
FHIR_REFUSED: Final = N_("Nothing was imported. Each problem is listed below the form.")
ENDPOINT_LABELS: Final = {
    "neda3": "NEDA-3 kept (no relapse, no new or enhancing MRI lesion, no confirmed worsening)",
    "cdw": "Free of confirmed disability worsening",
    "relapse": "Free of relapses",
    "mri": "Free of new MRI activity",
    "survival": "Alive (overall survival)",
}
GROUP_LABELS: Final = {
    "regimen": "Regimen",
    "intensity": "Intensity",
    "ms_type": "Type of MS",
    "era": "Transplant era",
}
CHART_W: Final = 560
CHART_H: Final = 300
PAD: Final = (54, 16, 14, 40)  # left, right, top, bottom
MAX_YEARS: Final = 10.0
#: Colour-blind-safe series colours (Okabe & Ito 2008), and a dash per series.
SERIES: Final = (
    ("#0072B2", ""),
    ("#D55E00", "6 3"),
    ("#009E73", "2 2"),
    ("#CC79A7", "8 3 2 3"),
    ("#E69F00", "4 4"),
    ("#56B4E9", "1 3"),
)


def _x(years: float, span: float) -> float:
    return PAD[0] + (CHART_W - PAD[0] - PAD[1]) * min(years, span) / span


def _y(share: float) -> float:
    return PAD[2] + (CHART_H - PAD[2] - PAD[3]) * (1 - share)


def _thinned(points: Sequence[Sequence[float]], span: float) -> list[Sequence[float]]:
    """The steps of a curve, one per half pixel across: the last of the steps that fall on
    the same half pixel stands for them all (the drawn curve is the same; 100,000
    patients' steps would otherwise make megabytes of path)."""
    out: list[Sequence[float]] = []
    bucket = None
    for point in points:
        here = round(_x(point[0], span) * 2)
        if out and here == bucket:
            out[-1] = point
        else:
            out.append(point)
        bucket = here
    return out


def km_chart(curve: Mapping[str, Any]) -> dict[str, Any]:
    """A Kaplan-Meier figure as SVG parts: each group's step line and 95% band, benchmarks."""
    last = max((p[0] for g in curve["groups"] for p in g["points"]), default=1.0)
    span = float(min(MAX_YEARS, max(2.0, float(int(last) + 1))))
    series = []
    for i, group in enumerate(curve["groups"]):
        colour, dash = SERIES[i % len(SERIES)]
        line, upper, lower = [], [], []
        previous = None
        for t, s, lo, hi in _thinned(group["points"], span):
            x = _x(t, span)
            if previous is not None:
                line.append(f"L{x:.1f},{_y(previous[0]):.1f}")
                upper.append(f"{x:.1f},{_y(previous[2]):.1f}")
                lower.append(f"{x:.1f},{_y(previous[1]):.1f}")
            line.append(f"{'M' if previous is None else 'L'}{x:.1f},{_y(s):.1f}")
            upper.append(f"{x:.1f},{_y(hi):.1f}")
            lower.append(f"{x:.1f},{_y(lo):.1f}")
            previous = (s, lo, hi)
            if t >= span:
                break
        band = " ".join(upper + list(reversed(lower)))
        series.append(
            {
                "group": group["group"],
                "n": group["n"],
                "colour": colour,
                "dash": dash,
                "path": " ".join(line),
                "band": band,
            }
        )
    marks = []
    for b in curve["benchmarks"]:
        if b["years"] > span:
            continue
        mark = {
            "x": round(_x(b["years"], span), 1),
            "y": round(_y(b["percent"] / 100), 1),
            "label": b["label"],
        }
        if b["ci_low"] is not None and b["ci_high"] is not None:
            mark["y_low"] = round(_y(b["ci_low"] / 100), 1)
            mark["y_high"] = round(_y(b["ci_high"] / 100), 1)
        marks.append(mark)
    ticks_x = [
        {"x": round(_x(t, span), 1), "label": f"{t:g}"}
        for t in range(int(span) + 1)
        if span <= 5 or t % 2 == 0
    ]
    ticks_y = [{"y": round(_y(v / 100), 1), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "left": PAD[0],
        "right": CHART_W - PAD[1],
        "top": PAD[2],
        "bottom": CHART_H - PAD[3],
        "series": series,
        "marks": marks,
        "ticks_x": ticks_x,
        "ticks_y": ticks_y,
    }


#: The dashboard's tables offered as CSV: name -> (columns, rows of the dashboard).
def _tables(board: Mapping[str, Any]) -> dict[str, tuple[Sequence[str], list[Mapping[str, Any]]]]:
    tables: dict[str, tuple[Sequence[str], list[Mapping[str, Any]]]] = {}
    for curve in board["curves"]:
        rows: list[Mapping[str, Any]] = [
            dict(r, endpoint=curve["endpoint"]) for r in curve["table"]
        ]
        tables[f"km-{curve['endpoint']}"] = (
            ("endpoint", "group", "years", "at_risk", "events", "survival", "lower_95", "upper_95"),
            rows,
        )
        tables[f"benchmarks-{curve['endpoint']}"] = (
            (
                "study",
                "label",
                "measure",
                "population",
                "years",
                "percent",
                "ci_low",
                "ci_high",
                "source",
                "note",
            ),
            curve["benchmarks"],
        )
    mortality = board["mortality"]
    tables["mortality"] = (
        ("measure", "count", "of", "percent", "lower_95", "upper_95"),
        [
            {"measure": key, "of": mortality["patients"], **mortality[key]}
            for key in ("deaths", "within_100_days", "treatment_related")
        ],
    )
    tables["events"] = (("code", *dashboard.EVENT_FIELDS), board["events"])
    tables["neda"] = (("code", *dashboard.NEDA_COLUMNS), board["neda"])
    tables["pira-raw"] = (
        ("type", "patients"),
        [{"type": k, "patients": v} for k, v in board["pira_raw"].items()],
    )
    tables["edss-change"] = (
        (
            "years",
            "n",
            "mean_change",
            "lower_95",
            "upper_95",
            "median_change",
            "improved",
            "stable",
            "worse",
        ),
        board["edss_change"],
    )
    tables["adverse-events"] = (
        ("category", "events", "serious", "patients", "of", "percent", "lower_95", "upper_95"),
        board["adverse_events"],
    )
    tables["quality-of-life"] = (
        ("scale", "when", "years", "n", "mean", "lower_95", "upper_95"),
        board["qol"],
    )
    tables["data-quality"] = (
        ("measure", "value"),
        [{"measure": k, "value": v} for k, v in board["quality"].items()],
    )
    tables["to-chase"] = (
        ("code", "reason", "overdue", "last_edss", "next_due"),
        [dict(c, overdue="; ".join(c["overdue"])) for c in board["chase"]],
    )
    return tables


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    from hsct.registry.export import csv_cell  # noqa: PLC0415 - formula-safe cells

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(row.get(c)) for c in columns] for row in rows)
    return out.getvalue()


def chosen_options(
    by: Annotated[str, Query(max_length=20)] = "",
    weeks: Annotated[int, Query(ge=1, le=100)] = 12,
    threshold: Annotated[str, Query(max_length=20)] = "msbase",
    rebaseline: Annotated[str, Query(max_length=5)] = "",
) -> dict[str, Any]:
    """The outcome definitions chosen in a page's query (its dashboard, its publication)."""
    return {"by": by, "weeks": weeks, "threshold": threshold, "rebaseline": rebaseline == "yes"}


ChosenQuery = Annotated[dict[str, Any], Depends(chosen_options)]


def workspace_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one closure per page
    """Routes under ``/clinic/{clinic_id}``: records, imports, outcomes."""
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request,
        locale: str,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        return form_page(
            pages,
            request,
            template,
            locale=locale,
            context={**page_base(), "nav_template": "clinic/_nav.html", **context},
            status_code=status_code,
        )

    def clinic_of(db: Any, actor: Any, clinic_id: str, permission: Permission) -> Any:
        return clinics.clinic_for(db, actor=actor, clinic_id=clinic_id, permission=permission)

    def record_of(db: Any, actor: Any, clinic_id: str, patient_id: str) -> Any:
        record = patients.patient_get(db, actor=actor, patient_id=patient_id)
        if record.clinic_id != clinic_id:
            raise NotFound("patient", patient_id)
        return record

    # ------------------------------------------------------------ records

    def records_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        clinic_id: str,
        *,
        query: str = "",
        number: int = 1,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        total, rows = dashboard.records_overview(
            db, actor=actor, clinic_id=clinic_id, today=now.date(), query=query, page=number
        )
        pages_count = max(1, -(-total // dashboard.PAGE_SIZE))
        return page(
            request,
            locale,
            "clinic/records.html",
            {
                "clinic": clinic,
                "actor": actor,
                "rows": rows,
                "total": total,
                "query": query,
                "number": min(number, pages_count),
                "pages_count": pages_count,
                "can_write": actor.can(Permission.CLINIC_RECORDS_WRITE, clinic_id=clinic_id),
                "errors": errors or {},
                "values": values or {},
                "current_path": f"/clinic/{clinic_id}",
            },
            status_code,
        )

    @router.get("/clinic/{clinic_id}", response_class=HTMLResponse)
    def records(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        q: Annotated[str, Query(max_length=40)] = "",
        page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        return records_page(request, locale, actor, db, now, clinic_id, query=q, number=page_number)

    @router.post("/clinic/{clinic_id}/patients", response_model=None)
    def record_create(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        code: FormText = "",
        birth_month: FormText = "",
    ) -> Response:
        try:
            with db.begin_nested():
                made = patients.patient_create(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    code=code,
                    birth_month=birth_month,
                    now=now,
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return records_page(
                request,
                locale,
                actor,
                db,
                now,
                clinic_id,
                errors=errors,
                values={"code": code, "birth_month": birth_month},
                status_code=422,
            )
        return RedirectResponse(f"/clinic/{clinic_id}/patients/{made.id}", status_code=303)

    def record_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        clinic_id: str,
        patient_id: str,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        record = record_of(db, actor, clinic_id, patient_id)
        rows = services.entry_list(db, actor=actor, patient_id=patient_id)
        years: dict[int, list[Any]] = {}
        for row in reversed(rows):
            years.setdefault(row.date.year, []).append(row)
        day0 = next((r.date for r in rows if r.kind == "transplant"), None)
        visits = [r.date for r in rows if r.kind == "edss"]
        status = (
            dashboard.visit_status(day0, visits, dashboard.schedule_of(clinic), now.date())
            if day0
            else None
        )
        undo = services.entry_undo_available(db, actor=actor, patient_id=patient_id)
        return page(
            request,
            locale,
            "clinic/record.html",
            {
                "clinic": clinic,
                "record": record,
                "years": list(years.items()),
                "count": len(rows),
                "kinds": [k for k in KINDS if k != "todo"],
                "status": status,
                "day0": day0,
                "undo": undo,
                "can_write": actor.can(Permission.CLINIC_RECORDS_WRITE, clinic_id=clinic_id),
                "can_lock": actor.can(Permission.CLINIC_RECORDS_LOCK, clinic_id=clinic_id),
                "errors": errors or {},
                "values": values or {"birth_month": record.birth_month or ""},
                "current_path": f"/clinic/{clinic_id}",
            },
            status_code,
        )

    @router.get("/clinic/{clinic_id}/patients/{patient_id}", response_class=HTMLResponse)
    def record(
        request: Request,
        clinic_id: str,
        patient_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> HTMLResponse:
        return record_page(request, locale, actor, db, now, clinic_id, patient_id)

    @router.post("/clinic/{clinic_id}/patients/{patient_id}/birth-month", response_model=None)
    def birth_month(
        request: Request,
        clinic_id: str,
        patient_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        birth_month: FormText = "",
    ) -> Response:
        record_of(db, actor, clinic_id, patient_id)
        try:
            with db.begin_nested():
                patients.patient_birth_month_set(
                    db, actor=actor, patient_id=patient_id, birth_month=birth_month, now=now
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return record_page(
                request,
                locale,
                actor,
                db,
                now,
                clinic_id,
                patient_id,
                errors=errors,
                values={"birth_month": birth_month},
                status_code=422,
            )
        return RedirectResponse(
            f"/clinic/{clinic_id}/patients/{patient_id}?saved=1", status_code=303
        )

    @router.post("/clinic/{clinic_id}/patients/{patient_id}/lock", response_model=None)
    @router.post("/clinic/{clinic_id}/patients/{patient_id}/unlock", response_model=None)
    def lock(
        request: Request,
        clinic_id: str,
        patient_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        reason: FormText = "",
    ) -> Response:
        record_of(db, actor, clinic_id, patient_id)
        action = (
            patients.patient_unlock
            if request.url.path.endswith("/unlock")
            else patients.patient_lock
        )
        try:
            with db.begin_nested():
                action(db, actor=actor, patient_id=patient_id, reason=reason, now=now)
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return record_page(
                request,
                locale,
                actor,
                db,
                now,
                clinic_id,
                patient_id,
                errors=errors,
                status_code=422,
            )
        return RedirectResponse(f"/clinic/{clinic_id}/patients/{patient_id}", status_code=303)

    def entry_page(
        request: Request,
        locale: str,
        clinic: Any,
        record: Any,
        kind: str,
        *,
        entry: Any = None,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        context = entry_context(kind, entry=entry, values=values, errors=errors)
        context.update(
            clinic=clinic,
            record=record,
            base_path=f"/clinic/{clinic.id}/patients/{record.id}",
            current_path=f"/clinic/{clinic.id}",
        )
        return page(request, locale, "my/entry.html", context, status_code)

    def kind_ok(kind: str) -> None:
        if kind not in KINDS or kind == "todo":
            raise NotFound("kind of entry", kind)

    @router.get("/clinic/{clinic_id}/patients/{patient_id}/add/{kind}", response_class=HTMLResponse)
    def add_form(
        request: Request,
        clinic_id: str,
        patient_id: str,
        kind: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        record = record_of(db, actor, clinic_id, patient_id)
        kind_ok(kind)
        return entry_page(request, locale, clinic, record, kind)

    @router.post("/clinic/{clinic_id}/patients/{patient_id}/add/{kind}", response_model=None)
    async def add(
        request: Request,
        clinic_id: str,
        patient_id: str,
        kind: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        record = record_of(db, actor, clinic_id, patient_id)
        kind_ok(kind)
        form = await request.form(max_files=0, max_fields=200)
        try:
            with db.begin_nested():
                services.entry_add(
                    db,
                    actor=actor,
                    patient_id=patient_id,
                    kind=kind,
                    data=form_data(kind, form),
                    now=now,
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale), control=_control)
            values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
            return entry_page(
                request, locale, clinic, record, kind, values=values, errors=errors, status_code=422
            )
        return RedirectResponse(
            f"/clinic/{clinic_id}/patients/{patient_id}?saved=1", status_code=303
        )

    @router.get(
        "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}", response_class=HTMLResponse
    )
    def edit_form(
        request: Request,
        clinic_id: str,
        patient_id: str,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        record = record_of(db, actor, clinic_id, patient_id)
        row = services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        return entry_page(
            request, locale, clinic, record, row.kind, entry=row, values=_values(row.kind, row.data)
        )

    @router.post(
        "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}", response_model=None
    )
    async def edit(
        request: Request,
        clinic_id: str,
        patient_id: str,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        from hsct.web.routes.record import merged_data  # noqa: PLC0415

        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        record = record_of(db, actor, clinic_id, patient_id)
        row = services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        form = await request.form(max_files=0, max_fields=200)
        try:
            with db.begin_nested():
                services.entry_update(
                    db,
                    actor=actor,
                    patient_id=patient_id,
                    entry_id=entry_id,
                    data=merged_data(row.kind, row.data, form),
                    now=now,
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale), control=_control)
            values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
            return entry_page(
                request,
                locale,
                clinic,
                record,
                row.kind,
                entry=row,
                values=values,
                errors=errors,
                status_code=422,
            )
        return RedirectResponse(
            f"/clinic/{clinic_id}/patients/{patient_id}?saved=1", status_code=303
        )

    @router.post(
        "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}/delete", response_model=None
    )
    def delete(
        clinic_id: str,
        patient_id: str,
        entry_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        record_of(db, actor, clinic_id, patient_id)
        services.entry_delete(db, actor=actor, patient_id=patient_id, entry_id=entry_id, now=now)
        return RedirectResponse(
            f"/clinic/{clinic_id}/patients/{patient_id}?deleted=1", status_code=303
        )

    @router.post("/clinic/{clinic_id}/patients/{patient_id}/undo", response_model=None)
    def undo(
        clinic_id: str,
        patient_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        change: Annotated[int | None, Form(ge=1, le=2**62)] = None,
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        record_of(db, actor, clinic_id, patient_id)
        services.entry_undo(db, actor=actor, patient_id=patient_id, now=now, expected=change)
        return RedirectResponse(
            f"/clinic/{clinic_id}/patients/{patient_id}?undone=1", status_code=303
        )

    # ------------------------------------------------------------ what people share

    def shared_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        now: dt.datetime,
        clinic_id: str,
        *,
        errors: dict[str, str] | None = None,
        failed: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        pending = review_services.review_pending(db, actor=actor, clinic_id=clinic_id, now=now)
        return page(
            request,
            locale,
            "clinic/shared.html",
            {
                "clinic": clinic,
                "pending": pending,
                "decided": review_services.review_list(db, actor=actor, clinic_id=clinic_id)[:50],
                "can_write": actor.can(Permission.CLINIC_RECORDS_WRITE, clinic_id=clinic_id),
                "errors": errors or {},
                "failed": failed,
                "current_path": f"/clinic/{clinic_id}/shared",
            },
            status_code,
        )

    @router.get("/clinic/{clinic_id}/shared", response_class=HTMLResponse)
    def shared(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> HTMLResponse:
        return shared_page(request, locale, actor, db, now, clinic_id)

    @router.post("/clinic/{clinic_id}/shared/{entry_id}/accept", response_model=None)
    def shared_accept(
        request: Request,
        clinic_id: str,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        code: FormText = "",
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        try:
            with db.begin_nested():
                target = patients.patient_by_code(db, actor=actor, clinic_id=clinic_id, code=code)
                review_services.review_accept(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    entry_id=entry_id,
                    patient_id=target.id,
                    now=now,
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return shared_page(
                request,
                locale,
                actor,
                db,
                now,
                clinic_id,
                errors=errors,
                failed=entry_id,
                status_code=422,
            )
        return RedirectResponse(f"/clinic/{clinic_id}/shared?accepted=1", status_code=303)

    @router.post("/clinic/{clinic_id}/shared/{entry_id}/decline", response_model=None)
    def shared_decline(
        request: Request,
        clinic_id: str,
        entry_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        reason: FormText = "",
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        try:
            with db.begin_nested():
                review_services.review_decline(
                    db, actor=actor, clinic_id=clinic_id, entry_id=entry_id, reason=reason, now=now
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return shared_page(
                request,
                locale,
                actor,
                db,
                now,
                clinic_id,
                errors=errors,
                failed=entry_id,
                status_code=422,
            )
        return RedirectResponse(f"/clinic/{clinic_id}/shared?declined=1", status_code=303)

    # ------------------------------------------------------------ importing files

    def imports_page(
        request: Request,
        locale: str,
        actor: Any,
        db: Any,
        clinic_id: str,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        fhir: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        return page(
            request,
            locale,
            "clinic/imports.html",
            {
                "fhir": fhir or {},
                "clinic": clinic,
                "runs": import_services.import_list(db, actor=actor, clinic_id=clinic_id)[:50],
                "mappings": import_services.mapping_list(db, actor=actor, clinic_id=clinic_id),
                "can_write": actor.can(Permission.CLINIC_RECORDS_WRITE, clinic_id=clinic_id),
                "errors": errors or {},
                "values": values or {},
                "tables": import_services.TABLES,
                "required": import_services.REQUIRED,
                "optional": import_services.OPTIONAL,
                "max_mb": import_services.MAX_FILE_BYTES // (1024 * 1024),
                "current_path": f"/clinic/{clinic_id}/imports",
            },
            status_code,
        )

    @router.get("/clinic/{clinic_id}/imports", response_class=HTMLResponse)
    def imports(
        request: Request, clinic_id: str, locale: Locale, actor: CurrentActor, db: DbSession
    ) -> HTMLResponse:
        return imports_page(request, locale, actor, db, clinic_id)

    def plan_page(
        request: Request,
        locale: str,
        clinic: Any,
        plan: import_services.ImportPlan,
        run_id: str,
        *,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        order = {"refused": 0, "change": 1, "add": 2, "same": 3}
        shown = sorted((r for r in plan.rows if r.action != "same"), key=lambda r: order[r.action])[
            :PLAN_ROWS_SHOWN
        ]
        return page(
            request,
            locale,
            "clinic/import_plan.html",
            {
                "clinic": clinic,
                "plan": plan,
                "rows": shown,
                "hidden": sum(1 for r in plan.rows if r.action != "same") - len(shown),
                "run_id": run_id,
                "errors": errors or {},
                "current_path": f"/clinic/{clinic.id}/imports",
            },
            status_code,
        )

    @router.post("/clinic/{clinic_id}/imports", response_model=None)
    async def upload(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        async with request.form(max_files=import_services.MAX_FILES, max_fields=50) as form:
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
            read = [
                (u.filename or "file", await u.read(import_services.MAX_FILE_BYTES + 1))
                for u in uploads
            ]
            dates = str(form.get("dates") or "iso")
            mapping_name = str(form.get("mapping") or "")
        values = {"dates": dates, "mapping": mapping_name}
        try:
            if not read:
                raise InvalidInput(  # noqa: TRY301 - the form's own check, reported like the rest
                    [FieldError("files", "no file was chosen", "one or more CSV or Parquet files")]
                )
            given = [import_services.ImportFile(name, data) for name, data in read]
            with db.begin_nested():
                mapping = None
                if mapping_name:
                    mapping = import_services.mapping_get(
                        db, actor=actor, clinic_id=clinic_id, name=mapping_name
                    ).mapping
                options = import_services.ImportOptions(
                    dates=dates if dates in import_services.DATE_ORDERS else "iso",
                    mapping=mapping,
                    mapping_name=mapping_name or None,
                )
                plan, run = import_services.import_prepare(
                    db, actor=actor, clinic_id=clinic_id, files=given, options=options, now=now
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return imports_page(
                request, locale, actor, db, clinic_id, errors=errors, values=values, status_code=422
            )
        return plan_page(request, locale, clinic, plan, run.id)

    @router.post("/clinic/{clinic_id}/fhir-imports", response_model=None)
    async def fhir_upload(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        async with request.form(max_files=fhir_services.MAX_FILES, max_fields=10) as form:
            uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
            read = [
                (u.filename or "file", await u.read(fhir_services.MAX_FILE_BYTES + 1))
                for u in uploads
            ]
            check_only = form.get("check_only") == "yes"
        gettext = pages.gettext(locale)
        try:
            with db.begin_nested():
                result = fhir_services.fhir_import(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    files=[fhir_services.FhirFile(name, data) for name, data in read],
                    now=now,
                    dry_run=check_only,
                )
        except (InvalidInput, Conflict) as exc:
            problems = [str(e) for e in exc.errors] if isinstance(exc, InvalidInput) else [str(exc)]
            fhir: dict[str, Any] = {"problems": problems}
            errors = {"fhir_files": gettext(FHIR_REFUSED)}
            return imports_page(
                request, locale, actor, db, clinic_id, errors=errors, fhir=fhir, status_code=422
            )
        if check_only:
            fhir = {"checked": result.records, "entries": sum(result.entries.values())}
            return imports_page(request, locale, actor, db, clinic_id, fhir=fhir)
        return RedirectResponse(
            f"/clinic/{clinic_id}/imports?fhir={result.records}", status_code=303
        )

    @router.post("/clinic/{clinic_id}/imports/{import_id}/confirm", response_model=None)
    def confirm(
        request: Request,
        clinic_id: str,
        import_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        digest: Annotated[str, Form(max_length=64)] = "",
        accept_refused: Annotated[str, Form(max_length=5)] = "",
    ) -> Response:
        clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_WRITE)
        try:
            with db.begin_nested():
                plan = import_services.import_confirm(
                    db,
                    actor=actor,
                    clinic_id=clinic_id,
                    run_id=import_id,
                    digest=digest,
                    now=now,
                    accept_refused=accept_refused == "yes",
                )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return imports_page(
                request, locale, actor, db, clinic_id, errors=errors, status_code=422
            )
        total = plan.counts["total"]
        return RedirectResponse(
            f"/clinic/{clinic_id}/imports?done={total['add']}-{total['change']}", status_code=303
        )

    @router.post("/clinic/{clinic_id}/imports/{import_id}/discard", response_model=None)
    def discard(
        clinic_id: str, import_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        import_services.import_discard(
            db, actor=actor, clinic_id=clinic_id, run_id=import_id, now=now
        )
        return RedirectResponse(f"/clinic/{clinic_id}/imports?discarded=1", status_code=303)

    # ------------------------------------------------------------ outcomes

    def board_for(
        db: Any,
        actor: Any,
        clinic_id: str,
        now: dt.datetime,
        catalog: Any,
        by: str | None,
        weeks: int,
        threshold: str,
        rebaseline: bool,
    ) -> dict[str, Any]:
        options = dashboard.DashboardOptions(
            by=by or None, confirmation_weeks=weeks, threshold=threshold, rebaseline=rebaseline
        )
        return dashboard.cohort_dashboard(
            db, actor=actor, clinic_id=clinic_id, options=options, now=now, catalog=catalog
        ).to_dict()

    @router.get("/clinic/{clinic_id}/outcomes", response_class=HTMLResponse)
    def outcomes(
        request: Request,
        clinic_id: str,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        chosen: ChosenQuery,
    ) -> HTMLResponse:
        clinic = clinic_of(db, actor, clinic_id, Permission.CLINIC_RECORDS_READ)
        board = board_for(db, actor, clinic_id, now, catalog, **chosen)
        charts = {c["endpoint"]: km_chart(c) for c in board["curves"]}
        return page(
            request,
            locale,
            "clinic/outcomes.html",
            {
                "clinic": clinic,
                "board": board,
                "charts": charts,
                "endpoint_labels": ENDPOINT_LABELS,
                "group_labels": GROUP_LABELS,
                "chosen": chosen,
                "query": request.url.query,
                "current_path": f"/clinic/{clinic_id}/outcomes",
            },
        )

    @router.get("/clinic/{clinic_id}/outcomes/{name}.csv", response_model=None)
    def outcomes_csv(
        clinic_id: str,
        name: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        chosen: ChosenQuery,
    ) -> Response:
        board = board_for(db, actor, clinic_id, now, catalog, **chosen)
        tables = _tables(board)
        if name not in tables:
            raise NotFound("table", name)
        columns, rows = tables[name]
        return Response(
            _csv(columns, rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"',
                "Cache-Control": "no-store",
            },
        )

    return router
