"""The legitimacy check in Chromium (issue 19): the verdict where the person is (right after
the question just answered), price and country questions, reporting a suspect clinic;
English and Russian, 320 px and desktop, axe-core on every new state.

The Russian interface strings of this page may still be untranslated when these tests run
(the catalogues are merged separately), so the tests read classes, numbers, links and
texts already translated, never the new Russian words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.test_accessibility import _describe, axe_violations

pytestmark = pytest.mark.browser

LOCALES = ("en", "ru")
SIZES = {"320px": {"width": 320, "height": 640}, "desktop": {"width": 1280, "height": 900}}
FDA_REPORTING = (
    "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/reporting-adverse-events-"
    "related-stem-cells-exosomes-or-other-products-marketed-regenerative"
)
#: "Some concerns" in each language (an existing translation of the verdict).
SOME_CONCERNS = {
    "en": "Some concerns: one warning sign to clear up before going further.",
    "ru": "Есть опасения: один тревожный признак, который нужно прояснить, прежде чем двигаться "
    "дальше.",
}


@pytest.fixture(params=[(lang, size) for lang in LOCALES for size in SIZES], ids=str)
def tab(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    """The legitimacy page in one language at one size, htmx loaded."""
    lang, size = request.param
    context: BrowserContext = browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]  # a ViewportSize dict
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        bypass_csp=True,  # only to add axe-core's script
    )
    page = context.new_page()
    page.goto(base_url + "/legitimacy")
    page.wait_for_function("typeof window.htmx === 'object'")
    yield page
    context.close()


def lang_of(page: Page) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def answer(page: Page, name: str, value: str) -> None:
    """Choose an answer with the keyboard: focus the radio button and press Space."""
    page.locator(f"input[name={name}][value={value}]").focus()
    page.keyboard.press("Space")


def in_view(page: Page, selector: str) -> bool:
    """Whether the whole element is inside the viewport."""
    return bool(
        page.eval_on_selector(
            selector,
            """e => { const r = e.getBoundingClientRect();
                      return r.top >= 0 && r.bottom <= window.innerHeight + 0.5; }""",
        )
    )


def assert_no_axe_problems(page: Page, axe_source: str, state: str) -> None:
    found: list[dict[str, Any]] = axe_violations(page, axe_source)
    assert found == [], f"{state}: {_describe(found)}"


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_verdict_so_far_is_in_view_and_announced_after_each_answer(
    tab: Page, axe_source: str
) -> None:
    """Answering question 7 by keyboard: the short verdict moves right after it, in view,
    changes as a polite status, and focus stays on the answer, which does not move (or only
    as far as it takes to show the verdict line below it)."""
    live = tab.locator("#legitimacy-live")
    expect(live).to_have_attribute("role", "status")
    expect(live).to_have_attribute("aria-atomic", "true")
    answer(tab, "chemotherapy", "yes")
    expect(live).to_contain_text(re.compile(r"\b1\D+19\b"))
    radio = tab.locator("input[name=pressure][value=yes]")
    radio.scroll_into_view_if_needed()
    before = radio.evaluate("e => e.getBoundingClientRect().top")
    answer(tab, "pressure", "yes")

    expect(live.locator(".live-verdict")).to_have_class(re.compile(r"\bverdict-some_concerns\b"))
    expect(tab.locator("#f-pressure + #legitimacy-live-bar")).to_have_count(1)
    # The answer stays put, unless the short verdict below it did not fit on the screen:
    # then the page moves up just enough to show it (a long Russian line at 320 px).
    moved = before - radio.evaluate("e => e.getBoundingClientRect().top")
    bar = tab.locator("#legitimacy-live-bar").evaluate("e => e.getBoundingClientRect().height")
    assert -1 < moved <= bar + 8
    expect(live).to_contain_text(re.compile(r"\b1\D+1\D+2\D+19\b"))
    assert tab.evaluate("document.activeElement.name") == "pressure"
    assert in_view(tab, "#legitimacy-live-bar")
    assert in_view(tab, "input[name=pressure][value=yes]")
    expect(tab.locator("#legitimacy-result h2")).to_have_text(SOME_CONCERNS[lang_of(tab)])
    assert "pressure=yes" in tab.url
    assert_no_sideways_scroll(tab)
    assert_no_axe_problems(tab, axe_source, "after two answers")


def test_the_link_in_the_short_verdict_opens_the_full_result(tab: Page) -> None:
    """'See the full result' brings the full result, above the questions, into view."""
    answer(tab, "cure_claim", "yes")
    expect(tab.locator("#legitimacy-result .verdict-box")).to_have_count(1)

    tab.locator("#legitimacy-live-bar a.live-link").click()

    expect(tab.locator("#legitimacy-result")).to_be_in_viewport()
    assert tab.url.endswith("#legitimacy-result")


def test_a_price_far_below_documented_prices_shows_the_comparison(
    tab: Page, axe_source: str
) -> None:
    """USD 9,000: a warning sign, the lowest and highest prices found, with their sources."""
    tab.select_option("#i-price_currency", "USD")
    tab.fill("#i-price_amount", "9000")
    tab.keyboard.press("Tab")

    live = tab.locator("#legitimacy-live")
    expect(live.locator(".live-verdict")).to_have_class(re.compile(r"\bverdict-some_concerns\b"))
    expect(live).to_contain_text(re.compile(r"\b1\D+0\D+1\D+19\b"))
    check = tab.locator("#legitimacy-result .price-check")
    expect(check.locator('a[href="/facilities/taguig-st-lukes"]')).to_have_count(1)
    expect(check.locator('a[href="/facilities/chicago-northwestern"]')).to_have_count(1)
    expect(check).to_contain_text(re.compile(r"9[\s\u00a0\u202f,]?000"))
    assert "price_currency=USD" in tab.url
    assert "price_amount=9000" in tab.url
    assert_no_sideways_scroll(tab)
    assert_no_axe_problems(tab, axe_source, "price far below")


def test_a_bad_price_is_named_at_the_field_and_announced(tab: Page, axe_source: str) -> None:
    """'abc': the message appears under the price and in the short verdict; fixing it clears
    the message and the rating counts the price."""
    tab.select_option("#i-price_currency", "EUR")
    tab.fill("#i-price_amount", "abc")
    tab.keyboard.press("Tab")

    error = tab.locator("#e-price_asked")
    expect(error).to_contain_text("'abc'")
    expect(tab.locator("#legitimacy-live .live-error")).to_contain_text("'abc'")
    expect(tab.locator("#legitimacy-result .callout.error a[href='#f-price_asked']")).to_have_count(
        1
    )
    assert_no_sideways_scroll(tab)
    assert_no_axe_problems(tab, axe_source, "bad price")

    tab.fill("#i-price_amount", "60000")
    tab.keyboard.press("Tab")

    expect(error).to_be_empty()
    expect(tab.locator("#legitimacy-live")).to_contain_text(re.compile(r"\b1\D+19\b"))
    expect(tab.locator("#legitimacy-result .price-check")).to_have_count(1)


def test_the_country_puts_its_regulator_first_in_reporting(tab: Page, axe_source: str) -> None:
    """Mexico: COFEPRIS first and open (no reporting link), Clínica Ruiz as the listed
    programme; the country adds no warning sign."""
    tab.select_option("#i-country", "MX")

    first = tab.locator("#legitimacy-report-routes details.regulator").first
    expect(first).to_have_class(re.compile(r"\bthis-country\b"))
    expect(first.locator("> summary")).to_contain_text("COFEPRIS")
    expect(first).to_have_attribute("open", "")
    expect(first.locator("a.report-link")).to_have_count(0)
    country = tab.locator("#legitimacy-result .country-check")
    expect(country.locator('a[href="/facilities/puebla-clinica-ruiz"]')).to_have_count(1)
    expect(tab.locator("#legitimacy-live .live-verdict")).to_have_class(
        re.compile(r"\bverdict-unclear\b")
    )
    assert_no_sideways_scroll(tab)
    assert_no_axe_problems(tab, axe_source, "country chosen")


def test_reporting_links_the_confirmed_pages_and_the_isscr_guide(tab: Page) -> None:
    """The FDA's and the MHRA's reporting pages, the EMA's list and the ISSCR guide."""
    report = tab.locator("#report")

    links = report.locator("a.report-link")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        FDA_REPORTING,
        "https://yellowcard.mhra.gov.uk/",
        "http://ema.europa.eu/en/partners-networks/eu-partners/eu-member-states",
    ]
    guide = report.locator('a[href="http://www.closerlookatstemcells.org/What_to_Ask.html"]')
    expect(guide).to_have_count(1)
    expect(guide).to_be_visible()
    report.locator("details.regulator > summary").first.click()
    expect(report.locator("details.regulator").first).to_have_attribute("open", "")


