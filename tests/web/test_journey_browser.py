"""The journey planner in Debian's Chromium, as a person uses it (issue 19).

In English and Russian, at 320 px and on a desktop: without a date the plan proposes one
and says why; a date too soon is kept and its late steps are flagged; referral, screening
and funding steps come before admission; the calendar file has reminders on to-dos only.
axe-core checks each new state. The app's clock is frozen at 2 December 2026.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Page

from hsct.common.settings import Settings
from hsct.web import create_app
from tests.support.live_server import live_server
from tests.web.conftest import Clock
from tests.web.test_accessibility import axe_violations

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 12, 2)
WIDTHS = {"phone": 320, "desktop": 1280}
#: What each language shows; the Russian is the catalogue's (issue 19 translations).
TEXT = {
    "en": {
        "proposed": "Proposed admission: 18 December 2026",
        "late": "Some steps are already late for this date",
        "badge": "Late: do it now",
        "due": "Was due by 24 November 2026",
        "suggestion": "A practical suggestion, not from a source.",
        "funding": "Arrange how the treatment is paid for",
        "late_event": "Late, do it now: Vaccinations needed before treatment",
        "calendar": "Add to my calendar (.ics file)",
    },
    "ru": {
        "proposed": "Предлагаемая дата госпитализации: 18 декабря 2026 г.",
        "late": "Для этой даты некоторые этапы уже просрочены",
        "badge": "Просрочено: сделайте сейчас",
        "due": "Нужно было сделать до 24 ноября 2026 г.",
        "suggestion": "Практический совет, не из источника.",
        "funding": "Решите, как будет оплачено лечение",
        "late_event": "Просрочено, сделайте сейчас: Прививки, нужные до лечения",
        "calendar": "Добавить в мой календарь (файл .ics)",
    },
}


def plain(text: str) -> str:
    """Text with the no-break spaces of long dates (Russian "2026 g.") as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The app on a live port with its clock frozen on 2 December 2026, 09:00 UTC."""
    with tempfile.TemporaryDirectory(prefix="hsct-journey-") as folder:
        app = create_app(Settings(database_url=f"sqlite:///{Path(folder) / 'hsct.sqlite3'}"))
        app.state.clock = Clock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
        with live_server(app) as base:
            yield base


@pytest.fixture(params=[(lang, width) for lang in TEXT for width in WIDTHS], ids="-".join)
def tab(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, str, int]]:
    """A tab in ``lang`` at ``width``: (page, language, width in px)."""
    lang, width = request.param
    context = browser.new_context(
        viewport={"width": WIDTHS[width], "height": 900},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        bypass_csp=True,  # for axe-core's injected script only
    )
    yield context.new_page(), lang, WIDTHS[width]
    context.close()


def plan_for(page: Page, url: str, admission: str = "") -> None:
    """Open the planner, choose Moscow, give a date (or none) and show the plan."""
    page.goto(url + "/journey")
    page.select_option("#f-facility", "moscow-pirogov")
    if admission:
        page.fill("#f-admission_date", admission)
    page.locator("form.journey-form button[type=submit]").click()
    page.wait_for_load_state()


def fits(page: Page, width: int) -> None:
    """No sideways scroll (WCAG 1.4.10)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def no_axe_problems(page: Page, axe_source: str) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    found: list[dict[str, Any]] = axe_violations(page, axe_source)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found] == []


def test_without_a_date_the_plan_proposes_one_and_the_person_can_change_it(
    tab: tuple[Page, str, int], url: str, axe_source: str
) -> None:
    """No date: the proposed date with what decided it; then a date of one's own."""
    page, lang, width = tab
    plan_for(page, url)

    proposal = page.locator("#proposal")
    assert plain(proposal.locator("h3").inner_text()) == TEXT[lang]["proposed"]
    constraints = proposal.locator("ul.constraints li")
    assert not constraints.first.is_visible()  # the detail is one tap away
    proposal.locator("details.constraints summary").click()
    assert [c.is_visible() for c in constraints.all()] == [True, True]
    assert page.locator("ul.key-dates time").first.get_attribute("datetime") == "2026-12-18"
    fits(page, width)
    no_axe_problems(page, axe_source)

    proposal.locator("a[href='#f-admission_date']").click()
    page.fill("#f-admission_date", "2027-03-01")
    page.locator("form.journey-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#proposal").count() == 0
    assert page.locator("ul.key-dates time").first.get_attribute("datetime") == "2027-03-01"


