"""The follow-up record: add, change, delete and undo entries; import; share; calendar feed.

Services and selectors, keyword-only; the caller owns the transaction (a failed check raises
before anything is written, and the caller rolls back, so nothing is half-saved). Every write
is audited by kind, entry id and the names of the fields changed: never their values, so the
append-only audit trail holds no health data and deleting a record leaves none behind. The
values before each change are kept in ``record_change`` (deleted with the record) so the
last change can be undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.eligibility import parse_profile
from hsct.knowledge import Catalog
from hsct.registry import auth
from hsct.registry.access import Actor, Permission, patient_scope
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_touch
from hsct.registry.entries import (
    KINDS,
    MAX_ENTRIES,
    Entry,
    entry_context_problems,
    entry_parse,
)
from hsct.registry.patients import patient_get
from hsct.registry.tables import (
    CalendarFeed,
    Clinic,
    Patient,
    RecordChange,
    RecordEntry,
    RecordShare,
    new_id,
)

FEED_PREFIX: Final = "hsctcal_"


def _readable(session: Session, actor: Actor, patient_id: str) -> Patient:
    return patient_get(session, actor=actor, patient_id=patient_id)


def _writable(session: Session, actor: Actor, patient_id: str) -> Patient:
    patient = _readable(session, actor, patient_id)
    allowed = session.scalars(
        select(Patient.id).where(Patient.id == patient_id, patient_scope(actor, write=True))
    ).first()
    if allowed is None:
        raise PermissionDenied("this record is read-only for you")
    if patient.locked_at is not None:
        raise Conflict("this record is locked; its clinic's lead can unlock it")
    clinic_touch(session, clinic_id=patient.clinic_id)  # rolled back if the write fails
    return patient


def _provenance(actor: Actor, patient: Patient) -> str:
    own = patient.person_id == actor.person_id and actor.can(Permission.OWN_RECORD_WRITE)
    return "self" if own else "clinic"


def _entry_of(row: RecordEntry | Row[Any]) -> Entry:
    return Entry(kind=row.kind, date=row.date, data=dict(row.data))


def _snapshot(row: RecordEntry) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "date": row.date.isoformat(),
        "data": dict(row.data),
        "provenance": row.provenance,
        "created_at": row.created_at.isoformat(),
    }


#: The columns of an entry as a read-only row (attribute access like the ORM object).
_COLUMNS: Final = (
    RecordEntry.id,
    RecordEntry.kind,
    RecordEntry.date,
    RecordEntry.data,
    RecordEntry.provenance,
    RecordEntry.created_at,
    RecordEntry.updated_at,
)


def _rows(session: Session, patient_id: str) -> list[Row[Any]]:
    """The record's entries as read-only rows, by date then by when entered.

    Plain rows, not ORM objects: a record of 500 entries loads in a third of the time,
    and nothing read this way can be changed by accident.
    """
    return list(
        session.execute(
            select(*_COLUMNS)
            .where(RecordEntry.patient_id == patient_id)
            .order_by(RecordEntry.date, RecordEntry.created_at, RecordEntry.id)
        ).all()
    )


def _insert(
    session: Session,
    patient: Patient,
    entries: Sequence[Entry],
    *,
    provenance: str,
    now: datetime,
    batch: str | None = None,
) -> list[RecordEntry]:
    """Write checked entries, each with its "create" change (so it can be undone)."""
    rows = [
        RecordEntry(
            patient_id=patient.id,
            kind=entry.kind,
            date=entry.date,
            data=entry.data,
            provenance=provenance,
            created_at=now,
            updated_at=now,
        )
        for entry in entries
    ]
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:  # a diagnosis or transplant added at the same moment elsewhere
        raise Conflict("the record already has this entry; change that one instead") from None
    session.add_all(
        RecordChange(
            patient_id=patient.id,
            entry_id=row.id,
            operation="create",
            before=None,
            changed_at=now,
            batch=batch,
        )
        for row in rows
    )
    session.flush()
    _trim_history(session, patient.id)
    return rows


#: Changes kept for undo, per record; older snapshots (a deleted entry's values among them)
#: are dropped, so "delete" does not keep data for ever. An import counts as one change.
UNDO_DEPTH: Final = 50


def _trim_history(session: Session, patient_id: str) -> None:
    """Keep the newest :data:`UNDO_DEPTH` changes (whole batches), drop the rest."""
    recent = session.execute(
        select(RecordChange.id, RecordChange.batch)
        .where(RecordChange.patient_id == patient_id)
        .order_by(RecordChange.id.desc())
    ).all()
    kept_steps = 0
    seen: set[str] = set()
    cutoff = None
    for change_id, batch in recent:
        if batch is None or batch not in seen:
            kept_steps += 1
            if batch is not None:
                seen.add(batch)
        if kept_steps > UNDO_DEPTH:
            cutoff = change_id
            break
    if cutoff is not None:
        session.execute(
            delete(RecordChange).where(
                RecordChange.patient_id == patient_id, RecordChange.id <= cutoff
            )
        )


def _checked(
    session: Session,
    *,
    patient_id: str,
    kind: str,
    data: Mapping[str, Any],
    today: dt.date,
    entry_id: str | None = None,
    catalog: Catalog | None = None,
    pending: Sequence[tuple[str, str, Entry]] = (),
) -> Entry:
    entry = entry_parse(kind=kind, data=data, catalog=catalog)
    others = [(r.id, r.kind, _entry_of(r)) for r in _rows(session, patient_id)]
    problems = entry_context_problems(
        entry, today=today, others=[*others, *pending], entry_id=entry_id
    )
    if problems:
        raise InvalidInput(problems)
    return entry


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in {*before, *after} if before.get(k) != after.get(k))


def entry_add(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    kind: str,
    data: Mapping[str, Any],
    now: datetime,
    catalog: Catalog | None = None,
) -> RecordEntry:
    """A new entry in a record the actor may write to, checked against the whole record."""
    patient = _writable(session, actor, patient_id)
    count = session.scalar(
        select(func.count()).select_from(RecordEntry).where(RecordEntry.patient_id == patient_id)
    )
    if (count or 0) >= MAX_ENTRIES:
        raise Conflict(f"this record holds the most entries allowed ({MAX_ENTRIES})")
    entry = _checked(
        session, patient_id=patient_id, kind=kind, data=data, today=now.date(), catalog=catalog
    )
    (row,) = _insert(session, patient, [entry], provenance=_provenance(actor, patient), now=now)
    _audit(
        session,
        actor,
        "entry.create",
        entity_type="record_entry",
        entity_id=row.id,
        clinic_id=patient.clinic_id,
        details={"patient": patient_id, "kind": entry.kind, "fields": sorted(entry.data)},
        now=now,
    )
    return row


def entry_get(session: Session, *, actor: Actor, patient_id: str, entry_id: str) -> RecordEntry:
    """One entry of a record the actor may read, or :class:`NotFound`."""
    _readable(session, actor, patient_id)
    row = session.scalars(
        select(RecordEntry).where(RecordEntry.id == entry_id, RecordEntry.patient_id == patient_id)
    ).first()
    if row is None:
        raise NotFound("entry", entry_id)
    return row


def entry_list(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    kinds: Sequence[str] | None = None,
) -> list[Row[Any]]:
    """The record's entries (of ``kinds``, when given), by date then by when entered."""
    _readable(session, actor, patient_id)
    unknown = [k for k in kinds or () if k not in KINDS]
    if unknown:
        raise InvalidInput(
            [FieldError("kind", f"{unknown[0]!r} is not a kind of entry", ", ".join(KINDS))]
        )
    rows = _rows(session, patient_id)
    return rows if kinds is None else [r for r in rows if r.kind in kinds]


