"""``POST /api/v1/outcomes/progression``: one history in, explained events and NEDA out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

BODY: dict[str, Any] = {
    "transplant_date": "2020-02-01",
    "visits": [
        {"date": "2020-01-10", "edss": 3.0},
        {"date": "2020-08-01", "edss": 4.0},
        {"date": "2021-02-01", "edss": 4.0},
        {"date": "2021-08-01", "edss": 4.0},
    ],
    "relapses": [{"date": "2019-06-01"}],
    "mri": [{"date": "2021-02-03", "gd_enhancing": 0, "new_t2": 0}],
    "options": {"event": "multiple", "baseline": "roving", "raw_pira": True},
}


def test_events_come_explained_with_sources(client: TestClient) -> None:
    response = client.post("/api/v1/outcomes/progression", json=BODY)
    assert response.status_code == 200
    body = response.json()
    (event,) = body["events"]
    assert (event["event"], event["type"], event["onset_date"], event["confirmation_date"]) == (
        "CDW",
        "PIRA",
        "2020-08-01",
        "2021-02-01",
    )
    assert event["days_from_time_zero"] == 182
    assert event["explanation"][0].startswith("Worsening from EDSS 3.0 (baseline visit 2020-01-10)")
    assert body["neda"]["neda3_lost"] is True
    assert body["neda"]["neda3_component"] == "cdw"
    assert body["summary"]["baseline_date"] == "2020-01-10"
    assert [w["field"] for w in body["warnings"]] == ["relapses[0].date"]
    assert all(s["date"] for s in body["sources"])


def test_bad_rows_and_options_are_named(client: TestClient) -> None:
    bad = {**BODY, "visits": [*BODY["visits"][:1], {"date": "2020-08-01", "edss": 3.25}]}
    bad["options"] = {"baseline": "rolling"}
    response = client.post("/api/v1/outcomes/progression", json=bad)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "options", "baseline"]

    bad["options"] = {}
    response = client.post("/api/v1/outcomes/progression", json=bad)
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "visits", 1, "edss"]
    assert problem["allowed"].startswith("0, 1.0, 1.5")


def test_unparseable_date_is_a_field_error(client: TestClient) -> None:
    bad = {**BODY, "visits": [{"date": "2020-02-30", "edss": 3.0}]}
    response = client.post("/api/v1/outcomes/progression", json=bad)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:4] == ["body", "visits", 0, "date"]


def test_neda4_only_when_brain_volume_is_measured(client: TestClient) -> None:
    body = client.post("/api/v1/outcomes/progression", json=BODY).json()
    assert "neda4_lost" not in body["neda"]
    assert [s["label"][:11] for s in body["sources"]][-1] == "Giovannoni "

    measured = {**BODY, "mri": [{**BODY["mri"][0], "brain_volume_change": -0.6}]}
    body = client.post("/api/v1/outcomes/progression", json=measured).json()
    assert body["neda"]["neda4_lost"] is True
    assert body["neda"]["neda4_component"] == "cdw"
