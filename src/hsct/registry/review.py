"""A clinic reviews what people share: accept an entry into one of its records, or decline it.

People share kinds of entries from their own records (``record.share_create``); the entries
reach the clinic as "self-reported, pending review". Staff accept an entry into one of the
clinic's records (chosen by study code; the next entries of the same share are offered for
the same record), where it stays self-reported: a copy with provenance ``self``, checked by
the record's rules like any entry; the person's record is never changed. Or they decline it
with a reason. Each decision is audited (ids and the reason, never the values) and made once.
Self-rated EDSS values stay out of the clinic's figures unless the clinic includes them
(``hsct.registry.dashboard``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.registry.access import Actor, Permission
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_for
from hsct.registry.patients import patient_get
from hsct.registry.record import _checked, _insert, _writable, shared_entries
from hsct.registry.tables import EntryReview, Patient, RecordEntry, RecordShare

#: Values computed from the fields, made again when the copy is checked.
DERIVED: Final = frozenset({"computed", "scores"})
REASON_MIN: Final = 5
REASON_MAX: Final = 500


@dataclass(frozen=True, slots=True)
class Pending:
    """A shared entry waiting for the clinic's decision."""

    entry: Row[Any]
    share_id: str
    #: The clinic's record that earlier entries of the same share went into, if any.
    suggested_patient_id: str | None
    suggested_code: str | None


def review_pending(
    session: Session, *, actor: Actor, clinic_id: str, now: datetime
) -> list[Pending]:
    """Shared entries the clinic has not decided on, oldest share first (the read is audited)."""
    rows = shared_entries(session, actor=actor, clinic_id=clinic_id, now=now)
    decided = set(
        session.scalars(select(EntryReview.entry_id).where(EntryReview.clinic_id == clinic_id))
    )
    linked: dict[str, tuple[str | None, str | None]] = {
        share_id: (patient_id, code)
        for share_id, patient_id, code in session.execute(
            select(EntryReview.share_id, EntryReview.patient_id, Patient.code)
            .join(Patient, Patient.id == EntryReview.patient_id)
            .where(EntryReview.clinic_id == clinic_id, EntryReview.decision == "accepted")
            .order_by(EntryReview.decided_at)
        )
    }
    out = []
    for row, share_id in rows:
        if row.id in decided:
            continue
        patient_id, code = linked.get(share_id, (None, None))
        out.append(Pending(row, share_id, patient_id, code))
    return out


def _shared(session: Session, clinic_id: str, entry_id: str) -> tuple[RecordEntry, RecordShare]:
    """The person's entry and the live share that gives it to the clinic, or NotFound."""
    entry = session.get(RecordEntry, entry_id)
    if entry is not None and entry.provenance == "self":
        for share in session.scalars(
            select(RecordShare).where(
                RecordShare.patient_id == entry.patient_id,
                RecordShare.clinic_id == clinic_id,
                RecordShare.revoked_at.is_(None),
            )
        ):
            if entry.kind in share.kinds:
                return entry, share
    raise NotFound("shared entry", entry_id)


def _undecided(session: Session, clinic_id: str, entry_id: str) -> None:
    taken = session.scalars(
        select(EntryReview.decision).where(
            EntryReview.clinic_id == clinic_id, EntryReview.entry_id == entry_id
        )
    ).first()
    if taken is not None:
        raise Conflict(f"this entry was {taken} already")


def review_accept(
    session: Session,
    *,
    actor: Actor,
    clinic_id: str,
    entry_id: str,
    patient_id: str,
    now: datetime,
) -> EntryReview:
    """Copy a shared entry into the clinic's record ``patient_id``, still self-reported."""
    clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_WRITE
    )
    entry, share = _shared(session, clinic_id, entry_id)
    target = patient_get(session, actor=actor, patient_id=patient_id)
    if target.clinic_id != clinic_id:
        raise NotFound("patient", patient_id)
    _undecided(session, clinic_id, entry_id)
    target = _writable(session, actor, target.id)  # refuses a locked record
    data = {k: v for k, v in entry.data.items() if k not in DERIVED}
    try:
        checked = _checked(
            session, patient_id=target.id, kind=entry.kind, data=data, today=now.date()
        )
    except InvalidInput as exc:  # named for the reviewer: which part of the record refuses it
        raise InvalidInput(
            [
                FieldError(f"entry.{e.field}", e.message, e.allowed, e.message_text, e.allowed_text)
                for e in exc.errors
            ]
        ) from None
    (copy,) = _insert(session, target, [checked], provenance="self", now=now)
    review = EntryReview(
        clinic_id=clinic_id,
        share_id=share.id,
        entry_id=entry.id,
        decision="accepted",
        patient_id=target.id,
        copy_id=copy.id,
        decided_at=now,
        decided_by=actor.person_id,
    )
    _save(session, review)
    _audit(
        session,
        actor,
        "review.accept",
        entity_type="record_entry",
        entity_id=copy.id,
        clinic_id=clinic_id,
        details={
            "shared_entry": entry.id,
            "share": share.id,
            "patient": target.id,
            "kind": entry.kind,
        },
        now=now,
    )
    return review


def review_decline(
    session: Session,
    *,
    actor: Actor,
    clinic_id: str,
    entry_id: str,
    reason: str,
    now: datetime,
) -> EntryReview:
    """Decline a shared entry, saying why (kept with the decision and in the audit trail)."""
    clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_WRITE
    )
    entry, share = _shared(session, clinic_id, entry_id)
    why = " ".join(reason.split())
    if not REASON_MIN <= len(why) <= REASON_MAX:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "reason",
                    Message(N_("please say why, in a few words")),
                    Message(
                        N_("{low} to {high} characters"), {"low": REASON_MIN, "high": REASON_MAX}
                    ),
                )
            ]
        )
    _undecided(session, clinic_id, entry_id)
    review = EntryReview(
        clinic_id=clinic_id,
        share_id=share.id,
        entry_id=entry.id,
        decision="declined",
        reason=why,
        decided_at=now,
        decided_by=actor.person_id,
    )
    _save(session, review)
    _audit(
        session,
        actor,
        "review.decline",
        entity_type="record_entry",
        entity_id=entry.id,
        clinic_id=clinic_id,
        details={"share": share.id, "kind": entry.kind},
        reason=why,
        now=now,
    )
    return review


def _save(session: Session, review: EntryReview) -> None:
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # decided at the same moment by someone else
        raise Conflict("this entry was decided already") from None


def review_list(session: Session, *, actor: Actor, clinic_id: str) -> Sequence[EntryReview]:
    """The clinic's decisions, newest first."""
    clinic_for(session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ)
    return session.scalars(
        select(EntryReview)
        .where(EntryReview.clinic_id == clinic_id)
        .order_by(EntryReview.decided_at.desc(), EntryReview.id.desc())
    ).all()