def test_focus_is_never_hidden_under_the_short_verdict(tab: Page) -> None:
    """Tab through every control of the form: none is covered by the short verdict."""
    answer(tab, "chemotherapy", "yes")
    expect(tab.locator("#legitimacy-live")).to_contain_text(re.compile(r"\b1\D+19\b"))
    hidden = []
    for _ in range(60):
        tab.keyboard.press("Tab")
        found = tab.evaluate(
            """() => {
                const a = document.activeElement;
                const bar = document.getElementById('legitimacy-live-bar');
                if (!a || !a.closest('#legitimacy-form')) return 'out';
                if (bar.contains(a)) return null;
                const r = (a.closest('label') || a).getBoundingClientRect();
                const b = bar.getBoundingClientRect();
                return (r.bottom > b.top + 1 && r.top < b.bottom) ? (a.id || a.name) : null;
            }"""
        )
        if found == "out":
            break
        if found:
            hidden.append(found)

    assert found == "out"
    assert hidden == []


def test_without_javascript_the_button_gives_the_whole_page(
    browser: Browser, base_url: str, axe_source: str
) -> None:
    """No script: answer, press 'Show the result'; the page opens at the full result and
    the short verdict says the same, in English and in Russian, at 320 px and desktop."""
    for lang in LOCALES:
        for size in SIZES.values():
            context = browser.new_context(
                viewport=size,  # type: ignore[arg-type]  # a ViewportSize dict
                locale=lang,
                extra_http_headers={"Accept-Language": lang},
                java_script_enabled=False,
            )
            page = context.new_page()
            page.goto(base_url + "/legitimacy")
            page.check("input[name=cure_claim][value=yes]")
            page.select_option("#i-price_currency", "USD")
            page.fill("#i-price_amount", "60000")
            page.select_option("#i-country", "GB")
            page.locator("#legitimacy-form button[type=submit]").click()

            assert page.url.endswith("#legitimacy-result"), page.url
            assert "cure_claim=yes" in page.url
            expect(page.locator("#legitimacy-result h2")).to_have_text(SOME_CONCERNS[lang])
            expect(page.locator("#legitimacy-live .live-verdict")).to_have_class(
                re.compile(r"\bverdict-some_concerns\b")
            )
            expect(page.locator("#legitimacy-result .price-check")).to_have_count(1)
            first = page.locator("#legitimacy-report-routes details.regulator").first
            expect(first).to_have_class(re.compile(r"\bthis-country\b"))
            url = page.url
            context.close()

            # The same page with scripts on, for axe-core (it runs as a script).
            checked = browser.new_context(
                viewport=size,  # type: ignore[arg-type]  # a ViewportSize dict
                locale=lang,
                extra_http_headers={"Accept-Language": lang},
                bypass_csp=True,
            )
            page = checked.new_page()
            page.goto(url)
            assert_no_sideways_scroll(page)
            assert_no_axe_problems(page, axe_source, f"full page {lang} {size['width']}")
            checked.close()
