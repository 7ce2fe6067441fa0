"""FHIR Bulk Data export of a clinic's records: kick-off, progress, files, delete.

The pattern is HL7's Bulk Data Access (Flat FHIR) ``Group/[id]/$export``: a kick-off request
answered 202 with a status URL; the status URL answers 202 while the export runs and then
a manifest listing one NDJSON file per resource type; the requester fetches the files with
the same credentials and deletes the export when done (``../shared/dossier/registry.md``,
section 4; https://hl7.org/fhir/uv/bulkdata/export.html). A clinic is the Group: its
records are the members.

:func:`bulk_export_start` records the request (audited); :func:`bulk_export_run` makes the
files from the clinic's export document (:func:`hsct.registry.cohort.cohort_export`, itself
audited) with :func:`hsct.registry.fhir.fhir_ndjson`. The files stay in the database until
:func:`bulk_export_delete`, or for :data:`KEEP` after the export was made, whichever comes
first (Bulk Data lets a server remove files after a period it documents): an expired export
answers 404 at once and is deleted, audited, at the next kick-off
(:func:`bulk_exports_expire`). An export is seen only by whoever asked for it, and only while
they may still read the clinic's records; anyone else gets a 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from hsct.common.errors import FieldError, InvalidInput, NotFound
from hsct.registry.access import Actor, Permission
from hsct.registry.clinics import clinic_for
from hsct.registry.cohort import cohort_export
from hsct.registry.fhir import BULK_TYPES, fhir_ndjson
from hsct.registry.tables import BulkExport

IN_PROGRESS: Final = "in-progress"
COMPLETE: Final = "complete"
ERROR: Final = "error"
#: How long an export's files are kept after it is made (or asked for, when it failed):
#: enough to fetch them, not a second copy of the clinic's records kept for good (H-069).
KEEP: Final = timedelta(hours=24)
#: The output formats Bulk Data allows for NDJSON (the spec's three spellings).
NDJSON_FORMATS: Final = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})


def bulk_types(text: str | None) -> tuple[str, ...]:
    """The ``_type`` parameter (comma-separated resource types) as the types to export, in
    manifest order; empty or absent means all. Refuses, naming ``_type``, a type this
    registry does not export."""
    if not text:
        return BULK_TYPES
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in asked if kind not in BULK_TYPES]
    if unknown or not asked:
        raise InvalidInput(
            [
                FieldError(
                    "_type",
                    f"{', '.join(unknown)[:80] or text[:80]!r} is not a type exported here",
                    ", ".join(BULK_TYPES),
                )
            ]
        )
    return tuple(kind for kind in BULK_TYPES if kind in asked)


def bulk_export_start(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    types: Sequence[str],
    request: str,
    now: datetime,
    since: datetime | None = None,
) -> BulkExport:
    """Record a kick-off for the clinic's records (staff, leads and monitors of the clinic;
    another clinic is a 404); audited. The export runs in :func:`bulk_export_run`."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    clinic_for(session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ)
    bulk_exports_expire(session, now=now)
    job = BulkExport(
        clinic_id=clinic_id,
        requested_by=actor.person_id if actor is not None else "cli",
        status=IN_PROGRESS,
        types=list(types),
        since=since,
        request=request[:500],
        created_at=now,
    )
    session.add(job)
    session.flush()
    _audit(
        session,
        actor,
        "clinic.bulk_export",
        entity_type="bulk_export",
        entity_id=job.id,
        clinic_id=clinic_id,
        details={"types": list(types), "since": None if since is None else since.isoformat()},
        now=now,
    )
    return job


def bulk_export_run(session: Session, *, export_id: str, now: datetime) -> BulkExport:
    """Make an export's files (the system, after the kick-off has been answered)."""
    job = session.get(BulkExport, export_id)
    if job is None:
        raise NotFound("export", export_id)
    if job.status != IN_PROGRESS:
        return job
    document = cohort_export(
        session, actor=None, clinic_id=job.clinic_id, now=now, fmt="fhir-ndjson"
    )
    files = fhir_ndjson(document, types=tuple(job.types), since=job.since)
    job.files = orjson.dumps({kind: text for kind, (text, _) in files.items()})
    job.output = {kind: count for kind, (_, count) in files.items()}
    job.status = COMPLETE
    job.finished_at = now
    session.flush()
    return job


