"""Clinic imports: the plan row by row, messy files, natural keys, all or nothing, mappings.

On SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from datetime import UTC, datetime

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import clinics, imports, patients, record
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.cohort import REDCAP_COLUMNS, redcap_dictionary_csv, redcap_dictionary_read
from hsct.registry.entries import MODELS
from hsct.registry.imports import ImportFile, ImportOptions, parse_date
from hsct.registry.tables import AuditEvent, ImportRun, Patient, RecordEntry

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]

PATIENTS = (
    b"patient_id,transplant_date,diagnosis_date,ms_type\n"
    b"P1,2019-03-04,2014-01-10,RRMS\n"
    b"P2,2020-06-01,,\n"
)
VISITS = b"patient_id,date,edss\nP1,2019-01-10,4.0\nP1,2020-03-01,3.5\nP2,2020-05-01,6.0\n"
RELAPSES = b"patient_id,date\nP1,2018-06-01\n"
MRI = b"patient_id,date,gd_enhancing,new_t2\nP1,2020-03-05,0,0\nP2,2021-01-01,1,2\n"


@pytest.fixture
def clinic(sessions: Sessions) -> str:
    with sessions.begin() as s:
        return clinics.clinic_create(s, name="Test centre", now=NOW).id


def staff(clinic: str, role: Role = Role.CLINIC_STAFF) -> Actor:
    return Actor("acc-staff", "person-staff", (Grant(role, clinic),))


def files(**named: bytes) -> list[ImportFile]:
    return [ImportFile(f"{name}.csv", data) for name, data in named.items()]


def commit(
    sessions: Sessions, clinic: str, given: list[ImportFile], **options: object
) -> imports.ImportPlan:
    with sessions.begin() as s:
        plan, _ = imports.import_commit(
            s,
            actor=staff(clinic),
            clinic_id=clinic,
            files=given,
            options=ImportOptions(**options),  # type: ignore[arg-type]
            now=NOW,
        )
        return plan


def plan_of(
    sessions: Sessions, clinic: str, given: list[ImportFile], **options: object
) -> imports.ImportPlan:
    with sessions.begin() as s:
        return imports.import_plan(
            s,
            clinic_id=clinic,
            files=given,
            options=ImportOptions(**options),  # type: ignore[arg-type]
            today=NOW.date(),
        )


def snapshot(sessions: Sessions) -> list[tuple[object, ...]]:
    with sessions.begin() as s:
        patients_ = s.execute(select(Patient.code).order_by(Patient.code)).all()
        entries = s.execute(
            select(Patient.code, RecordEntry.kind, RecordEntry.date, RecordEntry.data)
            .join(Patient, Patient.id == RecordEntry.patient_id)
            .order_by(Patient.code, RecordEntry.kind, RecordEntry.date)
        ).all()
        return [tuple(r) for r in patients_] + [
            (c, k, d, sorted(v.items())) for c, k, d, v in entries
        ]


def test_a_first_import_adds_every_row_and_a_second_adds_nothing(
    sessions: Sessions, clinic: str
) -> None:
    given = files(patients=PATIENTS, visits=VISITS, relapses=RELAPSES, mri=MRI)
    dry = plan_of(sessions, clinic, given)
    assert dry.counts["total"] == {"add": 8, "change": 0, "same": 0, "refused": 0}
    assert snapshot(sessions) == []  # a dry run writes nothing
    commit(sessions, clinic, given)
    after = snapshot(sessions)
    assert [r for r in after if len(r) == 1] == [("P1",), ("P2",)]
    kinds = sorted((r[0], r[1]) for r in after if len(r) == 4)
    assert kinds == [
        ("P1", "diagnosis"),
        ("P1", "edss"),
        ("P1", "edss"),
        ("P1", "mri"),
        ("P1", "relapse"),
        ("P1", "transplant"),
        ("P2", "edss"),
        ("P2", "mri"),
        ("P2", "transplant"),
    ]
    with sessions.begin() as s:
        provenance = set(s.scalars(select(RecordEntry.provenance)))
        assert provenance == {"clinic"}
        edss = s.scalars(select(RecordEntry.data).where(RecordEntry.kind == "edss")).all()
        assert {e["rater"] for e in edss} == {"unknown"}  # never assumed to be a neurologist
    again = commit(sessions, clinic, given)
    assert again.counts["total"] == {"add": 0, "change": 0, "same": 8, "refused": 0}
    assert snapshot(sessions) == after


def test_a_changed_row_updates_by_its_key_and_the_audit_keeps_the_old_value(
    sessions: Sessions, clinic: str
) -> None:
    commit(sessions, clinic, files(patients=PATIENTS, visits=VISITS))
    changed = VISITS.replace(b"P1,2020-03-01,3.5", b"P1,2020-03-01,4.5")
    plan = commit(sessions, clinic, files(visits=changed))
    assert plan.counts["visits"] == {"add": 0, "change": 1, "same": 2, "refused": 0}
    (row,) = [r for r in plan.rows if r.action == "change"]
    assert (row.row, row.fields) == (3, ("edss.value",))
    with sessions.begin() as s:
        values = sorted(
            s.scalars(select(RecordEntry.data).where(RecordEntry.kind == "edss")).all(),
            key=lambda d: d["date"],
        )
        assert [v["value"] for v in values] == [4.0, 4.5, 6.0]
        patient = s.scalars(select(Patient.id).where(Patient.code == "P1")).one()
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "import.records").order_by(AuditEvent.id)
        ).all()
        last = events[-1].details
        assert last is not None
        (changed,) = last["records"][patient]["changed"]
        assert changed["fields"] == ["value"]
        assert changed["old"] == {"value": 3.5}
        assert last["records"][patient]["new_record"] is False
        # The change can be undone like any other (the import is one step).
        record.entry_undo(s, actor=staff(clinic), patient_id=patient, now=NOW)
        value = s.scalars(
            select(RecordEntry.data).where(
                RecordEntry.patient_id == patient, RecordEntry.date == dt.date(2020, 3, 1)
            )
        ).one()
        assert value["value"] == 3.5


def test_messy_files_are_read(sessions: Sessions, clinic: str) -> None:
    """BOM, semicolons, comma decimals, day-first dates, Excel serials, blank rows, extras."""
    patients_ = "\ufeffPatient_ID;Transplant_Date;Notes\r\nP1;04/03/2019;ok\r\n;;\r\n".encode()
    visits = (
        "\ufeffpatient_id;date;edss;comment\r\n"
        "P1;10.01.2019;4,0;first\r\n"
        "P1;43891;3,5;excel serial\r\n"  # 2020-03-01
        "\r\n;;;\r\n\r\n"
    ).encode()
    plan = commit(sessions, clinic, files(patients=patients_, visits=visits), dates="day-first")
    assert plan.counts["total"]["add"] == 3
    assert {f.name: f.ignored for f in plan.files} == {
        "patients.csv": ("notes",),
        "visits.csv": ("comment",),
    }
    rows = snapshot(sessions)
    assert ("P1", "transplant", dt.date(2019, 3, 4), [("date", "2019-03-04")]) in rows
    edss = [(r[2], dict(r[3])["value"]) for r in rows if len(r) == 4 and r[1] == "edss"]
    assert edss == [(dt.date(2019, 1, 10), 4.0), (dt.date(2020, 3, 1), 3.5)]


def test_slashed_dates_are_refused_until_the_order_is_said(sessions: Sessions, clinic: str) -> None:
    plan = plan_of(sessions, clinic, files(patients=b"patient_id,transplant_date\nP1,04/03/2019\n"))
    (row,) = plan.rows
    assert row.action == "refused"
    assert row.problems[0].field == "transplant_date"
    assert "day-first" in row.problems[0].message
    month_first = plan_of(
        sessions,
        clinic,
        files(patients=b"patient_id,transplant_date\nP1,04/03/2019\n"),
        dates="month-first",
    )
    assert month_first.rows[0].date == "2019-04-03"


@pytest.mark.parametrize(
    ("value", "dates", "expected"),
    [
        ("2020-03-01", "iso", dt.date(2020, 3, 1)),
        ("2020-03-01 00:00:00", "iso", dt.date(2020, 3, 1)),
        ("43891", "iso", dt.date(2020, 3, 1)),
        (43891, "iso", dt.date(2020, 3, 1)),
        (43891.0, "iso", dt.date(2020, 3, 1)),
        ("01/03/2020", "day-first", dt.date(2020, 3, 1)),
        ("03/01/2020", "month-first", dt.date(2020, 3, 1)),
        ("1.3.2020", "day-first", dt.date(2020, 3, 1)),
        (dt.date(2020, 3, 1), "iso", dt.date(2020, 3, 1)),
        (
            datetime(2020, 3, 1, 0, 0),  # noqa: DTZ001 - a naive spreadsheet value
            "iso",
            dt.date(2020, 3, 1),
        ),
    ],
)
def test_dates_are_read(value: object, dates: str, expected: dt.date) -> None:
    assert parse_date(value, column="date", dates=dates) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", ["2019", 2019, "43891.5", "31/02/2020", "2020-02-30", "yesterday", float("inf"), "1"]
)
def test_what_is_not_a_date_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(value, column="date", dates="day-first")
    assert caught.value.fields == ("date",)


def test_bad_rows_are_refused_with_their_field_and_nothing_lands(
    sessions: Sessions, clinic: str
) -> None:
    commit(sessions, clinic, files(patients=PATIENTS))
    before = snapshot(sessions)
    visits = (
        b"patient_id,date,edss\n"
        b"P1,2020-01-01,3.5\n"
        b"P1,2020-02-01,0.5\n"  # not an EDSS value
        b"P9,2020-01-01,3.0\n"  # no such patient
        b"P1,2020-01-01,4.0\n"  # the same patient and date again
        b"P1,2030-01-01,4.0\n"  # in the future
        b"P1 Smith,2020-01-01,4.0\n"  # a name, not a study code
    )
    plan = plan_of(sessions, clinic, files(visits=visits))
    refused = {r.row: r.problems[0].field for r in plan.rows if r.action == "refused"}
    assert refused == {3: "edss", 4: "patient_id", 5: "date", 6: "date", 7: "patient_id"}
    duplicate = next(r for r in plan.rows if r.row == 5)
    assert "row 2 of visits.csv" in duplicate.problems[0].message
    with pytest.raises(InvalidInput) as caught:
        commit(sessions, clinic, files(visits=visits))
    assert "rows refused: 5" in caught.value.errors[0].message
    assert snapshot(sessions) == before
    with sessions.begin() as s:
        plan, _ = imports.import_commit(
            s,
            actor=staff(clinic),
            clinic_id=clinic,
            files=files(visits=visits),
            options=ImportOptions(),
            now=NOW,
            accept_refused=True,
        )
    assert plan.counts["visits"] == {"add": 1, "change": 0, "same": 0, "refused": 5}
    assert len(snapshot(sessions)) == len(before) + 1


def test_a_relapse_before_the_diagnosis_is_refused_by_the_records_own_rules(
    sessions: Sessions, clinic: str
) -> None:
    plan = plan_of(
        sessions,
        clinic,
        files(patients=PATIENTS, relapses=b"patient_id,date\nP1,2013-01-01\n"),
    )
    (row,) = [r for r in plan.rows if r.table == "relapses"]
    assert row.action == "refused"
    assert "before the first symptoms" in row.problems[0].message


@pytest.mark.parametrize(
    ("name", "data", "field", "words"),
    [
        ("visits.csv", b"patient_id,date\nP1,2020-01-01\n", "files", "edss is missing"),
        ("notes.csv", b"patient_id,date\nP1,2020-01-01\n", "files", "which table"),
        ("visits.csv", "patient_id,date,edss\n".encode("utf-16"), "files", "UTF-8"),
        ("visits.csv", b"", "files", "is empty"),
        ("visits.csv", b"patient_id,date,edss,date\n", "files", "twice"),
        ("visits.parquet", b"PAR1 not really PAR1", "files", "Parquet"),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(  # noqa: PLR0917 - parameters
    sessions: Sessions, clinic: str, name: str, data: bytes, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_of(sessions, clinic, [ImportFile(name, data)])
    assert caught.value.errors[0].field == field
    assert words in str(caught.value)


def test_a_file_over_the_size_limit_is_refused_with_the_limit(
    sessions: Sessions, clinic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InvalidInput) as caught:
        plan_of(
            sessions, clinic, files(visits=b"patient_id,date,edss\n" + b"P1,2020-01-01,3\n" * 100)
        )
    assert "one file may be up to" in str(caught.value)


def test_parquet_files_are_read_with_their_types(sessions: Sessions, clinic: str) -> None:
    def parquet(table: pa.Table) -> bytes:
        out = io.BytesIO()
        pq.write_table(table, out)
        return out.getvalue()

    given = [
        ImportFile(
            "patients.parquet",
            parquet(
                pa.table({"patient_id": [101, 102], "transplant_date": [dt.date(2019, 1, 1), None]})
            ),
        ),
        ImportFile(
            "visits.parquet",
            parquet(
                pa.table(
                    {
                        "patient_id": [101, 102],
                        "date": [dt.date(2019, 5, 1), dt.date(2019, 6, 1)],
                        "edss": [2.5, 3.0],
                    }
                )
            ),
        ),
    ]
    plan = commit(sessions, clinic, given)
    assert plan.counts["total"] == {"add": 4, "change": 0, "same": 0, "refused": 0}
    assert ("101",) in snapshot(sessions)


def test_a_redcap_export_is_read_through_a_saved_mapping(sessions: Sessions, clinic: str) -> None:
    export = (
        b"record_id,redcap_event_name,hsct_date,ms_type,edss_date,edss_score,relapse_onset\n"
        b"7,baseline_arm_1,2019-03-04,1,2019-01-10,4.0,\n"
        b"7,month_6_arm_1,,,2019-09-10,3.5,\n"
        b"7,month_12_arm_1,,,,,2019-12-01\n"
        b"8,baseline_arm_1,2020-01-01,9,,,\n"
    )
    mapping = {
        "tables": {
            "patients": {
                "patient_id": "record_id",
                "transplant_date": "hsct_date",
            },
            "visits": {"patient_id": "record_id", "date": "edss_date", "edss": "edss_score"},
            "relapses": {"patient_id": "Record_ID", "date": "relapse_onset"},
        }
    }
    with sessions.begin() as s:
        imports.mapping_save(
            s, actor=staff(clinic), clinic_id=clinic, name="our REDCap", mapping=mapping, now=NOW
        )
    with sessions.begin() as s:
        saved = imports.mapping_get(s, actor=staff(clinic), clinic_id=clinic, name="our REDCap")
        options = {"mapping": saved.mapping, "mapping_name": saved.name}
    plan = commit(sessions, clinic, [ImportFile("export.csv", export)], **options)
    assert plan.counts["patients"]["add"] == 2
    assert plan.counts["visits"]["add"] == 2
    assert plan.counts["relapses"]["add"] == 1
    assert plan.files[0].ignored == ("redcap_event_name", "ms_type")
    coded = {
        "tables": {
            "patients": {
                "patient_id": "record_id",
                "diagnosis_date": "hsct_date",
                "ms_type": {"column": "ms_type", "values": {"1": "RRMS", "2": "SPMS"}},
            }
        }
    }
    plan = plan_of(sessions, clinic, [ImportFile("export.csv", export)], mapping=coded)
    by_row = {r.row: r for r in plan.rows}
    assert by_row[2].action == "add"  # a diagnosis is added to patient 7
    assert by_row[5].action == "refused"
    assert "the code '9' is not in the mapping" in by_row[5].problems[0].message


@pytest.mark.parametrize(
    "mapping",
    [
        {},
        {"tables": {"scans": {}}},
        {"tables": {"visits": {"patient_id": "id", "date": "d"}}},  # edss missing
        {"tables": {"visits": {"patient_id": "id", "date": "d", "edss": "e", "colour": "c"}}},
        {"tables": {"visits": {"patient_id": 3, "date": "d", "edss": "e"}}},
    ],
)
def test_bad_mappings_are_refused(sessions: Sessions, clinic: str, mapping: object) -> None:
    with sessions.begin() as s, pytest.raises(InvalidInput):
        imports.mapping_save(
            s, actor=staff(clinic), clinic_id=clinic, name="m", mapping=mapping, now=NOW
        )


def test_a_dry_run_is_confirmed_only_while_it_still_holds(sessions: Sessions, clinic: str) -> None:
    with sessions.begin() as s:
        plan, run = imports.import_prepare(
            s,
            actor=staff(clinic),
            clinic_id=clinic,
            files=files(patients=PATIENTS),
            options=ImportOptions(),
            now=NOW,
        )
        run_id, digest = run.id, plan.digest
    assert snapshot(sessions) == []
    # Meanwhile somebody else adds P2: the dry run no longer says what would happen.
    commit(sessions, clinic, files(patients=b"patient_id\nP2\n"))
    with sessions.begin() as s, pytest.raises(Conflict):
        imports.import_confirm(
            s, actor=staff(clinic), clinic_id=clinic, run_id=run_id, digest=digest, now=NOW
        )
    with sessions.begin() as s:
        plan, run = imports.import_prepare(
            s,
            actor=staff(clinic),
            clinic_id=clinic,
            files=files(patients=PATIENTS),
            options=ImportOptions(),
            now=NOW,
        )
        run_id, digest = run.id, plan.digest
    with sessions.begin() as s:
        imports.import_confirm(
            s, actor=staff(clinic), clinic_id=clinic, run_id=run_id, digest=digest, now=NOW
        )
    with sessions.begin() as s:
        done = s.get(ImportRun, run_id)
        assert done is not None
        assert (done.status, done.payload) == ("committed", None)
        with pytest.raises(Conflict):
            imports.import_confirm(
                s, actor=staff(clinic), clinic_id=clinic, run_id=run_id, digest=digest, now=NOW
            )


def test_who_may_import(sessions: Sessions, clinic: str) -> None:
    with sessions.begin() as s:
        other = clinics.clinic_create(s, name="Other centre", now=NOW).id
    given = files(patients=PATIENTS)
    with sessions.begin() as s:
        with pytest.raises(PermissionDenied):
            imports.import_commit(
                s,
                actor=staff(clinic, Role.CLINIC_MONITOR),
                clinic_id=clinic,
                files=given,
                options=ImportOptions(),
                now=NOW,
            )
        with pytest.raises(NotFound):
            imports.import_commit(
                s,
                actor=staff(clinic),
                clinic_id=other,
                files=given,
                options=ImportOptions(),
                now=NOW,
            )


def test_a_locked_record_refuses_imported_rows(sessions: Sessions, clinic: str) -> None:
    commit(sessions, clinic, files(patients=PATIENTS))
    with sessions.begin() as s:
        pid = s.scalars(select(Patient.id).where(Patient.code == "P1")).one()
        patients.patient_lock(
            s,
            actor=staff(clinic, Role.CLINIC_LEAD),
            patient_id=pid,
            reason="database lock for the 2026 analysis",
            now=NOW,
        )
    plan = plan_of(sessions, clinic, files(visits=VISITS))
    refused = [r for r in plan.rows if r.action == "refused"]
    assert [r.patient for r in refused] == ["P1", "P1"]
    assert "locked" in refused[0].problems[0].message


def test_self_reported_entries_are_never_overwritten(sessions: Sessions, clinic: str) -> None:
    commit(sessions, clinic, files(patients=PATIENTS))
    with sessions.begin() as s:
        pid = s.scalars(select(Patient.id).where(Patient.code == "P1")).one()
        s.add(
            RecordEntry(
                patient_id=pid,
                kind="edss",
                date=dt.date(2020, 3, 1),
                data={"date": "2020-03-01", "value": 2.0, "rater": "self"},
                provenance="self",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    commit(sessions, clinic, files(visits=VISITS))
    with sessions.begin() as s:
        count = s.scalar(
            select(func.count())
            .select_from(RecordEntry)
            .where(RecordEntry.date == dt.date(2020, 3, 1))
        )
        assert count == 2


def test_the_redcap_dictionary_has_redcaps_columns_and_reads_back() -> None:
    """Round trip: written, read back, every field of every kind with its type and choices."""
    text = redcap_dictionary_csv()
    header = next(csv.reader(io.StringIO(text)))
    assert header == list(REDCAP_COLUMNS)
    assert len(header) == 18
    rows = redcap_dictionary_read(text)
    names = {(r["Form Name"], r["Variable / Field Name"]) for r in rows}
    expected = {
        (kind, f"{kind}_{name}") for kind, model in MODELS.items() for name in model.model_fields
    }
    assert names == {("patients", "record_id"), *expected}
    by_name = {r["Variable / Field Name"]: r for r in rows}
    assert by_name["edss_rater"]["Field Type"] == "dropdown"
    assert by_name["edss_rater"]["Choices, Calculations, OR Slider Labels"] == (
        "self, self | nurse, nurse | neurologist, neurologist | unknown, unknown"
    )
    assert by_name["mri_new_t2"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert by_name["transplant_date"]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert by_name["transplant_date"]["Required Field?"] == "y"
    assert by_name["relapse_confirmed"]["Field Type"] == "yesno"
    with pytest.raises(InvalidInput):
        redcap_dictionary_read(text.replace("Field Annotation", "Annotation"))
    with pytest.raises(InvalidInput):
        redcap_dictionary_read(text.replace("edss_rater", "EDSS rater"))


def test_the_patients_file_sets_the_birth_month_and_the_audit_keeps_no_value(
    sessions: Sessions, clinic: str
) -> None:
    commit(sessions, clinic, files(patients=b"patient_id\nB1\n"))
    given = files(patients=b"patient_id,birth_month\nB1,1979-11\nB2,1990-02\nB3,\nB4,1990-02-03\n")
    plan = plan_of(sessions, clinic, given)
    rows = {row.patient: (row.action, row.fields) for row in plan.rows}
    assert rows["B1"] == ("change", ("birth_month",))
    assert rows["B2"] == ("add", ())
    assert rows["B3"] == ("add", ())
    assert rows["B4"][0] == "refused"
    (refused,) = [row for row in plan.rows if row.action == "refused"]
    assert [(p.field, p.message) for p in refused.problems] == [
        ("birth_month", "is not a year and month")
    ]
    with sessions.begin() as s:
        imports.import_commit(
            s,
            actor=staff(clinic),
            clinic_id=clinic,
            files=given,
            options=ImportOptions(),
            now=NOW,
            accept_refused=True,
        )
    with sessions.begin() as s:
        born = dict(
            s.execute(
                select(Patient.code, Patient.birth_month).where(Patient.clinic_id == clinic)
            ).all()
        )
        assert born == {"B1": "1979-11", "B2": "1990-02", "B3": None}
        details = [e.details for e in s.scalars(select(AuditEvent)) if e.action == "import.records"]
    assert "1979" not in str(details)
    assert "1990" not in str(details)
    assert "'record': 'birth_month'" in str(details)
    again = plan_of(sessions, clinic, files(patients=b"patient_id,birth_month\nB1,1979-11\n"))
    assert [row.action for row in again.rows] == ["same"]
