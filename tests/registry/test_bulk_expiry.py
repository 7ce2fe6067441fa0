"""A FHIR Bulk Data export is kept a day (``bulk.KEEP``) after it is made, then it is gone:
not found at once, deleted and audited at the next kick-off (hazard H-069). On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import NotFound
from hsct.registry import audit_event_list, bulk, clinics, patients
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.tables import BulkExport

NOW = datetime(2026, 12, 4, 9, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
Sessions = sessionmaker[Session]


def _staff(clinic_id: str) -> Actor:
    return Actor("acct-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic_id),))


def _export(s: Session, actor: Actor, clinic: str, at: datetime, *, run: bool = True) -> str:
    job = bulk.bulk_export_start(
        s, actor=actor, clinic_id=clinic, types=("Patient",), request="/x", now=at
    )
    if run:
        bulk.bulk_export_run(s, export_id=job.id, now=at)
    return job.id


def test_an_export_is_kept_a_day_then_deleted_and_audited(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="C", now=NOW).id
        staff = _staff(clinic)
        patients.patient_create(s, actor=staff, clinic_id=clinic, code="E-1", now=NOW)
        made = _export(s, staff, clinic, NOW)
        stuck = _export(s, staff, clinic, NOW + timedelta(hours=1), run=False)  # never made
    with sessions.begin() as s:
        last = NOW + bulk.KEEP - SECOND
        assert (
            bulk.bulk_export_expires(bulk.bulk_export_get(s, actor=staff, export_id=made, now=last))
            == NOW + bulk.KEEP
        )
        assert "Patient" in bulk.bulk_export_file(
            s, actor=staff, export_id=made, resource_type="Patient", now=last
        ).replace("\n", "")
    with sessions.begin() as s:  # from the moment it expires: not found, before any deletion
        for call in (bulk.bulk_export_get, bulk.bulk_export_delete):
            with pytest.raises(NotFound):
                call(s, actor=staff, export_id=made, now=NOW + bulk.KEEP)
        with pytest.raises(NotFound):
            bulk.bulk_export_file(
                s, actor=staff, export_id=made, resource_type="Patient", now=NOW + bulk.KEEP
            )
        assert s.get(BulkExport, made) is not None
    with sessions.begin() as s:  # the next kick-off deletes it; the younger one stays
        newer = _export(s, staff, clinic, NOW + bulk.KEEP)
        assert s.get(BulkExport, made) is None
        assert s.get(BulkExport, stuck) is not None
        assert s.get(BulkExport, newer) is not None
    with sessions.begin() as s:
        assert bulk.bulk_exports_expire(s, now=NOW + timedelta(hours=1) + bulk.KEEP) == 1
        assert s.get(BulkExport, stuck) is None
        expired = [
            e
            for e in audit_event_list(s, entity_type="bulk_export")
            if e.action == "clinic.bulk_export.expire"
        ]
        assert sorted(str(e.entity_id) for e in expired) == sorted([made, stuck])
        assert {e.clinic_id for e in expired} == {clinic}
