"""Browser fixtures: the app on a live port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from hsct.common.settings import Settings
from hsct.web import create_app
from tests.support.live_server import live_server
from tests.support.strict import missing

CHROMIUM = os.environ.get("HSCT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def app_for_browser(settings: Settings) -> FastAPI:
    """The real app plus one route that crashes, so the 500 page can be checked too."""
    app = create_app(settings)

    @app.get("/__test__/server-error", include_in_schema=False)
    def server_error() -> None:
        raise RuntimeError("deliberate failure for the error-page test")

    return app


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """Base URL of the app served by uvicorn on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="hsct-live-") as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'hsct.sqlite3'}")
        with live_server(app_for_browser(settings)) as url:
            yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with no background network traffic."""
    if not Path(CHROMIUM).exists():
        missing("Chromium", f"{CHROMIUM} not found; install Debian's chromium (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) with a desktop viewport."""
    browser_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield browser_context
    browser_context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A new tab in a fresh profile."""
    return context.new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry by `make test`."""
    if not AXE.exists():
        missing("axe-core", f"{AXE} not found; run `npm ci` (make test does)")
    return AXE.read_text(encoding="utf-8")
