"""A person's follow-up record through the API and the pages: entries, status, exports, feed.

The status must agree with the command line: the record's rows, exported as CSV, give the
same events through ``hsct outcomes progression`` and the same NEDA through ``hsct outcomes
neda`` as ``/api/v1/patients/{id}/outcomes`` (one engine, one set of options).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from hsct.registry.tables import RecordEntry
from tests.support.world import World, world_for

#: Day 0 on 2020-02-01; worsening 3.0 -> 4.5 confirmed (after a relapse: RAW or PIRA by the
#: rules), a new T2 lesion on the 2022 scan.
ENTRIES: list[dict[str, Any]] = [
    {"kind": "diagnosis", "data": {"date": "2014-05-01", "ms_type": "RRMS"}},
    {"kind": "transplant", "data": {"date": "2020-02-01", "facility_id": "moscow-pirogov"}},
    {"kind": "edss", "data": {"date": "2019-12-01", "value": 3.0, "rater": "neurologist"}},
    {"kind": "edss", "data": {"date": "2020-08-01", "value": 2.5, "rater": "neurologist"}},
    {"kind": "edss", "data": {"date": "2021-02-01", "value": 2.0, "rater": "neurologist"}},
    {"kind": "edss", "data": {"date": "2021-08-01", "value": 2.0, "rater": "self"}},
    {"kind": "edss", "data": {"date": "2021-08-01", "value": 2.5, "rater": "nurse"}},
    {"kind": "edss", "data": {"date": "2022-03-01", "value": 4.0, "rater": "neurologist"}},
    {"kind": "edss", "data": {"date": "2022-09-01", "value": 4.0, "rater": "neurologist"}},
    {"kind": "edss", "data": {"date": "2023-03-01", "value": 4.0, "rater": "neurologist"}},
    {"kind": "relapse", "data": {"date": "2019-06-01", "confirmed": True}},
    {"kind": "relapse", "data": {"date": "2022-02-10", "confirmed": False}},
    {"kind": "mri", "data": {"date": "2020-08-05", "new_t2": 1, "gd_enhancing": 0}},
    {"kind": "mri", "data": {"date": "2021-08-05", "new_t2": 0, "gd_enhancing": 0}},
    {"kind": "mri", "data": {"date": "2022-08-05", "new_t2": 2, "gd_enhancing": 1}},
    {"kind": "mri", "data": {"date": "2023-03-05"}},  # no counts: cannot show NEDA
    {"kind": "todo", "data": {"date": "2027-02-01", "title": "Yearly MRI", "category": "mri"}},
]
OPTIONS = {"event": "multiple", "baseline": "roving", "raw_pira": True}


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("records")) as built:
        yield built


@pytest.fixture(scope="module")
def filled(world: World) -> str:
    """patient_a's own record, with :data:`ENTRIES` added through the API."""
    client = TestClient(world.app)
    headers = world.bearer("patient_a")
    patient = client.get("/api/v1/me", headers=headers).json()["patient_id"]
    assert patient == world.people["patient_a"].own_record
    for entry in ENTRIES:
        response = client.post(f"/api/v1/patients/{patient}/entries", json=entry, headers=headers)
        assert response.status_code == 201, response.text
    return str(patient)


def cli(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "hsct", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_status_equals_the_command_line_on_the_exported_rows(
    world: World, filled: str, tmp_path: Path
) -> None:
    client = TestClient(world.app)
    headers = world.bearer("patient_a")
    status = client.get(f"/api/v1/patients/{filled}/outcomes", headers=headers).json()
    archive = client.post("/my/data/record-csv.zip", headers=world.browser("patient_a"))
    assert archive.status_code == 200
    files = zipfile.ZipFile(io.BytesIO(archive.content))

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(files.read(f"csv/{name}").decode())))

    # The CLI's tables from the CSV export, by the rules of hsct.registry.status: one EDSS a
    # day (the most qualified rater's), scans with their counts.
    order = ["neurologist", "nurse", "unknown", "self"]
    best: dict[str, dict[str, str]] = {}
    for row in rows("edss.csv"):
        held = best.get(row["date"])
        if held is None or order.index(row["rater"]) < order.index(held["rater"]):
            best[row["date"]] = row
    visits = [f"me,{d},{best[d]['value']}" for d in sorted(best)]
    scans = [r for r in rows("mri.csv") if r["new_t2"] or r["gd_enhancing"]]
    write = {
        "visits.csv": ["patient_id,date,edss", *visits],
        "relapses.csv": ["patient_id,date", *[f"me,{r['date']}" for r in rows("relapse.csv")]],
        "mri.csv": [
            "patient_id,date,gd_enhancing,new_t2",
            *[f"me,{r['date']},{r['gd_enhancing'] or 0},{r['new_t2'] or 0}" for r in scans],
        ],
        "patients.csv": ["patient_id,transplant_date", f"me,{rows('transplant.csv')[0]['date']}"],
        "options.json": [json.dumps(OPTIONS)],
    }
    for name, lines in write.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    common = [
        "--visits", str(tmp_path / "visits.csv"),
        "--relapses", str(tmp_path / "relapses.csv"),
        "--patients", str(tmp_path / "patients.csv"),
        "--options", str(tmp_path / "options.json"),
        "--json",
    ]  # fmt: skip
    events = cli("outcomes", "progression", *common)
    neda = cli("outcomes", "neda", *common, "--mri", str(tmp_path / "mri.csv"))

    report = status["report"]
    cli_events = events["events"] if isinstance(events, dict) else events
    assert [
        {k: v for k, v in e.items() if k not in ("patient_id", "explanation")} for e in cli_events
    ] == [{k: v for k, v in e.items() if k != "explanation"} for e in report["events"]]
    assert len(report["events"]) >= 1  # the worsening of 2022 is found
    cli_neda = neda["patients"][0]
    assert {k: v for k, v in cli_neda.items() if k != "patient_id"} == report["neda"]
    assert status["neda3"]["kept"] is False
    assert status["neda3"]["lost_on"] == "2020-08-05"  # the new T2 lesion after day 0
    assert status["neda3"]["lost_by"] == ["mri"]
    assert status["edss"]["baseline"] == {"date": "2019-12-01", "value": 3.0}
    assert status["five_years"]["date"] == "2025-02-01"


