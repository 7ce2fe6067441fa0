"""A clinic reviews what people share: accept into one of its records, or decline with a reason.

On SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import clinics, patients, record, review
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.tables import AuditEvent, RecordEntry

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]
ANNA = Actor("acc-anna", "person-anna", (Grant(Role.PATIENT),))


@pytest.fixture
def shared(sessions: Sessions) -> dict[str, str]:
    """Anna shares EDSS and relapses with the clinic, which has a record R-1 for her."""
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="Review centre", now=NOW).id
        staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
        own = patients.patient_own(s, actor=ANNA, now=NOW).id
        ids = {}
        for kind, data in (
            ("edss", {"date": "2024-01-10", "value": 3.0, "rater": "self"}),
            ("edss", {"date": "2024-06-10", "value": 3.5, "rater": "neurologist"}),
            ("relapse", {"date": "2024-03-01", "symptoms": "numb leg"}),
            ("mri", {"date": "2024-05-01", "new_t2": 0, "gd_enhancing": 0}),
        ):
            ids[f"{kind}-{data['date']}"] = record.entry_add(
                s, actor=ANNA, patient_id=own, kind=kind, data=data, now=NOW
            ).id
        record.share_create(
            s, actor=ANNA, patient_id=own, clinic_id=clinic, kinds=["edss", "relapse"], now=NOW
        )
        target = patients.patient_create(s, actor=staff, clinic_id=clinic, code="R-1", now=NOW)
        return {"clinic": clinic, "own": own, "target": target.id, **ids}


def staff(ids: dict[str, str], role: Role = Role.CLINIC_STAFF) -> Actor:
    return Actor("acc-s", "person-s", (Grant(role, ids["clinic"]),))


def test_pending_entries_are_the_shared_kinds_not_yet_decided(
    sessions: Sessions, shared: dict[str, str]
) -> None:
    with sessions.begin() as s:
        pending = review.review_pending(s, actor=staff(shared), clinic_id=shared["clinic"], now=NOW)
    assert sorted(p.entry.kind for p in pending) == ["edss", "edss", "relapse"]  # no MRI


def test_an_accepted_entry_is_copied_and_stays_self_reported(
    sessions: Sessions, shared: dict[str, str]
) -> None:
    entry = shared["edss-2024-01-10"]
    with sessions.begin() as s:
        made = review.review_accept(
            s,
            actor=staff(shared),
            clinic_id=shared["clinic"],
            entry_id=entry,
            patient_id=shared["target"],
            now=NOW,
        )
        copy = s.get(RecordEntry, made.copy_id)
        assert copy is not None
        assert (copy.patient_id, copy.provenance, copy.data["rater"]) == (
            shared["target"],
            "self",
            "self",
        )
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "review.accept")).one()
        assert event.details is not None
        assert "value" not in str(event.details)  # ids only
    with sessions.begin() as s:
        pending = review.review_pending(s, actor=staff(shared), clinic_id=shared["clinic"], now=NOW)
        assert entry not in [p.entry.id for p in pending]
        # The next entries of the same share are offered for the same record.
        assert {p.suggested_code for p in pending} == {"R-1"}
        with pytest.raises(Conflict):
            review.review_accept(
                s,
                actor=staff(shared),
                clinic_id=shared["clinic"],
                entry_id=entry,
                patient_id=shared["target"],
                now=NOW,
            )
    with sessions.begin() as s:  # the person's own entry is unchanged and still theirs
        original = s.get(RecordEntry, entry)
        assert original is not None
        assert original.patient_id == shared["own"]


def test_a_decline_needs_a_reason_and_is_kept(sessions: Sessions, shared: dict[str, str]) -> None:
    entry = shared["relapse-2024-03-01"]
    with sessions.begin() as s, pytest.raises(InvalidInput):
        review.review_decline(
            s, actor=staff(shared), clinic_id=shared["clinic"], entry_id=entry, reason="", now=NOW
        )
    with sessions.begin() as s:
        made = review.review_decline(
            s,
            actor=staff(shared),
            clinic_id=shared["clinic"],
            entry_id=entry,
            reason="not a relapse: a pseudo-relapse with fever",
            now=NOW,
        )
        assert made.decision == "declined"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "review.decline")).one()
        assert event.reason == "not a relapse: a pseudo-relapse with fever"


def test_who_may_review_and_what(sessions: Sessions, shared: dict[str, str]) -> None:
    entry = shared["edss-2024-06-10"]
    with sessions.begin() as s:
        with pytest.raises(PermissionDenied):
            review.review_accept(
                s,
                actor=staff(shared, Role.CLINIC_MONITOR),
                clinic_id=shared["clinic"],
                entry_id=entry,
                patient_id=shared["target"],
                now=NOW,
            )
        with pytest.raises(NotFound):  # an entry that was not shared (its kind)
            review.review_accept(
                s,
                actor=staff(shared),
                clinic_id=shared["clinic"],
                entry_id=shared["mri-2024-05-01"],
                patient_id=shared["target"],
                now=NOW,
            )
        with pytest.raises(NotFound):  # the person's own record is not the clinic's
            review.review_accept(
                s,
                actor=staff(shared),
                clinic_id=shared["clinic"],
                entry_id=entry,
                patient_id=shared["own"],
                now=NOW,
            )
    with sessions.begin() as s:  # once the share is revoked, nothing more can be accepted
        (share,) = record.share_list(s, actor=ANNA, patient_id=shared["own"])
        record.share_revoke(s, actor=ANNA, patient_id=shared["own"], share_id=share.id, now=NOW)
    with sessions.begin() as s, pytest.raises(NotFound):
        review.review_accept(
            s,
            actor=staff(shared),
            clinic_id=shared["clinic"],
            entry_id=entry,
            patient_id=shared["target"],
            now=NOW,
        )
