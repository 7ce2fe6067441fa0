"""The candidate wizard in Chromium: keyboard Enter, every step and the results pass axe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from tests.web.test_accessibility import BLOCKING_IMPACTS, _describe


def _after_host(url: str) -> str:
    """The path, query and fragment of ``url``."""
    parts = urlsplit(url)
    return parts.path + "?" + parts.query + "#" + parts.fragment


pytestmark = pytest.mark.browser


def axe_problems(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Serious or critical axe-core findings on the current page."""
    page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def next_step(page: Page) -> None:
    page.click(".wizard-nav button[value=next]")
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_step_and_the_results_pass_axe(
    browser: Browser, base_url: str, axe_source: str, locale: str
) -> None:
    """Walk all seven steps with answers, then open the results and the summary."""
    context = browser.new_context(
        locale=locale, extra_http_headers={"Accept-Language": locale}, bypass_csp=True
    )
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page.goto(base_url + "/candidate")
        found["start"] = axe_problems(page, axe_source)
        page.goto(base_url + "/candidate/wizard")
        page.fill("#f-birth_date", "1981-04-02")
        found["about"] = axe_problems(page, axe_source)
        next_step(page)
        page.check("input[name=ms_type][value=SPMS]")
        found["disease"] = axe_problems(page, axe_source)
        next_step(page)
        page.select_option("#f-edss", "7.0")
        found["edss"] = axe_problems(page, axe_source)
        next_step(page)
        page.check("input[name=relapses_known][value=listed]")
        page.fill("#f-relapse_date_0", "2026-04-10")
        found["relapses"] = axe_problems(page, axe_source)
        next_step(page)
        found["mri"] = axe_problems(page, axe_source)
        next_step(page)
        page.check("input[name=treatments_known][value=listed]")
        page.select_option("#f-drug_0", "ocrelizumab")
        found["treatments"] = axe_problems(page, axe_source)
        next_step(page)
        found["other"] = axe_problems(page, axe_source)
        page.click(".wizard-nav button[value=results]")
        page.wait_for_load_state()
        page.click("#r-moscow-pirogov > summary")
        page.click("#r-moscow-pirogov li.criterion >> nth=1")
        found["results"] = axe_problems(page, axe_source)
        page.click("button[formaction='/candidate/summary']")
        page.wait_for_load_state()
        found["summary"] = axe_problems(page, axe_source)
    finally:
        context.close()

    problems = {name: _describe(v) for name, v in found.items() if v}
    assert problems == {}


def test_enter_in_a_field_goes_to_the_next_step(page: Page, base_url: str) -> None:
    """The default button is "Next", not "More rows" or "See the results"."""
    page.goto(base_url + "/candidate/wizard")
    page.fill("#f-age", "40")
    page.press("#f-age", "Enter")

    expect(page.locator("h1")).to_have_text("Your MS")
    expect(page.locator(".progress")).to_have_text("Step 2 of 7")


def test_phone_width_has_no_sideways_scrolling(browser: Browser, base_url: str) -> None:
    """At 360 px the treatment step fits the screen."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    try:
        page.goto(base_url + "/candidate/wizard")
        page.click(".steps button[value='goto:treatments']")
        page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()

    assert width <= 360


def test_last_dose_is_asked_only_for_drugs_given_in_courses(
    browser: Browser, base_url: str
) -> None:
    """Ocrelizumab shows "last infusion"; interferon hides it again."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/candidate/wizard")
    for _ in range(5):  # about, disease, disability, relapses, MRI
        next_step(page)
    last_dose = page.locator('[data-course-field="0"]')

    page.select_option("#f-drug_0", "ocrelizumab")
    expect(last_dose).to_be_visible()
    page.select_option("#f-drug_0", "interferon-beta")
    expect(last_dose).to_be_hidden()
    context.close()


