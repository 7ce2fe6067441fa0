"""A person keeps their follow-up record in Chromium, on a phone, in each language.

Signed in as patient_a of the test world: adds a transplant, EDSS visits (one through the
calculator's grades), a relapse and scans with the keyboard-usable forms, sees a field-level
message for a date in the future, undoes a deletion, and opens the status page with its
chart and table. Every page passes axe (serious and critical findings), does not scroll
sideways at 360 px, and is photographed into ``/tmp/record-shots/`` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hsct.common.i18n import SUPPORTED_LOCALES
from tests.support.browsing import PHONE, WAIT, phone_context
from tests.support.live_server import live_server
from tests.support.world import World, world_for
from tests.web.test_candidate_browser import axe_problems

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/record-shots")  # noqa: S108 - for a person to look at, outside the repo


@pytest.fixture(scope="module")
def site(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, str]]:
    with (
        world_for(migrated_sqlite, tmp_path_factory.mktemp("record-browser")) as world,
        live_server(world.app) as url,
    ):
        yield world, url


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def add(page: Page, url: str, kind: str, fill: dict[str, str]) -> None:
    page.goto(f"{url}/my/add/{kind}")
    for selector, value in fill.items():
        if selector.startswith("select:"):
            page.select_option(selector[7:], value)
        else:
            page.fill(selector, value)
    page.locator("main form.account-form button.primary").click()
    expect(page).to_have_url(f"{url}/my?saved=1", timeout=WAIT)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_keep_a_record_and_see_the_status(
    browser: Browser, site: tuple[World, str], axe_source: str, locale: str
) -> None:
    world, url = site
    person = {"en": "patient_a", "ru": "patient_b", "es": "patient_a"}[locale]
    context = phone_context(browser, world, url, person, locale)
    page = context.new_page()
    found: dict[str, list[object]] = {}
    try:
        page.goto(url + "/my")
        found["empty"] = axe_problems(page, axe_source)
        if page.locator("ul.timeline li").count() == 0:  # es may find en's entries
            add(
                page,
                url,
                "transplant",
                {"#f-date": "2020-02-01", "select:#f-facility_id": "moscow-pirogov"},
            )
            add(
                page,
                url,
                "edss",
                {
                    "#f-date": "2020-01-10",
                    "select:#f-value": "4.0",
                    "select:#f-rater": "neurologist",
                },
            )
            add(
                page,
                url,
                "edss",
                {
                    "#f-date": "2021-02-01",
                    "select:#f-value": "3.0",
                    "select:#f-rater": "neurologist",
                },
            )
            add(
                page,
                url,
                "edss",
                {
                    "#f-date": "2022-02-01",
                    "select:#f-rater": "self",
                    **{f"select:#f-fs_{s}": "1" for s in ("visual", "brainstem", "pyramidal")},
                    **{
                        f"select:#f-fs_{s}": "0"
                        for s in ("cerebellar", "sensory", "bowel_bladder", "cerebral")
                    },
                    "select:#f-walking": "unrestricted",
                },
            )
            add(page, url, "relapse", {"#f-date": "2019-05-01"})
            add(
                page,
                url,
                "mri",
                {"#f-date": "2020-08-01", "#f-new_t2": "0", "#f-gd_enhancing": "0"},
            )
            add(
                page,
                url,
                "mri",
                {"#f-date": "2022-03-01", "#f-new_t2": "0", "#f-gd_enhancing": "0"},
            )

            for when, answer in (("2020-01-05", "4"), ("2021-02-03", "2")):
                page.goto(f"{url}/my/add/qol")
                page.fill("#f-date", when)
                for item in (1, 20, 21, 22, 32, 33, 34, 35, 36):
                    page.locator(f"input[name=q{item}][value='{answer}']").check()
                page.locator("main form.account-form button.primary").click()
                expect(page).to_have_url(f"{url}/my?saved=1", timeout=WAIT)

        # A date in the future is named at its field, and the form keeps what was typed.
        page.goto(url + "/my/add/mri")
        page.fill("#f-date", "2099-01-01")
        page.fill("#f-new_t2", "0")
        page.locator("main form.account-form button.primary").click()
        expect(page.locator("#problems")).to_be_visible(timeout=WAIT)
        expect(page.locator("#f-date")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#f-new_t2")).to_have_value("0")
        found["error"] = axe_problems(page, axe_source)
        shoot(page, f"{locale}-error")

        # Delete an entry, then undo.
        page.goto(url + "/my")
        rows = page.locator("ul.timeline li")
        before = rows.count()
        rows.first.get_by_role("link").click()
        found["edit"] = axe_problems(page, axe_source)
        page.locator("form.inline-form button.danger").click()
        expect(page).to_have_url(url + "/my?deleted=1", timeout=WAIT)
        assert page.locator("ul.timeline li").count() == before - 1
        page.locator("form[action='/my/undo'] button").click()
        expect(page).to_have_url(url + "/my?undone=1", timeout=WAIT)
        assert page.locator("ul.timeline li").count() == before
        found["record"] = axe_problems(page, axe_source)
        shoot(page, f"{locale}-record")

        page.goto(url + "/my/status")
        expect(page.locator("svg.edss-chart")).to_be_visible(timeout=WAIT)
        assert page.locator("svg.edss-chart circle.point").count() == 3
        expect(page.locator("svg.qol-chart")).to_have_count(8)
        expect(page.locator(".verdict")).to_be_visible()
        found["status"] = axe_problems(page, axe_source)
        shoot(page, f"{locale}-status")
        for path in ("/my/reminders", "/my/sharing", "/my/data", "/my/summary", "/my/add/qol"):
            page.goto(url + path)
            name = path.rsplit("/", 1)[1]
            found[name] = axe_problems(page, axe_source)
            shoot(page, f"{locale}-{name}")
    finally:
        context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