def entry_facts(
    session: Session, *, actor: Actor, patient_id: str
) -> list[tuple[str, dt.date, dict[str, Any]]]:
    """(kind, date, fields) of every entry, by date: what the status is computed from.

    Lighter than :func:`entry_list` (no timestamps to convert), for the status page.
    """
    _readable(session, actor, patient_id)
    rows = session.execute(
        select(RecordEntry.kind, RecordEntry.date, RecordEntry.data)
        .where(RecordEntry.patient_id == patient_id)
        .order_by(RecordEntry.date, RecordEntry.created_at, RecordEntry.id)
    ).all()
    return [(kind, day, data) for kind, day, data in rows]


def entry_update(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    entry_id: str,
    data: Mapping[str, Any],
    now: datetime,
    catalog: Catalog | None = None,
) -> RecordEntry:
    """Replace an entry's fields (its kind stays), checked against the whole record."""
    patient = _writable(session, actor, patient_id)
    row = entry_get(session, actor=actor, patient_id=patient_id, entry_id=entry_id)
    entry = _checked(
        session,
        patient_id=patient_id,
        kind=row.kind,
        data=data,
        today=now.date(),
        entry_id=entry_id,
        catalog=catalog,
    )
    before = _snapshot(row)
    fields = _changed_fields(row.data, entry.data)
    row.date, row.data, row.updated_at = entry.date, entry.data, now
    session.add(
        RecordChange(
            patient_id=patient_id,
            entry_id=row.id,
            operation="update",
            before=before,
            changed_at=now,
        )
    )
    session.flush()
    _trim_history(session, patient_id)
    _audit(
        session,
        actor,
        "entry.update",
        entity_type="record_entry",
        entity_id=row.id,
        clinic_id=patient.clinic_id,
        details={"patient": patient_id, "kind": row.kind, "fields": fields},
        now=now,
    )
    session.flush()
    return row


