"""The workspace pages for the birth year and month and for importing a FHIR export,
driven as a browser would (forms with the CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.world import World, world_for


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("fhir-pages")) as built:
        yield built


def client_for(world: World, who: str) -> TestClient:
    return TestClient(world.app, headers=world.browser(who), follow_redirects=False)


def test_a_record_is_made_with_a_birth_month_which_is_then_changed(world: World) -> None:
    client = client_for(world, "staff_x")
    made = client.post(
        f"/clinic/{world.clinic_x}/patients", data={"code": "BM-1", "birth_month": "1984-07"}
    )
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"]).text
    assert "Recorded: 1984-07." in page
    assert 'type="month"' in page
    bad = client.post(
        f"/clinic/{world.clinic_x}/patients", data={"code": "BM-2", "birth_month": "1984-07-21"}
    )
    assert bad.status_code == 422
    assert "Birth year and month" in bad.text
    assert "is not a year and month" in bad.text
    record_path = made.headers["location"]
    changed = client.post(f"{record_path}/birth-month", data={"birth_month": "1985-02"})
    assert changed.status_code == 303
    assert changed.headers["location"] == f"{record_path}?saved=1"
    assert "Recorded: 1985-02." in client.get(record_path).text
    wrong = client.post(f"{record_path}/birth-month", data={"birth_month": "2999-01"})
    assert wrong.status_code == 422
    assert "is before 1900 or after this month" in wrong.text
    cleared = client.post(f"{record_path}/birth-month", data={"birth_month": ""})
    assert cleared.status_code == 303
    assert "Not recorded. EBMT and FHIR exports leave it empty." in client.get(record_path).text
    monitor = client_for(world, "monitor_x").get(record_path).text
    assert "Save the birth month" not in monitor


def test_a_fhir_export_is_checked_then_imported_on_the_imports_page(world: World) -> None:
    staff_x = client_for(world, "staff_x")
    staff_x.post(f"/clinic/{world.clinic_x}/patients", data={"code": "FP-1"})
    exported = TestClient(world.app).get(
        f"/api/v1/clinics/{world.clinic_x}/export",
        params={"format": "ndjson"},
        headers=world.bearer("staff_x"),
    )
    assert exported.status_code == 200
    staff_y = client_for(world, "staff_y")
    url = f"/clinic/{world.clinic_y}/fhir-imports"
    upload = [("files", ("clinic-x.zip", exported.content, "application/zip"))]
    checked = staff_y.post(url, files=upload, data={"check_only": "yes"})
    assert checked.status_code == 200, checked.text
    found = re.search(r"can be imported: (\d+) new records", checked.text)
    assert found is not None
    records = int(found[1])
    assert records >= 2  # X-0001, FP-1 and any record other tests made
    listed = staff_y.get(f"/clinic/{world.clinic_y}").text
    assert "FP-1" not in listed
    done = staff_y.post(url, files=upload)
    assert done.status_code == 303
    assert done.headers["location"] == f"/clinic/{world.clinic_y}/imports?fhir={records}"
    page = staff_y.get(done.headers["location"]).text
    assert f"The FHIR export is imported: {records} new records." in page
    assert "FP-1" in staff_y.get(f"/clinic/{world.clinic_y}").text
    again = staff_y.post(url, files=upload)
    assert again.status_code == 422
    assert "Nothing was imported. Each problem is listed below the form." in again.text
    assert "already has records with these study codes" in again.text
    broken = staff_y.post(url, files=[("files", ("Patient.ndjson", b"{oops", "text/plain"))])
    assert broken.status_code == 422
    assert "Patient.ndjson line 1: is not JSON" in broken.text
    assert (
        client_for(world, "monitor_x")
        .post(f"/clinic/{world.clinic_x}/fhir-imports", files=upload)
        .status_code
        == 403
    )
