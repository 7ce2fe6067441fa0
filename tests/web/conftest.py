"""Browser fixtures: the app on a live port and Debian's Chromium driven by Playwright.

Also the account helpers: a frozen clock, an HTTPS client, forms with their CSRF token,
the mail the app wrote, and accounts made through the registry's services.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from hsct.common.mail import read_eml
from hsct.common.settings import Settings
from hsct.registry import Grant, Role, accounts, clinics, session_scope, upgrade_database
from hsct.registry.auth import totp_code
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
        upgrade_database(settings.database_url)  # as `make run` does: the public pages read it
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


# ---------------------------------------------------------------- accounts, sessions, mail

#: A password every rule accepts (15+ characters, not common, not the person's own words).
PASSWORD = "correct horse battery staple 42"
#: The frozen start of account tests: a multiple of 30 s, so a TOTP step starts here.
START = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
TLS_BASE = "https://testserver"
SESSION_TLS = "__Host-hsct_session"
PRE_TLS = "__Host-hsct_pre"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
_LINK = re.compile(r"https?://\S+")


class Clock:
    """The app's clock (``app.state.clock``): frozen at ``now``, moved only by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward (``minutes=31``, ``seconds=30``); returns the new time."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    """Freeze ``app``'s clock at :data:`START`."""
    frozen = Clock(START)
    app.state.clock = frozen
    return frozen


@pytest.fixture
def https(app: FastAPI) -> Iterator[TestClient]:
    """A client for ``app`` over HTTPS, so the ``__Host-`` cookies are set and sent back."""
    with TestClient(app, base_url=TLS_BASE) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


def post_form(client: TestClient, page: str, action: str | None = None, **fields: str) -> Response:
    """Open ``page``, then post its CSRF token and ``fields`` to ``action`` (default: ``page``).

    Redirects are not followed, so the caller sees the 303 and its cookies.
    """
    opened = client.get(page)
    assert opened.status_code == 200, (page, opened.status_code)
    data = {"csrf_token": csrf_of(opened.text), **fields}
    return client.post(action or page.partition("?")[0], data=data, follow_redirects=False)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, *, next_path: str = "/account"
) -> Response:
    """Post the sign-in form (the first step); the 303 or the refusal page."""
    return post_form(client, "/account/sign-in", email=email, password=password, next=next_path)


def second_step(client: TestClient, code: str) -> Response:
    """Post the second-step form with ``code``."""
    return post_form(client, "/account/two-factor", code=code)


def mails(folder: Path) -> list[EmailMessage]:
    """Every ``.eml`` the app wrote into ``folder``, oldest first."""
    if not folder.exists():
        return []
    return [read_eml(path) for path in sorted(folder.glob("*.eml"))]


def mails_to(folder: Path, address: str) -> list[EmailMessage]:
    """The messages sent to ``address``, oldest first."""
    return [message for message in mails(folder) if message["To"] == address]


def body_of(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """The path and query of the one link in a message (to open on the test server)."""
    links = _LINK.findall(body_of(message))
    assert len(links) == 1, links
    parts = urlsplit(links[0])
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def account_make(
    app: FastAPI,
    email: str,
    *,
    password: str = PASSWORD,
    grants: tuple[Grant, ...] = (Grant(Role.PATIENT),),
    display_name: str = "",
    verified: bool = True,
    now: datetime = START,
) -> str:
    """An account made through the registry's services (committed); returns its id."""
    with session_scope(app.state.session_factory) as session:
        return accounts.account_create(
            session,
            email=email,
            password=password,
            grants=grants,
            display_name=display_name,
            verified=verified,
            now=now,
        ).id


def totp_turn_on(app: FastAPI, account_id: str, *, now: datetime = START) -> str:
    """Switch two-step sign-in on for an account; returns the seed.

    It is confirmed with the code of the step *before* ``now`` (one step of drift is
    allowed), so the code of ``now`` itself is still unused for the next sign-in.
    """
    with session_scope(app.state.session_factory) as session:
        account = accounts.account_get(session, account_id=account_id)
        secret = accounts.totp_setup_begin(session, account=account, site_key=app.state.site_key)
        accounts.totp_setup_confirm(
            session,
            account=account,
            code=totp_code(secret, at=now - timedelta(seconds=30)),
            site_key=app.state.site_key,
            now=now,
        )
    return secret


def clinic_make(app: FastAPI, name: str = "Clinica Prueba") -> str:
    """A clinic made from the command line's side (no actor); returns its id."""
    with session_scope(app.state.session_factory) as session:
        return clinics.clinic_create(session, name=name, now=START).id


def with_session(app: FastAPI, value: str) -> TestClient:
    """A new HTTPS client that sends only this session cookie (to replay an old one)."""
    return TestClient(app, base_url=TLS_BASE, headers={"cookie": f"{SESSION_TLS}={value}"})