@pytest.mark.parametrize(("width", "other"), [(320, "ru"), (1280, "es")])
def test_answers_survive_back_reload_and_a_language_switch(
    browser: Browser, base_url: str, width: int, other: str
) -> None:
    """Issue 19: Back, Forward, reload and the language buttons keep every answer, and no
    answer ever appears in the address (the server log never sees a query with them)."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    try:
        page.goto(base_url + "/candidate/wizard")
        page.fill("#f-age", "41")
        next_step(page)
        page.check("input[name=ms_type][value=SPMS]")
        expect(page).to_have_url(base_url + "/candidate/wizard?step=disease")

        page.go_back()  # no "resubmit the form?" page: the step comes back with its answer
        expect(page.locator("#f-age")).to_have_value("41")
        page.go_forward()
        expect(page.locator("h1")).to_have_text("Your MS")

        # The language buttons post the step: the answer typed but not yet sent stays too.
        page.check("input[name=ms_type][value=SPMS]")
        page.locator(f".lang-switch button[value={other}]").click()
        expect(page.locator("html")).to_have_attribute("lang", other)
        expect(page.locator("input[name=ms_type][value=SPMS]")).to_be_checked()
        assert '"age": 41' in page.locator("input[name=profile]").input_value()

        page.click(".wizard-nav button[value=results]")
        expect(page).to_have_url(base_url + "/candidate/results")
        page.reload()  # the results come back from this tab's storage, not the server's
        expect(page.locator("#results-form input[name=profile]")).to_have_value(
            '{"age": 41, "ms_type": "SPMS"}'
        )
        expect(page.locator("html")).to_have_attribute("lang", other)
        page.locator(".lang-switch button[value=en]").click()
        expect(page.locator("h1")).to_have_text("Your results")
        expect(page.locator(".save-answers button.primary")).to_be_visible()
    finally:
        context.close()
    # The address after the host: the server's random port may itself contain "41".
    leaked = [url for url in addresses if "41" in _after_host(url) or "SPMS" in url]
    assert not leaked


@pytest.mark.parametrize("outcome", ["answered", "failed"])
def test_a_step_waits_for_its_kept_answers_before_taking_new_ones(
    browser: Browser, base_url: str, outcome: str
) -> None:
    """Back to a step on a slow connection: its questions cannot be answered until the kept
    answers are back (a choice made meanwhile would be lost with the page they replace);
    when the request fails, the questions come back."""
    context = browser.new_context(extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    held: list[Any] = []

    def hold(route: Any) -> None:  # Playwright wants a Python function, not list.append
        held.append(route)

    try:
        page.goto(base_url + "/candidate/wizard")
        page.fill("#f-age", "41")
        next_step(page)
        page.go_back()
        expect(page.locator("#f-age")).to_have_value("41")
        page.route("**/candidate/wizard", hold)
        page.go_forward()
        form = page.locator("form[data-keep-answers]")
        expect(form).to_have_attribute("aria-busy", "true")
        expect(page.locator("input[name=ms_type][value=SPMS]")).to_be_disabled()
        assert len(held) == 1
        if outcome == "failed":
            held[0].abort()
            expect(form).not_to_have_attribute("aria-busy", "true")
            expect(page.locator("input[name=ms_type][value=SPMS]")).to_be_enabled()
            return
        held[0].continue_()
        page.unroute("**/candidate/wizard")
        page.check("input[name=ms_type][value=SPMS]")  # waits until it can be answered
        expect(page.locator("input[name=profile]")).to_have_value('{"age": 41}')
        page.click(".wizard-nav button[value=next]")
        expect(page.locator("input[name=profile]")).to_have_value('{"age": 41, "ms_type": "SPMS"}')
    finally:
        context.close()


def test_a_tab_without_kept_answers_says_what_to_do(
    browser: Browser, base_url: str, axe_source: str
) -> None:
    """Reload of the results in a new tab: nothing to restore, and the page says why."""
    context = browser.new_context(viewport={"width": 320, "height": 700}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/candidate/results")
        expect(page.locator("[data-restore-failed]")).to_be_visible()
        expect(page.locator("[data-restore-failed] a[href='/candidate']")).to_be_visible()
        assert axe_problems(page, axe_source) == []
    finally:
        context.close()


def test_focus_goes_where_the_person_needs_it(browser: Browser, base_url: str) -> None:
    """Issue 19, keyboard: the new step's heading takes the focus; a refused answer puts it
    on the error summary, which names the field and what is allowed; "Add another" puts it
    in the new row; "I don't know" is the checked answer a Tab lands on."""
    context = browser.new_context(
        viewport={"width": 320, "height": 700}, extra_http_headers={"Accept-Language": "ru"}
    )
    page = context.new_page()
    focused = "document.activeElement.id || document.activeElement.tagName"
    try:
        page.goto(base_url + "/candidate/wizard")
        page.fill("#f-age", "150")
        page.press("#f-age", "Enter")
        summary = page.locator(".callout.error")
        expect(summary).to_be_focused()
        expect(summary.locator("a[href='#f-age']")).to_contain_text("0")
        expect(summary.locator("a[href='#f-age']")).to_contain_text("120")

        page.fill("#f-age", "40")
        page.press("#f-age", "Enter")
        expect(page.locator("main h1")).to_be_focused()
        page.keyboard.press("Tab")
        for _ in range(12):  # to the first radio group: the checked answer is "I don't know"
            if page.evaluate("document.activeElement.name") == "ms_type":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.value") == ""
        assert page.evaluate("document.activeElement.checked") is True

        page.click(".steps button[value='goto:relapses']")
        expect(page.locator("input[name^=relapse_date_]")).to_have_count(1)
        page.click("button[name=go][value=more]")
        expect(page.locator("input[name^=relapse_date_]")).to_have_count(2)
        assert page.evaluate(focused) == "f-relapse_date_1"
    finally:
        context.close()
