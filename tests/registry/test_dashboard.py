"""A clinic's dashboard: curves from the records, benchmarks by definition, quality, cache.

On SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsct.knowledge import load_catalog
from hsct.registry import clinics, dashboard, imports, record
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.dashboard import DashboardOptions, benchmarks_for, visit_status, wilson
from hsct.registry.imports import ImportFile, ImportOptions
from hsct.registry.tables import Clinic, Patient

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]

#: Four patients, day 0 on 2020-01-01. A: a relapse at 1.5 years (NEDA lost, relapse
#: event). B: worsening 2.0 -> 3.5 at 2 years, confirmed at 2.5 (CDW and NEDA lost at 2).
#: C: a new T2 lesion at 1 year (NEDA lost at 1). D: nothing in 3 years (censored at 3).
PATIENTS = b"""patient_id,transplant_date,diagnosis_date,ms_type
A,2020-01-01,2015-01-01,RRMS
B,2020-01-01,2015-01-01,SPMS
C,2020-01-01,2015-01-01,RRMS
D,2020-01-01,2015-01-01,RRMS
"""
VISITS = b"""patient_id,date,edss,rater
A,2019-12-01,2.0,neurologist
A,2021-01-01,2.0,neurologist
A,2022-01-01,2.0,neurologist
A,2023-01-01,2.0,neurologist
B,2019-12-01,2.0,neurologist
B,2021-01-01,2.0,neurologist
B,2022-01-01,3.5,neurologist
B,2022-07-01,3.5,neurologist
B,2023-01-01,3.5,neurologist
C,2019-12-01,2.0,neurologist
C,2021-01-01,2.0,neurologist
C,2022-01-01,2.0,neurologist
C,2023-01-01,2.0,neurologist
D,2019-12-01,2.0,neurologist
D,2021-01-01,2.0,neurologist
D,2022-01-01,2.0,neurologist
D,2023-01-01,2.0,neurologist
"""
MRI = b"""patient_id,date,gd_enhancing,new_t2
A,2021-01-01,0,0
A,2022-01-01,0,0
A,2023-01-01,0,0
B,2021-01-01,0,0
B,2022-01-01,0,0
B,2023-01-01,0,0
C,2021-01-01,0,1
C,2022-01-01,0,0
C,2023-01-01,0,0
D,2021-01-01,0,0
D,2022-01-01,0,0
D,2023-01-01,0,0
"""
RELAPSES = b"patient_id,date\nA,2021-07-02\n"


@pytest.fixture
def clinic(sessions: Sessions) -> str:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="Dashboard centre", now=NOW).id
        imports.import_commit(
            s,
            actor=None,
            clinic_id=clinic_id,
            files=[
                ImportFile("patients.csv", PATIENTS),
                ImportFile("visits.csv", VISITS),
                ImportFile("mri.csv", MRI),
                ImportFile("relapses.csv", RELAPSES),
            ],
            options=ImportOptions(),
            now=NOW,
        )
        return clinic_id


def board(sessions: Sessions, clinic: str, **options: object) -> dashboard.Dashboard:
    with sessions.begin() as s:
        return dashboard.cohort_dashboard(
            s,
            actor=None,
            clinic_id=clinic,
            options=DashboardOptions(**options),  # type: ignore[arg-type]
            now=NOW,
        )


def at(curve: dashboard.Curve, years: float) -> tuple[int, float | None]:
    (row,) = [r for r in curve.table if r["years"] == years]
    return row["at_risk"], row["survival"]


def test_the_curves_are_the_records_kaplan_meier(sessions: Sessions, clinic: str) -> None:
    made = board(sessions, clinic)
    curves = {c.endpoint: c for c in made.curves}
    # NEDA-3 lost: C on 2021-01-01 (366 days: 1.002 years), A on 2021-07-02 (1.50), B on
    # 2022-01-01 (2.001); D censored on 2023-01-01 (3.001). Kaplan-Meier: 1 up to 1.002,
    # then 3/4, then 3/4 x 2/3 = 1/2, then 1/2 x 1/2 = 1/4.
    assert at(curves["neda3"], 1.0) == (4, 1.0)
    assert at(curves["neda3"], 2.0) == (2, 0.5)
    assert at(curves["neda3"], 3.0) == (1, 0.25)
    # Relapse-free: only A, at 1.5 years.
    assert at(curves["relapse"], 2.0) == (3, 0.75)
    # CDW: only B (onset 2022-01-01, two years after day 0).
    assert at(curves["cdw"], 1.0) == (4, 1.0)
    assert at(curves["cdw"], 3.0)[1] == 0.75
    assert made.pira_raw["PIRA"] == 1  # B's worsening, with no relapse near it
    assert made.with_day0 == 4
    assert "clinician-rated only" in made.description
    # Every curve is drawn from points with their interval.
    points = curves["neda3"].groups[0]["points"]
    assert all(lo <= s <= hi for _, s, lo, hi in points)


def test_groups_split_the_curves(sessions: Sessions, clinic: str) -> None:
    made = board(sessions, clinic, by="ms_type")
    neda = next(c for c in made.curves if c.endpoint == "neda3")
    assert {g["group"]: g["n"] for g in neda.groups} == {"RRMS": 3, "SPMS": 1}


def test_self_rated_edss_counts_only_when_the_clinic_says_so(
    sessions: Sessions, clinic: str
) -> None:
    staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
    with sessions.begin() as s:
        d = next(p.id for p in s.query(Patient).filter(Patient.code == "D"))
        for date in ("2023-06-01", "2024-01-01"):  # a self-rated worsening 2.0 -> 4.0
            record.entry_add(
                s,
                actor=staff,
                patient_id=d,
                kind="edss",
                data={"date": date, "value": 4.0, "rater": "self"},
                now=NOW,
            )
    without = board(sessions, clinic)
    assert without.pira_raw["PIRA"] == 1  # B's only
    with sessions.begin() as s:
        found = s.get(Clinic, clinic)
        assert found is not None
        found.settings = {"include_self_rated": True}
    counted = board(sessions, clinic)
    assert "all raters" in counted.description
    assert counted.pira_raw["PIRA"] == 2  # and D's, on self-rated scores
    assert counted.version != without.version


def test_a_change_to_the_records_is_a_new_version(sessions: Sessions, clinic: str) -> None:
    first = board(sessions, clinic)
    assert board(sessions, clinic) is first  # the same data: from the cache
    staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
    with sessions.begin() as s:
        a = next(p.id for p in s.query(Patient).filter(Patient.code == "A"))
        record.entry_add(
            s, actor=staff, patient_id=a, kind="relapse", data={"date": "2022-05-01"}, now=NOW
        )
    second = board(sessions, clinic)
    assert second.version != first.version


def test_benchmarks_are_drawn_only_where_the_definition_is_the_same() -> None:
    studies = load_catalog().studies
    neda = benchmarks_for("neda3", studies)
    assert ("atkins-2016", 3.0, 69.6, 46.6, 84.2) in [
        (b["study"], b["years"], b["percent"], b["ci_low"], b["ci_high"]) for b in neda
    ]
    assert {b["measure"] for b in neda} <= {"NEDA", "activity_free"}
    cdw = benchmarks_for("cdw", studies)
    sormani = [
        (b["years"], b["percent"], b["ci_low"], b["ci_high"])
        for b in cdw
        if b["study"] == "sormani-2017"
    ]
    # 23.3% (16.3-31.8) progressed by 5 years: 76.7% (68.2-83.7) were free of it.
    assert (5.0, 76.7, 68.2, 83.7) in sormani
    assert not any(b["measure"] == "PFS" for b in cdw)  # counts deaths: another definition
    assert benchmarks_for("relapse", studies) == []


def test_wilson_interval_matches_a_published_value() -> None:
    # Atkins 2016: 1 death in 24 patients; Wilson 95% 0.74%-20.24% (Newcombe 1998 method 3).
    low, high = wilson(1, 24)
    assert low is not None
    assert high is not None
    assert (round(100 * low, 2), round(100 * high, 2)) == (0.74, 20.24)


def test_visits_are_placed_in_their_windows() -> None:
    d0 = dt.date(2020, 1, 1)
    schedule = list(dashboard.DEFAULT_SCHEDULE[:4])  # day 100, month 6, years 1 and 2
    status = visit_status(
        d0,
        [dt.date(2020, 4, 20), dt.date(2020, 11, 1), dt.date(2021, 1, 15)],
        schedule,
        dt.date(2022, 6, 1),
    )
    # 2020-04-20 is day 110 (day 100 ± 30); 2021-01-15 is year 1, and 2020-11-01 (day 305,
    # in year 1's window too but farther) is unscheduled; month 6 and year 2 were missed.
    assert (status["done"], status["overdue"], status["unscheduled"]) == (
        2,
        ["month 6", "year 2"],
        1,
    )


def test_the_chase_list_names_the_lost(sessions: Sessions, clinic: str) -> None:
    made = board(sessions, clinic)
    # Last visits in January 2023; NOW is December 2026: all four are lost (over two years).
    assert made.quality["lost_to_follow_up"] == 4
    assert sorted(c["code"] for c in made.chase) == ["A", "B", "C", "D"]
    assert made.quality["refused_rows"] == 0


def test_deaths_give_survival_and_transplant_related_mortality(
    sessions: Sessions, clinic: str
) -> None:
    staff = Actor("acc-s", "person-s", (Grant(Role.CLINIC_STAFF, clinic),))
    with sessions.begin() as s:
        codes = {p.code: p.id for p in s.query(Patient).filter(Patient.clinic_id == clinic)}
        # C died on day 60 (within 100 days: transplant-related whatever the record says);
        # A died of an unrelated cause at 2.5 years.
        record.entry_add(
            s,
            actor=staff,
            patient_id=codes["C"],
            kind="death",
            data={"date": "2020-03-01", "cause": "sepsis"},
            now=NOW,
        )
        record.entry_add(
            s,
            actor=staff,
            patient_id=codes["A"],
            kind="death",
            data={"date": "2022-07-01", "treatment_related": False},
            now=NOW,
        )
    made = board(sessions, clinic)
    m = made.mortality
    assert (m["patients"], m["deaths"]["count"], m["within_100_days"]["count"]) == (4, 2, 1)
    assert m["treatment_related"] == {
        "count": 1,
        "percent": 25.0,
        "lower_95": 4.6,
        "upper_95": 69.9,
    }
    assert any(p["study"] == "muraro-2017" and p["percent"] == 2.8 for p in m["published"])
    survival = next(c for c in made.curves if c.endpoint == "survival")
    # C at 0.16 years, A at 2.5; B and D censored at their last entries (3.001 years).
    assert at(survival, 1.0) == (3, 0.75)
    assert at(survival, 3.0)[1] == 0.5  # 0.75 x 2/3; B and D still at risk
    assert any(b["study"] == "muraro-2017" and b["years"] == 5.0 for b in survival.benchmarks)


def test_the_tables_behind_the_figures_name_each_patient(sessions: Sessions, clinic: str) -> None:
    made = board(sessions, clinic)
    (event,) = [e for e in made.events if e["event"] == "CDW"]
    assert (event["code"], event["type"], event["onset_date"], event["edss"]) == (
        "B",
        "PIRA",
        "2022-01-01",
        3.5,
    )
    neda = {row["code"]: row for row in made.neda}
    assert set(neda) == {"A", "B", "C", "D"}
    assert neda["D"]["neda3_lost"] in (False, 0)
    assert round(neda["C"]["neda3_years"], 3) == round(366 / 365.25, 3)
