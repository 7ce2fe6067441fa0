"""Analyse your own cohort in Chromium on a phone: choose files, watch the progress, read
the result. In each language the page passes axe (serious and critical findings), does not
scroll sideways at 360 px, and is photographed into ``/tmp/analyse-shots/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.outcomes.synthetic import generate
from tests.support.browsing import PHONE, visitor_context
from tests.web.test_analyse_pages import _csv
from tests.web.test_candidate_browser import axe_problems

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/analyse-shots")  # noqa: S108 - for a person to look at, outside the repo


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cohort = generate(400, seed=6)
    folder = tmp_path_factory.mktemp("analyse-files")
    paths = {}
    for name, frame in (
        ("visits", cohort.visits),
        ("relapses", cohort.relapses),
        ("mri", cohort.mri),
        ("patients", cohort.patients),
    ):
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(_csv(frame))
    return paths


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_upload_with_progress_then_the_result(
    browser: Browser, base_url: str, axe_source: str, locale: str, tables: dict[str, Path]
) -> None:
    context = visitor_context(browser, locale)
    page = context.new_page()
    found: dict[str, object] = {}
    SHOTS.mkdir(exist_ok=True)
    try:
        page.goto(base_url + "/outcomes/analyse")
        found["form"] = axe_problems(page, axe_source)
        page.screenshot(path=str(SHOTS / f"{locale}-form.png"), full_page=True)
        for name, path in tables.items():
            page.set_input_files(f"#f-{name}", str(path))
        page.fill("#f-by", "regimen")
        page.locator("#analyse-form button.primary").click()
        # the script shows the progress while the upload and the computation run
        expect(page.locator("#analyse-progress")).to_be_visible()
        expect(page.locator("#result")).to_be_visible(timeout=60_000)
        expect(page.locator("svg.km-chart")).to_have_count(4)
        expect(page.locator("a[download='events.csv']")).to_be_visible()
        found["result"] = axe_problems(page, axe_source)
        page.screenshot(path=str(SHOTS / f"{locale}-result.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width} px wide at 360 px"
    finally:
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
