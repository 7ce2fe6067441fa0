"""The follow-up record's JSON API: entries, undo, imports, status, exports, sharing.

One API serves both sides: a person's own record and a clinic's records are patient
resources alike (``GET /api/v1/me`` gives the person's ``patient_id``). Browser sessions
and bearer tokens, the registry's rules: 401 without credentials, 403 when the role or the
token's scope does not allow a write, 404 for a record the caller may not see.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hsct.registry import export as record_export
from hsct.registry import fhir as record_fhir
from hsct.registry import patients as patient_services
from hsct.registry import record as services
from hsct.registry.entries import KINDS
from hsct.registry.status import record_status
from hsct.web.api.registry import AUTH_ERRORS, BEARER, NOT_FOUND, Problem
from hsct.web.api.schemas import ValidationProblem
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import DbSession

KindName = Literal[
    "diagnosis", "transplant", "edss", "relapse", "mri", "drug", "adverse_event", "qol", "todo"
]
BAD_ENTRY: Final[dict[int | str, dict[str, Any]]] = {
    422: {"model": ValidationProblem, "description": "A field is wrong; each is named."},
}
WRITE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **NOT_FOUND,
    **BAD_ENTRY,
    409: {"model": Problem, "description": "The record is locked, or nothing to undo."},
}
ENTRY_FIELDS: Final = (
    "The fields of the entry's kind (docs/user-guide/my-record.md and the data dictionary "
    "of the CSV export): diagnosis {date, first_symptoms, ms_type}; transplant {date (day 0), "
    "facility_id, clinic_name, regimen, intensity, cd34_dose, serotherapy}; edss {date, "
    "value or inputs, rater}; relapse {date, symptoms, steroids, confirmed}; mri {date, "
    "region, new_t2, gd_enhancing, report_text}; drug {date (start), drug, stop, last_dose, "
    "reason_stopped}; adverse_event {date, category, end, description, serious}; qol {date, "
    "instrument, answers}; todo {date (due), title, category, done_on, step}."
)


class EntryIn(BaseModel):
    """A new entry: its kind and its fields."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "edss", "data": {"date": "2026-05-01", "value": 2.5, "rater": "self"}}
            ]
        },
    )
    kind: KindName
    data: dict[str, Any] = Field(description=ENTRY_FIELDS)


class EntryChange(BaseModel):
    """An entry's new fields (its kind stays)."""

    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any] = Field(description=ENTRY_FIELDS)


class EntryOut(BaseModel):
    """One entry of a record."""

    id: str
    kind: str
    date: dt.date
    provenance: str = Field(description="self (self-reported) or clinic.")
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class UndoOut(BaseModel):
    """The change that was undone."""

    change_id: int
    operation: str = Field(description="create, update or delete: what was reversed.")
    entry_id: str
    kind: str
    entries: int = Field(description="How many entries it touched (an import is undone whole).")


class ShareIn(BaseModel):
    """Share kinds of entries with a clinic of the registry."""

    model_config = ConfigDict(extra="forbid")
    clinic_id: str = Field(max_length=32)
    kinds: list[KindName] = Field(min_length=1, max_length=len(KINDS))


class ShareOut(BaseModel):
    """A share: with which clinic, what, since when, until when."""

    id: str
    clinic_id: str
    kinds: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ComponentOut(BaseModel):
    """One part of NEDA-3."""

    name: Literal["relapse", "mri", "cdw"]
    event_date: dt.date | None = Field(description="When this part ended NEDA, if it did.")
    last_assessed: dt.date | None = Field(description="Its last assessment after day 0.")
    missing: str | None = Field(description="What is missing to judge it, in words.")


class NedaOut(BaseModel):
    """NEDA-3 since day 0 (Giovannoni 2015): known only up to ``known_until``."""

    kept: bool | None = Field(description="null: nothing assessed after day 0 yet.")
    years: float | None = Field(description="Years of NEDA after day 0 (to the event or the end).")
    lost_on: dt.date | None
    lost_by: list[str] = Field(description="relapse, mri and/or cdw, on the day NEDA ended.")
    known_until: dt.date | None = Field(description="The last day all three parts were assessed.")
    components: list[ComponentOut]