def test_the_downloads_hold_every_entry_in_the_database(world: World, filled: str) -> None:
    client = TestClient(world.app)
    browser = world.browser("patient_a")
    with world.db() as session:
        ids = set(session.scalars(select(RecordEntry.id).where(RecordEntry.patient_id == filled)))
        count = session.scalar(
            select(func.count()).select_from(RecordEntry).where(RecordEntry.patient_id == filled)
        )
    assert count == len(ENTRIES)

    document = client.post("/my/data/record.json", headers=browser).json()
    assert {e["id"] for e in document["entries"]} == ids
    with world.db() as session:
        for entry in document["entries"]:
            row = session.get(RecordEntry, entry["id"])
            assert row is not None
            assert (entry["kind"], entry["date"], entry["data"]) == (
                row.kind,
                row.date.isoformat(),
                row.data,
            )

    archive = zipfile.ZipFile(
        io.BytesIO(client.post("/my/data/record-csv.zip", headers=browser).content)
    )
    csv_ids = set()
    dictionary = list(csv.DictReader(io.StringIO(archive.read("csv/data_dictionary.csv").decode())))
    described = {(r["file"], r["column"]) for r in dictionary}
    for name in archive.namelist():
        if name.startswith("csv/") and name != "csv/data_dictionary.csv":
            reader = csv.DictReader(io.StringIO(archive.read(name).decode()))
            for column in reader.fieldnames or []:
                assert (name[4:], column) in described, f"{name}: {column} is not described"
            csv_ids |= {row["id"] for row in reader}
    assert csv_ids == ids

    assert "fhir-bundle.json" in archive.namelist()
    for row in dictionary:
        if row["column"] not in ("id", "date", "provenance", "created_at", "updated_at"):
            assert row["description"] != row["column"], row  # a meaning, not the name again
    document_history = client.post("/my/data/record.json", headers=browser).json()["history"]
    assert {h["entry_id"] for h in document_history} >= ids  # every add is in the history

    bundle = client.post("/my/data/record-fhir.json", headers=browser).json()
    Bundle.model_validate(bundle)
    resource_ids = json.dumps(bundle)
    assert all(entry_id in resource_ids for entry_id in ids)


def test_another_persons_record_is_not_found(world: World, filled: str) -> None:
    client = TestClient(world.app)
    for path in ("entries", "outcomes", "export", "shares"):
        response = client.get(
            f"/api/v1/patients/{filled}/{path}", headers=world.bearer("patient_b")
        )
        assert response.status_code == 404, path


def test_bad_entries_get_field_level_422(world: World, filled: str) -> None:
    client = TestClient(world.app)
    response = client.post(
        f"/api/v1/patients/{filled}/entries",
        json={"kind": "edss", "data": {"date": "2099-01-01", "value": 12, "rater": "self"}},
        headers=world.bearer("patient_a"),
    )
    assert response.status_code == 422
    fields = sorted(str(error["loc"][-1]) for error in response.json()["detail"])
    assert fields == ["value"]


