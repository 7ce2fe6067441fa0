"""Browser contexts on a phone-sized screen, in one language: a visitor, or signed in."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, ViewportSize

from tests.support.world import World

PHONE: ViewportSize = {"width": 360, "height": 780}
WAIT = 20_000


def visitor_context(browser: Browser, locale: str) -> BrowserContext:
    """A new context 360 px wide, not signed in, in ``locale``."""
    context = browser.new_context(
        viewport=PHONE,
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
        bypass_csp=True,  # axe is injected as an inline script
    )
    context.set_default_timeout(WAIT)
    return context


def phone_context(
    browser: Browser, world: World, url: str, person: str, locale: str
) -> BrowserContext:
    """A new context 360 px wide, signed in as ``person`` of ``world``, in ``locale``."""
    context = visitor_context(browser, locale)
    host = url.split("//", 1)[1].split(":", maxsplit=1)[0]
    context.add_cookies(
        [
            {
                "name": "hsct_session",
                "value": world.new_session(person),
                "domain": host,
                "path": "/",
            },
            {"name": "hsct_lang", "value": locale, "domain": host, "path": "/"},
        ]
    )
    return context
