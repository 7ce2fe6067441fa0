"""The decision page in Chromium at phone width (issue 18): from the candidate results to
the options, the values exercise reflected back, axe on the answered page, no answer in any
address, and the printed page holding the answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Request, expect

from tests.web.test_accessibility import axe_violations
from tests.web.test_print_browser import EXAMPLE, post_answers

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
def test_from_candidate_results_to_my_answers_beside_the_options(
    browser: Browser, base_url: str, axe_source: str, locale: str
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 800},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
        bypass_csp=True,
    )
    addresses: list[str] = []

    def remember(request: Request) -> None:
        addresses.append(request.url)

    try:
        page = context.new_page()
        page.on("request", remember)
        post_answers(page, base_url, "/candidate/results", EXAMPLE)
        page.wait_for_load_state("load")
        page.locator('button[formaction="/decide"]').click()
        page.wait_for_load_state("load")
        expect(page.locator("main h1")).to_be_visible()
        assert page.url == base_url + "/decide"
        assert page.locator('input[name="profile"]').count() == 1  # carried, not in the URL

        # Answer two questions with the keyboard-reachable radios, then submit.
        page.locator('input[name="value-death-risk"][value="5"]').check()
        page.locator('input[name="value-work"][value="2"]').check()
        page.locator('button[type="submit"][form="decide-form"]').first.click()
        page.wait_for_load_state("load")

        reflection = page.locator("#reflection")
        expect(reflection).to_be_visible()
        assert reflection.locator("section.reflect").count() == 2
        assert reflection.locator("section.reflect.matters").count() == 1
        assert page.locator('input[name="value-death-risk"][value="5"]').is_checked()
        # Nothing wider than the phone (no sideways scrolling).
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert axe_violations(page, axe_source) == []
    finally:
        context.close()

    after_host = [re.sub(r"^https?://[^/]+", "", url) for url in addresses]
    assert not [url for url in after_host if "?" in url and "value-" in url]
    assert not [url for url in after_host if "RRMS" in url or "SPMS" in url]


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
def test_the_summary_of_my_answers_prints_on_one_a4_page(
    browser: Browser, base_url: str, locale: str
) -> None:
    context = browser.new_context(extra_http_headers={"Accept-Language": locale})
    try:
        page = context.new_page()
        page.goto(base_url + "/decide")
        page.locator('input[name="value-fertility"][value="4"]').check()
        page.locator('button[formaction="/decide/summary"]').click()
        page.wait_for_load_state("load")
        assert page.url == base_url + "/decide/summary"
        page.emulate_media(media="print")
        expect(page.locator(".decide-summary h1")).to_be_visible()
        expect(page.locator(".site-header")).to_be_hidden()
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
