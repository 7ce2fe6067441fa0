"""Account pages end to end through the app: sign-up, mail links, sign-in, reset, email
change, deletion, and a clinic lead inviting staff who then set up two-step sign-in.

Every test talks HTTPS (``https://testserver``) so the ``__Host-`` cookies work, except the
one that shows the plain cookie over HTTP. Mail is read back from the ``.eml`` files the
app writes into ``settings.mail_dir``; the clock is frozen (``app.state.clock``).
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hsct.common.i18n import translations
from hsct.common.settings import Settings
from hsct.registry import Grant, Role, accounts, session_scope
from hsct.registry.auth import totp_code
from tests.web.conftest import (
    PASSWORD,
    PRE_TLS,
    SESSION_TLS,
    TLS_BASE,
    Clock,
    account_make,
    body_of,
    clinic_make,
    csrf_of,
    link_in,
    mails,
    mails_to,
    post_form,
    sign_in,
    totp_turn_on,
    with_session,
)

#: Every test runs on the frozen clock; the ones that move it ask for it by name.
pytestmark = pytest.mark.usefixtures("clock")

NEW_PASSWORD = "seven quiet rivers under snow"
_SECRET = re.compile(r'<code class="secret" translate="no">([A-Z2-7 ]+)</code>')


def signed_out_redirect(client: TestClient, path: str = "/account") -> str | None:
    """Where ``path`` sends this client (None when it answers 200)."""
    response = client.get(path, follow_redirects=False)
    if response.status_code == 200:
        return None
    assert response.status_code == 303
    return response.headers["location"]


def set_up_two_factor(client: TestClient, clock: Clock) -> tuple[str, list[str]]:
    """Walk the set-up page as the pages ask; returns the seed and the recovery codes."""
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    assert _SECRET.search(page.text) is None  # nothing is made before "Start"
    started = post_form(client, "/account/two-factor/setup", "/account/two-factor/setup/start")
    assert started.status_code == 303
    assert started.headers["location"] == "/account/two-factor/setup"
    page = client.get("/account/two-factor/setup")
    shown = _SECRET.search(page.text)
    assert shown is not None
    secret = shown.group(1).replace(" ", "")
    before = client.cookies.get(SESSION_TLS)
    done = post_form(client, "/account/two-factor/setup", code=totp_code(secret, at=clock.now))
    assert done.status_code == 200
    assert "Your recovery codes" in done.text
    codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", done.text)
    assert len(codes) == 10
    assert client.cookies.get(SESSION_TLS) not in (None, before)
    return secret, codes


# ---------------------------------------------------------------- sign up and confirm


def test_sign_up_confirm_by_button_then_sign_in(https: TestClient, settings: Settings) -> None:
    """The link only shows a button (twice if need be); the button confirms, once."""
    answer = post_form(
        https,
        "/account/sign-up",
        email=" Ana.Lima@Example.org ",
        password=PASSWORD,
        display_name="Ana Lima",
    )
    assert answer.status_code == 200
    assert "Check your email" in answer.text

    (message,) = mails(settings.mail_dir)
    assert message["To"] == "ana.lima@example.org"
    assert message["Subject"] == "Confirm your email for HSCT Navigator"
    link = link_in(message)
    assert link.startswith("/account/verify?token=l_")
    token = link.partition("token=")[2]

    for _ in range(2):  # opening the link uses nothing: a mail scanner can open it too
        opened = https.get(link)
        assert opened.status_code == 200
        assert "Confirm your email" in opened.text
        assert re.search(r'<button [^>]*type="submit">Confirm</button>', opened.text)
        assert f'name="token" value="{token}"' in opened.text
    assert sign_in(https, "ana.lima@example.org").status_code == 200  # not confirmed yet

    confirmed = post_form(https, link, "/account/verify", token=token)
    assert confirmed.status_code == 200
    assert "Your email is confirmed. You can sign in now." in confirmed.text
    again = post_form(https, link, "/account/verify", token=token)
    assert again.status_code == 400
    assert "This link does not work" in again.text

    signed_in = sign_in(https, "ANA.LIMA@example.org")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/account"
    page = https.get("/account")
    assert page.status_code == 200
    assert "<dd>ana.lima@example.org</dd>" in page.text
    assert "<dd>Ana Lima</dd>" in page.text


def test_sign_up_with_a_taken_email_reads_the_same_and_mails_the_owner(
    app: FastAPI, https: TestClient, settings: Settings
) -> None:
    """Nothing on the page tells a taken address from a new one; the owner gets a note."""
    account_make(app, "owner@example.org")

    new = post_form(https, "/account/sign-up", email="fresh@example.org", password=PASSWORD)
    taken = post_form(https, "/account/sign-up", email="Owner@Example.org", password=NEW_PASSWORD)

    assert new.status_code == taken.status_code == 200
    assert new.text == taken.text
    (note,) = mails_to(settings.mail_dir, "owner@example.org")
    assert note["Subject"] == "Someone tried to sign up with your email"
    body = body_of(note)
    assert "http://127.0.0.1:8000/account/sign-in\n" in body
    assert "http://127.0.0.1:8000/account/forgot\n" in body
    assert "token=" not in body
    assert len(mails(settings.mail_dir)) == 2  # the note and the new address's link
    assert sign_in(https, "owner@example.org", NEW_PASSWORD).status_code == 400  # unchanged


def test_sign_in_before_confirming_sends_a_new_link(https: TestClient, settings: Settings) -> None:
    """The right password on an unconfirmed account: no session, a fresh link by mail."""
    post_form(https, "/account/sign-up", email="late@example.org", password=PASSWORD)

    answer = sign_in(https, "late@example.org")

    assert answer.status_code == 200
    assert "Your email address is not confirmed yet." in answer.text
    assert SESSION_TLS not in answer.headers.get("set-cookie", "")
    first, second = mails_to(settings.mail_dir, "late@example.org")
    assert first["Subject"] == second["Subject"] == "Confirm your email for HSCT Navigator"
    assert link_in(first) != link_in(second)
    token = link_in(second).partition("token=")[2]
    assert post_form(https, link_in(second), "/account/verify", token=token).status_code == 200
    assert sign_in(https, "late@example.org").status_code == 303
    # a wrong password tells nothing about confirmation, and sends nothing
    assert sign_in(https, "late@example.org", NEW_PASSWORD).status_code == 400
    assert len(mails_to(settings.mail_dir, "late@example.org")) == 2


#: A password that breaks one rule each, and the rule's message (a catalogue msgid).
WEAK_PASSWORDS = {
    "fourteen chars": (
        "river lamp sky",
        "use at least {minimum} characters; three or four words you will remember work well",
    ),
    "common": ("password1234567890", "this password is on a list of common or leaked passwords"),
    "own email": (
        "margarethe walks far away",
        "do not use your name, your email or the name of this site in it",
    ),
}


@pytest.mark.parametrize("locale", ["en", "ru", "es"])
@pytest.mark.parametrize("case", WEAK_PASSWORDS, ids=str)
def test_a_weak_password_is_named_in_the_persons_language(
    https: TestClient, settings: Settings, case: str, locale: str
) -> None:
    """422, the password field marked and linked from the summary, the rule in the person's
    language; nothing is made or sent, and the password is not sent back."""
    password, msgid = WEAK_PASSWORDS[case]
    catalogue = translations(locale)
    headers = {"accept-language": locale}
    page = https.get("/account/sign-up", headers=headers)
    answer = https.post(
        "/account/sign-up",
        data={
            "csrf_token": csrf_of(page.text),
            "email": "margarethe@example.org",
            "password": password,
        },
        headers=headers,
    )

    assert answer.status_code == 422
    assert f'lang="{locale}"' in answer.text
    label = catalogue.gettext("Password")
    assert f'<a href="#f-password">{label}</a>' in answer.text  # the summary links the field
    assert re.search(r'id="f-password"[^>]*aria-describedby="h-password e-password"', answer.text)
    assert re.search(r'id="f-password"[^>]*aria-invalid="true"', answer.text)
    assert 'value="margarethe@example.org"' in answer.text  # what was typed is kept...
    assert password not in answer.text  # ...but never the password
    field_error = re.search(r'<p class="field-error" id="e-password">([^<]+)</p>', answer.text)
    assert field_error is not None
    message = catalogue.gettext(msgid)
    if locale != "en":
        assert message != msgid, f"{locale} catalogue lacks {msgid!r}"
        assert label != "Password"
    assert field_error.group(1) == message.replace("{minimum}", "15")
    assert mails(settings.mail_dir) == []


# ---------------------------------------------------------------- forgotten password


def test_forgot_reads_the_same_for_an_unknown_email_and_sends_nothing(
    app: FastAPI, https: TestClient, settings: Settings
) -> None:
    account_make(app, "known@example.org")

    unknown = post_form(https, "/account/forgot", email="nobody@example.org")
    assert unknown.status_code == 200
    assert mails(settings.mail_dir) == []
    known = post_form(https, "/account/forgot", email="known@example.org")

    assert known.text == unknown.text
    assert "If this address can be used, we have sent a message to it." in known.text
    (message,) = mails(settings.mail_dir)
    assert message["To"] == "known@example.org"
    assert message["Subject"] == "Choose a new password for HSCT Navigator"


def test_a_reset_link_works_once_and_signs_out_everywhere(
    app: FastAPI, https: TestClient, settings: Settings
) -> None:
    account_make(app, "reset@example.org")
    assert sign_in(https, "reset@example.org").status_code == 303
    old_cookie = https.cookies.get(SESSION_TLS)
    assert old_cookie
    assert with_session(app, old_cookie).get("/api/v1/me").status_code == 200
    other = TestClient(app, base_url=TLS_BASE)  # another browser, signed out
    post_form(other, "/account/forgot", email="reset@example.org")
    link = link_in(mails_to(settings.mail_dir, "reset@example.org")[0])
    assert link.startswith("/account/reset?token=l_")
    token = link.partition("token=")[2]

    assert other.get(link).status_code == 200  # opening it uses nothing
    done = post_form(other, link, "/account/reset", token=token, password=NEW_PASSWORD)

    assert done.status_code == 200
    assert "Your new password is set, and every other session was signed out." in done.text
    again = post_form(other, "/account/sign-in", "/account/reset", token=token, password=PASSWORD)
    assert again.status_code == 400
    assert other.get(link).status_code == 400
    assert signed_out_redirect(https) == "/account/sign-in?next=/account"
    assert with_session(app, old_cookie).get("/api/v1/me").status_code == 401
    assert sign_in(other, "reset@example.org", PASSWORD).status_code == 400
    assert sign_in(other, "reset@example.org", NEW_PASSWORD).status_code == 303


def test_a_reset_link_expires_after_one_hour(
    app: FastAPI, https: TestClient, settings: Settings, clock: Clock
) -> None:
    account_make(app, "slow@example.org")
    post_form(https, "/account/forgot", email="slow@example.org")
    link = link_in(mails(settings.mail_dir)[0])
    token = link.partition("token=")[2]

    clock.advance(minutes=59, seconds=59)
    assert https.get(link).status_code == 200
    clock.advance(seconds=1)
    expired = https.get(link)
    assert expired.status_code == 400
    assert "This link does not work" in expired.text
    posted = post_form(
        https, "/account/forgot", "/account/reset", token=token, password=NEW_PASSWORD
    )
    assert posted.status_code == 400
    assert sign_in(https, "slow@example.org", NEW_PASSWORD).status_code == 400


# ---------------------------------------------------------------- email change, deletion


def test_an_email_change_is_confirmed_from_the_new_address(
    app: FastAPI, https: TestClient, settings: Settings
) -> None:
    account_make(app, "old@example.org")
    sign_in(https, "old@example.org")

    wrong = post_form(
        https, "/account", "/account/email", new_email="new@example.org", password=NEW_PASSWORD
    )
    assert wrong.status_code == 422
    assert 'id="e-password">wrong password<' in wrong.text
    asked = post_form(
        https, "/account", "/account/email", new_email="New@Example.org", password=PASSWORD
    )
    assert asked.status_code == 200
    assert "Your old address stays in use until you open that link." in asked.text

    (message,) = mails(settings.mail_dir)
    assert message["To"] == "new@example.org"
    assert message["Subject"] == "Confirm your new email for HSCT Navigator"
    link = link_in(message)
    assert link.startswith("/account/email/confirm?token=l_")
    opened = https.get(link)
    assert "Confirm your new email" in opened.text
    assert "<dd>old@example.org</dd>" in https.get("/account").text  # not yet
    done = post_form(https, link, "/account/email/confirm", token=link.partition("token=")[2])

    assert done.status_code == 200
    assert "Your email address is changed. Sign in with the new one." in done.text
    (changed,) = mails_to(settings.mail_dir, "old@example.org")
    assert changed["Subject"] == "Your HSCT Navigator email was changed"
    assert "http" not in body_of(changed)  # no link to follow in a possibly hostile mailbox
    assert "<dd>new@example.org</dd>" in https.get("/account").text
    fresh = TestClient(app, base_url=TLS_BASE)
    assert sign_in(fresh, "old@example.org").status_code == 400
    assert sign_in(fresh, "new@example.org").status_code == 303


def test_deleting_an_account_needs_the_password_and_the_box(
    app: FastAPI, https: TestClient
) -> None:
    account_make(app, "leaving@example.org", display_name="Leif Leaving")
    sign_in(https, "leaving@example.org")

    no_box = post_form(https, "/account", "/account/delete", password=PASSWORD)
    assert no_box.status_code == 422
    assert 'id="e-confirm">Tick the box to confirm.<' in no_box.text
    wrong = post_form(https, "/account", "/account/delete", password=NEW_PASSWORD, confirm="yes")
    assert wrong.status_code == 422
    assert 'id="e-password">wrong password<' in wrong.text
    assert https.get("/account").status_code == 200  # still there

    gone = post_form(https, "/account", "/account/delete", password=PASSWORD, confirm="yes")

    assert gone.status_code == 200
    assert "Your account is deleted" in gone.text
    assert f'{SESSION_TLS}=""' in gone.headers["set-cookie"]
    assert signed_out_redirect(https) == "/account/sign-in?next=/account"
    assert sign_in(https, "leaving@example.org").status_code == 400
    with session_scope(app.state.session_factory) as session:
        assert accounts.account_by_email(session, email="leaving@example.org") is None


# ---------------------------------------------------------------- clinics


def test_a_lead_invites_staff_who_must_set_up_two_step_sign_in(
    app: FastAPI, https: TestClient, settings: Settings, clock: Clock
) -> None:
    """Lead signs in (two steps set up on the way), invites; the new person joins the same way."""
    clinic_id = clinic_make(app, "Clinica Prueba")
    account_make(
        app,
        "lead@example.org",
        display_name="Lena Lead",
        grants=(Grant(Role.CLINIC_LEAD, clinic_id),),
    )

    first = sign_in(https, "lead@example.org", next_path="/clinic")
    assert first.status_code == 303
    assert first.headers["location"] == "/account/two-factor/setup?next=/clinic"  # kept
    assert signed_out_redirect(https, "/clinic") == "/account/two-factor/setup"
    assert signed_out_redirect(https, "/account") == "/account/two-factor/setup"
    assert https.get("/api/v1/me").status_code == 401
    lead_secret, _ = set_up_two_factor(https, clock)
    with session_scope(app.state.session_factory) as session:
        lead = accounts.account_by_email(session, email="lead@example.org")
        assert lead is not None
        assert accounts.totp_pending_secret(lead, site_key=app.state.site_key) == lead_secret
    assert https.get("/api/v1/me").json()["roles"] == [
        {"role": "clinic_lead", "clinic_id": clinic_id}
    ]

    staff_page = https.get(f"/clinic/{clinic_id}/staff")
    assert staff_page.status_code == 200
    invited = post_form(
        https,
        f"/clinic/{clinic_id}/staff",
        f"/clinic/{clinic_id}/invitations",
        email="Sam@Example.org",
        role="clinic_staff",
    )
    assert invited.status_code == 200
    assert "The invitation is sent. The link works for 7 days." in invited.text

    (invitation,) = mails_to(settings.mail_dir, "sam@example.org")
    assert invitation["Subject"] == "Invitation to Clinica Prueba on HSCT Navigator"
    assert body_of(invitation).startswith("Hello,\n\nYou are invited to join Clinica Prueba")
    assert "as Clinic staff" in body_of(invitation)
    link = link_in(invitation)
    assert link.startswith("/invitation?token=l_")
    token = link.partition("token=")[2]

    sam = TestClient(app, base_url=TLS_BASE)
    offer = sam.get(link)
    assert offer.status_code == 200
    assert "Invitation to Clinica Prueba" in offer.text
    assert "You are invited as Clinic staff, with the address sam@example.org." in offer.text
    joined = post_form(
        sam, link, "/invitation", token=token, display_name="Sam Staff", password=NEW_PASSWORD
    )
    assert joined.status_code == 303
    assert joined.headers["location"] == "/account/sign-in?next=/clinic"
    assert sam.get(link).status_code == 400  # used

    assert (
        sign_in(sam, "sam@example.org", NEW_PASSWORD, next_path="/clinic").headers["location"]
        == "/account/two-factor/setup?next=/clinic"
    )
    # half signed in: no clinic page, no API, no account page until the second step is set up
    assert signed_out_redirect(sam, "/clinic") == "/account/two-factor/setup"
    assert signed_out_redirect(sam, f"/clinic/{clinic_id}/staff") == "/account/two-factor/setup"
    me = sam.get("/api/v1/me")
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == "Bearer"
    clock.advance(seconds=30)  # a later code than the lead's (a different seed anyway)
    set_up_two_factor(sam, clock)

    assert sam.get("/account").status_code == 200
    clinics_page = sam.get("/clinic")
    assert clinics_page.status_code == 200
    assert "Clinica Prueba" in clinics_page.text
    assert sam.get("/api/v1/me").json()["roles"] == [
        {"role": "clinic_staff", "clinic_id": clinic_id}
    ]
    staff = https.get(f"/clinic/{clinic_id}/staff").text
    row = re.search(
        r"<tr><td[^>]*>Sam Staff</td><td[^>]*>sam@example.org</td><td[^>]*>([^<]+)</td>\s*"
        r"<td[^>]*>([^<]+)<",
        staff,
    )
    assert row is not None
    assert row.groups() == ("Clinic staff", "On")
    assert sam.get(f"/clinic/{clinic_id}/staff").status_code == 403  # staff do not manage staff


def test_over_plain_http_the_cookies_have_plain_names_and_no_secure_flag(
    app: FastAPI, client: TestClient
) -> None:
    """A developer's http://localhost: browsers refuse ``__Host-`` cookies there."""
    account_make(app, "dev@example.org")

    page = client.get("/account/sign-in")
    pre = page.headers["set-cookie"]
    assert pre.startswith("hsct_pre=")
    assert "Secure" not in pre
    answer = sign_in(client, "dev@example.org")

    cookies = answer.headers.get_list("set-cookie")
    (session,) = [c for c in cookies if c.startswith("hsct_session=")]
    assert "; HttpOnly" in session
    assert "; Path=/" in session
    assert "; SameSite=lax" in session
    assert "Secure" not in session
    assert not any(c.startswith(("__Host-", PRE_TLS)) for c in cookies)
    assert client.get("/account").status_code == 200


