"""Health answers typed in a browser never reach the server's access log.

The real ``hsct serve`` runs in a subprocess with its access log on; Chromium types an age,
an EDSS, functional-system grades and a journey date into the directory, the EDSS calculator
and the journey planner; then every access-log line is searched for them.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.live_server import hsct_serve_logged

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served() -> Iterator[tuple[str, Path]]:
    """``hsct serve`` on a free port; yields its URL and the file its logs go to."""
    with (
        tempfile.TemporaryDirectory(prefix="hsct-privacy-") as folder,
        hsct_serve_logged(
            Path(folder), {"HSCT_DATABASE_URL": f"sqlite:///{Path(folder) / 'hsct.sqlite3'}"}
        ) as (url, log),
    ):
        yield url, log


def test_typed_answers_are_not_in_the_access_log(
    browser: Browser, served: tuple[str, Path]
) -> None:
    """Age 57, EDSS 6.5, pyramidal grade 4, admission 2027-07-19: none in any log line."""
    url, log = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(f"{url}/facilities")
    page.fill("#f-age", "57")
    page.fill("#f-edss", "6.5")
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{url}/edss/examination")
    page.select_option("#f-pyramidal", "4")
    page.locator("form.edss-form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{url}/journey")
    page.select_option("select[name=facility]", "moscow-pirogov")
    page.fill("input[name=admission_date]", "2027-07-19")
    page.locator("form.journey-form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    context.close()

    time.sleep(0.5)  # let the server flush its log
    records = [
        json.loads(line)
        for line in log.read_text(encoding="utf-8").splitlines()
        if line.startswith("{")
    ]
    lines = [json.dumps(r) for r in records if r.get("method") == "GET"]
    assert all(r["time"].endswith("+00:00") for r in records)  # UTC
    assert any("/facilities" in line for line in lines)
    assert any("/journey" in line for line in lines)
    for line in lines:
        assert "?" not in line, line
        for answer in ("age=57", "edss=6.5", "pyramidal=4", "2027-07-19"):
            assert answer not in line
