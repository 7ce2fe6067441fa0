"""The registry's JSON API: who am I, my clinics, pseudonymous patient records.

Browser sessions (for the pages' htmx, with the CSRF header) and bearer tokens alike.
401 without credentials; 403 when the token's scope or the role does not allow it; 404
for another clinic's or person's record, so its existence is never revealed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import NotFound
from hsct.registry import Permission, require
from hsct.registry import clinics as clinic_services
from hsct.registry import patients as patient_services
from hsct.registry import review as review_services
from hsct.web.api.schemas import ValidationProblem
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import DbSession

#: Declares the scheme in the OpenAPI document; credentials are checked by hsct.web.auth.
BEARER: Final = HTTPBearer(auto_error=False, description="An API token: hsct_…")


class Problem(BaseModel):
    """An error with one sentence of explanation."""

    detail: str


AUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"model": Problem, "description": "No valid session or API token."},
    403: {"model": Problem, "description": "The role or the token's scope does not allow it."},
}
NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: {"model": Problem, "description": "No such record that you may see."},
}


class GrantOut(BaseModel):
    """A role, in a clinic or site-wide."""

    role: str = Field(examples=["clinic_staff"])
    clinic_id: str | None


class MeOut(BaseModel):
    """The signed-in account, pseudonymously."""

    person_id: str = Field(description="Pseudonym; health records and audit events use it.")
    patient_id: str | None = Field(
        description="Your own record (a patient resource: /api/v1/patients/{patient_id}/...);"
        " null until it is made (POST /api/v1/me/record, or the first entry on the record page)."
    )
    roles: list[GrantOut]
    token_scope: str | None = Field(description="Scope of the API token used, if any.")


class ClinicOut(BaseModel):
    """A clinic you belong to."""

    id: str
    name: str
    facility_id: str | None


class PatientOut(BaseModel):
    """A pseudonymous patient record (no name, email or day of birth is ever kept here)."""

    id: str
    clinic_id: str | None
    code: str | None = Field(description="The clinic's own study code.")
    birth_month: str | None = Field(
        description="Year and month of birth (YYYY-MM), when the clinic recorded it; never the day."
    )
    own: bool = Field(description="True for the record a person keeps for themself.")
    created_at: dt.datetime
    locked: bool


class SharedEntryOut(BaseModel):
    """An entry a person shares with the clinic: self-reported, pending the staff's review."""

    share_id: str = Field(description="The person's share; entries of one person share it.")
    entry_id: str
    kind: str
    date: dt.date
    data: dict[str, Any]
    updated_at: dt.datetime
    provenance: str = Field("self", description="Always self: entered by the person.")
    review: str = Field("pending", description="pending until the clinic reviews it.")
    suggested_patient_id: str | None = Field(
        None, description="The clinic's record earlier entries of the same share went into."
    )


class AcceptIn(BaseModel):
    """Which of the clinic's records the shared entry goes into."""

    model_config = ConfigDict(extra="forbid")
    patient_id: str = Field(min_length=1, max_length=32)


class DeclineIn(BaseModel):
    """Why the shared entry is declined."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=500)


class ReviewOut(BaseModel):
    """The clinic's decision on a shared entry."""

    entry_id: str
    decision: str = Field(description="accepted or declined.")
    patient_id: str | None = Field(description="The clinic's record it went into.")
    copy_id: str | None = Field(description="The copy in that record (self-reported).")
    reason: str | None


BIRTH_MONTH_FIELD: Final = Field(
    default=None,
    pattern=r"^[0-9]{4}-[0-9]{2}$",
    description="Year and month of birth, YYYY-MM (1900-01 to this month); never the day.",
    examples=["1984-07"],
)


class PatientIn(BaseModel):
    """A new record in a clinic: its study code, and the birth year and month if known."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["P-0042"]
    )
    birth_month: str | None = BIRTH_MONTH_FIELD


class BirthMonthIn(BaseModel):
    """A clinic record's birth year and month; null clears it."""

    model_config = ConfigDict(extra="forbid")
    birth_month: str | None = BIRTH_MONTH_FIELD


def _patient_out(patient: Any, person_id: str) -> PatientOut:
    return PatientOut(
        id=patient.id,
        clinic_id=patient.clinic_id,
        code=patient.code,
        birth_month=patient.birth_month,
        own=patient.person_id == person_id and patient.clinic_id is None,
        created_at=patient.created_at,
        locked=patient.locked_at is not None,
    )


