"""The EBMT/CIBMTR-mappable tables: exact values from a hand-made record; the mapping
complete and written down; the export whole on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hsct.registry import audit_event_list, clinics, cohort, imports
from hsct.registry.ebmt import COLUMNS, columns_of, ebmt_tables
from hsct.registry.imports import ImportOptions
from tests.support.cohorts import synthetic_files

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
DOC = Path(__file__).parents[2] / "docs" / "registry" / "ebmt-cibmtr-mapping.md"


def _entry(kind: str, date: str, **data: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{date}", "kind": kind, "date": date, "data": {"date": date, **data}}


RECORD = {
    "patient": {"id": "r1", "code": "P-01", "birth_month": "1984-07"},
    "entries": [
        _entry("diagnosis", "2015-03-01", first_symptoms="2014-06-01", ms_type="RRMS"),
        _entry("drug", "2016-01-01", drug="natalizumab", stop="2019-11-01"),
        _entry("drug", "2018-01-01", drug="ocrelizumab", stop="2019-12-01"),
        _entry("edss", "2019-02-01", value=3.0, rater="neurologist"),
        _entry("edss", "2019-12-20", value=3.5, rater="self"),  # self-rated: left out
        _entry("relapse", "2018-06-01"),
        _entry("relapse", "2019-05-01"),
        _entry("mri", "2019-09-01", new_t2=2, gd_enhancing=1),
        _entry(
            "transplant",
            "2020-01-10",
            regimen="cy-atg",
            intensity="non_myeloablative",
            cd34_dose=5.68,
            serotherapy="rabbit_atg",
            facility_id="moscow-pirogov",
        ),
        _entry("edss", "2020-01-25", value=4.0, rater="neurologist"),  # at transplant
        _entry("edss", "2021-02-01", value=3.0, rater="nurse"),  # year 1 (anniversary +22 d)
        _entry("mri", "2020-12-01", new_t2=0, gd_enhancing=0),
        _entry("adverse_event", "2021-06-01", category="thyroid", serious=False),
        _entry("relapse", "2021-08-01"),  # year 2
        _entry("mri", "2021-09-01", new_t2=1),
        _entry("drug", "2022-03-01", drug="rituximab"),  # year 3
        _entry("edss", "2023-01-12", value=3.5, rater="neurologist"),  # year 3
    ],
}
DOCUMENT = {"clinic": {"id": "c", "name": "Centre A"}, "records": [RECORD]}


def test_one_records_columns_exactly() -> None:
    neda = {"P-01": {"neda3_lost": True, "neda3_years": 1.56}}
    tables = ebmt_tables(DOCUMENT, neda, today=dt.date(2026, 12, 3))
    (row,) = tables["transplants"]
    assert set(row) == set(columns_of("transplants"))
    assert row == {
        "centre": "Centre A",
        "centre_facility_id": "moscow-pirogov",
        "pseudonym": "P-01",
        "record_id": "r1",
        "sex": "",
        "birth_year_month": "1984-07",
        "first_symptoms": "2014-06-01",
        "diagnosis_date": "2015-03-01",
        "ms_type": "RRMS",
        "edss_before_day0": "3",
        "edss_before_day0_date": "2019-02-01",
        "edss_at_transplant": "4",
        "relapses_12m_before": "1",
        "relapses_24m_before": "2",
        "gd_mri_12m_before": "yes",
        "prior_drugs": "natalizumab;ocrelizumab",
        "last_drug_stop": "2019-12-01",
        "mobilisation": "",
        "cd34_dose": "5.68",
        "conditioning": "cy-atg",
        "intensity": "non_myeloablative",
        "serotherapy": "rabbit_atg",
        "day0": "2020-01-10",
        "engraftment_anc_day": "",
        "engraftment_platelet_day": "",
        "day100_status": "alive",
        "secondary_autoimmunity": "yes",
        "secondary_autoimmunity_first": "2021-06-01",
        "malignancy": "",
        "death_date": "",
        "death_cause": "",
        "death_treatment_related": "",
        "last_follow_up": "2023-01-12",
    }
    assert [(y["year"], y["edss"], y["relapses"], y["mri_active"], y["neda3"], y["new_drug"])
            for y in tables["yearly"]] == [
        ("1", "3", "0", "no", "yes", ""),
        ("2", "", "1", "yes", "no", ""),
        ("3", "3.5", "0", "", "no", "rituximab"),  # lost in year 2 stays lost
    ]  # fmt: skip


def test_an_early_death_is_transplant_related_and_ends_the_years() -> None:
    record = {
        "patient": {"id": "r2", "code": "P-02"},
        "entries": [
            _entry("transplant", "2020-01-10"),
            _entry("death", "2020-03-01", cause="sepsis", treatment_related=False),
        ],
    }
    tables = ebmt_tables(
        {"clinic": {"name": "X"}, "records": [record]}, {}, today=dt.date(2026, 12, 3)
    )
    (row,) = tables["transplants"]
    assert row["day100_status"] == "dead"
    assert row["death_treatment_related"] == "yes"  # within 100 days, whatever was recorded
    assert row["death_cause"] == "sepsis"
    assert tables["yearly"] == []


def test_every_column_is_in_the_mapping_document_as_provisional() -> None:
    text = DOC.read_text(encoding="utf-8")
    for column in COLUMNS:
        line = next(
            (
                line
                for line in text.splitlines()
                if line.startswith(f"| {column.table} | `{column.name}` |")
            ),
            None,
        )
        assert line is not None, column.name
        assert line.rstrip().endswith(f"| {column.status} |")
    assert {c.status for c in COLUMNS} == {"provisional"}  # no form was obtained yet


def test_the_export_writes_the_tables_and_the_mapping(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="EBMT centre", now=NOW).id
        imports.import_commit(
            s,
            actor=None,
            clinic_id=clinic_id,
            files=synthetic_files(20),
            options=ImportOptions(),
            now=NOW,
        )
    with sessions.begin() as s:
        files = cohort.cohort_files(s, actor=None, clinic_id=clinic_id, now=NOW, fmt="ebmt")
        exports = [
            e.details
            for e in audit_event_list(s, entity_type="clinic")
            if e.action == "clinic.export"
        ]
    assert sorted(files) == ["ebmt_mapping.csv", "transplants.csv", "yearly.csv"]
    transplants = list(csv.DictReader(io.StringIO(str(files["transplants.csv"]))))
    assert len(transplants) == 20
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["day0"]) for r in transplants)
    yearly = list(csv.DictReader(io.StringIO(str(files["yearly.csv"]))))
    assert yearly
    assert {r["neda3"] for r in yearly} <= {"yes", "no", ""}
    assert "yes" in {r["neda3"] for r in yearly}
    mapping = list(csv.DictReader(io.StringIO(str(files["ebmt_mapping.csv"]))))
    assert [(m["table"], m["column"]) for m in mapping] == [(c.table, c.name) for c in COLUMNS]
    assert exports[-1] is not None
    assert exports[-1]["format"] == "ebmt"
