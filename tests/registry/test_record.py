"""The follow-up record: entries checked against the whole record, undo, imports, sharing.

On SQLite and PostgreSQL (see conftest). Every write is audited by field names, never values.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import accounts, auth, clinics, patients, record
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.tables import AuditEvent, RecordEntry

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
PASSWORD = "lantern orchard pebble 4711 drift"
Sessions = sessionmaker[Session]

ANNA = Actor("acc-anna", "person-anna", (Grant(Role.PATIENT),))
BORIS = Actor("acc-boris", "person-boris", (Grant(Role.PATIENT),))


@pytest.fixture
def own(sessions: Sessions) -> str:
    with sessions.begin() as s:
        return patients.patient_own(s, actor=ANNA, now=NOW).id


def add(
    sessions: Sessions, patient: str, kind: str, data: dict[str, object], actor: Actor = ANNA
) -> str:
    with sessions.begin() as s:
        return record.entry_add(
            s, actor=actor, patient_id=patient, kind=kind, data=data, now=NOW
        ).id


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, ...]:
    return exc.value.fields


def test_every_kind_is_kept_as_checked(sessions: Sessions, own: str) -> None:
    add(
        sessions,
        own,
        "diagnosis",
        {"date": "2012-05-01", "first_symptoms": "2011-09-01", "ms_type": "RRMS"},
    )
    add(
        sessions,
        own,
        "transplant",
        {
            "date": "2020-02-01",
            "facility_id": "moscow-pirogov",
            "regimen": "reduced-beam",
            "intensity": "low",
            "cd34_dose": 5.68,
            "serotherapy": "rabbit_atg",
        },
    )
    add(sessions, own, "edss", {"date": "2020-01-10", "value": 3.5, "rater": "neurologist"})
    add(
        sessions,
        own,
        "edss",
        {
            "date": "2021-01-10",
            "rater": "self",
            "inputs": {
                "visual": 1,
                "brainstem": 1,
                "pyramidal": 2,
                "cerebellar": 1,
                "sensory": 1,
                "bowel_bladder": 1,
                "cerebral": 1,
                "walking": {"unrestricted": True},
            },
        },
    )
    add(
        sessions,
        own,
        "relapse",
        {"date": "2019-03-01", "steroids": True, "confirmed": True, "symptoms": "numb left leg"},
    )
    add(
        sessions,
        own,
        "mri",
        {"date": "2020-08-01", "region": "brain", "new_t2": 0, "gd_enhancing": 0},
    )
    add(
        sessions,
        own,
        "drug",
        {
            "date": "2016-01-01",
            "drug": "Ocrevus",
            "stop": "2019-06-01",
            "last_dose": "2019-05-01",
            "reason_stopped": "ineffective",
        },
    )
    add(
        sessions,
        own,
        "adverse_event",
        {"date": "2021-06-01", "category": "thyroid", "serious": False},
    )
    add(sessions, own, "qol", {"date": "2021-02-01", "answers": {"1": 1, "2": 3}})
    add(sessions, own, "todo", {"date": "2027-06-01", "title": "MRI", "category": "mri"})
    with sessions.begin() as s:
        rows = record.entry_list(s, actor=ANNA, patient_id=own)
        by_kind = {r.kind: r for r in rows}
        assert [r.date.isoformat() for r in rows] == sorted(r.date.isoformat() for r in rows)
        assert len(rows) == 10
        assert by_kind["drug"].data["drug"] == "ocrelizumab"  # the brand became the drug id
        computed = [r for r in rows if r.kind == "edss" and r.data.get("computed")]
        assert computed[0].data["value"] == 2.0
        assert by_kind["qol"].data["scores"]["scales"]["general_health"]["score"] == 100.0
        assert {r.provenance for r in rows} == {"self"}


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("edss", {"date": "2021-01-01", "value": 10.5, "rater": "self"}, "value"),
        ("edss", {"date": "2021-01-01", "value": 0.5, "rater": "self"}, "value"),
        ("edss", {"date": "2021-01-01", "value": 3.0, "rater": "doctor"}, "rater"),
        ("edss", {"date": "2027-01-01", "value": 3.0, "rater": "self"}, "date"),
        ("mri", {"date": "2021-01-01", "new_t2": -1}, "new_t2"),
        ("mri", {"date": "2021-02-30"}, "date"),
        ("drug", {"date": "2021-01-01", "drug": "aspirin"}, "drug"),
        ("drug", {"date": "2021-01-01", "drug": "ocrelizumab", "stop": "2020-01-01"}, "stop"),
        ("transplant", {"date": "2020-01-01", "facility_id": "nowhere"}, "facility_id"),
        ("transplant", {"date": "2020-01-01", "cd34_dose": 0}, "cd34_dose"),
        ("adverse_event", {"date": "2021-01-01", "category": "rash"}, "category"),
        ("adverse_event", {"date": "2021-01-01", "category": "itp", "end": "2020-01-01"}, "end"),
        ("relapse", {"date": "2021-01-01", "colour": "red"}, "colour"),
        ("qol", {"date": "2021-01-01", "answers": {"1": 9}}, "answers.1"),
        ("todo", {"date": "2021-01-01", "title": ""}, "title"),
    ],
)
def test_bad_entries_are_named_and_nothing_is_written(
    sessions: Sessions, own: str, kind: str, data: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.entry_add(s, actor=ANNA, patient_id=own, kind=kind, data=data, now=NOW)
    assert field in fields_of(exc)
    with sessions.begin() as s:
        assert record.entry_list(s, actor=ANNA, patient_id=own) == []


def test_relapse_before_the_first_symptoms_is_refused(sessions: Sessions, own: str) -> None:
    add(sessions, own, "diagnosis", {"date": "2015-01-01"})
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.entry_add(
            s, actor=ANNA, patient_id=own, kind="relapse", data={"date": "2014-06-01"}, now=NOW
        )
    assert fields_of(exc) == ("date",)
    assert "first symptoms" in str(exc.value)
    # Once the first symptoms are known to be earlier, the same relapse is accepted.
    with sessions.begin() as s:
        diagnosis = record.entry_list(s, actor=ANNA, patient_id=own)[0]
        record.entry_update(
            s,
            actor=ANNA,
            patient_id=own,
            entry_id=diagnosis.id,
            data={"date": "2015-01-01", "first_symptoms": "2014-01-01"},
            now=NOW,
        )
    add(sessions, own, "relapse", {"date": "2014-06-01"})
    # And the diagnosis can no longer move the first symptoms after that relapse.
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.entry_update(
            s,
            actor=ANNA,
            patient_id=own,
            entry_id=diagnosis.id,
            data={"date": "2015-01-01", "first_symptoms": "2014-09-01"},
            now=NOW,
        )
    assert "first_symptoms" in fields_of(exc)


def test_one_transplant_per_record(sessions: Sessions, own: str) -> None:
    add(sessions, own, "transplant", {"date": "2020-02-01"})
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.entry_add(
            s, actor=ANNA, patient_id=own, kind="transplant", data={"date": "2021-02-01"}, now=NOW
        )
    assert fields_of(exc) == ("kind",)


def test_undo_reverses_add_change_and_delete_in_turn(sessions: Sessions, own: str) -> None:
    entry = add(sessions, own, "edss", {"date": "2021-01-01", "value": 3.0, "rater": "self"})
    with sessions.begin() as s:
        record.entry_update(
            s,
            actor=ANNA,
            patient_id=own,
            entry_id=entry,
            data={"date": "2021-01-01", "value": 4.0, "rater": "nurse"},
            now=NOW,
        )
    with sessions.begin() as s:
        record.entry_delete(s, actor=ANNA, patient_id=own, entry_id=entry, now=NOW)
        assert record.entry_list(s, actor=ANNA, patient_id=own) == []
    with sessions.begin() as s:
        assert record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW).operation == "delete"
        (row,) = record.entry_list(s, actor=ANNA, patient_id=own)
        assert (row.id, row.data["value"], row.data["rater"]) == (entry, 4.0, "nurse")
    with sessions.begin() as s:
        assert record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW).operation == "update"
        (row,) = record.entry_list(s, actor=ANNA, patient_id=own)
        assert (row.data["value"], row.data["rater"]) == (3.0, "self")
    with sessions.begin() as s:
        assert record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW).operation == "create"
        assert record.entry_list(s, actor=ANNA, patient_id=own) == []
    with pytest.raises(Conflict), sessions.begin() as s:
        record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW)


def test_audit_names_fields_never_values(sessions: Sessions, own: str) -> None:
    entry = add(sessions, own, "relapse", {"date": "2021-01-01", "symptoms": "blurred eye"})
    with sessions.begin() as s:
        record.entry_update(
            s,
            actor=ANNA,
            patient_id=own,
            entry_id=entry,
            data={"date": "2021-01-02", "symptoms": "blurred eye"},
            now=NOW,
        )
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == entry).order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["entry.create", "entry.update"]
    assert events[1].details == {"patient": own, "kind": "relapse", "fields": ["date"]}
    text = json.dumps([e.details for e in events])
    assert "blurred" not in text
    assert "2021-01" not in text


def test_another_persons_record_is_not_found(sessions: Sessions, own: str) -> None:
    entry = add(sessions, own, "relapse", {"date": "2021-01-01"})
    with sessions.begin() as s:
        with pytest.raises(NotFound):
            record.entry_list(s, actor=BORIS, patient_id=own)
        with pytest.raises(NotFound):
            record.entry_add(
                s, actor=BORIS, patient_id=own, kind="relapse", data={"date": "2021-01-01"}, now=NOW
            )
        with pytest.raises(NotFound):
            record.entry_delete(s, actor=BORIS, patient_id=own, entry_id=entry, now=NOW)


def test_clinic_entries_are_marked_and_monitors_only_read(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="North", now=NOW).id
    staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
    monitor = Actor("acc-m", "person-m", (Grant(Role.CLINIC_MONITOR, clinic),))
    with sessions.begin() as s:
        patient = patients.patient_create(s, actor=staff, clinic_id=clinic, code="N-1", now=NOW).id
    add(
        sessions,
        patient,
        "edss",
        {"date": "2021-01-01", "value": 2.0, "rater": "nurse"},
        actor=staff,
    )
    with sessions.begin() as s:
        (row,) = record.entry_list(s, actor=monitor, patient_id=patient)
        assert row.provenance == "clinic"
        with pytest.raises(PermissionDenied):
            record.entry_add(
                s,
                actor=monitor,
                patient_id=patient,
                kind="relapse",
                data={"date": "2021-01-01"},
                now=NOW,
            )


PROFILE = {
    "diagnosis_date": "2015-03-01",
    "onset_date": "2014-10-01",
    "ms_type": "RRMS",
    "edss_history": [{"date": "2019-01-01", "edss": 3.0}, {"date": "2020-01-01", "edss": 3.5}],
    "relapses": [{"date": "2019-06-01"}],
    "mri": [{"date": "2019-07-01", "gd_enhancing": 2, "new_t2": 1}],
    "treatments": [
        {"drug": "Tysabri", "start": "2016-01-01", "stop": "2019-08-01"},
        {"drug": "fingolimod"},
    ],
}


def test_import_from_candidate_answers(sessions: Sessions, own: str) -> None:
    with sessions.begin() as s:
        rows = record.record_import_profile(s, actor=ANNA, patient_id=own, data=PROFILE, now=NOW)
    kinds = sorted(r.kind for r in rows)
    # The undated fingolimod course has no place on a timeline and is left out.
    assert kinds == ["diagnosis", "drug", "edss", "edss", "mri", "relapse"]
    with sessions.begin() as s:
        drug = record.entry_list(s, actor=ANNA, patient_id=own, kinds=["drug"])[0]
        assert drug.data == {"date": "2016-01-01", "drug": "natalizumab", "stop": "2019-08-01"}


def test_a_bad_import_lands_nothing(sessions: Sessions, own: str) -> None:
    bad = {**PROFILE, "relapses": [{"date": "2019-06-01"}, {"date": "2013-01-01"}]}
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.record_import_profile(s, actor=ANNA, patient_id=own, data=bad, now=NOW)
    assert fields_of(exc) == ("relapses.1.date",)
    with sessions.begin() as s:
        assert record.entry_list(s, actor=ANNA, patient_id=own) == []


def test_import_journey_plan_gives_dated_todos(sessions: Sessions, own: str) -> None:
    plan = {
        "milestones": [
            {"id": "travel", "group": "before", "start": "2020-01-01", "title": "Travel"},
            {"id": "mri-6", "group": "after", "start": "2027-08-01", "title": "MRI: new baseline"},
            {"id": "vaccine-flu", "group": "after", "start": "2027-09-01", "title": "Flu vaccine"},
        ]
    }
    with sessions.begin() as s:
        rows = record.record_import_journey(s, actor=ANNA, patient_id=own, data=plan, now=NOW)
        assert [(r.date.isoformat(), r.data["category"], r.data["step"]) for r in rows] == [
            ("2027-08-01", "mri", "mri-6"),
            ("2027-09-01", "vaccine", "vaccine-flu"),
        ]


def test_sharing_stops_when_revoked(sessions: Sessions, own: str) -> None:
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="North", now=NOW).id
    staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
    add(sessions, own, "edss", {"date": "2021-01-01", "value": 2.0, "rater": "self"})
    add(sessions, own, "relapse", {"date": "2021-02-01"})
    with sessions.begin() as s:
        share = record.share_create(
            s, actor=ANNA, patient_id=own, clinic_id=clinic, kinds=["edss"], now=NOW
        ).id
    with sessions.begin() as s:
        shared = record.shared_entries(s, actor=staff, clinic_id=clinic, now=NOW)
        assert [row.kind for row, _ in shared] == ["edss"]
        # The clinic cannot open the person's record itself.
        with pytest.raises(NotFound):
            record.entry_list(s, actor=staff, patient_id=own)
    with sessions.begin() as s:
        record.share_revoke(s, actor=ANNA, patient_id=own, share_id=share, now=NOW)
    with sessions.begin() as s:
        assert record.shared_entries(s, actor=staff, clinic_id=clinic, now=NOW) == []


def test_calendar_feed_is_secret_and_revocable(sessions: Sessions, own: str) -> None:
    add(sessions, own, "todo", {"date": "2027-01-01", "title": "MRI", "category": "mri"})
    with sessions.begin() as s:
        token = record.feed_create(s, actor=ANNA, patient_id=own, now=NOW)
    with sessions.begin() as s:
        assert [r.data["title"] for r in record.feed_todos(s, token=token) or []] == ["MRI"]
        assert record.feed_todos(s, token=token + "x") is None
        newer = record.feed_create(s, actor=ANNA, patient_id=own, now=NOW + timedelta(1))
    with sessions.begin() as s:
        assert record.feed_todos(s, token=token) is None  # replaced
        record.feed_revoke(s, actor=ANNA, patient_id=own, now=NOW)
    with sessions.begin() as s:
        assert record.feed_todos(s, token=newer) is None


def test_deleting_the_account_deletes_the_record(sessions: Sessions) -> None:
    with sessions.begin() as s:
        account = accounts.account_create(
            s, email="anna@example.org", password=None, grants=[Grant(Role.PATIENT)], now=NOW
        )
        actor = accounts.actor_for(s, account=account)
        patient = patients.patient_own(s, actor=actor, now=NOW).id
        record.entry_add(
            s, actor=actor, patient_id=patient, kind="relapse", data={"date": "2021-01-01"}, now=NOW
        )
        account.password_hash = auth.password_hash(PASSWORD)
    with sessions.begin() as s:
        account = s.get(type(account), account.id)
        accounts.account_delete(s, account=account, password=PASSWORD, now=NOW)
    with sessions.begin() as s:
        assert s.scalars(select(RecordEntry)).all() == []


def test_today_is_the_limit_for_dates(sessions: Sessions, own: str) -> None:
    tomorrow = (NOW.date() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        record.entry_add(
            s, actor=ANNA, patient_id=own, kind="mri", data={"date": tomorrow}, now=NOW
        )
    assert "in the future" in str(exc.value)
    add(sessions, own, "mri", {"date": NOW.date().isoformat()})


def test_an_import_is_undone_whole(sessions: Sessions, own: str) -> None:
    add(sessions, own, "edss", {"date": "2018-01-01", "value": 2.0, "rater": "self"})
    with sessions.begin() as s:
        made = record.record_import_profile(s, actor=ANNA, patient_id=own, data=PROFILE, now=NOW)
    with sessions.begin() as s:
        offered = record.entry_undo_available(s, actor=ANNA, patient_id=own)
        assert offered is not None
        assert offered.entries == len(made) == 6
        done = record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW, expected=offered.change_id)
        assert done.entries == 6
        (left,) = record.entry_list(s, actor=ANNA, patient_id=own)
        assert left.date == dt.date(2018, 1, 1)


def test_undo_refuses_when_the_record_changed_since_it_was_offered(
    sessions: Sessions, own: str
) -> None:
    add(sessions, own, "relapse", {"date": "2021-01-01"})
    with sessions.begin() as s:
        offered = record.entry_undo_available(s, actor=ANNA, patient_id=own)
        assert offered is not None
    add(sessions, own, "relapse", {"date": "2021-02-01"})  # another tab
    with pytest.raises(Conflict), sessions.begin() as s:
        record.entry_undo(s, actor=ANNA, patient_id=own, now=NOW, expected=offered.change_id)


def test_undo_history_is_bounded_and_downloadable(sessions: Sessions, own: str) -> None:
    from hsct.registry.export import record_export  # noqa: PLC0415 - the export under test

    first = add(sessions, own, "relapse", {"date": "2021-01-01", "symptoms": "old words"})
    with sessions.begin() as s:
        record.entry_delete(s, actor=ANNA, patient_id=own, entry_id=first, now=NOW)
    with sessions.begin() as s:
        history = record_export(s, actor=ANNA, patient_id=own, now=NOW)["history"]
        assert [h["operation"] for h in history] == ["create", "delete"]
        assert history[1]["before"]["data"]["symptoms"] == "old words"
    for n in range(record.UNDO_DEPTH):
        add(sessions, own, "todo", {"date": "2027-01-01", "title": f"to-do {n}"})
    with sessions.begin() as s:
        history = record.entry_history(s, actor=ANNA, patient_id=own)
    assert len(history) == record.UNDO_DEPTH
    assert "old words" not in json.dumps(history)  # the deleted entry's values are gone


def test_the_database_keeps_one_transplant_even_when_checks_race(
    sessions: Sessions, own: str
) -> None:
    """Two requests that both passed the record's checks: the second write is a conflict."""
    from hsct.registry.entries import entry_parse  # noqa: PLC0415 - the checked entry

    entry = entry_parse(kind="transplant", data={"date": "2020-02-01"})
    with sessions.begin() as s:
        patient = patients.patient_get(s, actor=ANNA, patient_id=own)
        record._insert(s, patient, [entry], provenance="self", now=NOW)
    with sessions.begin() as s:
        patient = patients.patient_get(s, actor=ANNA, patient_id=own)
        with pytest.raises(Conflict):
            record._insert(s, patient, [entry], provenance="self", now=NOW)
    with sessions.begin() as s:
        assert [r.kind for r in record.entry_list(s, actor=ANNA, patient_id=own)] == ["transplant"]
