"""axe-core finds no serious or critical problem on any page, in any language.

Public pages are opened by address (``tests/web/pages.py``). Account and clinic pages need
a session, a mail link or a posted form, so one walk per language signs up, signs in with
two steps, makes a token, invites staff and opens the links from the mail, checking each.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import Browser
from playwright.sync_api import Page as Tab

from hsct.common.i18n import SUPPORTED_LOCALES
from hsct.common.settings import Settings
from hsct.registry import Grant, Role
from hsct.registry.auth import totp_code
from hsct.web import create_app
from tests.support.live_server import live_server
from tests.web.conftest import (
    PASSWORD,
    account_make,
    app_for_browser,
    clinic_make,
    link_in,
    mails_to,
    totp_turn_on,
)
from tests.web.pages import DOWNLOADS, PAGES, Page

BLOCKING_IMPACTS = {"serious", "critical"}


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]][:5]
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} at {targets}")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("target", PAGES, ids=lambda page: page.url)
def test_page_has_no_serious_accessibility_violations(
    browser: Browser, base_url: str, axe_source: str, target: Page, locale: str
) -> None:
    """WCAG 2.x A/AA rules, as axe-core checks them, on the rendered page."""
    context = browser.new_context(
        locale=locale, extra_http_headers={"Accept-Language": locale}, bypass_csp=True
    )
    try:
        page = context.new_page()
        response = page.goto(base_url + target.url)
        assert response is not None
        assert response.status == target.status
        page.wait_for_load_state("networkidle")
        page.add_script_tag(content=axe_source)
        results = page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                 'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            })"""
        )
    finally:
        context.close()

    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], _describe(blocking)


#: Routes checked by the account walk below rather than by address.
ACCOUNT_ROUTES: frozenset[str] = frozenset(
    {
        "/account",
        "/account/sign-up",
        "/account/verify",
        "/account/sign-in",
        "/account/two-factor",
        "/account/two-factor/setup",
        "/account/forgot",
        "/account/reset",
        "/account/email/confirm",
        "/clinic",
        "/clinic/{clinic_id}/staff",
        "/invitation",
    }
)
#: The clinic workspace's pages, checked with axe in each language at phone width by
#: tests/web/test_workspace_browser.py (they need a clinic with records and an import).
WORKSPACE_ROUTES: frozenset[str] = frozenset(
    {
        "/clinic/{clinic_id}",
        "/clinic/{clinic_id}/patients/{patient_id}",
        "/clinic/{clinic_id}/patients/{patient_id}/add/{kind}",
        "/clinic/{clinic_id}/patients/{patient_id}/entries/{entry_id}",
        "/clinic/{clinic_id}/imports",
        "/clinic/{clinic_id}/outcomes",
        "/clinic/{clinic_id}/shared",
        "/clinic/{clinic_id}/publish",  # tests/web/test_published_browser.py
    }
)
#: The follow-up record's pages, checked with axe in each language at phone width by
#: tests/web/test_record_browser.py (they need a signed-in person with entries).
RECORD_ROUTES: frozenset[str] = frozenset(
    {
        "/my",
        "/my/add/{kind}",
        "/my/entries/{entry_id}",
        "/my/status",
        "/my/summary",
        "/my/reminders",
        "/my/sharing",
        "/my/data",
    }
)


def axe_violations(tab: Tab, axe_source: str) -> list[dict[str, Any]]:
    """Serious or critical axe-core findings on the page the tab shows."""
    tab.wait_for_load_state("load")
    tab.add_script_tag(content=axe_source)
    results = tab.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


@pytest.fixture(scope="module")
def account_site(migrated_sqlite: Path) -> Iterator[tuple[str, FastAPI, Path]]:
    """The app on a live port with a migrated database; yields (URL, app, mail folder)."""
    with tempfile.TemporaryDirectory(prefix="hsct-a11y-") as folder:
        database = Path(folder) / "hsct.sqlite3"
        shutil.copyfile(migrated_sqlite, database)
        settings = Settings(
            database_url=f"sqlite:///{database}",
            mail_dir=Path(folder) / "mail",
            secret_key="test-secret-key-" + "a" * 32,
        )
        app = create_app(settings)
        with live_server(app) as url:
            yield url, app, settings.mail_dir


def submit(tab: Tab, form: str, **fields: str) -> None:
    """Fill the fields (by name) of the form matching ``form`` and send it."""
    target = tab.locator(form)
    for name, value in fields.items():
        target.locator(f"[name={name}]").fill(value)
    with tab.expect_navigation():
        target.locator("button[type=submit]").first.click()


