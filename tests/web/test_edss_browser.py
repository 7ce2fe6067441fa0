"""The EDSS calculator in Chromium: keyboard only, live results, phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def test_keyboard_only_examination_updates_the_result_live(page: Page, base_url: str) -> None:
    """Tab to each select, choose with the arrow keys; the result refreshes without a click."""
    page.goto(base_url + "/edss/examination")
    page.wait_for_function("typeof window.htmx === 'object'")
    choices = {
        "f-visual": 0,
        "f-brainstem": 0,
        "f-pyramidal": 4,
        "f-cerebellar": 2,
        "f-sensory": 2,
        "f-bowel_bladder": 0,
        "f-cerebral": 0,
        "f-ambulation_score": 0,
    }
    for element_id, grade in choices.items():
        while page.evaluate("document.activeElement.id") != element_id:
            page.keyboard.press("Tab")
        for _ in range(grade + 1):  # first option is "Not known"
            page.keyboard.press("ArrowDown")

    result = page.locator("#edss-result")
    expect(result.locator(".result-value strong")).to_have_text("4.5")
    expect(result).to_contain_text("Contested: published calculators disagree here")
    assert "pyramidal=4" in page.url  # the address carries the answers (bookmark, print)


def test_walking_questions_by_keyboard(page: Page, base_url: str) -> None:
    """Radio groups work with Tab and arrow keys; the range appears as answers change."""
    page.goto(base_url + "/edss/walking")
    page.wait_for_function("typeof window.htmx === 'object'")
    page.get_by_label("300 to 499 metres").focus()
    page.keyboard.press("Space")

    expect(page.locator("#edss-result .result-value strong")).to_have_text("between 4.5 and 5.0")


def test_edss_pages_fit_a_phone(browser: Browser, base_url: str) -> None:
    """At 360 px nothing scrolls sideways and controls are large enough to tap."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for path in (
            "/edss",
            "/edss/examination?pyramidal=4&ambulation_score=0",
            "/edss/walking?unaided=300",
        ):
            page.goto(base_url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        heights = page.eval_on_selector_all(
            "form.edss-form select, form.edss-form .radio, form.edss-form button",
            "els => els.map(e => e.getBoundingClientRect().height)",
        )
        assert heights
        assert min(heights) >= 44
    finally:
        context.close()
