"""Browser sessions and their defences, through the app over HTTPS with a frozen clock.

Cookie attributes, a new session id at each step of signing in, sign-out and "everywhere",
idle and absolute timeouts, disabled accounts, CSRF (form field, header, pre-session,
Sec-Fetch-Site), TOTP codes used once, per-account and per-address throttling, and
``Cache-Control: no-store`` on everything a signed-in browser sees.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from hsct.registry import Grant, Role, accounts, session_scope
from hsct.registry.auth import totp_code
from hsct.registry.tables import WebSession
from tests.web.conftest import (
    PASSWORD,
    PRE_TLS,
    SESSION_TLS,
    TLS_BASE,
    Clock,
    account_make,
    csrf_of,
    post_form,
    second_step,
    sign_in,
    totp_turn_on,
    with_session,
)

pytestmark = pytest.mark.usefixtures("clock")

NEW_PASSWORD = "seven quiet rivers under snow"
SIGN_IN_PAGE = "/account/sign-in?next=/account"


def signed_in(client: TestClient) -> bool:
    """True when ``/account`` opens; False when it sends the browser to sign in."""
    answer = client.get("/account", follow_redirects=False)
    if answer.status_code == 200:
        return True
    assert (answer.status_code, answer.headers["location"]) == (303, SIGN_IN_PAGE)
    return False


def api_status(app: FastAPI, cookie: str) -> int:
    """The status of ``/api/v1/me`` for a browser that sends only this session cookie."""
    return with_session(app, cookie).get("/api/v1/me").status_code


def session_count(app: FastAPI) -> int:
    with session_scope(app.state.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def set_cookie_named(answer: Response, name: str) -> str:
    """The one ``Set-Cookie`` header for ``name``."""
    (found,) = [h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return found


# ---------------------------------------------------------------- the cookie


def test_the_session_cookie_is_host_only_secure_httponly_lax(
    app: FastAPI, https: TestClient
) -> None:
    account_make(app, "ana@example.org")

    answer = sign_in(https, "ana@example.org")

    assert answer.status_code == 303
    cookie = set_cookie_named(answer, SESSION_TLS)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert attributes == {"httponly", "path", "samesite", "secure"}  # no Domain, no Max-Age
    assert "; Path=/" in cookie
    assert "; SameSite=lax" in cookie
    value = cookie.split(";")[0].removeprefix(f"{SESSION_TLS}=")
    assert value.startswith("s_")
    assert len(value) >= 40  # 256 random bits
    removed = set_cookie_named(answer, PRE_TLS)  # the pre-session cookie is done with
    assert "Max-Age=0" in removed
    assert "Secure" in removed


def test_a_new_session_id_at_sign_in_and_again_after_the_second_step(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    account_id = account_make(app, "ana@example.org")
    secret = totp_turn_on(app, account_id)
    pre = https.get("/account/sign-in").cookies.get(PRE_TLS)
    assert pre

    sign_in(https, "ana@example.org")
    half = https.cookies.get(SESSION_TLS)
    assert half not in (None, pre)
    assert https.get("/account", follow_redirects=False).headers["location"] == (
        "/account/two-factor"
    )
    assert second_step(https, totp_code(secret, at=clock.now)).status_code == 303
    full = https.cookies.get(SESSION_TLS)

    assert full not in (None, half, pre)
    assert half is not None
    assert full is not None
    assert api_status(app, half) == 401  # the half session is gone
    assert api_status(app, full) == 200
    assert session_count(app) == 1
    # signing in again from a signed-in browser replaces that session too
    clock.advance(seconds=30)
    sign_in(https, "ana@example.org")
    assert https.cookies.get(SESSION_TLS) != full
    assert api_status(app, full) == 401


# ---------------------------------------------------------------- signing out


def test_after_sign_out_the_old_cookie_is_useless(app: FastAPI, https: TestClient) -> None:
    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")
    cookie = https.cookies.get(SESSION_TLS)
    assert cookie is not None
    assert api_status(app, cookie) == 200

    out = post_form(https, "/account", "/account/sign-out")

    assert (out.status_code, out.headers["location"]) == (303, "/")
    assert f'{SESSION_TLS}=""' in set_cookie_named(out, SESSION_TLS)
    assert api_status(app, cookie) == 401
    replay = with_session(app, cookie).get("/account", follow_redirects=False)
    assert (replay.status_code, replay.headers["location"]) == (303, SIGN_IN_PAGE)


def test_sign_out_everywhere_and_everywhere_else(app: FastAPI, https: TestClient) -> None:
    account_make(app, "ana@example.org")
    phone = TestClient(app, base_url=TLS_BASE)
    laptop = TestClient(app, base_url=TLS_BASE)
    for browser in (https, phone, laptop):
        sign_in(browser, "ana@example.org")
    assert session_count(app) == 3

    others = post_form(https, "/account", "/account/sessions/end-others")
    assert others.status_code == 200
    assert "Every other session is signed out." in others.text
    assert [signed_in(b) for b in (https, phone, laptop)] == [True, False, False]

    sign_in(phone, "ana@example.org")
    everywhere = post_form(phone, "/account", "/account/sessions/end-all")
    assert (everywhere.status_code, everywhere.headers["location"]) == (303, "/account/sign-in")
    assert [signed_in(b) for b in (https, phone)] == [False, False]
    assert session_count(app) == 0


# ---------------------------------------------------------------- timeouts


def test_idle_timeout_is_30_minutes_since_the_session_was_last_touched(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    """Requests 29 minutes apart keep a session; 31 minutes of quiet end it.

    ``last_seen`` is written at most once a minute, so "idle" counts from the last request
    that wrote it: a request 50 s after signing in does not move it.
    """
    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")
    for _ in range(3):
        clock.advance(minutes=29)
        assert signed_in(https)  # 87 minutes in all
    clock.advance(minutes=31)
    assert not signed_in(https)
    assert https.get("/api/v1/me").status_code == 401

    sign_in(https, "ana@example.org")
    clock.advance(seconds=50)
    assert signed_in(https)  # not written: under a minute since sign-in
    clock.advance(minutes=29, seconds=10)  # 29:10 after that request, 30:00 after sign-in
    assert not signed_in(https)


def test_absolute_timeout_is_12_hours_whatever_the_activity(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")

    for _ in range(35):  # every 20 minutes, up to 11 h 40 min
        clock.advance(minutes=20)
        assert signed_in(https)
    clock.advance(minutes=19, seconds=59)
    assert signed_in(https)
    clock.advance(seconds=1)  # 12 h exactly
    assert not signed_in(https)


def test_disabling_an_account_ends_its_sessions(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    account_id = account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")
    cookie = https.cookies.get(SESSION_TLS)
    assert cookie is not None
    assert signed_in(https)

    with session_scope(app.state.session_factory) as session:
        accounts.account_disable(session, account_id=account_id, now=clock.now)

    assert not signed_in(https)
    assert api_status(app, cookie) == 401
    assert session_count(app) == 0
    assert sign_in(https, "ana@example.org").status_code == 400


# ---------------------------------------------------------------- CSRF


def change_password(client: TestClient, token: str | None, **headers: str) -> int:
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/account/password", data=data, headers=headers).status_code


def test_a_form_post_needs_the_token_of_its_own_session(app: FastAPI, https: TestClient) -> None:
    account_make(app, "ana@example.org")
    account_make(app, "mallory@example.org")
    mallory = TestClient(app, base_url=TLS_BASE)
    sign_in(mallory, "mallory@example.org")
    mallorys_token = csrf_of(mallory.get("/account").text)
    pre_token = csrf_of(https.get("/account/sign-in").text)
    sign_in(https, "ana@example.org")
    token = csrf_of(https.get("/account").text)

    assert change_password(https, None) == 403
    assert change_password(https, "") == 403
    assert change_password(https, mallorys_token) == 403
    assert change_password(https, pre_token) == 403  # the sign-in page's token is spent
    assert change_password(https, token, **{"sec-fetch-site": "cross-site"}) == 403
    assert (
        https.post("/account/password", headers={"x-csrf-token": mallorys_token}).status_code == 403
    )
    assert sign_in(https, "ana@example.org", NEW_PASSWORD).status_code == 400  # unchanged

    assert change_password(https, token, **{"sec-fetch-site": "same-origin"}) == 200
    assert sign_in(mallory, "ana@example.org", NEW_PASSWORD).status_code == 303


def test_the_sign_in_form_is_bound_to_a_pre_session_cookie(app: FastAPI, https: TestClient) -> None:
    """Login CSRF: a forged sign-in (into the attacker's account) is refused."""
    account_make(app, "ana@example.org")
    fields = {"email": "ana@example.org", "password": PASSWORD, "next": "/account"}
    cookieless = TestClient(app, base_url=TLS_BASE)
    assert cookieless.post("/account/sign-in", data=fields).status_code == 403

    other_token = csrf_of(TestClient(app, base_url=TLS_BASE).get("/account/sign-in").text)
    token = csrf_of(https.get("/account/sign-in").text)

    assert https.post("/account/sign-in", data=fields).status_code == 403
    assert (
        https.post("/account/sign-in", data={**fields, "csrf_token": other_token}).status_code
        == 403
    )
    cross = https.post(
        "/account/sign-in",
        data={**fields, "csrf_token": token},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    assert SESSION_TLS not in cross.headers.get("set-cookie", "")
    good = https.post(
        "/account/sign-in", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert good.status_code == 303


def test_the_recovery_codes_page_forms_work_with_the_new_session(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    """The page shown right after a clinic account sets up two steps: its language switch."""
    account_make(app, "lead@example.org", grants=(Grant(Role.SITE_ADMIN),))
    sign_in(https, "lead@example.org")
    post_form(https, "/account/two-factor/setup", "/account/two-factor/setup/start")
    with session_scope(app.state.session_factory) as session:
        found = accounts.account_by_email(session, email="lead@example.org")
        assert found is not None
        secret = accounts.totp_pending_secret(found, site_key=app.state.site_key)
    assert secret is not None
    codes = post_form(https, "/account/two-factor/setup", code=totp_code(secret, at=clock.now))
    assert "Your recovery codes" in codes.text

    switched = https.post(
        "/language",
        data={"csrf_token": csrf_of(codes.text), "lang": "es", "next": "/account"},
        follow_redirects=False,
    )

    assert switched.status_code == 303


# ---------------------------------------------------------------- second factor and throttling


def test_a_totp_code_works_for_one_sign_in_only(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    account_id = account_make(app, "ana@example.org")
    secret = totp_turn_on(app, account_id)
    code = totp_code(secret, at=clock.now)

    sign_in(https, "ana@example.org")
    assert second_step(https, code).headers["location"] == "/account"
    post_form(https, "/account", "/account/sign-out")
    clock.advance(seconds=10)  # still the same 30 s step
    sign_in(https, "ana@example.org")
    replayed = second_step(https, code)

    assert replayed.status_code == 400
    assert "That code is not right, or it was used already." in replayed.text
    assert https.get("/api/v1/me").status_code == 401
    later = totp_code(secret, at=clock.now + timedelta(seconds=30))  # the next step: drift
    assert second_step(https, later).headers["location"] == "/account"
    assert second_step(TestClient(app, base_url=TLS_BASE), later).status_code == 303  # no session
    assert https.get("/api/v1/me").status_code == 200


def test_after_six_wrong_passwords_even_the_right_one_waits(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    """Five free failures, then each one doubles a wait (2 s first); the wait ends by itself."""
    account_make(app, "ana@example.org")
    refused = sign_in(https, "ana@example.org", "not the password at all")
    for _ in range(5):
        assert sign_in(https, "ana@example.org", "not the password at all").status_code == 400

    waiting = sign_in(https, "ana@example.org", PASSWORD)
    assert waiting.status_code == 400
    assert waiting.text == refused.text  # the same words as a wrong password
    clock.advance(seconds=1)
    assert sign_in(https, "ana@example.org", PASSWORD).status_code == 400
    clock.advance(seconds=1)  # 2 s after the sixth failure
    assert sign_in(https, "ana@example.org", PASSWORD).status_code == 303


def twenty_one_sign_ins(https: TestClient, monkeypatch: pytest.MonkeyPatch) -> Response:
    """Twenty refused sign-ins from one address, then the 21st answer.

    The limit is counted per client address before any password is checked, so the
    service is replaced by an instant refusal (20 argon2 checks would cost 4 s).
    """

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise accounts.SignInRefused

    monkeypatch.setattr(accounts, "account_sign_in", refuse)
    token = csrf_of(https.get("/account/sign-in").text)
    for number in range(20):
        fields = {"csrf_token": token, "email": f"guess{number}@example.org", "password": "x"}
        assert https.post("/account/sign-in", data=fields).status_code == 400
    return https.post("/account/sign-in", data={**fields, "email": "one-more@example.org"})


def test_the_21st_sign_in_from_one_address_in_5_minutes_gets_429(
    https: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = twenty_one_sign_ins(https, monkeypatch)

    assert answer.status_code == 429
    assert 'lang="en"' in answer.text  # the site's error page, not JSON


def test_the_429_page_says_when_to_retry(
    https: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = twenty_one_sign_ins(https, monkeypatch)

    assert answer.status_code == 429
    assert 290 <= int(answer.headers["retry-after"]) <= 301


# ---------------------------------------------------------------- caching


def test_nothing_a_signed_in_browser_sees_is_stored(app: FastAPI, https: TestClient) -> None:
    anonymous = TestClient(app, base_url=TLS_BASE)
    assert "no-store" not in anonymous.get("/").headers.get("cache-control", "")
    first = anonymous.get("/account/sign-in")
    assert first.headers["cache-control"] == "no-store"
    assert set_cookie_named(first, PRE_TLS)

    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")
    for path in ("/", "/account", "/facilities", "/edss", "/api/v1/me", "/account/sign-in"):
        answer = https.get(path, follow_redirects=False)
        assert answer.headers["cache-control"] == "no-store", path


def test_timed_out_sessions_are_deleted_at_the_next_sign_in(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    """The refused request rolls back, so the rows go at the next sign-in (anyone's)."""
    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")
    clock.advance(minutes=31)
    assert https.get("/api/v1/me").status_code == 401
    assert session_count(app) == 1

    sign_in(https, "ana@example.org")

    assert session_count(app) == 1  # the old one gone, the new one kept


def test_the_page_asked_for_is_reached_after_the_second_step(
    app: FastAPI, https: TestClient, clock: Clock
) -> None:
    """next survives the password, the code and the redirect (not only /account)."""
    account_id = account_make(app, "ana@example.org")
    secret = totp_turn_on(app, account_id, now=clock.now)

    first = sign_in(https, "ana@example.org", next_path="/clinic")
    assert first.headers["location"] == "/account/two-factor?next=/clinic"
    done = post_form(
        https,
        first.headers["location"],
        "/account/two-factor",
        code=totp_code(secret, at=clock.now),
        next="/clinic",
    )
    assert (done.status_code, done.headers["location"]) == (303, "/clinic")


def test_static_files_stay_cacheable_with_a_session_cookie(app: FastAPI, https: TestClient) -> None:
    account_make(app, "ana@example.org")
    sign_in(https, "ana@example.org")

    assert https.get("/static/css/site.css").headers.get("cache-control") != "no-store"
    assert https.get("/account").headers["cache-control"] == "no-store"