class CitationOut(BaseModel):
    """Where a figure comes from."""

    label: str
    date: str
    url: str | None
    doi: str | None


class FiveYearsOut(BaseModel):
    """Day 0 plus five years, and the meta-analysis shown beside it."""

    date: dt.date | None
    state: Literal["reached", "to_confirm", "ahead", "lost_before", "lost_after"] | None = Field(
        description="reached: NEDA known to five years; to_confirm: five years passed, NEDA "
        "known only to an earlier date; ahead: not yet five years; lost_before/lost_after: "
        "NEDA ended before/after the five-year mark."
    )
    source: CitationOut


class EdssPointOut(BaseModel):
    """An EDSS on a date."""

    date: dt.date
    value: float


class EdssChangeOut(BaseModel):
    """The last EDSS on or before day 0, the latest after it, and the change."""

    baseline: EdssPointOut | None
    latest: EdssPointOut | None
    change_since_transplant: float | None = Field(description="Negative: improved.")


class StatusOut(BaseModel):
    """Is my MS still stopped? The same engine and options as the status page and the CLI."""

    today: dt.date
    transplant_date: dt.date | None
    neda3: NedaOut | None = None
    five_years: FiveYearsOut | None = None
    edss: EdssChangeOut | None = None
    report: dict[str, Any] | None = Field(
        description="The engine's answer, as POST /api/v1/outcomes/progression gives it."
    )
    needs: list[str] = Field(description="What must be added before a status can be given.")