def registry_api_router() -> APIRouter:
    """Routes under ``/api/v1`` for the registry."""
    router = APIRouter(tags=["registry"], dependencies=[Depends(BEARER)], responses=AUTH_ERRORS)

    @router.get("/me", summary="Who am I")
    def me(actor: CurrentActor, db: DbSession) -> MeOut:
        """The account's pseudonym and roles (no email: ask the account page for that)."""
        own = patient_services.patient_own_find(db, actor=actor)
        return MeOut(
            person_id=actor.person_id,
            patient_id=None if own is None else own.id,
            roles=[GrantOut(role=g.role.value, clinic_id=g.clinic_id) for g in actor.grants],
            token_scope=actor.token_scope.value if actor.token_scope else None,
        )

    @router.get("/clinics", summary="My clinics")
    def clinics(actor: CurrentActor, db: DbSession) -> list[ClinicOut]:
        """Clinics in which you hold a role (every clinic for a site administrator)."""
        return [
            ClinicOut(id=c.id, name=c.name, facility_id=c.facility_id)
            for c in clinic_services.clinic_list(db, actor=actor)
        ]

    @router.get(
        "/clinics/{clinic_id}/patients", summary="A clinic's patient records", responses=NOT_FOUND
    )
    def clinic_patients(clinic_id: str, actor: CurrentActor, db: DbSession) -> list[PatientOut]:
        """The clinic's pseudonymous records (staff, lead and monitor of that clinic)."""
        if not actor.can(Permission.CLINIC_RECORDS_READ, clinic_id=clinic_id):
            raise NotFound("clinic", clinic_id)
        rows = patient_services.patient_list(db, actor=actor, clinic_id=clinic_id)
        return [_patient_out(p, actor.person_id) for p in rows]

    @router.post(
        "/clinics/{clinic_id}/patients",
        summary="Add a patient record",
        status_code=201,
        responses={
            **NOT_FOUND,
            409: {"model": Problem, "description": "The study code is taken."},
            422: {"model": ValidationProblem, "description": "Bad study code or birth month."},
        },
    )
    def clinic_patient_create(
        clinic_id: str, body: PatientIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> PatientOut:
        """A new pseudonymous record in the clinic (staff and lead)."""
        patient = patient_services.patient_create(
            db,
            actor=actor,
            clinic_id=clinic_id,
            code=body.code,
            birth_month=body.birth_month,
            now=now,
        )
        return _patient_out(patient, actor.person_id)

    @router.get(
        "/clinics/{clinic_id}/shared-entries",
        summary="Entries people share with the clinic (self-reported, pending review)",
        responses=NOT_FOUND,
    )
    def clinic_shared_entries(
        clinic_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> list[SharedEntryOut]:
        """What people chose to share from their own records, while they share it, and the
        clinic has not accepted or declined yet. Their records themselves stay theirs (404
        here). Each read is audited."""
        pending = review_services.review_pending(db, actor=actor, clinic_id=clinic_id, now=now)
        return [
            SharedEntryOut(
                share_id=p.share_id,
                entry_id=p.entry.id,
                kind=p.entry.kind,
                date=p.entry.date,
                data=p.entry.data,
                updated_at=p.entry.updated_at,
                suggested_patient_id=p.suggested_patient_id,
            )
            for p in pending
        ]

    @router.post(
        "/clinics/{clinic_id}/shared-entries/{entry_id}/accept",
        summary="Accept a shared entry into one of the clinic's records",
        responses={**NOT_FOUND, 409: {"model": Problem, "description": "Decided already."}},
    )
    def shared_entry_accept(
        clinic_id: str,
        entry_id: str,
        body: AcceptIn,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> ReviewOut:
        """A copy goes into the record, still self-reported; the person's record is not
        changed. Checked by the record's rules (422 naming the field)."""
        made = review_services.review_accept(
            db,
            actor=actor,
            clinic_id=clinic_id,
            entry_id=entry_id,
            patient_id=body.patient_id,
            now=now,
        )
        return ReviewOut(
            entry_id=made.entry_id,
            decision=made.decision,
            patient_id=made.patient_id,
            copy_id=made.copy_id,
            reason=None,
        )

    @router.post(
        "/clinics/{clinic_id}/shared-entries/{entry_id}/decline",
        summary="Decline a shared entry, with a reason",
        responses={**NOT_FOUND, 409: {"model": Problem, "description": "Decided already."}},
    )
    def shared_entry_decline(
        clinic_id: str,
        entry_id: str,
        body: DeclineIn,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> ReviewOut:
        """The reason is kept with the decision and in the audit trail."""
        made = review_services.review_decline(
            db, actor=actor, clinic_id=clinic_id, entry_id=entry_id, reason=body.reason, now=now
        )
        return ReviewOut(
            entry_id=made.entry_id,
            decision=made.decision,
            patient_id=None,
            copy_id=None,
            reason=made.reason,
        )

    @router.get("/patients/{patient_id}", summary="One patient record", responses=NOT_FOUND)
    def patient(patient_id: str, actor: CurrentActor, db: DbSession) -> PatientOut:
        """A record you may read: your clinic's, or your own."""
        return _patient_out(
            patient_services.patient_get(db, actor=actor, patient_id=patient_id), actor.person_id
        )

    @router.put(
        "/patients/{patient_id}/birth-month",
        summary="Record or clear a clinic record's birth year and month",
        responses={
            **NOT_FOUND,
            409: {"model": Problem, "description": "The record is locked."},
            422: {"model": ValidationProblem, "description": "Not a year and month allowed."},
        },
    )
    def patient_birth_month(
        patient_id: str, body: BirthMonthIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> PatientOut:
        """Staff and leads of the record's clinic. Audited (that it changed, not the value).
        A person's own record has none (404)."""
        patient = patient_services.patient_birth_month_set(
            db, actor=actor, patient_id=patient_id, birth_month=body.birth_month, now=now
        )
        return _patient_out(patient, actor.person_id)

    @router.post("/me/record", summary="My own record (made on first use)")
    def my_record(actor: CurrentActor, db: DbSession, now: NowDep) -> PatientOut:
        """The record you keep for yourself as a patient; made the first time you ask."""
        require(actor, Permission.OWN_RECORD_WRITE)
        return _patient_out(patient_services.patient_own(db, actor=actor, now=now), actor.person_id)

    return router
