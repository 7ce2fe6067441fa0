"""Printing opens every collapsed section, and closes them again afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_beforeprint_opens_the_timeline_steps(page: Page, base_url: str) -> None:
    """The journey's steps are collapsed on screen and all open for print."""
    page.goto(base_url + "/journey?facility=moscow-pirogov&admission_date=2030-03-01")
    closed = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")

    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    during = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    after = page.evaluate("document.querySelectorAll('ol.timeline details:not([open])').length")

    assert closed > 20
    assert during == 0
    assert after == closed