@pytest.mark.usefixtures("filled")
def test_calendar_feed_lists_open_todos_and_stops_when_revoked(world: World) -> None:
    client = TestClient(world.app, follow_redirects=False)
    browser = world.browser("patient_a")
    page = client.post("/my/calendar", headers=browser)
    assert page.status_code == 200
    start = page.text.index("/calendar/hsctcal_")
    url = page.text[start : page.text.index('"', start)]
    feed = client.get(url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Yearly MRI" in feed.text
    assert "DTSTART;VALUE=DATE:20270201" in feed.text
    assert client.post("/my/calendar/revoke", headers=browser).status_code == 303
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
@pytest.mark.usefixtures("filled")
def test_status_page_reads_in_each_language(world: World, locale: str) -> None:
    client = TestClient(world.app)
    page = client.get(
        "/my/status",
        headers={
            **world.browser("patient_a"),
            "Cookie": world.browser("patient_a")["Cookie"] + f"; lang={locale}",
        },
    )
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "<table" in page.text


def test_the_journey_plan_becomes_todos_in_the_record(world: World) -> None:
    """From the journey page's form: the follow-up scans and vaccines, due on their dates."""
    client = TestClient(world.app, follow_redirects=False)
    browser = world.browser("patient_b")
    values = {"facility": "moscow-pirogov", "transplant_date": "2027-03-01"}
    page = client.get("/journey", params=values, headers=browser)
    assert 'action="/my/plan"' in page.text  # offered to a signed-in person
    response = client.post("/my/plan", data=values, headers=browser)
    assert response.status_code == 303
    entries = client.get(
        f"/api/v1/patients/{world.people['patient_b'].own_record}/entries",
        params={"kind": "todo"},
        headers=world.bearer("patient_b"),
    ).json()
    steps = {e["data"]["step"]: e["date"] for e in entries}
    assert steps["mri-6"] == "2027-09-01"
    assert steps["mri-12"] == "2028-03-01"
    assert all(step.startswith(("mri-", "vaccine-")) for step in steps)
    assert "travel" not in steps


def test_a_clinic_supplied_questionnaire_is_offered_and_scored(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HSCT_QOL_DEFINITIONS names a folder of definitions: the record page offers each one,
    its form shows the clinic's words and licence, and the answers are scored by it."""
    from tests.outcomes.test_instruments import DEFINITION  # noqa: PLC0415 - one definition

    (tmp_path / "steps.json").write_text(json.dumps(DEFINITION))
    monkeypatch.setenv("HSCT_QOL_DEFINITIONS", str(tmp_path))
    client = TestClient(world.app, follow_redirects=False)
    browser = world.browser("patient_b")
    assert "/my/add/qol?instrument=test-steps" in client.get("/my", headers=browser).text
    form = client.get("/my/add/qol", params={"instrument": "test-steps"}, headers=browser)
    assert "Invented walking question 1" in form.text
    assert "none needed (invented)" in form.text
    answers = {"date": "2024-05-01", "instrument": "test-steps", "qw1": "2", "qw2": "3", "qw3": "4"}
    assert client.post("/my/add/qol", data=answers, headers=browser).status_code == 303
    entries = client.get(
        f"/api/v1/patients/{world.people['patient_b'].own_record}/entries",
        params={"kind": "qol"},
        headers=world.bearer("patient_b"),
    ).json()
    (entry,) = [e for e in entries if e["data"]["instrument"] == "test-steps"]
    assert entry["data"]["scores"]["scales"]["walking"]["score"] == 50
    assert (
        entry["data"]["scores"]["scoring_version"] == "test-steps 0.1: clinic-supplied definition"
    )
    status = client.get("/my/status", headers=browser)
    assert status.status_code == 200
    assert "Test steps scale" in status.text
    # An instrument the site does not offer is not found, and is refused in an entry.
    missing = client.get("/my/add/qol", params={"instrument": "nope"}, headers=browser)
    assert missing.status_code == 404
    refused = client.post(
        f"/api/v1/patients/{world.people['patient_b'].own_record}/entries",
        json={"kind": "qol", "data": {"date": "2024-05-01", "instrument": "nope", "answers": {}}},
        headers=world.bearer("patient_b"),
    )
    assert refused.status_code == 422


@pytest.mark.usefixtures("filled")
def test_shared_entries_reach_the_chosen_clinic_until_revoked(world: World) -> None:
    client = TestClient(world.app)
    own = world.people["patient_a"].own_record
    shared = client.post(
        f"/api/v1/patients/{own}/shares",
        json={"clinic_id": world.clinic_x, "kinds": ["edss"]},
        headers=world.bearer("patient_a"),
    )
    assert shared.status_code == 201
    url = f"/api/v1/clinics/{world.clinic_x}/shared-entries"
    seen = client.get(url, headers=world.bearer("staff_x")).json()
    assert {e["kind"] for e in seen} == {"edss"}
    assert len(seen) == sum(1 for e in ENTRIES if e["kind"] == "edss")
    assert {(e["provenance"], e["review"]) for e in seen} == {("self", "pending")}
    # Another clinic sees nothing of it, and the record itself stays the person's.
    assert client.get(url, headers=world.bearer("staff_y")).status_code == 404
    assert (
        client.get(f"/api/v1/patients/{own}/entries", headers=world.bearer("staff_x")).status_code
        == 404
    )
    revoked = client.delete(
        f"/api/v1/patients/{own}/shares/{shared.json()['id']}", headers=world.bearer("patient_a")
    )
    assert revoked.status_code == 204
    assert client.get(url, headers=world.bearer("staff_x")).json() == []