def test_a_date_too_soon_is_kept_and_its_late_steps_are_flagged(
    tab: tuple[Page, str, int], url: str, axe_source: str
) -> None:
    """10 December: the live-vaccine deadline was 24 November. Flagged, shown at today."""
    page, lang, width = tab
    plan_for(page, url, "2026-12-10")

    assert page.locator("#late h3").inner_text() == TEXT[lang]["late"]
    step = page.locator("#step-vaccines-before")
    assert step.locator(".badge.late").inner_text() == TEXT[lang]["badge"]
    assert plain(step.locator(".when").inner_text()) == TEXT[lang]["due"]
    today_box = page.locator("#today").bounding_box()
    step_box = step.bounding_box()
    assert today_box is not None
    assert step_box is not None
    assert today_box["y"] < step_box["y"]  # right after "today", not back in November
    fits(page, width)
    no_axe_problems(page, axe_source)


def test_referral_screening_and_funding_come_first_with_their_sources(
    tab: tuple[Page, str, int], url: str, axe_source: str
) -> None:
    """The funding step opens on its source; travel documents say they are a suggestion."""
    page, lang, width = tab
    plan_for(page, url, "2027-03-01")

    ids = page.locator("li.timeline-item").evaluate_all("items => items.map(i => i.id)")
    assert ids[:9] == [
        "step-referral",
        "step-records",
        "step-screening",
        "step-funding",
        "step-fertility",
        "step-vaccines-before",
        "step-infections",
        "step-travel-documents",
        "step-travel",
    ]
    funding = page.locator("#step-funding")
    assert funding.locator(".what").inner_text() == TEXT[lang]["funding"]
    funding.locator("summary").click()
    assert funding.locator(".prov a").get_attribute("href") == (
        "https://www.mssociety.org.uk/about-ms/treatments-and-therapies/"
        "disease-modifying-therapies/hsct/having-hsct-outside-the-nhs"
    )
    documents = page.locator("#step-travel-documents")
    documents.locator("summary").click()
    assert documents.locator(".prov").inner_text() == TEXT[lang]["suggestion"]
    fits(page, width)
    no_axe_problems(page, axe_source)


def test_the_calendar_file_has_reminders_on_to_dos_and_nothing_past(
    tab: tuple[Page, str, int], url: str
) -> None:
    """Downloaded from the page: the late vaccines on today, nothing before today, no event
    longer than the two weeks of low counts, reminders only where the person acts."""
    page, lang, _width = tab
    plan_for(page, url, "2026-12-10")

    with page.expect_download() as download:
        page.get_by_role("button", name=TEXT[lang]["calendar"]).click()
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = {str(e["UID"]).split("-moscow-pirogov-")[0]: e for e in calendar.walk("VEVENT")}

    vaccines = events["vaccines-before"]
    assert str(vaccines["SUMMARY"]) == TEXT[lang]["late_event"]
    assert vaccines.decoded("DTSTART") == TODAY
    assert min(e.decoded("DTSTART") for e in events.values()) == TODAY
    assert max(e.decoded("DTEND") - e.decoded("DTSTART") for e in events.values()) == (
        dt.timedelta(days=14)
    )
    reminded = {key for key, e in events.items() if e.walk("VALARM")}
    assert {"referral", "funding", "vaccines-before", "travel", "mri-6"} <= reminded
    assert reminded.isdisjoint({"screening", "day0", "aplasia", "improvement", "five-years"})