def entry_delete(
    session: Session, *, actor: Actor, patient_id: str, entry_id: str, now: datetime
) -> None:
    """Remove an entry (it can be brought back with :func:`entry_undo`)."""
    patient = _writable(session, actor, patient_id)
    row = entry_get(session, actor=actor, patient_id=patient_id, entry_id=entry_id)
    session.add(
        RecordChange(
            patient_id=patient_id,
            entry_id=row.id,
            operation="delete",
            before=_snapshot(row),
            changed_at=now,
        )
    )
    session.flush()
    _trim_history(session, patient_id)
    _audit(
        session,
        actor,
        "entry.delete",
        entity_type="record_entry",
        entity_id=row.id,
        clinic_id=patient.clinic_id,
        details={"patient": patient_id, "kind": row.kind},
        now=now,
    )
    session.delete(row)
    session.flush()


@dataclass(frozen=True, slots=True)
class Undone:
    """A change :func:`entry_undo` reverses (or reversed): its id, what it was, how many
    entries it touches (an import is undone whole)."""

    change_id: int
    operation: str
    entry_id: str
    kind: str
    entries: int = 1


def _latest_change(session: Session, patient_id: str) -> RecordChange | None:
    return session.scalars(
        select(RecordChange)
        .where(RecordChange.patient_id == patient_id, RecordChange.undone_at.is_(None))
        .order_by(RecordChange.id.desc())
    ).first()


def _step(session: Session, change: RecordChange) -> list[RecordChange]:
    """The changes undone together with ``change``: its batch, else itself."""
    if change.batch is None:
        return [change]
    return list(
        session.scalars(
            select(RecordChange)
            .where(
                RecordChange.patient_id == change.patient_id,
                RecordChange.batch == change.batch,
                RecordChange.undone_at.is_(None),
            )
            .order_by(RecordChange.id.desc())
        )
    )


def _described(session: Session, change: RecordChange, count: int) -> Undone:
    row = session.get(RecordEntry, change.entry_id)
    kind = row.kind if row is not None else str((change.before or {}).get("kind", ""))
    return Undone(change.id, change.operation, change.entry_id, kind, count)


