"""Printing opens every collapsed section, and closes them again afterwards."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def test_beforeprint_opens_the_timeline_steps(page: Page, base_url: str) -> None:
    """The journey's steps are collapsed on screen and all open for print."""
    page.goto(base_url + "/journey?facility=moscow-pirogov&admission_date=2030-03-01")
    closed = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")

    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    during = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    after = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")

    assert closed > 20
    assert during == 0
    assert after == closed


#: A person with a long history: four drugs, four relapses, three scans, two earlier EDSS.
LONG_HISTORY = {
    "birth_date": "1979-02-11",
    "ms_type": "RRMS",
    "diagnosis_date": "2014-03-01",
    "onset_date": "2012-06-01",
    "edss": 4.5,
    "edss_history": [{"date": "2024-05-01", "edss": 3.5}, {"date": "2025-06-01", "edss": 4.0}],
    "relapses": [{"date": d} for d in ("2026-04-10", "2025-09-01", "2025-02-01", "2024-07-01")],
    "mri": [
        {"date": "2026-05-02", "gd_enhancing": 2, "new_t2": 3},
        {"date": "2025-10-01", "gd_enhancing": 1, "new_t2": 1},
        {"date": "2025-03-01", "gd_enhancing": 0, "new_t2": 2},
    ],
    "treatments": [
        {
            "drug": "interferon-beta",
            "start": "2014-05-01",
            "stop": "2016-08-01",
            "reason_stopped": "ineffective",
        },
        {
            "drug": "fingolimod",
            "start": "2016-09-01",
            "stop": "2019-01-01",
            "reason_stopped": "ineffective",
        },
        {
            "drug": "natalizumab",
            "start": "2019-02-01",
            "stop": "2022-03-01",
            "last_dose": "2022-02-15",
            "reason_stopped": "side_effects",
        },
        {"drug": "ocrelizumab", "start": "2022-05-01", "last_dose": "2026-03-01"},
    ],
    "prior_hsct": False,
    "comorbidities": ["hypothyroidism"],
    "as_of": "2026-11-23",
}
EXAMPLE = json.loads((Path(__file__).parents[2] / "examples" / "profile.json").read_text())


def post_answers(page: Page, base_url: str, action: str, profile: dict[str, Any]) -> None:
    """Post saved answers to a candidate page, as the pages' own forms do."""
    page.goto(base_url + "/candidate")
    page.evaluate(
        """([profile, action]) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            const field = document.createElement('input');
            field.name = 'profile';
            field.value = profile;
            form.appendChild(field);
            document.body.appendChild(form);
            form.submit();
        }""",
        [json.dumps(profile), action],
    )


def printed_pages(
    browser: Browser,
    base_url: str,
    locale: str,
    profile: dict[str, Any],
    action: str = "/candidate/summary",
) -> int:
    """Pages of the neurologist's summary (or another page the answers are posted to)
    printed to PDF on A4 by Chromium."""
    context = browser.new_context(extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    try:
        post_answers(page, base_url, action, profile)
        page.wait_for_load_state("networkidle")
        expect(page.locator("main h1")).to_be_visible()
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
def test_the_neurologist_summary_prints_on_one_a4_page(
    browser: Browser, base_url: str, locale: str
) -> None:
    """Issue 19: answers with drug dates, EDSS and its source, the criterion not met for each
    guideline, a notes space and compact sources, on one A4 page, even for a long history."""
    assert printed_pages(browser, base_url, locale, EXAMPLE) == 1
    assert printed_pages(browser, base_url, locale, LONG_HISTORY) == 1


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_results_print_on_fewer_than_8_pages(
    browser: Browser, base_url: str, locale: str
) -> None:
    """Issue 19: each clinic, guideline and trial prints as its one-line verdict; the detail
    sections (protocols, every risk figure, studies) print as their headings."""
    for profile in (EXAMPLE, LONG_HISTORY):
        assert printed_pages(browser, base_url, locale, profile, "/candidate/results") < 8


def test_long_results_open_as_a_summary(page: Page, base_url: str) -> None:
    """On screen the results show the verdicts, the risk brief and the drug advice; the
    long sections are one tap away."""
    post_answers(page, base_url, "/candidate/results", EXAMPLE)
    page.wait_for_load_state()
    expect(page.locator("#risk-brief-h")).to_be_visible()
    more = page.locator("details.more")
    expect(more).to_have_count(4)
    assert page.evaluate("[...document.querySelectorAll('details.more')].every(d => !d.open)")
    page.locator("#risks-more > summary").click()
    expect(page.locator("#risks")).to_be_visible()