def _entry_out(row: Any) -> EntryOut:
    return EntryOut(
        id=row.id,
        kind=row.kind,
        date=row.date,
        provenance=row.provenance,
        data=row.data,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _share_out(row: Any) -> ShareOut:
    return ShareOut(
        id=row.id,
        clinic_id=row.clinic_id,
        kinds=list(row.kinds),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


#: The record's entries by kind, under the names registries use for them.
RESOURCE_KINDS: Final = {
    "visits": "edss",
    "relapses": "relapse",
    "mri": "mri",
    "transplants": "transplant",
    "treatments": "drug",
    "adverse-events": "adverse_event",
    "questionnaires": "qol",
}


class ReasonIn(BaseModel):
    """Why a record is locked or unlocked (kept in the audit trail)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=5, max_length=500, examples=["database lock for analysis"])


class LockOut(BaseModel):
    """Whether the record is locked."""

    locked: bool
    locked_at: dt.datetime | None


def _kind_routes(router: APIRouter, path: str, kind: str) -> None:
    """``GET`` and ``POST /{path}``: the entries of one kind, in the same shape as /entries."""

    @router.get(f"/{path}", summary=f"A record's {path} ({kind} entries)", name=f"{kind}_list")
    def listed(patient_id: str, actor: CurrentActor, db: DbSession) -> list[EntryOut]:
        """The same entries as ``GET /entries?kind=...``, by date."""
        rows = services.entry_list(db, actor=actor, patient_id=patient_id, kinds=[kind])
        return [_entry_out(r) for r in rows]

    @router.post(
        f"/{path}",
        summary=f"Add one of the record's {path} ({kind} entry)",
        status_code=201,
        responses=WRITE_ERRORS,
        name=f"{kind}_add",
    )
    def added(
        patient_id: str,
        body: Annotated[dict[str, Any], Body(description=ENTRY_FIELDS)],
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> EntryOut:
        """The entry's fields, checked as by ``POST /entries`` with this kind."""
        row = services.entry_add(
            db, actor=actor, patient_id=patient_id, kind=kind, data=body, now=now
        )
        return _entry_out(row)


def records_api_router() -> APIRouter:  # noqa: C901 - one closure per route
    """Routes under ``/api/v1/patients/{patient_id}``."""
    router = APIRouter(
        prefix="/patients/{patient_id}",
        tags=["records"],
        dependencies=[Depends(BEARER)],
        responses={**AUTH_ERRORS, **NOT_FOUND},
    )

    @router.get("/entries", summary="A record's entries")
    def entries(
        patient_id: str,
        actor: CurrentActor,
        db: DbSession,
        kind: Annotated[
            list[KindName] | None, Query(description="Only entries of these kinds.")
        ] = None,
    ) -> list[EntryOut]:
        """By date, then by when entered."""
        rows = services.entry_list(db, actor=actor, patient_id=patient_id, kinds=kind)
        return [_entry_out(r) for r in rows]

    @router.post("/entries", summary="Add an entry", status_code=201, responses=WRITE_ERRORS)
    def entry_add(
        patient_id: str, body: EntryIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> EntryOut:
        """Checked against the whole record: no date in the future, no relapse before the
        first symptoms, one diagnosis and one transplant entry; every field named."""
        row = services.entry_add(
            db, actor=actor, patient_id=patient_id, kind=body.kind, data=body.data, now=now
        )
        return _entry_out(row)

    @router.get("/entries/{entry_id}", summary="One entry")
    def entry(patient_id: str, entry_id: str, actor: CurrentActor, db: DbSession) -> EntryOut:
        """An entry of a record you may read."""
        return _entry_out(
            services.entry_get(db, actor=actor, patient_id=patient_id, entry_id=entry_id)
        )

    @router.put("/entries/{entry_id}", summary="Change an entry", responses=WRITE_ERRORS)
    def entry_update(
        patient_id: str,
        entry_id: str,
        body: EntryChange,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> EntryOut:
        """Its fields replaced (the kind stays); the earlier values can be brought back with
        ``POST /undo``."""
        row = services.entry_update(
            db, actor=actor, patient_id=patient_id, entry_id=entry_id, data=body.data, now=now
        )
        return _entry_out(row)

    @router.delete(
        "/entries/{entry_id}",
        summary="Delete an entry",
        status_code=204,
        responses={409: WRITE_ERRORS[409]},
    )
    def entry_delete(
        patient_id: str, entry_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        """Removed; ``POST /undo`` brings it back."""
        services.entry_delete(db, actor=actor, patient_id=patient_id, entry_id=entry_id, now=now)
        return Response(status_code=204)

    @router.post("/undo", summary="Undo the last change", responses={409: WRITE_ERRORS[409]})
    def undo(
        patient_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        expected: Annotated[
            int | None,
            Query(
                ge=1,
                le=2**62,
                description="The change id you mean to undo; 409 if another came after it.",
            ),
        ] = None,
    ) -> UndoOut:
        """Reverses the record's last change not yet undone: an add, a change, a deletion,
        or a whole import."""
        done = services.entry_undo(
            db, actor=actor, patient_id=patient_id, now=now, expected=expected
        )
        return UndoOut(
            change_id=done.change_id,
            operation=done.operation,
            entry_id=done.entry_id,
            kind=done.kind,
            entries=done.entries,
        )

    @router.post(
        "/import/candidate",
        summary="Start from the answers saved by 'Am I a candidate?'",
        status_code=201,
        responses=WRITE_ERRORS,
    )
    def import_candidate(
        patient_id: str,
        body: dict[str, Any],
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> list[EntryOut]:
        """The saved answers file's dated facts become entries: all of them, or none."""
        rows = services.record_import_profile(
            db, actor=actor, patient_id=patient_id, data=body, now=now
        )
        return [_entry_out(r) for r in rows]

    @router.post(
        "/import/journey",
        summary="To-dos from a journey plan",
        status_code=201,
        responses=WRITE_ERRORS,
    )
    def import_journey(
        patient_id: str,
        body: dict[str, Any],
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> list[EntryOut]:
        """The plan's follow-up scans and vaccines become to-dos with due dates."""
        rows = services.record_import_journey(
            db, actor=actor, patient_id=patient_id, data=body, now=now
        )
        return [_entry_out(r) for r in rows]

    @router.get("/outcomes", summary="Is my MS still stopped? NEDA-3, events, five years")
    def outcomes(patient_id: str, actor: CurrentActor, db: DbSession, now: NowDep) -> StatusOut:
        """NEDA-3 since day 0 with each component's last assessment and what is missing,
        confirmed worsening and improvement explained, and the five-year mark; the same
        engine and defaults as ``hsct outcomes progression`` and ``hsct outcomes neda``."""
        facts = services.entry_facts(db, actor=actor, patient_id=patient_id)
        return StatusOut.model_validate(record_status(facts, today=now.date()).to_dict())

    @router.get(
        "/export",
        summary="Everything in the record (JSON or FHIR R4 Bundle)",
        response_class=JSONResponse,
        responses={
            200: {
                "description": "The record (format=json) or a FHIR R4 Bundle (format=fhir).",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/fhir+json": {"schema": {"type": "object"}},
                },
            }
        },
    )
    def export(
        patient_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        format: Literal["json", "fhir"] = Query("json", description="json or fhir."),
    ) -> JSONResponse:
        """The whole record; ``fhir`` gives a FHIR R4 Bundle of type collection. Audited."""
        document = record_export.record_export(
            db, actor=actor, patient_id=patient_id, now=now, fmt=format
        )
        payload = record_fhir.fhir_bundle(document) if format == "fhir" else document
        media = "application/fhir+json" if format == "fhir" else "application/json"
        return JSONResponse(payload, media_type=media)

    @router.get("/shares", summary="With whom the record is shared")
    def shares(patient_id: str, actor: CurrentActor, db: DbSession) -> list[ShareOut]:
        """Newest first, revoked ones too."""
        return [_share_out(s) for s in services.share_list(db, actor=actor, patient_id=patient_id)]

    @router.post("/shares", summary="Share with a clinic", status_code=201, responses=WRITE_ERRORS)
    def share_create(
        patient_id: str, body: ShareIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> ShareOut:
        """The chosen kinds of entries reach the clinic as "self-reported, pending review"."""
        share = services.share_create(
            db,
            actor=actor,
            patient_id=patient_id,
            clinic_id=body.clinic_id,
            kinds=list(body.kinds),
            now=now,
        )
        return _share_out(share)

    for path, kind in RESOURCE_KINDS.items():
        _kind_routes(router, path, kind)

    @router.post(
        "/lock",
        summary="Lock a clinic's record (lead)",
        responses={409: WRITE_ERRORS[409], 422: BAD_ENTRY[422]},
    )
    def lock(
        patient_id: str, body: ReasonIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> LockOut:
        """No entry of the record can be added, changed, deleted or imported until a lead
        unlocks it; the reason is kept in the audit trail."""
        patient = patient_services.patient_lock(
            db, actor=actor, patient_id=patient_id, reason=body.reason, now=now
        )
        return LockOut(locked=True, locked_at=patient.locked_at)

    @router.post(
        "/unlock",
        summary="Unlock a clinic's record (lead)",
        responses={409: WRITE_ERRORS[409], 422: BAD_ENTRY[422]},
    )
    def unlock(
        patient_id: str, body: ReasonIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> LockOut:
        """Edits are possible again; the reason is kept in the audit trail."""
        patient_services.patient_unlock(
            db, actor=actor, patient_id=patient_id, reason=body.reason, now=now
        )
        return LockOut(locked=False, locked_at=None)

    @router.delete("/shares/{share_id}", summary="Stop sharing", status_code=204)
    def share_revoke(
        patient_id: str, share_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        """The clinic gets nothing more; what it received stays attributed to you."""
        services.share_revoke(db, actor=actor, patient_id=patient_id, share_id=share_id, now=now)
        return Response(status_code=204)

    return router