def entry_undo(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    now: datetime,
    expected: int | None = None,
) -> Undone:
    """Reverse the record's last change not yet undone (an add, a change, a deletion, or a
    whole import). ``expected``: the change id the person saw offered; a :class:`Conflict`
    when the record has changed since (another tab, another device)."""
    patient = _writable(session, actor, patient_id)
    latest = _latest_change(session, patient_id)
    if latest is None:
        raise Conflict("there is no change to undo")
    if expected is not None and latest.id != expected:
        raise Conflict("the record has changed since this page was shown; look again first")
    changes = _step(session, latest)
    done = _described(session, latest, len(changes))
    for change in changes:
        _reverse(session, change, patient_id=patient_id, now=now)
        change.undone_at = now
    _audit(
        session,
        actor,
        "entry.undo",
        entity_type="record_entry",
        entity_id=latest.entry_id,
        clinic_id=patient.clinic_id,
        details={
            "patient": patient_id,
            "kind": done.kind,
            "undid": latest.operation,
            "entries": len(changes),
        },
        now=now,
    )
    session.flush()
    return done


def _reverse(session: Session, change: RecordChange, *, patient_id: str, now: datetime) -> None:
    row = session.get(RecordEntry, change.entry_id)
    if change.operation == "create":
        if row is not None:
            session.delete(row)
        return
    before = change.before
    if before is None:
        return
    if row is None:
        row = RecordEntry(
            id=change.entry_id,
            patient_id=patient_id,
            created_at=dt.datetime.fromisoformat(before["created_at"]),
        )
        session.add(row)
    row.kind = before["kind"]
    row.date = dt.date.fromisoformat(before["date"])
    row.data = before["data"]
    row.provenance = before["provenance"]
    row.updated_at = now


def entry_undo_available(session: Session, *, actor: Actor, patient_id: str) -> Undone | None:
    """The change :func:`entry_undo` would reverse, if any."""
    _readable(session, actor, patient_id)
    latest = _latest_change(session, patient_id)
    if latest is None:
        return None
    return _described(session, latest, len(_step(session, latest)))


def entry_history(session: Session, *, actor: Actor, patient_id: str) -> list[dict[str, Any]]:
    """The undo history still kept (values before each change), oldest first: part of what
    the record holds, so it is in the person's download."""
    _readable(session, actor, patient_id)
    return [
        {
            "id": c.id,
            "operation": c.operation,
            "entry_id": c.entry_id,
            "batch": c.batch,
            "changed_at": c.changed_at.isoformat(),
            "undone_at": None if c.undone_at is None else c.undone_at.isoformat(),
            "before": c.before,
        }
        for c in session.scalars(
            select(RecordChange)
            .where(RecordChange.patient_id == patient_id)
            .order_by(RecordChange.id)
        )
    ]


# ---------------------------------------------------------------- importing files


def _add_many(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    items: Sequence[tuple[str, str, Mapping[str, Any]]],
    now: datetime,
    catalog: Catalog | None,
    source: str,
) -> list[RecordEntry]:
    """Check every item first (naming each by ``field`` prefix), then write them all."""
    patient = _writable(session, actor, patient_id)
    problems: list[FieldError] = []
    pending: list[tuple[str, str, Entry]] = []
    for index, (prefix, kind, data) in enumerate(items):
        try:
            entry = _checked(
                session,
                patient_id=patient_id,
                kind=kind,
                data=data,
                today=now.date(),
                catalog=catalog,
                pending=pending,
            )
        except InvalidInput as exc:
            problems += exc.within(prefix).errors
            continue
        pending.append((f"new-{index}", kind, entry))
    if problems:
        raise InvalidInput(problems)
    rows = _insert(
        session,
        patient,
        [entry for _, _, entry in pending],
        provenance=_provenance(actor, patient),
        now=now,
        batch=new_id(),
    )
    _audit(
        session,
        actor,
        "record.import",
        entity_type="patient",
        entity_id=patient_id,
        clinic_id=patient.clinic_id,
        details={
            "source": source,
            "entries": len(rows),
            "kinds": sorted({row.kind for row in rows}),
        },
        now=now,
    )
    session.flush()
    return rows


