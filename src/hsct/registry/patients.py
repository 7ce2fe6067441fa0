"""Pseudonymous patient records: created by a clinic, or kept by a person for themself.

Every read goes through :func:`hsct.registry.access.patient_scope`, so another clinic's or
person's record is simply not found. Reads of single records are audited too (who looked
at which record), since they are health data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.registry.access import Actor, Permission, patient_scope, require
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_touch
from hsct.registry.tables import Patient

_CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_BIRTH_MONTH: Final = re.compile(r"([0-9]{4})-([0-9]{2})")
#: Earliest birth year a record may hold.
BIRTH_YEAR_MIN: Final = 1900
BIRTH_MONTH_ALLOWED: Final = N_("year and month as YYYY-MM, from 1900-01 to this month")


def patient_code_check(code: str) -> str:
    """A clinic's study code: 1 to 40 letters, digits, ``.``, ``_`` or ``-`` (never a name)."""
    value = code.strip()
    if not _CODE.match(value):
        raise InvalidInput(
            [FieldError("code", "is not a study code", "1-40 letters, digits, '.', '_' or '-'")]
        )
    return value


def birth_month_check(text: str | None, *, today: date) -> str | None:
    """A birth year and month as ``YYYY-MM`` (blank: not recorded), from 1900-01 to ``today``'s
    month; never a day, which would narrow a pseudonymous record towards a person. Messages
    never repeat the value (a quasi-identifier)."""
    value = (text or "").strip()
    if not value:
        return None
    found = _BIRTH_MONTH.fullmatch(value)
    month = int(found.group(2)) if found else 0
    if found is None or not 1 <= month <= 12:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "birth_month",
                    Message(N_("is not a year and month")),
                    Message(BIRTH_MONTH_ALLOWED),
                )
            ]
        )
    year = int(found.group(1))
    if year < BIRTH_YEAR_MIN or (year, month) > (today.year, today.month):
        raise InvalidInput(
            [
                FieldError.translatable(
                    "birth_month",
                    Message(N_("is before 1900 or after this month")),
                    Message(BIRTH_MONTH_ALLOWED),
                )
            ]
        )
    return value


def patient_create(
    session: Session,
    *,
    actor: Actor,
    clinic_id: str,
    code: str,
    now: datetime,
    birth_month: str | None = None,
) -> Patient:
    """A new record in a clinic the actor may write to (``birth_month``: ``YYYY-MM`` or None)."""
    if not actor.can(Permission.CLINIC_RECORDS_READ, clinic_id=clinic_id):
        raise NotFound("clinic", clinic_id)  # not theirs: do not confirm it exists
    require(actor, Permission.CLINIC_RECORDS_WRITE, clinic_id=clinic_id)
    value = patient_code_check(code)
    born = birth_month_check(birth_month, today=now.date())
    taken = session.scalars(
        select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.code == value)
    ).first()
    if taken is not None:
        raise Conflict("this clinic already has a record with this study code")
    patient = Patient(clinic_id=clinic_id, code=value, birth_month=born, created_at=now)
    session.add(patient)
    session.flush()
    clinic_touch(session, clinic_id=clinic_id)
    _audit(
        session,
        actor,
        "patient.create",
        entity_type="patient",
        entity_id=patient.id,
        clinic_id=clinic_id,
        # That a birth month was recorded, never its value: the audit trail outlives records.
        details={"new": {"code": value, **({"birth_month": "recorded"} if born else {})}},
        now=now,
    )
    return patient


def patient_birth_month_set(
    session: Session, *, actor: Actor, patient_id: str, birth_month: str | None, now: datetime
) -> Patient:
    """Record, change or clear (blank) a clinic record's birth year and month. Audited (that it
    changed, never the value: the audit trail outlives the record)."""
    patient = patient_get(session, actor=actor, patient_id=patient_id)
    if patient.clinic_id is None:
        raise NotFound("patient", patient_id)  # a person's own record has no birth month
    require(actor, Permission.CLINIC_RECORDS_WRITE, clinic_id=patient.clinic_id)
    if patient.locked_at is not None:
        raise Conflict("this record is locked; a lead unlocks it first")
    born = birth_month_check(birth_month, today=now.date())
    if born == patient.birth_month:
        return patient
    patient.birth_month = born
    session.flush()
    clinic_touch(session, clinic_id=patient.clinic_id)
    _audit(
        session,
        actor,
        "patient.birth_month",
        entity_type="patient",
        entity_id=patient.id,
        clinic_id=patient.clinic_id,
        details={"recorded": born is not None},
        now=now,
    )
    return patient


