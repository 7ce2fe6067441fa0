"""A clinic's registry through the API: upload, dry run, commit, entries by kind, lock, export.

The same import through the API and the command line leaves the same entries.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from hsct.web import limits
from tests.support.world import World, world_for

PATIENTS = (
    b"patient_id,transplant_date,diagnosis_date\nC-1,2019-03-04,2014-01-10\nC-2,2020-06-01,\n"
)
VISITS = (
    "\ufeffpatient_id;date;edss;comment\r\n"
    "C-1;10/01/2019;4,0;\r\n"
    'C-1;01/03/2020;3,5;=HYPERLINK("http://x")\r\n'
    "C-2;01/05/2020;6,0;\r\n"
).encode()
RELAPSES = b"patient_id,date,symptoms\nC-1,2018-06-01,=cmd|' /C calc'!A0\n"


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("cohort")) as built:
        yield built


def upload(client: TestClient, world: World, who: str, files: dict[str, bytes], **form: Any) -> Any:
    return client.post(
        f"/api/v1/clinics/{world.clinic_x}/imports",
        files=[("files", (name, data, "text/csv")) for name, data in files.items()],
        data=form,
        headers=world.bearer(who),
    )


@pytest.fixture(scope="module")
def imported(world: World) -> dict[str, Any]:
    """C-1 and C-2 imported by staff_x: the dry run, then the commit."""
    client = TestClient(world.app)
    files = {"patients.csv": PATIENTS, "visits.csv": VISITS, "relapses.csv": RELAPSES}
    dry = upload(client, world, "staff_x", files, dates="day-first")
    assert dry.status_code == 201, dry.text
    plan = dry.json()
    assert plan["status"] == "pending"
    listed = client.get(
        f"/api/v1/clinics/{world.clinic_x}/patients", headers=world.bearer("staff_x")
    ).json()
    assert not any(p["code"] == "C-1" for p in listed)  # nothing written by the dry run
    done = client.post(
        f"/api/v1/clinics/{world.clinic_x}/imports/{plan['import_id']}/commit",
        json={"digest": plan["digest"]},
        headers=world.bearer("staff_x"),
    )
    assert done.status_code == 200, done.text
    return {"plan": plan, "commit": done.json()}


def patient_id(world: World, code: str) -> str:
    client = TestClient(world.app)
    listed = client.get(
        f"/api/v1/clinics/{world.clinic_x}/patients", headers=world.bearer("staff_x")
    ).json()
    return str(next(p["id"] for p in listed if p["code"] == code))


def test_the_dry_run_shows_every_row_and_the_commit_writes_it(
    world: World, imported: dict[str, Any]
) -> None:
    plan = imported["plan"]
    assert plan["counts"]["total"] == {"add": 6, "change": 0, "same": 0, "refused": 0}
    assert [(r["file"], r["row"], r["action"]) for r in plan["rows"][:2]] == [
        ("patients.csv", 2, "add"),
        ("patients.csv", 3, "add"),
    ]
    files = {f["name"]: f["ignored_columns"] for f in plan["files"]}
    assert files == {"patients.csv": [], "visits.csv": ["comment"], "relapses.csv": []}
    assert imported["commit"]["status"] == "committed"
    client = TestClient(world.app)
    c1 = patient_id(world, "C-1")
    visits = client.get(f"/api/v1/patients/{c1}/visits", headers=world.bearer("monitor_x"))
    assert visits.status_code == 200
    assert [(v["date"], v["data"]["value"], v["provenance"]) for v in visits.json()] == [
        ("2019-01-10", 4.0, "clinic"),
        ("2020-03-01", 3.5, "clinic"),
    ]
    history = client.get(
        f"/api/v1/clinics/{world.clinic_x}/imports", headers=world.bearer("monitor_x")
    ).json()
    assert history[0]["status"] == "committed"
    assert [f["name"] for f in history[0]["files"]] == [
        "patients.csv",
        "visits.csv",
        "relapses.csv",
    ]
    assert "C-1" not in str(history)  # counts and digests only


def test_the_same_upload_again_changes_nothing_and_a_stale_digest_is_refused(
    world: World, imported: dict[str, Any]
) -> None:
    client = TestClient(world.app)
    again = upload(client, world, "lead_x", {"patients.csv": PATIENTS})
    assert again.json()["counts"]["total"] == {"add": 0, "change": 0, "same": 2, "refused": 0}
    stale = client.post(
        f"/api/v1/clinics/{world.clinic_x}/imports/{again.json()['import_id']}/commit",
        json={"digest": imported["plan"]["digest"]},
        headers=world.bearer("lead_x"),
    )
    assert stale.status_code == 409
    gone = client.delete(
        f"/api/v1/clinics/{world.clinic_x}/imports/{again.json()['import_id']}",
        headers=world.bearer("lead_x"),
    )
    assert gone.status_code == 204


def test_refused_rows_are_named_and_block_the_commit_unless_accepted(
    world: World,
    imported: dict[str, Any],  # noqa: ARG001 - after the import
) -> None:
    client = TestClient(world.app)
    bad = b"patient_id,date,edss\nC-2,2021-01-01,0.5\nC-2,2021-06-01,5.5\n"
    dry = upload(client, world, "staff_x", {"visits.csv": bad}).json()
    (refused,) = [r for r in dry["rows"] if r["action"] == "refused"]
    assert (refused["row"], refused["problems"][0]["field"]) == (2, "edss")
    url = f"/api/v1/clinics/{world.clinic_x}/imports/{dry['import_id']}/commit"
    blocked = client.post(url, json={"digest": dry["digest"]}, headers=world.bearer("staff_x"))
    assert blocked.status_code == 422
    assert "rows refused: 1" in blocked.text
    done = client.post(
        url,
        json={"digest": dry["digest"], "accept_refused": True},
        headers=world.bearer("staff_x"),
    )
    assert done.status_code == 200
    assert done.json()["counts"]["visits"] == {"add": 1, "change": 0, "same": 0, "refused": 1}


@pytest.mark.parametrize(
    ("files", "name", "words"),
    [
        ({"visits.csv": b"patient_id,date\nC-1,2020-01-01\n"}, "visits.csv", "edss"),
        ({"scans.csv": b"patient_id,date\n"}, "scans.csv", "which table"),
        ({"visits.csv": b"\xff\xfe\x00p"}, "visits.csv", "UTF-8"),
    ],
)
def test_unreadable_files_are_a_422_naming_the_file(
    world: World, files: dict[str, bytes], name: str, words: str
) -> None:
    response = upload(TestClient(world.app), world, "staff_x", files)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert words in detail["msg"]
    assert detail["msg"].startswith(name)
    assert detail["loc"] == ["body", "files"]


def test_an_upload_over_the_limit_is_a_413_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "IMPORT_LIMIT", 1000)
    response = upload(
        TestClient(world.app),
        world,
        "staff_x",
        {"visits.csv": b"patient_id,date,edss\n" + b"C-1,2020-01-01,3\n" * 100},
    )
    assert response.status_code == 413
    assert "larger than" in response.text


def test_a_malformed_multipart_body_is_a_documented_400(world: World) -> None:
    """Schemathesis's case: a part header holding a bare carriage return. The form parser
    refuses the body before any field is read; the OpenAPI document says so."""
    boundary = "9cc651cd2c8d168349f50fede4c361ac"
    client = TestClient(world.app)
    response = client.post(
        f"/api/v1/clinics/{world.clinic_x}/imports",
        content=f"--{boundary}\r\nFalse--{boundary}--\r\n".encode(),
        headers={
            **world.bearer("staff_x"),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/clinics/{clinic_id}/imports"
    ]["post"]
    assert "400" in operation["responses"]


def test_a_locked_record_refuses_edits_until_a_lead_unlocks_it(
    world: World,
    imported: dict[str, Any],  # noqa: ARG001 - after the import
) -> None:
    client = TestClient(world.app)
    c2 = patient_id(world, "C-2")
    lead, staff = world.bearer("lead_x"), world.bearer("staff_x")
    short = client.post(f"/api/v1/patients/{c2}/lock", json={"reason": "no"}, headers=lead)
    assert short.status_code == 422
    assert (
        client.post(
            f"/api/v1/patients/{c2}/lock", json={"reason": "analysis lock"}, headers=staff
        ).status_code
        == 403
    )
    locked = client.post(
        f"/api/v1/patients/{c2}/lock", json={"reason": "analysis lock"}, headers=lead
    )
    assert locked.json()["locked"] is True
    visit = {"date": "2022-01-01", "value": 5.0, "rater": "neurologist"}
    assert (
        client.post(f"/api/v1/patients/{c2}/visits", json=visit, headers=staff).status_code == 409
    )
    refused = upload(
        client, world, "staff_x", {"visits.csv": b"patient_id,date,edss\nC-2,2022-01-01,5.0\n"}
    )
    assert "locked" in refused.json()["rows"][0]["problems"][0]["message"]
    unlocked = client.post(
        f"/api/v1/patients/{c2}/unlock", json={"reason": "a correction found"}, headers=lead
    )
    assert unlocked.json()["locked"] is False
    assert (
        client.post(f"/api/v1/patients/{c2}/visits", json=visit, headers=staff).status_code == 201
    )


def test_the_export_escapes_formulas_and_matches_the_records(
    world: World,
    imported: dict[str, Any],  # noqa: ARG001 - after the import
) -> None:
    client = TestClient(world.app)
    response = client.get(
        f"/api/v1/clinics/{world.clinic_x}/export?format=csv", headers=world.bearer("monitor_x")
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    relapses = list(csv.DictReader(io.StringIO(archive.read("relapse.csv").decode())))
    (c1,) = [r for r in relapses if r["patient_id"] == "C-1"]
    assert c1["symptoms"] == "'=cmd|' /C calc'!A0"  # a spreadsheet shows it as text
    names = set(archive.namelist())
    assert {"patients.csv", "edss.csv", "data_dictionary.csv"} <= names
    dictionary = archive.read("data_dictionary.csv").decode()
    assert "patients.csv,patient_id" in dictionary
    parquet = client.get(
        f"/api/v1/clinics/{world.clinic_x}/export?format=parquet", headers=world.bearer("monitor_x")
    )
    tables = zipfile.ZipFile(io.BytesIO(parquet.content))
    edss = pq.read_table(io.BytesIO(tables.read("edss.parquet"))).to_pylist()
    csv_edss = list(csv.DictReader(io.StringIO(archive.read("edss.csv").decode())))
    assert sorted((r["patient_id"], r["date"].isoformat(), r["value"]) for r in edss) == sorted(
        (r["patient_id"], r["date"], float(r["value"])) for r in csv_edss
    )
    status = client.get(
        f"/api/v1/clinics/{world.clinic_x}/status", headers=world.bearer("monitor_x")
    ).json()
    assert status["patients"] >= 2
    assert status["entries"]["edss"] == len(csv_edss)


def test_the_command_line_imports_the_same_files_to_the_same_entries(
    world: World,
    imported: dict[str, Any],  # noqa: ARG001 - after the import
    tmp_path: Path,
) -> None:
    """hsct registry import into clinic Y gives clinic X's entries (by study code)."""
    for name, data in (
        ("patients.csv", PATIENTS),
        ("visits.csv", VISITS),
        ("relapses.csv", RELAPSES),
    ):
        (tmp_path / name).write_bytes(data)
    env = {**os.environ, "HSCT_DATABASE_URL": world.app.state.settings.database_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hsct",
            "registry",
            "import",
            "--clinic",
            world.clinic_y,
            "--dates",
            "day-first",
            *(str(tmp_path / n) for n in ("patients.csv", "visits.csv", "relapses.csv")),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Adds 6, changes 0, unchanged 0, refused 0 rows." in done.stdout
    client = TestClient(world.app)

    def entries(who: str, clinic: str) -> list[tuple[str, str, str, str]]:
        out = []
        for p in client.get(f"/api/v1/clinics/{clinic}/patients", headers=world.bearer(who)).json():
            if p["code"] not in ("C-1", "C-2"):
                continue
            for e in client.get(
                f"/api/v1/patients/{p['id']}/entries", headers=world.bearer(who)
            ).json():
                if e["date"] < "2021-01-01":  # what later tests added to X is left out
                    out.append((p["code"], e["kind"], e["date"], str(sorted(e["data"].items()))))
        return sorted(out)

    assert entries("staff_y", world.clinic_y) == entries("staff_x", world.clinic_x)


def test_the_dashboard_tables_and_the_clinics_settings(
    world: World,
    imported: dict[str, Any],  # noqa: ARG001 - after the import
) -> None:
    client = TestClient(world.app)
    url = f"/api/v1/clinics/{world.clinic_x}"
    board = client.get(f"{url}/outcomes?by=era", headers=world.bearer("monitor_x"))
    assert board.status_code == 200, board.text
    body = board.json()
    assert [c["endpoint"] for c in body["curves"]] == [
        "neda3",
        "cdw",
        "relapse",
        "mri",
        "survival",
    ]
    assert "clinician-rated only" in body["description"]
    neda = body["curves"][0]
    assert any(b["study"] == "atkins-2016" for b in neda["benchmarks"])
    bad = client.get(f"{url}/outcomes?by=colour", headers=world.bearer("monitor_x"))
    assert bad.status_code == 422
    schedule = [
        {"label": "day 100", "days": 100, "window": 20},
        {"label": "year 1", "days": 365, "window": 60},
    ]
    staff = client.put(
        f"{url}/settings", json={"schedule": schedule}, headers=world.bearer("staff_x")
    )
    assert staff.status_code == 403
    overlapping = [
        {"label": "a", "days": 100, "window": 100},
        {"label": "b", "days": 150, "window": 10},
    ]
    refused = client.put(
        f"{url}/settings", json={"schedule": overlapping}, headers=world.bearer("lead_x")
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-2:] == ["schedule", "1"]
    saved = client.put(
        f"{url}/settings",
        json={"schedule": schedule, "include_self_rated": True},
        headers=world.bearer("lead_x"),
    )
    assert saved.status_code == 200
    read = client.get(f"{url}/settings", headers=world.bearer("monitor_x")).json()
    assert read == {"schedule": schedule, "include_self_rated": True}
    again = client.get(f"{url}/outcomes", headers=world.bearer("monitor_x")).json()
    assert "all raters" in again["description"]
    assert again["schedule"] == schedule
    client.put(
        f"{url}/settings", json={"include_self_rated": False}, headers=world.bearer("lead_x")
    )