def profile_entries(
    data: Any, *, catalog: Catalog | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """The entries a saved "Am I a candidate?" answers file gives: (field, kind, data).

    Diagnosis and first symptoms, EDSS history and the current EDSS (rater not stated:
    the file does not say who rated it), relapses, MRI scans, drug courses with a date.
    """
    profile = parse_profile(data, catalog)
    items: list[tuple[str, str, dict[str, Any]]] = []
    if profile.diagnosis_date is not None:
        items.append(
            (
                "diagnosis_date",
                "diagnosis",
                {
                    "date": profile.diagnosis_date.isoformat(),
                    **(
                        {"first_symptoms": profile.onset_date.isoformat()}
                        if profile.onset_date
                        else {}
                    ),
                    **({"ms_type": profile.ms_type} if profile.ms_type else {}),
                },
            )
        )
    for i, visit in enumerate(profile.edss_history or ()):
        items.append(
            (
                f"edss_history.{i}",
                "edss",
                {"date": visit.date.isoformat(), "value": visit.edss, "rater": "unknown"},
            )
        )
    if profile.edss is not None:
        items.append(
            (
                "edss",
                "edss",
                {"date": profile.day.isoformat(), "value": profile.edss, "rater": "unknown"},
            )
        )
    for i, relapse in enumerate(profile.relapses or ()):
        items.append((f"relapses.{i}", "relapse", {"date": relapse.date.isoformat()}))
    for i, scan in enumerate(profile.mri or ()):
        items.append(
            (
                f"mri.{i}",
                "mri",
                {
                    "date": scan.date.isoformat(),
                    "region": "not_stated",
                    **({"new_t2": scan.new_t2} if scan.new_t2 is not None else {}),
                    **(
                        {"gd_enhancing": scan.gd_enhancing} if scan.gd_enhancing is not None else {}
                    ),
                },
            )
        )
    for i, course in enumerate(profile.treatments or ()):
        start = course.start or course.last_dose or course.stop
        if start is None:
            continue  # no date at all: nothing to place on a timeline
        items.append(
            (
                f"treatments.{i}",
                "drug",
                {
                    "date": start.isoformat(),
                    "drug": course.drug,
                    **({"stop": course.stop.isoformat()} if course.stop else {}),
                    **({"last_dose": course.last_dose.isoformat()} if course.last_dose else {}),
                    **({"reason_stopped": course.reason_stopped} if course.reason_stopped else {}),
                },
            )
        )
    return items


def record_import_profile(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    data: Any,
    now: datetime,
    catalog: Catalog | None = None,
) -> list[RecordEntry]:
    """Start a record from a saved "Am I a candidate?" answers file: all or nothing."""
    _writable(session, actor, patient_id)  # whose record first: never a 422 for another's
    items = profile_entries(data, catalog=catalog)
    if not items:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "profile",
                    Message(N_("the file holds no dated facts to add.")),
                    Message(
                        N_("a diagnosis date, EDSS visits, relapses, scans or drugs with dates")
                    ),
                )
            ]
        )
    return _add_many(
        session,
        actor=actor,
        patient_id=patient_id,
        items=items,
        now=now,
        catalog=catalog,
        source="candidate",
    )


#: Journey milestones that become to-dos, by id prefix, with their category.
JOURNEY_TODOS: Final = (("mri-", "mri"), ("vaccine-", "vaccine"))


