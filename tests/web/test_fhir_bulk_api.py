"""FHIR Bulk Data export of clinic X: kick-off, poll, NDJSON files that validate, delete.

Every exported resource is parsed by ``fhir.resources.R4B`` as its own type; references to
the person resolve to a Patient in the Patient file; only the requester sees the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class

from hsct.registry import audit_event_list, bulk, record
from hsct.registry.accounts import actor_for
from hsct.registry.fhir import BULK_TYPES
from hsct.registry.tables import Account
from tests.registry.test_fhir import FULL
from tests.support.cohorts import import_synthetic
from tests.support.world import World, world_for

N = 12
KICK_OFF = "/api/v1/fhir/Group/{}/$export"
ASYNC = {"Prefer": "respond-async"}


def _actor(world: World, who: str) -> Any:
    with world.db() as s:
        account = s.get(Account, world.people[who].account_id)
        assert account is not None
        return actor_for(s, account=account)


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world_for(migrated_sqlite, tmp_path_factory.mktemp("bulk")) as built:
        staff = _actor(built, "staff_x")
        import_synthetic(built, N)
        with built.db() as s:
            # record X-0001 holds one entry of every kind, every field given
            for name, entry in FULL.items():
                if name in {"edss_self", "edss_computed"}:
                    continue
                record.entry_add(
                    s,
                    actor=staff,
                    patient_id=built.record_x,
                    kind=entry["kind"],
                    data={k: v for k, v in entry["data"].items() if k != "scores"},
                    now=built.now(),
                )
        yield built


def _kick_off(client: TestClient, world: World, who: str, **params: str) -> Any:
    return client.get(
        KICK_OFF.format(world.clinic_x), params=params, headers={**world.bearer(who), **ASYNC}
    )


def test_kick_off_poll_download_validate_delete(world: World) -> None:
    client = TestClient(world.app)
    started = _kick_off(client, world, "staff_x")
    assert started.status_code == 202, started.text
    status_url = started.headers["Content-Location"]
    assert status_url.startswith("http://testserver/api/v1/fhir/bulk/")
    manifest = client.get(status_url, headers=world.bearer("staff_x"))
    assert manifest.status_code == 200
    body = manifest.json()
    assert body["requiresAccessToken"] is True
    assert datetime.fromisoformat(body["transactionTime"]) <= datetime.now(UTC)
    assert body["request"].endswith(f"/api/v1/fhir/Group/{world.clinic_x}/$export")
    assert body["error"] == []
    kinds = [item["type"] for item in body["output"]]
    assert kinds == list(BULK_TYPES)  # every type, in the manifest's order
    resources: dict[str, list[dict[str, Any]]] = {}
    for item in body["output"]:
        answer = client.get(item["url"], headers=world.bearer("staff_x"))
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/fhir+ndjson")
        lines = answer.text.splitlines()
        assert len(lines) == item["count"]
        model = get_fhir_model_class(item["type"])
        for line in lines:
            assert "\n" not in line
            resource = json.loads(line)
            assert resource["resourceType"] == item["type"]
            model.model_validate(resource)  # raises when the resource is not valid R4
        resources[item["type"]] = [json.loads(line) for line in lines]
    # one Patient per record (the synthetic patients and X-0001), each a pseudonym
    patients = {p["id"] for p in resources["Patient"]}
    assert len(patients) == N + 1
    assert all("name" not in p and "birthDate" not in p for p in resources["Patient"])
    # every reference to a person resolves to a Patient of the export
    for kind, items in resources.items():
        for resource in items:
            subject = resource.get("subject") or resource.get("patient") or resource.get("for")
            if subject is not None:
                assert subject["reference"].removeprefix("Patient/") in patients, kind
    # the multiple sclerosis Condition and the EDSS Observation use their SNOMED CT codes
    codes = {
        (c["system"], c["code"])
        for kind in ("Condition", "Observation", "Procedure")
        for r in resources[kind]
        for c in r.get("code", {}).get("coding", [])
    }
    assert ("http://snomed.info/sct", "24700007") in codes
    assert ("http://snomed.info/sct", "273554001") in codes
    assert ("http://snomed.info/sct", "425983008") in codes
    # nobody else may delete it; the requester does; then it and its files are gone
    assert client.delete(status_url, headers=world.bearer("lead_x")).status_code == 404
    assert client.delete(status_url, headers=world.bearer("staff_x")).status_code == 202
    assert client.get(status_url, headers=world.bearer("staff_x")).status_code == 404
    first_file = body["output"][0]["url"]
    assert client.get(first_file, headers=world.bearer("staff_x")).status_code == 404
    with world.db() as s:
        actions = [e.action for e in audit_event_list(s, entity_type="bulk_export")]
    assert actions[0] == "clinic.bulk_export"
    assert actions.count("clinic.bulk_export.download") == len(BULK_TYPES)
    assert actions[-1] == "clinic.bulk_export.delete"


def test_a_chosen_type_only(world: World) -> None:
    client = TestClient(world.app)
    started = _kick_off(client, world, "lead_x", _type="Patient,Procedure")
    body = client.get(started.headers["Content-Location"], headers=world.bearer("lead_x")).json()
    assert [item["type"] for item in body["output"]] == ["Patient", "Procedure"]


def test_while_running_the_status_says_so(world: World) -> None:
    with world.db() as s:
        job = bulk.bulk_export_start(
            s,
            actor=_actor(world, "monitor_x"),
            clinic_id=world.clinic_x,
            types=["Patient"],
            request="/x",
            now=world.now(),
        )
        export_id = job.id
    answer = TestClient(world.app).get(
        f"/api/v1/fhir/bulk/{export_id}", headers=world.bearer("monitor_x")
    )
    assert answer.status_code == 202
    assert answer.headers["X-Progress"] == "in progress"
    assert answer.headers["Retry-After"] == "2"


def test_refusals_name_the_parameter(world: World) -> None:
    client = TestClient(world.app)
    url = KICK_OFF.format(world.clinic_x)
    no_prefer = client.get(url, headers=world.bearer("staff_x"))
    assert no_prefer.status_code == 422
    assert "Prefer" in no_prefer.text
    for params, field in (
        ({"_type": "Encounter"}, "_type"),
        ({"_outputFormat": "text/csv"}, "_outputFormat"),
        ({"_since": "last week"}, "_since"),
        ({"_since": "2020-01-01T00:00:00"}, "_since"),  # no time zone
        ({"_since": "2999-01-01T00:00:00Z"}, "_since"),  # the future
    ):
        answer = client.get(url, params=params, headers={**world.bearer("staff_x"), **ASYNC})
        assert answer.status_code == 422, params
        assert field in answer.text


def test_only_the_clinic_and_only_the_requester(world: World) -> None:
    client = TestClient(world.app)
    assert _kick_off(client, world, "staff_y").status_code == 404
    assert _kick_off(client, world, "patient_a").status_code == 404
    assert client.get(KICK_OFF.format(world.clinic_x), headers=ASYNC).status_code == 401
    started = _kick_off(client, world, "staff_x")
    status_url = started.headers["Content-Location"]
    # another reader of the same clinic, another clinic, nobody: not found or not signed in
    assert client.get(status_url, headers=world.bearer("monitor_x")).status_code == 404
    assert client.get(status_url, headers=world.bearer("staff_y")).status_code == 404
    assert client.get(status_url).status_code == 401
    assert client.get(status_url + "/Patient.ndjson").status_code == 401
    assert (
        client.get(status_url + "/Patient.ndjson", headers=world.bearer("monitor_x")).status_code
        == 404
    )


def test_since_gives_only_what_changed(world: World) -> None:
    client = TestClient(world.app)
    # the app's clock a day ahead: one new entry in record X-0001 then, asked for since
    # an hour before it (everything else was written earlier)
    later = datetime.now(UTC) + timedelta(days=1)
    world.app.state.clock = lambda: later
    try:
        with world.db() as s:
            record.entry_add(
                s,
                actor=_actor(world, "staff_x"),
                patient_id=world.record_x,
                kind="relapse",
                data={"date": "2024-05-01"},
                now=later,
            )
        since = (later - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        started = _kick_off(client, world, "staff_x", _since=since)
        assert started.status_code == 202, started.text
        url = started.headers["Content-Location"]
        body = client.get(url, headers=world.bearer("staff_x")).json()
    finally:
        world.app.state.clock = None
    counts = {item["type"]: item["count"] for item in body["output"]}
    assert counts == {"Patient": 1, "Condition": 1}  # the record and its new relapse


def test_the_manifest_says_when_the_files_go_and_then_they_are_gone(world: World) -> None:
    """``Expires`` on the complete status; from that moment every URL of the export is 404."""
    client = TestClient(world.app)
    made = datetime.now(UTC).replace(microsecond=0)
    world.app.state.clock = lambda: made
    try:
        started = _kick_off(client, world, "staff_x", _type="Patient")
        url = started.headers["Content-Location"]
        answer = client.get(url, headers=world.bearer("staff_x"))
        assert answer.status_code == 200
        assert parsedate_to_datetime(answer.headers["Expires"]) == made + bulk.KEEP
        file_url = answer.json()["output"][0]["url"]
        world.app.state.clock = lambda: made + bulk.KEEP - timedelta(seconds=1)
        assert client.get(file_url, headers=world.bearer("staff_x")).status_code == 200
        world.app.state.clock = lambda: made + bulk.KEEP
        assert client.get(url, headers=world.bearer("staff_x")).status_code == 404
        assert client.get(file_url, headers=world.bearer("staff_x")).status_code == 404
        assert client.delete(url, headers=world.bearer("staff_x")).status_code == 404
    finally:
        world.app.state.clock = None
