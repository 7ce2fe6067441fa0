"""``POST /api/v1/assessments``: a profile in, verdicts per rule set out; 422 per bad field."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hsct.web.api import assessments

CASES = Path(__file__).resolve().parents[1] / "eligibility" / "profiles"


def test_forum_case_through_the_api(client: TestClient) -> None:
    """The EDSS 7.0 case: Moscow does not meet, with the reason and its source."""
    case = json.loads((CASES / "edss-7-moscow.json").read_text(encoding="utf-8"))

    response = client.post("/api/v1/assessments", json=case["profile"])

    body = response.json()
    assert response.status_code == 200
    results = {r["id"]: r for r in body["guidelines"] + body["trials"] + body["facilities"]}
    assert {k: results[k]["verdict"] for k in case["expect"]} == case["expect"]
    edss = next(c for c in results["moscow-pirogov"]["criteria"] if c["id"] == "edss")
    assert edss["reason"] == "EDSS: 7.0, above this clinic's limit of 6.5."
    assert body["sources"][edss["source"]]["date"] == "2017-01-30"


def test_every_rule_set_is_assessed(client: TestClient) -> None:
    """7 guidelines, 5 trials, and every facility with published criteria."""
    body = client.post("/api/v1/assessments", json={"as_of": "2026-11-23"}).json()

    assert (len(body["guidelines"]), len(body["trials"])) == (7, 5)
    assert len(body["facilities"]) + len(body["facilities_without_criteria"]) == 28
    assert {r["verdict"] for r in body["guidelines"]} == {"insufficient_information"}
    assert all(r["missing"] for r in body["guidelines"])


def test_bad_fields_are_422_with_locations(client: TestClient) -> None:
    """Each bad field gets its own entry, located in the body."""
    response = client.post(
        "/api/v1/assessments", json={"ms_type": "RMS", "relapses": [{"date": "2026-02-30"}]}
    )

    assert response.status_code == 422
    assert sorted(tuple(d["loc"]) for d in response.json()["detail"]) == [
        ("body", "ms_type"),
        ("body", "relapses", "0", "date"),
    ]


def test_not_json_is_422(client: TestClient) -> None:
    """Garbage in: a clear 422, never a 500."""
    response = client.post(
        "/api/v1/assessments", content=b"{nope", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "is not valid JSON at line 1, column 2"


def test_a_short_profile_is_assessed_on_the_event_loop_a_long_history_on_a_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A usual profile (1-4 ms of work) is assessed where the request arrived; a body over
    ``INLINE_BODY`` (a long history, about 10 ms) on a worker thread, so the event loop is
    never held that long. The answer is the same either way."""
    seen: list[tuple[int, bool]] = []
    real = assessments._assess

    def spy(body: bytes, catalog: Any) -> Any:
        loop_thread = True
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop_thread = False
        seen.append((len(body), loop_thread))
        return real(body, catalog)

    monkeypatch.setattr(assessments, "_assess", spy)
    short = {"as_of": "2026-11-23", "edss": 4.0}
    long = {
        **short,
        "comorbidities": ["x" * 40] * 10,
        "relapses": [{"date": f"20{10 + i // 12:02d}-{i % 12 + 1:02d}-01"} for i in range(50)] * 1,
    }
    long_body = json.dumps(long).encode()
    long_body += b" " * (assessments.INLINE_BODY + 1 - len(long_body))
    first = client.post("/api/v1/assessments", json=short)
    second = client.post(
        "/api/v1/assessments", content=long_body, headers={"Content-Type": "application/json"}
    )
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert [on_loop for _, on_loop in seen] == [True, False]
    assert seen[1][0] > assessments.INLINE_BODY