def journey_entries(data: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """To-dos from a journey plan (``hsct journey --json`` or the page's download)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("milestones"), list):
        raise InvalidInput(
            [
                FieldError(
                    "plan",
                    "is not a journey plan",
                    "the JSON of hsct journey --json or the plan page",
                )
            ]
        )
    items: list[tuple[str, str, dict[str, Any]]] = []
    for i, milestone in enumerate(data["milestones"][:500]):
        if not isinstance(milestone, Mapping):
            raise InvalidInput([FieldError(f"plan.milestones.{i}", "is not an object", None)])
        ident = str(milestone.get("id", ""))
        category = next((c for p, c in JOURNEY_TODOS if ident.startswith(p)), None)
        if category is None or milestone.get("group") != "after":
            continue
        items.append(
            (
                f"plan.milestones.{i}",
                "todo",
                {
                    "date": milestone.get("start"),
                    "title": str(milestone.get("title", ""))[:200],
                    "category": category,
                    "step": ident[:100],
                },
            )
        )
    return items


def record_import_journey(
    session: Session, *, actor: Actor, patient_id: str, data: Any, now: datetime
) -> list[RecordEntry]:
    """To-dos with due dates from a journey plan's follow-up steps: all or nothing."""
    _writable(session, actor, patient_id)
    items = journey_entries(data)
    if not items:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "plan",
                    Message(N_("the plan holds no follow-up steps (scans, vaccines).")),
                    Message(N_("a plan made on the journey page")),
                )
            ]
        )
    return _add_many(
        session,
        actor=actor,
        patient_id=patient_id,
        items=items,
        now=now,
        catalog=None,
        source="journey",
    )


# ---------------------------------------------------------------- sharing


def share_create(
    session: Session,
    *,
    actor: Actor,
    patient_id: str,
    clinic_id: str,
    kinds: Sequence[str],
    now: datetime,
) -> RecordShare:
    """Share the record's entries of ``kinds`` with a clinic, as self-reported entries."""
    patient = _writable(session, actor, patient_id)
    if patient.person_id != actor.person_id or patient.clinic_id is not None:
        raise PermissionDenied("only the person whose record it is may share it")
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise InvalidInput([FieldError("clinic_id", "is not a clinic in this registry", None)])
    chosen = sorted(set(kinds))
    bad = [k for k in chosen if k not in KINDS]
    if bad or not chosen:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "kinds",
                    Message(N_("choose what to share.")),
                    Message(N_("one or more kinds of entry")),
                )
            ]
        )
    share = RecordShare(patient_id=patient_id, clinic_id=clinic_id, kinds=chosen, created_at=now)
    session.add(share)
    session.flush()
    _audit(
        session,
        actor,
        "share.create",
        entity_type="record_share",
        entity_id=share.id,
        clinic_id=clinic_id,
        details={"patient": patient_id, "kinds": chosen},
        now=now,
    )
    return share


def share_revoke(
    session: Session, *, actor: Actor, patient_id: str, share_id: str, now: datetime
) -> None:
    """Stop sharing: the clinic sees no further entries (what it received stays attributed)."""
    _writable(session, actor, patient_id)
    share = session.scalars(
        select(RecordShare).where(RecordShare.id == share_id, RecordShare.patient_id == patient_id)
    ).first()
    if share is None:
        raise NotFound("share", share_id)
    if share.revoked_at is None:
        share.revoked_at = now
        _audit(
            session,
            actor,
            "share.revoke",
            entity_type="record_share",
            entity_id=share.id,
            clinic_id=share.clinic_id,
            details={"patient": patient_id},
            now=now,
        )
        session.flush()


def share_list(session: Session, *, actor: Actor, patient_id: str) -> list[RecordShare]:
    """The record's shares, newest first (revoked ones too)."""
    _readable(session, actor, patient_id)
    return list(
        session.scalars(
            select(RecordShare)
            .where(RecordShare.patient_id == patient_id)
            .order_by(RecordShare.created_at.desc())
        )
    )


