"""Journey page, API and calendar download."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from icalendar import Calendar

CASES = Path(__file__).resolve().parents[1] / "eligibility" / "profiles"
BODY = {"facility": "moscow-pirogov", "admission_date": "2027-03-01", "today": "2026-11-23"}


def test_api_gives_the_timeline(client: TestClient) -> None:
    """Day 0 and discharge where the clinic's page puts them; every milestone sourced."""
    body = client.post("/api/v1/journeys", json=BODY).json()

    assert (body["admission"], body["day0"], body["discharge"]) == (
        "2027-03-01",
        "2027-03-13",
        "2027-03-30",
    )
    day0 = next(m for m in body["milestones"] if m["id"] == "day0")
    assert (day0["basis"], day0["day"]) == ("facility", 0)
    assert day0["sources"][0]["url"] == "https://www.hsct-russia.com/stages-of-treatment"


def test_api_uses_the_profile_for_washouts(client: TestClient) -> None:
    """A drug taken now gets a "stop by" date; bad profile fields are located."""
    good = client.post(
        "/api/v1/journeys",
        json={
            **BODY,
            "admission_date": "2027-06-01",
            "profile": {"treatments": [{"drug": "Ocrevus", "start": "2022-01-01"}]},
        },
    ).json()
    bad = client.post("/api/v1/journeys", json={**BODY, "profile": {"edss": 4.3}})

    stop = next(m for m in good["milestones"] if m["id"] == "washout-ocrelizumab")
    assert stop["start"] == "2026-12-01"
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "profile", "edss"]


def test_api_errors_name_the_field(client: TestClient) -> None:
    """Unknown facility and past admission are 422 with the field and what is allowed."""
    unknown = client.post("/api/v1/journeys", json={**BODY, "facility": "nowhere"})
    past = client.post("/api/v1/journeys", json={**BODY, "admission_date": "2026-01-01"})

    assert unknown.json()["detail"][0]["loc"] == ["body", "facility"]
    assert past.json()["detail"][0] == {
        "loc": ["body", "admission_date"],
        "msg": "2026-01-01 is not in the future",
        "type": "invalid_input",
        "allowed": "a date after 2026-11-23",
    }


def test_api_calendar(client: TestClient) -> None:
    """`?format=ics` answers an iCalendar file that parses back."""
    response = client.post("/api/v1/journeys?format=ics", json=BODY)

    calendar = Calendar.from_ical(response.content)
    assert response.headers["content-type"].startswith("text/calendar")
    day0 = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("day0-"))
    assert day0.decoded("DTSTART") == dt.date(2027, 3, 13)


def test_page_groups_by_month_and_marks_today(client: TestClient) -> None:
    """Month headings, the today marker, the clinic's own schedule marked as such."""
    page = client.get("/journey?facility=moscow-pirogov&admission_date=2030-03-01").text

    assert "<h3>March 2030</h3>" in page
    assert 'class="timeline-today"' in page
    assert page.index('class="timeline-today"') < page.index("<h3>March 2030</h3>")
    assert "The clinic's own schedule" in page
    assert "Day 0: your stem cells are returned" in page


def test_page_reports_bad_dates(client: TestClient) -> None:
    """A past admission: 422 and the field named, no timeline."""
    response = client.get("/journey?facility=moscow-pirogov&admission_date=2020-01-01")

    assert response.status_code == 422
    assert "Admission date: 2020-01-01 is not in the future" in response.text
    assert 'class="timeline"' not in response.text


def test_page_from_the_candidate_results_includes_washouts(client: TestClient) -> None:
    """POSTed answers give the drug's washout; the calendar download carries them too."""
    profile = json.loads((CASES / "edss-7-moscow.json").read_text())["profile"]
    data = {
        "profile": json.dumps(profile),
        "facility": "puebla-clinica-ruiz",
        "admission_date": "2030-03-01",
    }

    page = client.post("/journey", data=data).text
    calendar = client.post("/journey/plan.ics", data=data)

    assert "Washout of ocrelizumab ends" in page
    assert b"SUMMARY:Washout of ocrelizumab ends" in calendar.content


def test_page_in_russian(client: TestClient) -> None:
    """Russian page and Russian calendar titles."""
    headers = {"Accept-Language": "ru"}
    page = client.get("/journey?facility=moscow-pirogov&admission_date=2030-03-01", headers=headers)
    ics = client.get(
        "/journey/plan.ics?facility=moscow-pirogov&admission_date=2030-03-01", headers=headers
    )

    assert "День 0: вам возвращают стволовые клетки" in page.text
    titles = {str(e["SUMMARY"]) for e in Calendar.from_ical(ics.content).walk("VEVENT")}
    assert "День 0: вам возвращают стволовые клетки" in titles


def test_page_errors_in_russian(client: TestClient) -> None:
    """The date error reads in Russian, field name and all."""
    page = client.get(
        "/journey?facility=moscow-pirogov&admission_date=2020-01-01",
        headers={"Accept-Language": "ru"},
    ).text

    assert "Дата госпитализации: 2020-01-01 — не будущая дата (допустимо: дата позже" in page
