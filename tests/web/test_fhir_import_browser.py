"""The birth month and the FHIR import in Chromium, on a phone, in each language: a record
made with its birth year and month, a FHIR export checked then imported into another
clinic. Every page passes axe (serious and critical findings), does not scroll sideways at
360 px, and is photographed into ``/tmp/fhir-import-shots/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from tests.support.browsing import PHONE, phone_context
from tests.support.live_server import live_server
from tests.support.world import World, world_for
from tests.web.test_candidate_browser import axe_problems

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/fhir-import-shots")  # noqa: S108 - for a person to look at, outside the repo


@pytest.fixture(scope="module")
def site(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, str, Path]]:
    folder = tmp_path_factory.mktemp("fhir-import-browser")
    with world_for(migrated_sqlite, folder) as world, live_server(world.app) as url:
        yield world, url, folder


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_birth_month_then_a_fhir_import(
    browser: Browser, site: tuple[World, str, Path], axe_source: str, locale: str
) -> None:
    world, url, folder = site
    found: dict[str, list[object]] = {}
    code = f"BM-{locale}"

    def look(page: object, name: str) -> None:
        found[name] = axe_problems(page, axe_source)  # type: ignore[arg-type]
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{locale}-{name}.png"), full_page=True)  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= PHONE["width"], f"{name} is {width} px wide at 360 px"

    context = phone_context(browser, world, url, "staff_x", locale)
    page = context.new_page()
    try:
        page.goto(f"{url}/clinic/{world.clinic_x}")
        page.fill("#f-code", code)
        page.fill("#f-birth_month", "1984-07")
        page.locator("form[action$='/patients'] button.primary").click()
        expect(page.locator("#born")).to_be_visible()
        expect(page.locator("#born + p")).to_contain_text("1984-07")
        look(page, "record")
    finally:
        context.close()

    exported = TestClient(world.app).get(
        f"/api/v1/clinics/{world.clinic_x}/export",
        params={"format": "ndjson"},
        headers=world.bearer("staff_x"),
    )
    archive = folder / f"clinic-x-{locale}.zip"
    archive.write_bytes(exported.content)
    context = phone_context(browser, world, url, "staff_y", locale)
    page = context.new_page()
    try:
        page.goto(f"{url}/clinic/{world.clinic_y}/imports")
        look(page, "imports")
        page.set_input_files("#f-fhir_files", str(archive))
        page.locator("form[action$='/fhir-imports'] button.primary").click()
        expect(page.locator("p.callout.ok")).to_be_visible()
        look(page, "checked")
        if locale == SUPPORTED_LOCALES[-1]:  # the others would then find the codes taken
            page.set_input_files("#f-fhir_files", str(archive))
            page.uncheck("#f-check_only")
            page.locator("form[action$='/fhir-imports'] button.primary").click()
            expect(page.locator("p.callout.ok")).to_be_visible()
            assert "/imports?fhir=" in page.url
            page.set_input_files("#f-fhir_files", str(archive))
            page.uncheck("#f-check_only")
            page.locator("form[action$='/fhir-imports'] button.primary").click()
            expect(page.locator("ul.problems li")).to_have_count(1)
            look(page, "refused")
    finally:
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
