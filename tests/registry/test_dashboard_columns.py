"""The column-wise dashboard gives exactly what the plain per-patient computation gave.

:mod:`tests.registry.dashboard_reference` is the dashboard as first written (one Python pass
per patient over ORM-free rows); the product now reads the cohort in columns and works on
arrays. Both run here on generated clinics full of awkward cases: several raters on one day
(and the same rater twice), self-rated visits, EDSS entries without a value or a rater, scans
with one count missing, patients without a transplant or without any entry, deaths early and
late, adverse events before and after day 0, questionnaires, entries written at the same
moment, visits far outside and just inside the follow-up windows. Every figure, table, share
and whom-to-chase list must be identical, for every option set, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from hsct.knowledge import load_catalog
from hsct.registry import clinics, dashboard
from hsct.registry.dashboard import DashboardOptions
from hsct.registry.tables import Clinic, Patient, RecordEntry, new_id
from tests.registry.dashboard_reference import reference_compute

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]
RATERS = ("neurologist", "nurse", "unknown", "self", None)


def _cohort(  # noqa: C901, PLR0912 - one generator of every awkward case, read top to bottom
    clinic_id: str, seed: int, n: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)  # noqa: S311 - test data
    patients: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    moment = NOW - dt.timedelta(days=1)

    def add(pid: str, kind: str, day: dt.date, data: dict[str, Any], provenance: str) -> None:
        # Often the same moment (an import writes many at once), sometimes later.
        written = moment if rng.random() < 0.6 else moment + dt.timedelta(seconds=rng.randrange(9))
        entries.append(
            {
                "id": new_id(),
                "patient_id": pid,
                "kind": kind,
                "date": day,
                "data": {"date": day.isoformat(), **data},
                "provenance": provenance,
                "created_at": written,
                "updated_at": written,
            }
        )

    order = rng.sample(range(n), n)
    for i in range(n):
        pid = new_id()
        # Codes in no particular order, missing sometimes: the list falls back on the id.
        code = None if rng.random() < 0.1 else f"C-{order[i]:04d}"
        patients.append({"id": pid, "clinic_id": clinic_id, "code": code, "created_at": NOW})
        if rng.random() < 0.05:
            continue  # a record with nothing in it yet
        day0 = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(0, 20 * 365))
        prov = "self" if rng.random() < 0.2 else "clinic"
        if rng.random() < 0.8:
            add(pid, "diagnosis", day0 - dt.timedelta(days=1500), _diagnosis(rng), prov)
        if rng.random() < 0.9:
            add(pid, "transplant", day0, _transplant(rng), prov)
        day, edss = day0 - dt.timedelta(days=rng.randrange(0, 500)), rng.choice([1.0, 2.0, 3.5])
        while day < NOW.date() and rng.random() < 0.93:
            for _ in range(1 if rng.random() < 0.8 else 3):  # sometimes several raters a day
                rater = rng.choice(RATERS)
                data: dict[str, Any] = {} if rater is None else {"rater": rater}
                if rng.random() < 0.95:
                    data["value"] = min(9.5, edss + rng.choice([0.0, 0.0, 0.5, 1.0, -0.5]))
                add(pid, "edss", day, data, "self" if rater == "self" else prov)
            if rng.random() < 0.5:
                counts = {k: rng.choice([0, 0, 0, 1, 2, None]) for k in ("new_t2", "gd_enhancing")}
                add(pid, "mri", day, {k: v for k, v in counts.items() if v is not None}, prov)
            if rng.random() < 0.1:
                add(pid, "relapse", day - dt.timedelta(days=rng.randrange(1, 90)), {}, prov)
            if rng.random() < 0.05:
                add(pid, "adverse_event", day, _adverse(rng), prov)
            if rng.random() < 0.05:
                add(pid, "qol", day, _qol(rng), "self")
            if rng.random() < 0.05:
                add(pid, "todo", day, {"text": "call"}, prov)
            edss = min(9.5, edss + (0.5 if rng.random() < 0.1 else 0.0))
            day += dt.timedelta(days=rng.choice([30, 91, 100, 183, 270, 365, 365, 400, 800]))
        if rng.random() < 0.08:
            died = day0 + dt.timedelta(days=rng.choice([20, 99, 100, 101, 900, 4000]))
            add(pid, "death", died, {"treatment_related": rng.random() < 0.5}, "clinic")
    today = NOW.date()
    for i in range(6):  # records on the rules' edges
        pid = new_id()
        patients.append({"id": pid, "clinic_id": clinic_id, "code": f"E-{i}", "created_at": NOW})
        # Day 100's window (± 30 days) ends today, or ended yesterday: due, or overdue.
        day0 = today - dt.timedelta(days=130 + i % 2)
        if i >= 2:
            day0 = today - dt.timedelta(days=3 * 365 + 40 * i)
        add(pid, "transplant", day0, {"regimen": "cy-atg"}, "clinic")
        rater = {"rater": "neurologist"}
        # A baseline exactly a year before day 0, or a day too early to count.
        add(pid, "edss", day0 - dt.timedelta(days=365 + i % 2), {"value": 2.0, **rater}, "clinic")
        year = round(dashboard.YEAR_DAYS)
        # Two visits equally near year 1 (the earlier counts), one at the window's edge.
        add(pid, "edss", day0 + dt.timedelta(days=year - 10), {"value": 3.0, **rater}, "clinic")
        add(pid, "edss", day0 + dt.timedelta(days=year + 10), {"value": 4.0, **rater}, "clinic")
        edge = 2 * year + 90 + i % 2
        add(pid, "edss", day0 + dt.timedelta(days=edge), {"value": 2.5, **rater}, "clinic")
    return patients, entries


def _diagnosis(rng: random.Random) -> dict[str, Any]:
    return {"ms_type": rng.choice(["RRMS", "SPMS", "PPMS"])} if rng.random() < 0.9 else {}


def _transplant(rng: random.Random) -> dict[str, Any]:
    data = {"regimen": rng.choice(["cy-atg", "beam-atg", ""]), "intensity": "intermediate"}
    return data if rng.random() < 0.9 else {}


def _adverse(rng: random.Random) -> dict[str, Any]:
    return {"category": rng.choice(["infection", "thyroid", "itp"]), "serious": rng.random() < 0.3}


def _qol(rng: random.Random) -> dict[str, Any]:
    scores = {"physical_functioning": rng.choice([10.0, 55.0, 90.0]), "pain": 45.0}
    return {"instrument": "rand36" if rng.random() < 0.9 else "other", "scores": scores}


OPTION_SETS = (
    DashboardOptions(),
    DashboardOptions(by="regimen", include_self_rated=True),
    DashboardOptions(by="era", confirmation_weeks=24, threshold="pymsprog", rebaseline=True),
    DashboardOptions(by="ms_type"),
)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_columns_give_what_the_plain_computation_gave(sessions: Sessions, seed: int) -> None:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="Generated centre", now=NOW).id
        patients, entries = _cohort(clinic_id, seed, n=120)
        s.execute(insert(Patient), patients)
        s.execute(insert(RecordEntry), entries)
    catalog = load_catalog()
    kinds = {e["kind"] for e in entries}
    assert kinds >= {"edss", "mri", "relapse", "death", "adverse_event", "qol", "todo"}
    for options in OPTION_SETS:
        with sessions.begin() as s:
            clinic = s.get(Clinic, clinic_id)
            assert clinic is not None
            made = dashboard._compute(
                s, clinic, options, version="v", now=NOW, catalog=catalog
            ).to_dict()
            expected = reference_compute(
                s, clinic, options, version="v", now=NOW, catalog=catalog
            ).to_dict()
        assert made["curves"]
        assert made["events"]
        assert made["chase"]
        assert made["edss_change"]
        for key in expected:
            assert made[key] == expected[key], (options, key)


def test_an_empty_clinic_gives_what_the_plain_computation_gave(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="Empty centre", now=NOW)
        s.add(Patient(id=new_id(), clinic_id=clinic.id, code="E-1", created_at=NOW))
        s.flush()
        made = dashboard._compute(
            s, clinic, DashboardOptions(), version="v", now=NOW, catalog=None
        ).to_dict()
        expected = reference_compute(
            s, clinic, DashboardOptions(), version="v", now=NOW, catalog=None
        ).to_dict()
    assert made == expected
    assert made["patients"] == 1
    assert made["with_day0"] == 0


def test_the_postgresql_read_gives_its_hash_of_patients_room_for_one_batch() -> None:
    """About 85 bytes a patient in PostgreSQL's hash: 256 a patient, in whole MB, at least
    the server's default 4 MB (100,000 patients: 25 MB; the hash took 8 MB); never lower
    than the server's own setting, never over PostgreSQL's largest (2 GB less 1 kB)."""
    default = 4 * 1024
    assert dashboard._work_mem_kb(0, default) == 4 * 1024
    assert dashboard._work_mem_kb(16_384, default) == 4 * 1024
    assert dashboard._work_mem_kb(16_385, default) == 5 * 1024
    assert dashboard._work_mem_kb(100_000, default) == 25 * 1024
    assert dashboard._work_mem_kb(1_000_000, default) == 245 * 1024
    assert dashboard._work_mem_kb(100_000, 64 * 1024) == 64 * 1024
    assert dashboard._work_mem_kb(10_000_000, default) == 2_097_151
    assert dashboard._work_mem_kb(10_000_000, 3_000_000) == 3_000_000