def test_a_half_signed_in_session_is_not_a_session_for_the_api(
    app: FastAPI, https: TestClient
) -> None:
    """Password given, second step due: 401 on the API, redirects on the pages."""
    totp_turn_on(app, account_make(app, "twostep@example.org"))

    assert sign_in(https, "twostep@example.org").headers["location"] == "/account/two-factor"
    assert signed_out_redirect(https, "/account") == "/account/two-factor"
    assert https.get("/api/v1/me").status_code == 401
    assert (
        https.post(
            "/api/v1/me/record",
            headers={"x-csrf-token": csrf_of(https.get("/account/two-factor").text)},
        ).status_code
        == 401
    )


def test_the_qr_code_is_an_svg_image_a_browser_can_show(app: FastAPI, https: TestClient) -> None:
    """An SVG in <img> is drawn only with its namespace (svg_inline() once left it out)."""
    account_make(app, "qr@example.org")
    sign_in(https, "qr@example.org")
    post_form(https, "/account/two-factor/setup", "/account/two-factor/setup/start")
    page = https.get("/account/two-factor/setup").text
    found = re.search(r'<img class="qr" src="data:image/svg\+xml([;,][^"]+)"', page)
    assert found is not None

    header, _, data = html.unescape(found.group(1)).partition(",")
    svg = base64.b64decode(data).decode() if header.endswith(";base64") else unquote(data)

    assert re.search(r"""<svg [^>]*xmlns=["']http://www.w3.org/2000/svg["']""", svg)
    assert "<path" in svg