def shared_entries(
    session: Session, *, actor: Actor, clinic_id: str, now: datetime
) -> list[tuple[Row[Any], str]]:
    """For a clinic: entries people share with it, each "self-reported, pending review".

    Read through the person's share (their explicit grant, not :func:`patient_scope`): only
    the kinds of a share that is not revoked, only entries the person entered themself. The
    read is audited. Returns (entry, share id).
    """
    if not actor.can(Permission.CLINIC_RECORDS_READ, clinic_id=clinic_id):
        raise NotFound("clinic", clinic_id)
    shares = session.scalars(
        select(RecordShare)
        .where(RecordShare.clinic_id == clinic_id, RecordShare.revoked_at.is_(None))
        .order_by(RecordShare.created_at, RecordShare.id)
    ).all()
    out = []
    for share in shares:
        for row in _rows(session, share.patient_id):
            if row.kind in share.kinds and row.provenance == "self":
                out.append((row, share.id))
    _audit(
        session,
        actor,
        "share.read",
        entity_type="clinic",
        entity_id=clinic_id,
        clinic_id=clinic_id,
        details={"shares": len(shares), "entries": len(out)},
        now=now,
    )
    return out


# ---------------------------------------------------------------- calendar feed


def feed_create(session: Session, *, actor: Actor, patient_id: str, now: datetime) -> str:
    """A new secret calendar address (its token, shown once); any earlier one stops working."""
    _writable(session, actor, patient_id)
    feed_revoke(session, actor=actor, patient_id=patient_id, now=now, audit=False)
    token = auth.token_new(FEED_PREFIX)
    session.add(
        CalendarFeed(token_hash=auth.token_digest(token), patient_id=patient_id, created_at=now)
    )
    _audit(session, actor, "feed.create", entity_type="patient", entity_id=patient_id, now=now)
    session.flush()
    return token


def feed_revoke(
    session: Session, *, actor: Actor, patient_id: str, now: datetime, audit: bool = True
) -> bool:
    """Stop every calendar address of the record; True when one was active."""
    _writable(session, actor, patient_id)
    active = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.patient_id == patient_id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    for feed in active:
        feed.revoked_at = now
    if active and audit:
        _audit(session, actor, "feed.revoke", entity_type="patient", entity_id=patient_id, now=now)
    session.flush()
    return bool(active)


def feed_active(session: Session, *, actor: Actor, patient_id: str) -> bool:
    """Whether the record has a working calendar address."""
    _readable(session, actor, patient_id)
    return (
        session.scalars(
            select(CalendarFeed.token_hash).where(
                CalendarFeed.patient_id == patient_id, CalendarFeed.revoked_at.is_(None)
            )
        ).first()
        is not None
    )


def feed_todos(session: Session, *, token: str) -> list[Row[Any]] | None:
    """The to-dos behind a calendar address, or None for an unknown or revoked one.

    The address is the credential (calendar apps cannot sign in); reads are not audited
    one by one because calendar apps poll it every few hours.
    """
    if not token.startswith(FEED_PREFIX) or len(token) > 200:
        return None
    feed = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == auth.token_digest(token), CalendarFeed.revoked_at.is_(None)
        )
    ).first()
    if feed is None:
        return None
    return [r for r in _rows(session, feed.patient_id) if r.kind == "todo"]


# ---------------------------------------------------------------- for the command line


def record_find(session: Session, *, pseudonym: str) -> Patient:
    """A record by its id, or by the pseudonym of the person who keeps it (command line).

    Whoever runs the command line has the database itself, so no role is checked; reads
    through :func:`record_entries_read` are audited with the actor ``cli``.
    """
    patient = session.scalars(
        select(Patient).where(
            (Patient.id == pseudonym)
            | ((Patient.person_id == pseudonym) & Patient.clinic_id.is_(None))
        )
    ).first()
    if patient is None:
        raise NotFound("record with that id or pseudonym", pseudonym)
    return patient


def record_entries_read(
    session: Session, *, patient_id: str, now: datetime, purpose: str
) -> list[Row[Any]]:
    """Every entry of a record, for the command line; the read is audited (``purpose``)."""
    rows = _rows(session, patient_id)
    patient = session.get(Patient, patient_id)
    _audit(
        session,
        None,
        "record.read",
        entity_type="patient",
        entity_id=patient_id,
        clinic_id=None if patient is None else patient.clinic_id,
        details={"purpose": purpose, "entries": len(rows)},
        now=now,
    )
    return rows
