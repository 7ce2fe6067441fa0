"""No page scrolls sideways at 320 CSS pixels (WCAG 2.2, 1.4.10 Reflow; issue 19).

Every public page, the wizard's steps and the results, in the three languages (the longest
words are Russian and Spanish). A data table may scroll inside its own box (the exception
1.4.10 makes for two-dimensional content); the page itself may not.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.knowledge import load_catalog

pytestmark = pytest.mark.browser

WIDTH = 320
PAGES = (
    "/",
    "/facilities",
    "/facilities?ms_type=SPMS&edss=6.5&age=50&currency=RUB",
    "/facilities/compare?ids=moscow-pirogov&ids=puebla-clinica-ruiz&ids=london-bridge-hca",
    "/legitimacy",
    "/evidence",
    "/about",
    "/guide",
    "/glossary",
    "/decide",
    "/edss",
    "/edss/examination",
    "/edss/walking",
    "/candidate",
    "/journey",
    "/account/sign-in",
    "/account/sign-up",
)
STEPS = ("about", "disease", "edss", "relapses", "mri", "treatments", "other")


def too_wide(page: Page) -> list[str]:
    """Elements reaching past the viewport's right edge, when the page scrolls sideways."""
    if page.evaluate("document.documentElement.scrollWidth") <= WIDTH:
        return []
    return list(
        page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()}.${e.className}`)""",
            WIDTH,
        )
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_page_scrolls_sideways_at_320_px(browser: Browser, base_url: str, locale: str) -> None:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 640},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    )
    page = context.new_page()
    wide: dict[str, list[str]] = {}
    try:
        facilities = [f"/facilities/{f}" for f in sorted(load_catalog().facilities)]
        # Every clinic page in one language (their notes differ), the others in all three.
        for path in (*PAGES, *(facilities if locale == "ru" else facilities[:3])):
            page.goto(base_url + path)
            wide[path] = too_wide(page)
        page.goto(base_url + "/candidate/wizard")
        page.fill("#f-age", "50")
        for step in STEPS:
            if step != "about":
                page.click(f".steps button[value='goto:{step}']")
                page.wait_for_load_state()
            wide[f"step {step}"] = too_wide(page)
        page.check("input[name=prior_hsct][value=no]")
        page.click(".wizard-nav button[value=results]")
        page.wait_for_load_state()
        wide["results"] = too_wide(page)
    finally:
        context.close()

    assert {path: found for path, found in wide.items() if found} == {}
