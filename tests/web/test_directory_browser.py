"""The directory, a clinic's page and the drug picker as people use them (issue 19), in
Chromium: Russian at 320 px and Spanish at desktop width, axe on each state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from hsct.common.i18n import data_translations
from hsct.knowledge import load_catalog
from tests.web.test_candidate_browser import axe_problems

pytestmark = pytest.mark.browser

CASES = [("ru", 320, "RUB"), ("es", 1280, "EUR")]


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_directory_clinic_page_and_drug_picker_in_the_reader_s_language(
    browser: Browser, base_url: str, axe_source: str, case: tuple[str, int, str]
) -> None:
    """The directory starts in the language's currency and keeps the one picked; clinics
    that accept patients and publish criteria come first; each card states years since
    diagnosis; a clinic's notes are in the language (not marked English) and it says how to
    apply; the drug picker lists the translated names with brands in the reader's script."""
    locale, width, currency = case
    catalog = load_catalog()
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
        bypass_csp=True,  # axe is injected as a script
    )
    page = context.new_page()
    try:
        page.goto(base_url + "/facilities")
        expect(page.locator("#f-currency")).to_have_value(currency)
        first = page.locator("li.card").first
        expect(first.locator(".badge.status-accepting_patients")).to_be_visible()
        first_id = (first.get_attribute("id") or "").removeprefix("facility-")
        assert catalog.facility_ruleset(first_id) is not None
        expect(first.locator("dl.facts dt").nth(3)).to_have_text(
            {"ru": "Лет с момента диагноза", "es": "Años desde el diagnóstico"}[locale]
        )
        no_sideways_scroll(page, width)
        assert axe_problems(page, axe_source) == []

        page.goto(base_url + "/facilities?currency=GBP")  # what choosing pounds submits
        expect(page.locator("#f-currency")).to_have_value("GBP")
        page.goto(base_url + "/facilities/moscow-pirogov")
        expect(page.locator("#f-currency")).to_have_value("GBP")
        note = catalog.facilities["moscow-pirogov"].washout.note or ""
        washout = page.locator("#washout ~ p.note-en, section[aria-labelledby=washout] p.note-en")
        expect(washout.first).to_have_text(data_translations(locale).gettext(note))
        assert washout.first.get_attribute("lang") is None
        expect(page.locator("#apply")).to_be_visible()
        contact = page.locator("ol.apply-steps a", has_text="https://www.hsct-russia.com")
        expect(contact).to_be_visible()
        no_sideways_scroll(page, width)
        assert axe_problems(page, axe_source) == []

        page.goto(base_url + "/candidate/wizard")
        page.click(".steps button[value='goto:treatments']")
        page.wait_for_load_state()
        options = page.locator("#f-drug_0 option").all_inner_texts()
        ocrelizumab = data_translations(locale).gettext("ocrelizumab")
        brands = "Ocrevus, Окревус" if locale == "ru" else "Ocrevus"
        assert f"{ocrelizumab} ({brands})" in options
        no_sideways_scroll(page, width)
    finally:
        context.close()
