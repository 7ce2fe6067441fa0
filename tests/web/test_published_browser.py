"""A clinic lead previews, publishes and withdraws in Chromium on a phone; anyone reads it.

In each language: the lead chooses curves by MS type, previews, publishes; the public list,
the version's page and the directory page show it; the lead withdraws it with a reason and
the version's page shows the withdrawal instead of the numbers. Every page passes axe
(serious and critical findings), does not scroll sideways at 360 px, and is photographed
into ``/tmp/published-shots/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from tests.support.browsing import PHONE, phone_context, visitor_context
from tests.support.cohorts import import_synthetic
from tests.support.live_server import live_server
from tests.support.world import World, world_for
from tests.web.test_candidate_browser import axe_problems

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/published-shots")  # noqa: S108 - for a person to look at, outside the repo


@pytest.fixture(scope="module")
def site(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, str]]:
    folder = tmp_path_factory.mktemp("published-browser")
    with world_for(migrated_sqlite, folder) as world, live_server(world.app) as url:
        import_synthetic(world, 80, facility_id="moscow-pirogov")
        yield world, url


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_preview_publish_read_and_withdraw(
    browser: Browser, site: tuple[World, str], axe_source: str, locale: str
) -> None:
    world, url = site
    context = phone_context(browser, world, url, "lead_x", locale)
    page = context.new_page()
    found: dict[str, list[object]] = {}

    def look(name: str) -> None:
        found[name] = axe_problems(page, axe_source)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide at 360 px"

    try:
        page.goto(f"{url}/clinic/{world.clinic_x}/publish")
        look("publish")
        page.select_option("#f-by", "ms_type")
        page.locator("#f-cohort button").click()
        expect(page.locator("#f-digest button.primary")).to_be_visible()
        expect(page.locator(".preview-body svg.km-chart").first).to_be_visible()
        look("preview")
        page.locator("#f-digest button.primary").click()
        expect(page.locator("p.callout.ok")).to_be_visible()
        look("published")
        link = page.locator(".versions-list a[href^='/outcomes/']").first
        href = link.get_attribute("href")
        assert href is not None

        public = visitor_context(browser, locale)
        reader = public.new_page()
        try:
            reader.goto(f"{url}/outcomes")
            expect(reader.locator(f"a[href='{href}']").first).to_be_visible()
            found["list"] = axe_problems(reader, axe_source)
            reader.screenshot(path=str(SHOTS / f"{locale}-list.png"), full_page=True)
            reader.goto(url + href)
            expect(reader.locator("svg.km-chart")).to_have_count(5)
            expect(reader.locator(".pub-risk")).to_be_visible()
            found["detail"] = axe_problems(reader, axe_source)
            reader.screenshot(path=str(SHOTS / f"{locale}-detail.png"), full_page=True)
            width = reader.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
            reader.goto(f"{url}/facilities/moscow-pirogov")
            expect(reader.locator(f"#own-outcomes ~ p a[href='{href}']")).to_be_visible()

            # the lead withdraws it, with a reason the public page shows
            row = page.locator(".versions-list li", has=page.locator(f"a[href='{href}']"))
            row.locator("textarea").fill("Duplicated rows were found in an import")
            row.locator("button.danger").click()
            expect(page.locator("p.callout.ok")).to_be_visible()
            look("withdrawn")
            reader.goto(url + href)
            expect(reader.locator(".callout.error")).to_contain_text(
                "Duplicated rows were found in an import"
            )
            expect(reader.locator("svg.km-chart")).to_have_count(0)
            found["detail-withdrawn"] = axe_problems(reader, axe_source)
            reader.screenshot(path=str(SHOTS / f"{locale}-detail-withdrawn.png"), full_page=True)
        finally:
            public.close()
    finally:
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
