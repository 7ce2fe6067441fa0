"""The clinic workspace pages: records, entries, lock, import with a dry run, outcomes.

Driven as a browser would (forms with the CSRF token), as staff, lead and monitor of
clinic X; clinic Y's staff find nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.world import World, world_for

PATIENTS = b"""patient_id,transplant_date,diagnosis_date,ms_type
W-1,2019-03-04,2014-01-10,RRMS
W-2,2020-06-01,2016-01-01,SPMS
"""
VISITS = b"""patient_id,date,edss
W-1,2019-01-10,4.0
W-1,2020-03-01,3.5
W-1,2021-03-01,3.5
W-2,2020-05-01,6.0
W-2,2021-06-01,6.5
W-2,2022-01-01,6.5
"""
MRI = b"""patient_id,date,gd_enhancing,new_t2
W-1,2020-03-05,0,0
W-1,2021-03-05,0,1
W-2,2021-06-05,0,0
"""


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("workspace")) as built:
        yield built


def client_for(world: World, who: str) -> TestClient:
    return TestClient(world.app, headers=world.browser(who), follow_redirects=False)


@pytest.fixture(scope="module")
def imported(world: World) -> str:
    """W-1 and W-2 imported through the upload page and its dry run, by staff_x."""
    client = client_for(world, "staff_x")
    plan = client.post(
        f"/clinic/{world.clinic_x}/imports",
        files=[
            ("files", ("patients.csv", PATIENTS, "text/csv")),
            ("files", ("visits.csv", VISITS, "text/csv")),
            ("files", ("mri.csv", MRI, "text/csv")),
        ],
        data={"dates": "iso"},
    )
    assert plan.status_code == 200, plan.text
    assert "Nothing is written yet." in plan.text
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', plan.text)
    action = re.search(r'action="(/clinic/[^"]+/confirm)"', plan.text)
    assert digest is not None
    assert action is not None
    done = client.post(action[1], data={"digest": digest[1]})
    assert done.status_code == 303
    return done.headers["location"]


def test_the_dry_run_page_lists_refused_rows_first(world: World) -> None:
    client = client_for(world, "staff_x")
    plan = client.post(
        f"/clinic/{world.clinic_x}/imports",
        files=[
            ("files", ("visits.csv", b"patient_id,date,edss\nNOPE,2020-01-01,0.5\n", "text/csv"))
        ],
    )
    assert plan.status_code == 200
    assert "refused" in plan.text
    assert "is not a patient of this clinic" in plan.text
    assert "Import the other rows and leave the 1 refused rows out" in plan.text


def test_an_unreadable_file_is_named_on_the_upload_page(world: World) -> None:
    client = client_for(world, "staff_x")
    page = client.post(
        f"/clinic/{world.clinic_x}/imports",
        files=[("files", ("scans.csv", b"a,b\n1,2\n", "text/csv"))],
    )
    assert page.status_code == 422
    assert "scans.csv: which table is this?" in page.text


def test_records_list_shows_each_records_follow_up(world: World, imported: str) -> None:
    assert imported.startswith(f"/clinic/{world.clinic_x}/imports?done=")
    page = client_for(world, "monitor_x").get(f"/clinic/{world.clinic_x}")
    assert page.status_code == 200
    assert "W-1" in page.text
    assert "W-2" in page.text
    assert "lost to follow-up" in page.text  # last EDSS in 2021/2022; now is later
    assert "Add a record" not in page.text  # a monitor reads only
    found = client_for(world, "monitor_x").get(f"/clinic/{world.clinic_x}?q=W-2")
    assert "W-1" not in found.text


def test_staff_add_and_change_entries_and_a_lead_locks(
    world: World,
    imported: str,  # noqa: ARG001 - after the import
) -> None:
    staff = client_for(world, "staff_x")
    made = staff.post(f"/clinic/{world.clinic_x}/patients", data={"code": "W-3"})
    assert made.status_code == 303
    record = made.headers["location"]
    bad = staff.post(
        f"{record}/add/edss", data={"date": "2030-01-01", "value": "3.0", "rater": "neurologist"}
    )
    assert bad.status_code == 422
    assert "is in the future" in bad.text
    added = staff.post(
        f"{record}/add/edss", data={"date": "2021-01-01", "value": "3.0", "rater": "neurologist"}
    )
    assert added.status_code == 303
    page = staff.get(record)
    assert "3.0" in page.text
    lead = client_for(world, "lead_x")
    short = lead.post(f"{record}/lock", data={"reason": "no"})
    assert short.status_code == 422
    locked = lead.post(f"{record}/lock", data={"reason": "analysis lock 2026"})
    assert locked.status_code == 303
    refused = staff.post(f"{record}/add/relapse", data={"date": "2021-05-01"})
    assert refused.status_code == 409
    assert lead.post(f"{record}/unlock", data={"reason": "a correction"}).status_code == 303
    assert staff.post(f"{record}/add/relapse", data={"date": "2021-05-01"}).status_code == 303


def test_another_clinics_staff_find_nothing(
    world: World,
    imported: str,  # noqa: ARG001 - after the import
) -> None:
    other = client_for(world, "staff_y")
    assert other.get(f"/clinic/{world.clinic_x}").status_code == 404
    assert other.get(f"/clinic/{world.clinic_x}/outcomes").status_code == 404
    assert other.get(f"/clinic/{world.clinic_x}/imports").status_code == 404


def test_the_outcomes_page_shows_each_figure_with_its_table(
    world: World,
    imported: str,  # noqa: ARG001 - after the import
) -> None:
    client = client_for(world, "monitor_x")
    page = client.get(f"/clinic/{world.clinic_x}/outcomes?by=ms_type&weeks=24")
    assert page.status_code == 200, page.text
    for title in ("NEDA-3 kept", "Free of confirmed disability worsening", "Free of relapses"):
        assert title in page.text
    assert page.text.count("<svg viewBox") == 5
    assert "confirmed 24 weeks later" in page.text
    assert "Self-rated EDSS left out." in page.text
    assert "Atkins 2016" in page.text
    download = client.get(f"/clinic/{world.clinic_x}/outcomes/km-neda3.csv?by=ms_type&weeks=24")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["group"] for r in rows} == {"RRMS", "SPMS"}
    events = client.get(f"/clinic/{world.clinic_x}/outcomes/neda.csv")
    assert {r["code"] for r in csv.DictReader(io.StringIO(events.text))} == {"W-1", "W-2"}
    assert client.get(f"/clinic/{world.clinic_x}/outcomes/nothing.csv").status_code == 404


def test_shared_entries_are_accepted_into_a_record_or_declined(
    world: World,
    imported: str,  # noqa: ARG001 - W-1 exists
) -> None:
    person = TestClient(world.app, headers=world.bearer("patient_a"))
    own = world.people["patient_a"].own_record
    for entry in (
        {"kind": "edss", "data": {"date": "2023-02-01", "value": 3.0, "rater": "self"}},
        {"kind": "relapse", "data": {"date": "2023-03-01", "symptoms": "tingling"}},
    ):
        assert person.post(f"/api/v1/patients/{own}/entries", json=entry).status_code == 201
    share = person.post(
        f"/api/v1/patients/{own}/shares",
        json={"clinic_id": world.clinic_x, "kinds": ["edss", "relapse"]},
    )
    assert share.status_code == 201
    staff = client_for(world, "staff_x")
    listed = staff.get(f"/clinic/{world.clinic_x}/shared")
    assert "self-reported, pending review" in listed.text
    actions = re.findall(
        r'action="(/clinic/[^"]+/shared/[0-9a-f]{32}/(?:accept|decline))"', listed.text
    )
    accept = next(a for a in actions if a.endswith("/accept"))
    unknown = staff.post(accept, data={"code": "NOPE"})
    assert unknown.status_code == 422
    assert "no record of this clinic has the study code" in unknown.text
    assert staff.post(accept, data={"code": "W-1"}).status_code == 303
    declined = [
        a
        for a in actions
        if a.endswith("/decline") and a.rsplit("/", 2)[1] != accept.rsplit("/", 2)[1]
    ]
    assert (
        staff.post(declined[0], data={"reason": "a pseudo-relapse with fever"}).status_code == 303
    )
    after = staff.get(f"/clinic/{world.clinic_x}/shared")
    assert "Nothing is waiting for review." in after.text
    assert "a pseudo-relapse with fever" in after.text
    records = staff.get(f"/clinic/{world.clinic_x}?q=W-1")
    w1 = re.search(r'href="(/clinic/[^"]+/patients/[0-9a-f]{32})"', records.text)
    assert w1 is not None
    assert "self-reported" in staff.get(w1[1]).text
