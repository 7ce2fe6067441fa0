"""Journey page, API and calendar download."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
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


@pytest.mark.usefixtures("clock")
def test_page_from_the_candidate_results_includes_washouts(client: TestClient) -> None:
    """POSTed answers give the drug's washout. It ended on 1 September 2026, before today
    (2 December): the calendar leaves it out unless asked, and the page offers to ask."""
    profile = json.loads((CASES / "edss-7-moscow.json").read_text())["profile"]
    data = {
        "profile": json.dumps(profile),
        "facility": "puebla-clinica-ruiz",
        "admission_date": "2030-03-01",
    }

    page = client.post("/journey", data=data).text
    calendar = client.post("/journey/plan.ics", data=data)
    everything = client.post("/journey/plan.ics", data={**data, "include_past": "1"})

    assert "Washout of ocrelizumab ends" in page
    assert 'name="include_past" value="1"' in page
    assert b"SUMMARY:Washout of ocrelizumab ends" not in calendar.content
    washout = next(
        e
        for e in Calendar.from_ical(everything.content).walk("VEVENT")
        if str(e["SUMMARY"]) == "Washout of ocrelizumab ends"
    )
    assert washout.decoded("DTSTART") == dt.date(2026, 9, 1)


@pytest.mark.usefixtures("clock")
def test_without_a_date_the_page_proposes_one_and_says_why(client: TestClient) -> None:
    """Today is 2 December 2026: a live vaccine today allows day 0 on 30 December, so
    admission at Moscow (day 0 on day 13) on 18 December, marked as proposed."""
    page = client.get("/journey?facility=moscow-pirogov")

    assert page.status_code == 200
    assert "Proposed admission: 18 December 2026" in page.text
    assert 'Admission (proposed): <strong><time datetime="2026-12-18">' in page.text
    assert (
        "<strong>What decided it:</strong> A live vaccine, if you need one, must be given at "
        "least 4 weeks before day 0: given today, day 0 could come no earlier than 30 December "
        "2026." in page.text
    )
    assert "This clinic&#39;s waiting time is not in our data." in page.text
    assert 'href="#f-admission_date"' in page.text
    assert "Some steps are already late" not in page.text


@pytest.mark.usefixtures("clock")
def test_a_date_too_soon_is_kept_and_late_steps_are_flagged(client: TestClient) -> None:
    """Admission on 10 December: the live-vaccine deadline (24 November) has passed. The
    plan is made for that date; the step is late, shown today, and the calendar says so."""
    query = "facility=moscow-pirogov&admission_date=2026-12-10"

    page = client.get(f"/journey?{query}")
    calendar = Calendar.from_ical(client.get(f"/journey/plan.ics?{query}").content)

    assert page.status_code == 200
    assert "Some steps are already late for this date" in page.text
    assert "The earliest admission at which nothing is late is 18 December 2026." in page.text
    assert "Was due by 24 November 2026" in page.text
    assert 'class="badge late">Late: do it now<' in page.text
    assert page.text.index('id="today"') < page.text.index('id="step-vaccines-before"')
    vaccines = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("vaccines-"))
    assert vaccines.decoded("DTSTART") == dt.date(2026, 12, 2)
    assert str(vaccines["SUMMARY"]) == "Late, do it now: Vaccinations needed before treatment"


@pytest.mark.usefixtures("clock")
def test_referral_screening_and_funding_steps_are_shown(client: TestClient) -> None:
    """Before admission: each cited, or marked as a practical suggestion."""
    page = client.get("/journey?facility=moscow-pirogov&admission_date=2027-03-01").text

    for title in (
        "Ask your neurologist for a referral letter",
        "Send your records to the clinic",
        "The clinic reviews your records",
        "Arrange how the treatment is paid for",
        "Travel documents and tickets",
    ):
        assert title in page
    assert "As soon as you can, by 27 February 2027" in page
    assert "Before 27 February 2027" in page  # the clinic's review: not a to-do
    travel_documents = page[page.index('id="step-travel-documents"') :]
    travel_documents = travel_documents[: travel_documents.index("</li>")]
    assert "A practical suggestion, not from a source." in travel_documents


def test_api_proposes_a_date_without_one(client: TestClient) -> None:
    """The JSON says the date is proposed, what decided it, and each to-do."""
    body = client.post(
        "/api/v1/journeys", json={"facility": "puebla-clinica-ruiz", "today": "2026-11-23"}
    ).json()

    assert (body["proposed"], body["admission"]) == (True, "2027-01-23")
    assert body["proposal"]["decided_by"] == "payment"
    assert body["proposal"]["constraints"][0]["reason"] == (
        "This clinic asks for full payment 2 months before arrival."
    )
    payment = next(m for m in body["milestones"] if m["id"] == "payment")
    assert (payment["start"], payment["todo"], payment["late"]) == ("2026-11-23", True, False)


def test_api_calendar_leaves_out_past_steps_unless_asked(client: TestClient) -> None:
    """`include_past=true` keeps a washout that ended before the plan's today."""
    body = {
        **BODY,
        "profile": {
            "treatments": [{"drug": "alemtuzumab", "start": "2018-01-01", "stop": "2020-01-01"}]
        },
    }

    default = client.post("/api/v1/journeys?format=ics", json=body).content
    everything = client.post("/api/v1/journeys?format=ics&include_past=true", json=body).content

    assert b"UID:washout-alemtuzumab-" not in default
    assert b"UID:washout-alemtuzumab-" in everything


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
