"""The home page in Debian's Chromium: heading, language switch, keyboard, phone, print."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request

pytestmark = pytest.mark.browser


def test_home_heading_and_language_round_trip(page: Page, base_url: str, tmp_path: Path) -> None:
    """Switching to Russian translates the page, the choice sticks, and English comes back."""
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text() == "Stem cell transplantation for MS, explained"

    page.get_by_role("button", name="Русский").click()
    page.wait_for_load_state()
    assert (
        page.locator("h1").inner_text()
        == "Трансплантация стволовых клеток при РС — простыми словами"
    )
    assert page.locator("html").get_attribute("lang") == "ru"
    page.screenshot(path=tmp_path / "home-ru.png", full_page=True)

    page.goto(base_url + "/")  # remembered without asking again
    assert page.locator("html").get_attribute("lang") == "ru"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Stem cell transplantation for MS, explained"
    page.screenshot(path=tmp_path / "home-en.png", full_page=True)
    assert (tmp_path / "home-ru.png").stat().st_size > 10_000
    assert (tmp_path / "home-en.png").stat().st_size > 10_000


def test_browser_language_is_used_on_first_visit(browser: Browser, base_url: str) -> None:
    """A Spanish browser sees Spanish without choosing anything."""
    context = browser.new_context(locale="es-MX", extra_http_headers={"Accept-Language": "es-MX"})
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        assert (
            page.locator("h1").inner_text() == "El trasplante de células madre en la EM, explicado"
        )
    finally:
        context.close()


def test_keyboard_first_tab_reaches_the_skip_link(page: Page, base_url: str) -> None:
    """The first Tab shows the skip link; following it moves focus to the main content."""
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["y"] >= 0  # moved on screen when focused

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible(page: Page, base_url: str) -> None:
    """A focused control draws an outline a person can see."""
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "getComputedStyle(document.activeElement).outlineWidth"
    )
    assert outline == "solid 3px"


def test_phone_width_has_no_sideways_scroll_and_large_targets(
    browser: Browser, base_url: str
) -> None:
    """At 360 px nothing overflows, and header controls are at least 44 px tall."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="ru-RU",
        extra_http_headers={"Accept-Language": "ru"},
    )
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        heights = page.eval_on_selector_all(
            ".lang-switch button, .brand", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights
        assert min(heights) >= 44
    finally:
        context.close()


def test_pages_request_nothing_from_other_hosts(page: Page, base_url: str) -> None:
    """Every request the page makes (scripts, styles, images, API) stays on this server."""
    own_host = urlsplit(base_url).netloc
    requested: list[str] = []

    def remember(request: Request) -> None:
        requested.append(request.url)

    page.on("request", remember)
    for path in ("/", "/api/v1/docs"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")

    assert requested
    assert [url for url in requested if urlsplit(url).netloc != own_host] == []


def test_no_console_errors_or_csp_violations(page: Page, base_url: str) -> None:
    """The strict content security policy does not break the pages (htmx, Swagger UI)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    for path in ("/", "/api/v1/docs"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")

    assert errors == []


def test_htmx_is_loaded_from_the_vendored_copy(page: Page, base_url: str) -> None:
    """htmx is available on pages, served from /static."""
    page.goto(base_url + "/")
    page.wait_for_function("typeof window.htmx === 'object'")

    assert page.evaluate("htmx.version").startswith("2.")


def test_print_view_hides_controls(page: Page, base_url: str) -> None:
    """Printed pages drop the language switch and skip link but keep the disclaimer."""
    page.goto(base_url + "/")
    page.emulate_media(media="print")

    assert page.locator(".lang-switch").is_hidden()
    assert page.locator(".site-footer .disclaimer").is_visible()
