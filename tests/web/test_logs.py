"""Server logs keep no personal data or secrets: seeded values are searched for in every line.

An email, a display name, a password, an API token and a session cookie are sent through
the pages and the API, including paths that fail (a wrong password, a token in the address,
a mail server that is down, so a traceback is logged). Every log record is then formatted
as the server formats it (JSON lines, :class:`hsct.web.logs.JsonFormatter`) and searched.
The last test does the same with the real ``hsct serve`` and its access log.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hsct.common.settings import Settings
from hsct.web import create_app
from hsct.web.logs import JsonFormatter, scrub
from tests.support.live_server import hsct_serve_logged
from tests.support.ports import free_port
from tests.web.conftest import (
    SESSION_TLS,
    TLS_BASE,
    csrf_of,
    link_in,
    mails_to,
    post_form,
    sign_in,
)

EMAIL = "zz-unique-7731@example.org"
NAME = "Quillon Farthingale"
PASSWORD = "velvet trombone orchard 8842"
#: Loggers of the test's own HTTP client (they log request URLs, as a browser's history would).
CLIENT_LOGGERS = ("httpx", "httpx2", "httpcore")
_TOKEN_FIELD = re.compile(r'id="token" class="token" type="text" readonly value="(hsct_[^"]+)"')


def secrets_in(text: str, seeded: list[str]) -> list[str]:
    """The seeded values (or the random part of a token) found in ``text``, ignoring case."""
    lowered = text.lower()
    found = []
    for value in seeded:
        random_part = value.partition("_")[2] if value.startswith(("hsct_", "s_")) else value
        if value.lower() in lowered or random_part.lower() in lowered:
            found.append(value)
    return found


def seed_through_the_app(app: FastAPI, settings: Settings) -> tuple[str, str]:
    """Sign up, confirm, sign in, make an API token and use it; returns (token, cookie)."""
    with TestClient(app, base_url=TLS_BASE) as browser:
        post_form(browser, "/account/sign-up", email=EMAIL, password=PASSWORD, display_name=NAME)
        link = link_in(mails_to(settings.mail_dir, EMAIL)[-1])
        post_form(browser, link, "/account/verify", token=link.partition("token=")[2])
        assert sign_in(browser, EMAIL, PASSWORD + " wrong").status_code == 400
        assert sign_in(browser, EMAIL.upper(), PASSWORD).status_code == 303
        cookie = browser.cookies.get(SESSION_TLS)
        assert cookie is not None
        made = post_form(browser, "/account", "/account/tokens", name=NAME, scope="registry:write")
        found = _TOKEN_FIELD.search(made.text)
        assert found is not None
        token = found.group(1)
        post_form(browser, "/account", "/account/email", new_email=EMAIL, password=PASSWORD)
        post_form(browser, "/account/forgot", email=EMAIL)

    api = TestClient(app, base_url=TLS_BASE, raise_server_exceptions=False)
    bearer = {"authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 200
    assert api.post("/api/v1/me/record", headers=bearer).status_code in (200, 201)
    assert api.get(f"/api/v1/me?access_token={token}").status_code == 400
    assert api.get("/api/v1/me", headers={"authorization": f"Bearer {token}x"}).status_code == 401
    return token, cookie


def test_no_log_record_holds_an_email_name_password_token_or_cookie(
    caplog: pytest.LogCaptureFixture, app: FastAPI, settings: Settings
) -> None:
    caplog.set_level(logging.DEBUG)
    token, cookie = seed_through_the_app(app, settings)
    # the mail server is down: sign-up fails with a 500 and a logged traceback
    down = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    with TestClient(create_app(down), base_url=TLS_BASE, raise_server_exceptions=False) as site:
        failed = post_form(
            site, "/account/sign-up", email=EMAIL, password=PASSWORD, display_name=NAME
        )
    assert failed.status_code == 500

    seeded = [EMAIL, NAME, PASSWORD, token, cookie]
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any("Mail written to" in line for line in lines)  # the app did log
    assert any('"error": "MailNotSentError"' in line for line in lines)
    for line in lines:
        entry = json.loads(line)
        assert entry["time"].endswith("+00:00"), line
        assert secrets_in(line, seeded) == [], line
    # the app's own records hold none even before the formatter's last-resort scrub
    for record in caplog.records:
        if record.name.startswith(CLIENT_LOGGERS):
            continue
        raw = record.getMessage() + (
            formatter.formatException(record.exc_info) if record.exc_info else ""
        )
        assert secrets_in(raw, seeded) == [], (record.name, raw)


# ---------------------------------------------------------------- the real server


class Browser:
    """Just enough of a browser over urllib: cookies, form posts, no redirects followed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *_args: object, **_kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def open(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode("utf-8")

    def form(self, page: str, action: str, **fields: str) -> tuple[int, str]:
        status, html = self.open(page)
        assert status == 200, (page, status)
        return self.open(action, {"csrf_token": csrf_of(html), **fields})

    def cookie(self, name: str) -> str:
        (value,) = [c.value for c in self.jar if c.name == name]
        assert value is not None
        return value


@pytest.fixture
def served(migrated_sqlite: Path) -> Iterator[tuple[str, Path, Path]]:
    """``hsct serve`` with its access log on; yields its URL, its log file and its mail folder."""
    with tempfile.TemporaryDirectory(prefix="hsct-logs-") as folder:
        root = Path(folder)
        shutil.copyfile(migrated_sqlite, root / "hsct.sqlite3")
        log, mail = root / "server.log", root / "mail"
        env = {
            "HSCT_DATABASE_URL": f"sqlite:///{root / 'hsct.sqlite3'}",
            "HSCT_MAIL_DIR": str(mail),
            "HSCT_SECRET_KEY": "test-secret-key-" + "y" * 32,
        }
        with hsct_serve_logged(root, env) as (url, served_log):
            assert served_log == log
            yield url, log, mail


@pytest.mark.slow
def test_the_real_servers_log_lines_hold_no_personal_data_or_secrets(
    served: tuple[str, Path, Path],
) -> None:
    """Access log and application log of ``hsct serve``: JSON, UTC, no query strings."""
    url, log, mail = served
    browser = Browser(url)
    browser.form(
        "/account/sign-up", "/account/sign-up", email=EMAIL, password=PASSWORD, display_name=NAME
    )
    link = link_in(mails_to(mail, EMAIL)[-1])
    assert browser.open(link)[0] == 200
    browser.form(link, "/account/verify", token=link.partition("token=")[2])
    signed_in = browser.form(
        "/account/sign-in", "/account/sign-in", email=EMAIL, password=PASSWORD, next="/account"
    )
    assert signed_in[0] == 303
    cookie = browser.cookie("hsct_session")
    _, made = browser.form("/account", "/account/tokens", name=NAME, scope="registry:read")
    found = _TOKEN_FIELD.search(made)
    assert found is not None
    token = found.group(1)
    api = Browser(url)
    assert api.open("/api/v1/me", headers={"Authorization": f"Bearer {token}"})[0] == 200
    assert api.open(f"/api/v1/me?access_token={token}")[0] == 400
    assert api.open(f"/account/sign-in?next=/{EMAIL}")[0] == 200

    time.sleep(0.5)  # let the server flush its log
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert len(access) >= 12
    assert any(r["path"] == "/account/verify" for r in access)
    seeded = [EMAIL, NAME, PASSWORD, token, cookie]
    for line, record in zip(lines, records, strict=True):
        assert record["time"].endswith("+00:00"), line
        assert "?" not in record.get("path", ""), line
        assert secrets_in(line, seeded) == [], line


def test_a_calendar_address_never_reaches_a_log() -> None:
    """The secret of a calendar feed is a credential like an API token: scrubbed."""
    from hsct.registry.auth import token_new  # noqa: PLC0415 - one helper

    token = token_new("hsctcal_")
    line = f'"GET /calendar/{token}.ics HTTP/1.1" 200'
    assert token not in scrub(line)
    assert scrub(line) == '"GET /calendar/[token].ics HTTP/1.1" 200'
