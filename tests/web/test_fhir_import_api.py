"""The FHIR round trip through the API: export a clinic as NDJSON, import it into another
clinic as new records (whole or not at all), and the birth year and month on a record."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hsct.registry import record
from tests.support.world import World, world_for


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("fhir-import")) as built:
        with built.db() as session:
            actor = _actor(built, session, "staff_x")
            for kind, data in (
                ("diagnosis", {"date": "2015-02-01", "ms_type": "RRMS"}),
                ("transplant", {"date": "2020-01-10", "regimen": "cy-atg"}),
                ("edss", {"date": "2021-01-12", "value": 3.5, "rater": "neurologist"}),
                ("adverse_event", {"date": "2020-03-01", "category": "infection"}),
            ):
                record.entry_add(
                    session,
                    actor=actor,
                    patient_id=built.record_x,
                    kind=kind,
                    data=data,
                    now=built.now(),
                )
        yield built


def _actor(world: World, session: Any, name: str) -> Any:
    from hsct.registry import accounts  # noqa: PLC0415

    account = accounts.account_get(session, account_id=world.people[name].account_id)
    return accounts.actor_for(session, account=account)


def _export_zip(client: TestClient, world: World) -> bytes:
    answer = client.get(
        f"/api/v1/clinics/{world.clinic_x}/export",
        params={"format": "ndjson"},
        headers=world.bearer("staff_x"),
    )
    assert answer.status_code == 200, answer.text
    return answer.content


def _import(
    client: TestClient, world: World, who: str, clinic: str, data: bytes, **form: Any
) -> Any:
    return client.post(
        f"/api/v1/clinics/{clinic}/fhir-imports",
        files=[("files", ("clinic-x.zip", data, "application/zip"))],
        data=form,
        headers=world.bearer(who),
    )


def test_birth_month_is_set_checked_and_scoped(world: World) -> None:
    client = TestClient(world.app)
    url = f"/api/v1/patients/{world.record_x}/birth-month"
    done = client.put(url, json={"birth_month": "1981-03"}, headers=world.bearer("staff_x"))
    assert done.status_code == 200, done.text
    assert done.json()["birth_month"] == "1981-03"
    bad = client.put(url, json={"birth_month": "1981-3"}, headers=world.bearer("staff_x"))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "birth_month"
    future = client.put(url, json={"birth_month": "2999-01"}, headers=world.bearer("staff_x"))
    assert future.status_code == 422
    assert "after this month" in future.text
    assert "2999" not in future.text
    denied = client.put(url, json={"birth_month": None}, headers=world.bearer("monitor_x"))
    assert denied.status_code == 403
    hidden = client.put(url, json={"birth_month": None}, headers=world.bearer("staff_y"))
    assert hidden.status_code == 404
    read = client.get(f"/api/v1/patients/{world.record_x}", headers=world.bearer("monitor_x"))
    assert read.json()["birth_month"] == "1981-03"


def test_the_export_imports_into_another_clinic_whole_or_not_at_all(world: World) -> None:
    client = TestClient(world.app)
    client.put(
        f"/api/v1/patients/{world.record_x}/birth-month",
        json={"birth_month": "1981-03"},
        headers=world.bearer("staff_x"),
    )
    exported = _export_zip(client, world)
    assert _import(client, world, "monitor_x", world.clinic_x, exported).status_code == 403
    assert _import(client, world, "staff_x", world.clinic_y, exported).status_code == 404
    broken = _import(client, world, "staff_y", world.clinic_y, b'{"resourceType": 1}')
    assert broken.status_code == 422
    problem = broken.json()["detail"][0]
    assert ".".join(map(str, problem["loc"][1:])) == "clinic-x.zip"
    assert problem["msg"] == "is not a FHIR resource"
    dry = _import(client, world, "staff_y", world.clinic_y, exported, dry_run="true")
    assert dry.status_code == 201, dry.text
    assert dry.json()["import_id"] is None
    assert dry.json()["records"] == 1
    listed = client.get(
        f"/api/v1/clinics/{world.clinic_y}/patients", headers=world.bearer("staff_y")
    ).json()
    assert [p["code"] for p in listed] == ["Y-0001"]
    done = _import(client, world, "staff_y", world.clinic_y, exported)
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["records"] == 1
    assert body["entries"]["edss"] == 1
    assert body["entries"]["adverse_event"] == 1
    listed = client.get(
        f"/api/v1/clinics/{world.clinic_y}/patients", headers=world.bearer("staff_y")
    ).json()
    made = next(p for p in listed if p["code"] == "X-0001")
    assert made["birth_month"] == "1981-03"
    assert made["id"] != world.record_x
    again = _import(client, world, "staff_y", world.clinic_y, exported)
    assert again.status_code == 409
    runs = client.get(
        f"/api/v1/clinics/{world.clinic_y}/imports", headers=world.bearer("staff_y")
    ).json()
    assert runs[0]["id"] == body["import_id"]
    assert runs[0]["counts"]["total"]["add"] == 1 + sum(body["entries"].values())
    # The export of the new clinic holds the same resources, under the new ids.
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        before = {n: archive.read(n).decode() for n in archive.namelist()}
    answer = client.get(
        f"/api/v1/clinics/{world.clinic_y}/export",
        params={"format": "ndjson"},
        headers=world.bearer("staff_y"),
    )
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        after = {n: archive.read(n).decode() for n in archive.namelist()}
    assert sorted(before) == sorted(after)
    new_patient = json.loads(
        next(line for line in after["Patient.ndjson"].splitlines() if "X-0001" in line)
    )
    assert new_patient["birthDate"] == "1981-03"


def test_an_upload_over_a_megabyte_is_read_as_an_import_is(world: World) -> None:
    """The FHIR import takes the imports' body limit (60 MB), not the 2 MB of other uploads."""
    line = json.dumps(
        {
            "resourceType": "Patient",
            "id": "big",
            "identifier": [
                {
                    "system": "https://hsct-navigator.example/fhir/NamingSystem/clinic/x",
                    "value": "BIG-1",
                }
            ],
        }
    )
    padded = (line + "\n" * (3 * 1024 * 1024)).encode()
    answer = TestClient(world.app).post(
        f"/api/v1/clinics/{world.clinic_y}/fhir-imports",
        files=[("files", ("Patient.ndjson", padded, "application/fhir+ndjson"))],
        data={"dry_run": "true"},
        headers=world.bearer("staff_y"),
    )
    assert answer.status_code == 201, answer.text[:300]
    assert answer.json()["records"] == 1
