"""A person makes an account in Chromium, on a phone-sized screen, with real mail.

The live server sends its mail to a real SMTP server (aiosmtpd on loopback); the browser
opens the link from that mail, confirms, signs in, turns on two-step sign-in with the key
the page shows, keeps the recovery codes, signs out, and signs in again with a new code
(the one it used before is refused). Pages are photographed at 360 px into
``/tmp/account-shots/`` for a person to look at, and must not scroll sideways.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from hsct.common.settings import Settings
from hsct.registry.auth import totp_code
from hsct.web import create_app
from tests.support.live_server import live_server
from tests.support.smtp import SmtpServer, smtp_server
from tests.web.conftest import body_of

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/account-shots")  # noqa: S108 - for a person to look at, outside the repo
PHONE: ViewportSize = {"width": 360, "height": 780}
EMAIL = "rosa.browser@example.org"
PASSWORD = "paper lantern over the harbour"
#: ms to wait for a page: argon2 takes seconds when other test runs share the machine.
WAIT = 20_000


@pytest.fixture
def site(migrated_sqlite: Path) -> Iterator[tuple[str, SmtpServer]]:
    """The app on a live port, mailing through a real SMTP server; yields (URL, inbox)."""
    with tempfile.TemporaryDirectory(prefix="hsct-account-") as folder, smtp_server() as inbox:
        database = Path(folder) / "hsct.sqlite3"
        shutil.copyfile(migrated_sqlite, database)
        settings = Settings(
            database_url=f"sqlite:///{database}",
            smtp_url=inbox.url,
            mail_dir=Path(folder) / "mail",
            secret_key="test-secret-key-" + "z" * 32,
        )
        app = create_app(settings)
        with live_server(app) as url:
            # links in mail point at this server, whatever port it got
            app.state.settings = settings.model_copy(update={"public_url": url})
            yield url, inbox


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    no_sideways_scroll(page)


def test_sign_up_confirm_two_step_sign_out_and_back_in(
    browser: Browser, site: tuple[str, SmtpServer]
) -> None:
    url, inbox = site
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(WAIT)
    page = context.new_page()
    try:
        page.goto(url + "/account/sign-up")
        shoot(page, "sign-up")
        page.fill("#f-display_name", "Rosa Browser")
        page.fill("#f-email", EMAIL)
        page.fill("#f-password", PASSWORD)
        page.get_by_role("button", name="Make my account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email", timeout=WAIT)

        message = inbox.wait_for(lambda m: m["To"] == EMAIL)
        assert message["Subject"] == "Confirm your email for HSCT Navigator"
        (link,) = re.findall(r"https?://\S+", body_of(message))
        assert link.startswith(url + "/account/verify?token=l_")
        page.goto(link)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("status")).to_contain_text("Your email is confirmed.", timeout=WAIT)

        page.fill("#f-email", EMAIL)
        page.fill("#f-password", PASSWORD)
        page.locator("main").get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(url + "/account", timeout=WAIT)
        expect(page.locator("dd", has_text=EMAIL)).to_be_visible(timeout=WAIT)

        page.get_by_role("link", name="Set up two-step sign-in").click()
        page.get_by_role("button", name="Start").click()
        expect(page).to_have_url(url + "/account/two-factor/setup", timeout=WAIT)
        secret = page.locator("code.secret").inner_text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        expect(page.locator("img.qr")).to_be_visible(timeout=WAIT)
        assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth") > 0
        shoot(page, "setup")
        first_code = totp_code(secret, at=datetime.now(UTC))
        page.fill("#f-code", first_code)
        page.get_by_role("button", name="Turn on two-step sign-in").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Your recovery codes", timeout=WAIT
        )
        codes = page.locator("ul.codes code").all_inner_texts()
        assert len(codes) == 10
        assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
        shoot(page, "recovery-codes")
        page.get_by_role("link", name="I have kept them: go to my account").click()
        expect(page.locator("#two-factor ~ p").first).to_contain_text("On:", timeout=WAIT)
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page).to_have_url(url + "/", timeout=WAIT)

        page.goto(url + "/account/sign-in")
        page.fill("#f-email", EMAIL)
        page.fill("#f-password", PASSWORD)
        page.locator("main").get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(url + "/account/two-factor", timeout=WAIT)
        shoot(page, "two-factor")
        page.fill("#f-code", first_code)  # used already: refused
        page.get_by_role("button", name="Go on").click()
        expect(page.get_by_role("alert")).to_contain_text("it was used already", timeout=WAIT)
        page.fill("#f-code", totp_code(secret, at=datetime.now(UTC) + timedelta(seconds=30)))
        page.get_by_role("button", name="Go on").click()

        expect(page).to_have_url(url + "/account", timeout=WAIT)
        expect(page.get_by_role("heading", level=1)).to_have_text("My account", timeout=WAIT)
        shoot(page, "account")
    finally:
        context.close()