def patient_own(session: Session, *, actor: Actor, now: datetime) -> Patient:
    """The record a person keeps for themself, made on first use."""
    require(actor, Permission.OWN_RECORD_READ)
    patient = session.scalars(
        select(Patient).where(Patient.person_id == actor.person_id, Patient.clinic_id.is_(None))
    ).first()
    if patient is None:
        require(actor, Permission.OWN_RECORD_WRITE)
        patient = Patient(person_id=actor.person_id, created_at=now)
        try:
            with session.begin_nested():
                session.add(patient)
                session.flush()
        except IntegrityError:  # made at the same moment by another request: use that one
            found = patient_own_find(session, actor=actor)
            if found is None:
                raise
            return found
        _audit(
            session, actor, "patient.create", entity_type="patient", entity_id=patient.id, now=now
        )
    return patient


def patient_own_find(session: Session, *, actor: Actor) -> Patient | None:
    """The record a person keeps for themself, if they have made one (nothing is created)."""
    if not actor.can(Permission.OWN_RECORD_READ):
        return None
    return session.scalars(
        select(Patient).where(Patient.person_id == actor.person_id, Patient.clinic_id.is_(None))
    ).first()


def patient_get(session: Session, *, actor: Actor, patient_id: str) -> Patient:
    """One record the actor may read, or :class:`NotFound` (whoever else's it is)."""
    patient = session.scalars(
        select(Patient).where(Patient.id == patient_id, patient_scope(actor))
    ).first()
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient


def patient_by_code(session: Session, *, actor: Actor, clinic_id: str, code: str) -> Patient:
    """A clinic's record by its study code (one the actor may read), or a field error."""
    value = patient_code_check(code)
    patient = session.scalars(
        select(Patient).where(
            Patient.clinic_id == clinic_id, Patient.code == value, patient_scope(actor)
        )
    ).first()
    if patient is None:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "code",
                    Message(
                        N_("no record of this clinic has the study code {code}"), {"code": value}
                    ),
                    Message(N_("the study code of one of the clinic's records")),
                )
            ]
        )
    return patient


def patient_list(
    session: Session, *, actor: Actor, clinic_id: str | None = None
) -> Sequence[Patient]:
    """The records the actor may read, optionally in one clinic, oldest first."""
    query = select(Patient).where(patient_scope(actor)).order_by(Patient.created_at, Patient.id)
    if clinic_id is not None:
        query = query.where(Patient.clinic_id == clinic_id)
    return session.scalars(query).all()


#: A lock's or unlock's reason: said in words, kept in the audit trail.
REASON_MIN: Final = 5
REASON_MAX: Final = 500


def _reason(text: str) -> str:
    value = " ".join(text.split())
    if not REASON_MIN <= len(value) <= REASON_MAX:
        raise InvalidInput(
            [
                FieldError(
                    "reason",
                    "please say why, in a few words",
                    f"{REASON_MIN} to {REASON_MAX} characters",
                )
            ]
        )
    return value


def patient_lock(
    session: Session, *, actor: Actor, patient_id: str, reason: str, now: datetime
) -> Patient:
    """Lock a clinic's record (a lead): no entry changes until it is unlocked. Audited."""
    return _set_lock(session, actor=actor, patient_id=patient_id, reason=reason, now=now, lock=True)


def patient_unlock(
    session: Session, *, actor: Actor, patient_id: str, reason: str, now: datetime
) -> Patient:
    """Unlock a clinic's record (a lead), saying why. Audited."""
    return _set_lock(
        session, actor=actor, patient_id=patient_id, reason=reason, now=now, lock=False
    )


def _set_lock(
    session: Session, *, actor: Actor, patient_id: str, reason: str, now: datetime, lock: bool
) -> Patient:
    patient = patient_get(session, actor=actor, patient_id=patient_id)
    if patient.clinic_id is None:
        raise Conflict("a person's own record is not locked by anyone")
    require(actor, Permission.CLINIC_RECORDS_LOCK, clinic_id=patient.clinic_id)
    why = _reason(reason)
    if (patient.locked_at is not None) == lock:
        raise Conflict("this record is already locked" if lock else "this record is not locked")
    patient.locked_at = now if lock else None
    session.flush()
    clinic_touch(session, clinic_id=patient.clinic_id)
    _audit(
        session,
        actor,
        "patient.lock" if lock else "patient.unlock",
        entity_type="patient",
        entity_id=patient.id,
        clinic_id=patient.clinic_id,
        now=now,
        reason=why,
    )
    return patient
