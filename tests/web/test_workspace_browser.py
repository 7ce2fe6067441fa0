"""A clinic's staff use the workspace in Chromium, on a phone, in each language.

Uploads follow-up files, reads the dry run, confirms it, opens the records list, a record,
an entry form, and the outcomes with their figures and tables. Every page passes axe
(serious and critical findings), does not scroll sideways at 360 px, and is photographed
into ``/tmp/workspace-shots/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from tests.support.browsing import PHONE, phone_context
from tests.support.live_server import live_server
from tests.support.world import World, world_for
from tests.web.test_candidate_browser import axe_problems
from tests.web.test_workspace_pages import MRI, PATIENTS, VISITS

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/workspace-shots")  # noqa: S108 - for a person to look at, outside the repo


@pytest.fixture(scope="module")
def site(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, str, Path]]:
    folder = tmp_path_factory.mktemp("workspace-browser")
    for name, data in (("patients.csv", PATIENTS), ("visits.csv", VISITS), ("mri.csv", MRI)):
        (folder / name).write_bytes(data)
    with (
        world_for(migrated_sqlite, folder) as world,
        live_server(world.app) as url,
    ):
        yield world, url, folder


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_import_then_read_the_outcomes(
    browser: Browser, site: tuple[World, str, Path], axe_source: str, locale: str
) -> None:
    world, url, folder = site
    person = {"en": "staff_x", "ru": "lead_x", "es": "staff_x"}[locale]
    context = phone_context(browser, world, url, person, locale)
    page = context.new_page()
    found: dict[str, list[object]] = {}

    def look(name: str) -> None:
        found[name] = axe_problems(page, axe_source)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide at 360 px"

    clinic = f"{url}/clinic/{world.clinic_x}"
    try:
        page.goto(clinic + "/imports")
        look("imports")
        page.set_input_files(
            "#f-files", [str(folder / n) for n in ("patients.csv", "visits.csv", "mri.csv")]
        )
        page.locator("form[action$='/imports'] button.primary").click()
        expect(page.locator("table.data").first).to_be_visible()
        look("plan")
        page.locator("form[action$='/confirm'] button.primary").click()
        expect(page).to_have_url(f"{clinic}/imports?done=" + ("11-0" if locale == "en" else "0-0"))

        page.goto(clinic)
        look("records")
        page.get_by_role("link", name="W-1").click()
        expect(page.locator("ul.timeline li").first).to_be_visible()
        look("record")
        record = page.url
        page.locator("ul.timeline li a").first.click()
        expect(page.locator("main form.account-form")).to_be_visible()
        look("edit")
        page.goto(record + "/add/edss")
        look("add-edss")

        page.goto(clinic + "/shared")
        look("shared")

        page.goto(clinic + "/outcomes?by=ms_type")
        expect(page.locator("svg.km-chart")).to_have_count(5)
        look("outcomes")
    finally:
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