@pytest.mark.browser
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_account_and_clinic_pages_have_no_serious_accessibility_violations(
    browser: Browser, account_site: tuple[str, FastAPI, Path], axe_source: str, locale: str
) -> None:
    """Every account and clinic page, in the states people meet them, errors included."""
    url, app, mail = account_site
    now = datetime.now(UTC)
    patient, lead = f"pat-{locale}@example.org", f"lead-{locale}@example.org"
    totp = totp_turn_on(app, account_make(app, patient, now=now), now=now)
    clinic_id = clinic_make(app, f"Clínica {locale}")
    account_make(app, lead, grants=(Grant(Role.CLINIC_LEAD, clinic_id),), now=now)
    context = browser.new_context(
        locale=locale, extra_http_headers={"Accept-Language": locale}, bypass_csp=True
    )
    tab = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    too_short, wrong = "short", "a wrong but long password"

    def check(name: str, status: int = 200, path: str | None = None, at: str | None = None) -> None:
        """Open ``path`` (or stay), make sure it is the page meant, and run axe on it."""
        if path is not None:
            answer = tab.goto(url + path)
            assert answer is not None
            assert answer.status == status, (name, answer.status)
        if at is not None:
            assert tab.url.removeprefix(url) == at, (name, tab.url)
        assert name not in found
        found[name] = axe_violations(tab, axe_source)

    try:
        check("sign-up", path="/account/sign-up")
        submit(tab, "main form", email="not an address", password=too_short)
        check("sign-up with errors")
        assert tab.locator("#problems").is_visible()
        check("sign-in", path="/account/sign-in")
        submit(tab, "main form", email=patient, password=wrong)
        check("sign-in refused")
        assert tab.locator("#problems").is_visible()
        check("forgot", path="/account/forgot")
        submit(tab, "main form", email=patient)
        check("check mail")
        check("reset", path=link_in(mails_to(mail, patient)[-1]))
        check("link invalid", 400, "/account/reset?token=l_nothing")
        check("confirm email", path="/account/verify?token=l_nothing")
        check("confirm new email", path="/account/email/confirm?token=l_nothing")

        tab.goto(url + "/account/sign-in")
        submit(tab, "main form", email=patient, password=PASSWORD)
        check("two-factor", at="/account/two-factor")
        submit(tab, "main form", code=totp_code(totp, at=now))
        check("account", at="/account")
        submit(tab, "form[action='/account/tokens']", name="nightly export")
        check("token created")
        check("account with a token", path="/account")
        submit(tab, "form[action='/account/sign-out'] >> nth=0")

        tab.goto(url + "/account/sign-in")
        submit(tab, "main form", email=lead, password=PASSWORD)
        check("setup required", at="/account/two-factor/setup")
        submit(tab, "form[action='/account/two-factor/setup/start']")
        check("setup", at="/account/two-factor/setup")
        secret = tab.locator("code.secret").inner_text().replace(" ", "")
        submit(tab, "form[action='/account/two-factor/setup']", code=totp_code(secret, at=now))
        check("recovery codes")
        assert tab.locator("ul.codes li").count() == 10
        check("clinics", path="/clinic")
        check("staff", path=f"/clinic/{clinic_id}/staff")
        submit(tab, "form[action$='/invitations']", email=f"new-{locale}@example.org")
        check("staff, invited")
        check("invitation", path=link_in(mails_to(mail, f"new-{locale}@example.org")[-1]))
    finally:
        context.close()

    problems = {name: _describe(v) for name, v in found.items() if v}
    assert problems == {}
    assert len(found) == 21


def html_routes(tmp_path: Any) -> set[str]:
    """Paths of every GET route outside the OpenAPI document, except the health checks."""
    app = app_for_browser(Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and "GET" in (route.methods or set())
            and not route.include_in_schema
            and context.path not in ("/healthz", "/readyz")
        ):
            found.add(str(context.path))
    app.state.engine.dispose()
    return found


def test_every_html_route_is_listed(tmp_path: Any) -> None:
    """A new page route must be added to ``tests/web/pages.py`` to be checked."""
    routes = html_routes(tmp_path)
    listed = {page.route or page.url.split("?")[0] for page in PAGES} | ACCOUNT_ROUTES
    listed |= RECORD_ROUTES | WORKSPACE_ROUTES

    assert {"/", "/api/v1/docs", "/__test__/server-error"} <= routes  # the walk finds routes
    assert sorted(routes - listed - DOWNLOADS) == []