def bulk_export_fail(session: Session, *, export_id: str, now: datetime) -> None:
    """Mark an export that could not be made (its status then answers with an error)."""
    job = session.get(BulkExport, export_id)
    if job is not None and job.status == IN_PROGRESS:
        job.status = ERROR
        job.finished_at = now
        session.flush()


def bulk_export_expires(job: BulkExport) -> datetime:
    """When an export's files go: :data:`KEEP` after it was made (or asked for)."""
    return (job.finished_at or job.created_at) + KEEP


def bulk_export_get(session: Session, *, actor: Actor, export_id: str, now: datetime) -> BulkExport:
    """An export seen by its requester while they still read the clinic's records and it
    has not expired; anyone else, or later, gets :class:`NotFound`."""
    job = session.get(BulkExport, export_id)
    if (
        job is None
        or bulk_export_expires(job) <= now
        or not (
            job.requested_by == actor.person_id
            and actor.can(Permission.CLINIC_RECORDS_READ, clinic_id=job.clinic_id)
        )
    ):
        raise NotFound("export", export_id)
    return job


def bulk_exports_expire(session: Session, *, now: datetime) -> int:
    """Delete every export kept longer than :data:`KEEP`, with its files; each is audited
    (by the system). Returns how many went."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    oldest = now - KEEP
    found = session.scalars(
        select(BulkExport).where(
            (BulkExport.finished_at <= oldest)
            | (BulkExport.finished_at.is_(None) & (BulkExport.created_at <= oldest))
        )
    ).all()
    for job in found:
        session.delete(job)
        session.flush()
        _audit(
            session,
            None,
            "clinic.bulk_export.expire",
            entity_type="bulk_export",
            entity_id=job.id,
            clinic_id=job.clinic_id,
            details={"kept_hours": int(KEEP.total_seconds() // 3600)},
            now=now,
            system="expiry",
        )
    return len(found)


def bulk_export_file(
    session: Session, *, actor: Actor, export_id: str, resource_type: str, now: datetime
) -> str:
    """One output file (NDJSON) of a complete export; audited as the data leaving."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    job = bulk_export_get(session, actor=actor, export_id=export_id, now=now)
    if job.status != COMPLETE or job.files is None:
        raise NotFound("export file", resource_type)
    files: dict[str, str] = orjson.loads(job.files)
    if resource_type not in files:
        raise NotFound("export file", resource_type)
    _audit(
        session,
        actor,
        "clinic.bulk_export.download",
        entity_type="bulk_export",
        entity_id=job.id,
        clinic_id=job.clinic_id,
        details={"type": resource_type, "count": (job.output or {}).get(resource_type, 0)},
        now=now,
    )
    return files[resource_type]


def bulk_export_delete(session: Session, *, actor: Actor, export_id: str, now: datetime) -> None:
    """Delete an export and its files (its requester); audited."""
    from hsct.registry.accounts import _audit  # noqa: PLC0415 - the audit helper

    job = bulk_export_get(session, actor=actor, export_id=export_id, now=now)
    clinic_id = job.clinic_id
    session.delete(job)
    session.flush()
    _audit(
        session,
        actor,
        "clinic.bulk_export.delete",
        entity_type="bulk_export",
        entity_id=export_id,
        clinic_id=clinic_id,
        now=now,
    )


def bulk_since(text: str, *, now: datetime) -> datetime | None:
    """The ``_since`` parameter (a FHIR instant, with its time zone) as a time, or None when
    absent. Refuses, naming ``_since``, anything else and a time in the future."""
    if not text:
        return None
    try:
        since = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        since = None
    if since is None or since.tzinfo is None or since > now:
        raise InvalidInput(
            [
                FieldError(
                    "_since",
                    f"{text[:40]!r} is not a past instant",
                    "an instant with its time zone, such as 2026-01-01T00:00:00Z",
                )
            ]
        )
    return since
