"""A clinic record's birth year and month: checked, never a day, audited without its value,
and carried by the CSV, FHIR and EBMT exports. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import audit_event_list, clinics, patients
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.cohort import cohort_csv_files, cohort_export
from hsct.registry.fhir import fhir_ndjson
from hsct.registry.patients import birth_month_check

NOW = datetime(2026, 12, 3, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1984-07", "1984-07"), (" 1900-01 ", "1900-01"), ("2026-12", "2026-12"), ("", None)],
)
def test_a_year_and_month_is_kept_as_given(given: str, expected: str | None) -> None:
    assert birth_month_check(given, today=dt.date(2026, 12, 3)) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("1984-07-21", "is not a year and month"),
        ("1984-13", "is not a year and month"),
        ("1984-00", "is not a year and month"),
        ("07/1984", "is not a year and month"),
        ("1984", "is not a year and month"),
        ("\u0661\u0669\u0669\u0660-\u0660\u0665", "is not a year and month"),  # Arabic-Indic digits
        ("\uff11\uff19\uff19\uff10-\uff10\uff15", "is not a year and month"),  # full-width digits
        ("1899-12", "is before 1900 or after this month"),
        ("2027-01", "is before 1900 or after this month"),
    ],
)
def test_anything_else_is_refused_without_repeating_it(given: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        birth_month_check(given, today=dt.date(2026, 12, 3))
    (error,) = caught.value.errors
    assert error.field == "birth_month"
    assert error.message == message
    assert given.strip() not in str(error)


def _staff(clinic_id: str, role: Role = Role.CLINIC_STAFF) -> Actor:
    return Actor("acct-s", "person-s", (Grant(role, clinic_id),))


def test_set_change_clear_audited_and_exported(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="C", now=NOW).id
        made = patients.patient_create(
            s, actor=_staff(clinic), clinic_id=clinic, code="B-1", birth_month="1984-07", now=NOW
        )
        other = patients.patient_create(
            s, actor=_staff(clinic), clinic_id=clinic, code="B-2", now=NOW
        )
        pid, other_id = made.id, other.id
    with sessions.begin() as s:
        document = cohort_export(s, actor=None, clinic_id=clinic, now=NOW, fmt="csv")
        rows = cohort_csv_files(document)["patients.csv"].splitlines()
        assert rows[0] == "patient_id,record_id,birth_month,created_at,locked_at"
        assert rows[1].startswith(f"B-1,{pid},1984-07,")
        assert rows[2].startswith(f"B-2,{other_id},,")
        text, _ = fhir_ndjson(document, types=("Patient",))["Patient"]
        first, second = (json.loads(line) for line in text.splitlines())
        assert first["birthDate"] == "1984-07"
        get_fhir_model_class("Patient").model_validate(first)  # a partial date is valid R4
        assert "birthDate" not in second
    with sessions.begin() as s:
        with pytest.raises(PermissionDenied):
            patients.patient_birth_month_set(
                s,
                actor=_staff(clinic, Role.CLINIC_MONITOR),
                patient_id=pid,
                birth_month="1985-01",
                now=NOW,
            )
        with pytest.raises(NotFound):
            patients.patient_birth_month_set(
                s, actor=_staff("elsewhere"), patient_id=pid, birth_month="1985-01", now=NOW
            )
    with sessions.begin() as s:
        changed = patients.patient_birth_month_set(
            s, actor=_staff(clinic), patient_id=pid, birth_month="1985-01", now=NOW
        )
        assert changed.birth_month == "1985-01"
    with sessions.begin() as s:
        cleared = patients.patient_birth_month_set(
            s, actor=_staff(clinic), patient_id=pid, birth_month="", now=NOW
        )
        assert cleared.birth_month is None
    with sessions.begin() as s:
        patients.patient_lock(
            s, actor=_staff(clinic, Role.CLINIC_LEAD), patient_id=pid, reason="analysis", now=NOW
        )
    with sessions.begin() as s, pytest.raises(Conflict):
        patients.patient_birth_month_set(
            s, actor=_staff(clinic), patient_id=pid, birth_month="1985-01", now=NOW
        )
    with sessions.begin() as s:
        events = [e for e in audit_event_list(s) if e.entity_id == pid]
    actions = [(e.action, e.details) for e in events if e.action.startswith("patient.")]
    assert actions[:3] == [
        ("patient.create", {"new": {"code": "B-1", "birth_month": "recorded"}}),
        ("patient.birth_month", {"recorded": True}),
        ("patient.birth_month", {"recorded": False}),
    ]
    written = json.dumps([e.details for e in events])
    assert "1984" not in written
    assert "1985" not in written


def test_a_persons_own_record_has_no_birth_month(sessions: Sessions) -> None:
    person = Actor("acct-p", "person-p", (Grant(Role.PATIENT, None),))
    with sessions.begin() as s:
        own = patients.patient_own(s, actor=person, now=NOW)
        with pytest.raises(NotFound):
            patients.patient_birth_month_set(
                s, actor=person, patient_id=own.id, birth_month="1984-07", now=NOW
            )
