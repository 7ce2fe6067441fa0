"""``hsct registry entries`` and ``hsct registry status``: a record by id or by pseudonym."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hsct.registry import make_engine, make_session_factory, patients, record, upgrade_database
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.tables import AuditEvent
from tests.cli.test_maintenance import Run, assert_one_error_line

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANNA = Actor("acc-anna", "person-anna", (Grant(Role.PATIENT),))


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A migrated database with Anna's own record: day 0, EDSS visits, one clean scan."""
    path = tmp_path / "var" / "hsct.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    monkeypatch.setenv("HSCT_DATABASE_URL", f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine).begin() as session:
        patient = patients.patient_own(session, actor=ANNA, now=NOW).id
        for kind, data in (
            ("transplant", {"date": "2021-03-01"}),
            ("edss", {"date": "2021-02-01", "value": 3.5, "rater": "neurologist"}),
            ("edss", {"date": "2022-03-01", "value": 3.0, "rater": "neurologist"}),
            ("mri", {"date": "2022-03-05", "new_t2": 0, "gd_enhancing": 0}),
        ):
            record.entry_add(session, actor=ANNA, patient_id=patient, kind=kind, data=data, now=NOW)
    engine.dispose()
    return path, patient


def test_entries_by_pseudonym_and_by_id_are_the_same(hsct: Run, database: tuple[Path, str]) -> None:
    path, patient = database
    by_person = hsct("registry", "entries", "--record", "person-anna", "--json")
    by_id = hsct("registry", "entries", "--record", patient, "--json")

    assert by_person[0] == 0
    assert by_person == by_id
    listed = json.loads(by_person[1])
    assert [(e["kind"], e["date"]) for e in listed] == [
        ("edss", "2021-02-01"),
        ("transplant", "2021-03-01"),
        ("edss", "2022-03-01"),
        ("mri", "2022-03-05"),
    ]
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine).begin() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.read")).all()
    engine.dispose()
    assert [(e.actor, e.entity_id) for e in reads] == [("cli", patient), ("cli", patient)]


@pytest.mark.usefixtures("database")
def test_status_is_recomputed(hsct: Run) -> None:
    code, out, err = hsct("registry", "status", "--record", "person-anna", "--json")

    assert (code, err) == (0, "")
    status = json.loads(out)
    assert status["transplant_date"] == "2021-03-01"
    assert status["neda3"]["kept"] is True
    assert status["neda3"]["known_until"] == "2022-03-01"
    assert status["five_years"]["date"] == "2026-03-01"
    assert status["edss"]["change_since_transplant"] == -0.5

    code, out, _ = hsct("registry", "status", "--record", "person-anna")
    assert code == 0
    assert out.startswith("NEDA-3 kept for 1.00 years after day 0 (2021-03-01)")


@pytest.mark.usefixtures("database")
def test_unknown_record_and_kind_are_one_error_line(hsct: Run) -> None:
    code, _, err = hsct("registry", "entries", "--record", "nobody")
    assert code == 1
    assert_one_error_line(err, "No record with that id or pseudonym")
    code, _, err = hsct("registry", "entries", "--record", "person-anna", "--kind", "x")
    assert code == 1
    assert_one_error_line(err, "--kind")


def test_export_ebmt_writes_the_tables_and_a_bad_format_is_one_line(
    hsct: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsct.registry import clinics, imports  # noqa: PLC0415
    from tests.support.cohorts import synthetic_files  # noqa: PLC0415

    path = tmp_path / "var" / "hsct.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    monkeypatch.setenv("HSCT_DATABASE_URL", f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine).begin() as session:
        clinic = clinics.clinic_create(session, name="CLI centre", now=NOW).id
        imports.import_commit(
            session,
            actor=None,
            clinic_id=clinic,
            files=synthetic_files(5),
            options=imports.ImportOptions(),
            now=NOW,
        )
    engine.dispose()
    out = tmp_path / "ebmt"
    code, text, _ = hsct(
        "registry", "export", "--clinic", clinic, "--out", str(out), "--format", "ebmt"
    )
    assert code == 0
    assert text.strip() == f"Wrote 3 files for 5 patients to {out}."
    assert sorted(p.name for p in out.iterdir()) == [
        "ebmt_mapping.csv",
        "transplants.csv",
        "yearly.csv",
    ]
    assert (out / "transplants.csv").read_text().count("\n") == 6  # header and 5 rows
    code, _, stderr = hsct(
        "registry", "export", "--clinic", clinic, "--out", str(out), "--format", "xml"
    )
    assert code != 0
    assert_one_error_line(stderr, "--format", "csv, parquet, fhir, ndjson, ebmt")


def test_export_ndjson_then_import_fhir_into_another_clinic(
    hsct: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsct.registry import clinics, imports  # noqa: PLC0415
    from tests.support.cohorts import synthetic_files  # noqa: PLC0415

    path = tmp_path / "var" / "hsct.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    monkeypatch.setenv("HSCT_DATABASE_URL", f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with make_session_factory(engine).begin() as session:
        source = clinics.clinic_create(session, name="Source", now=NOW).id
        target = clinics.clinic_create(session, name="Target", now=NOW).id
        imports.import_commit(
            session,
            actor=None,
            clinic_id=source,
            files=synthetic_files(7),
            options=imports.ImportOptions(),
            now=NOW,
        )
    engine.dispose()
    out = tmp_path / "fhir"
    code, _, _ = hsct(
        "registry", "export", "--clinic", source, "--out", str(out), "--format", "ndjson"
    )
    assert code == 0
    files = sorted(str(p) for p in out.iterdir())
    assert [Path(f).name for f in files] == [
        "Condition.ndjson",
        "Observation.ndjson",
        "Patient.ndjson",
        "Procedure.ndjson",
    ]
    code, text, err = hsct("registry", "import-fhir", "--clinic", target, "--dry-run", *files)
    assert (code, err) == (0, "")
    assert text.startswith("Would add 7 records with their entries (diagnosis 7, transplant 7,")
    assert text.strip().endswith("Nothing is written.")
    code, text, _ = hsct("registry", "import-fhir", "--clinic", target, "--json", *files)
    assert code == 0
    done = json.loads(text)
    assert done["records"] == 7
    assert done["import_id"]
    again = tmp_path / "again"
    hsct("registry", "export", "--clinic", target, "--out", str(again), "--format", "ndjson")
    for name in ("Condition.ndjson", "Observation.ndjson", "Patient.ndjson", "Procedure.ndjson"):
        before = (out / name).read_text().splitlines()
        after = (again / name).read_text().splitlines()
        assert len(before) == len(after)
    # A second import of the same files: the study codes are taken, one Error: line.
    code, _, err = hsct("registry", "import-fhir", "--clinic", target, *files)
    assert code != 0
    assert_one_error_line(err, "already has records with these study codes")
    code, _, err = hsct("registry", "import-fhir", "--clinic", target, str(out / "nope.ndjson"))
    assert code != 0
    assert_one_error_line(err, "FILES")
