"""Accounts: sign-up, mail links, sign-in with throttling, sessions, passwords, two factors.

Every test runs on SQLite and PostgreSQL. A service that refuses raises inside the ``with``
block; where the refusal itself must be kept (a counted failure), ``pytest.raises`` sits
inside ``sessions.begin()`` so the transaction still commits, as the web layer must do.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput
from hsct.registry import accounts, auth, clinics, tokens
from hsct.registry.access import Grant, Role, TokenScope
from hsct.registry.accounts import (
    EmailNotVerified,
    LinkInvalid,
    SecondFactorRefused,
    SignInRefused,
)
from hsct.registry.audit import audit_event_list
from hsct.registry.tables import (
    Account,
    ApiToken,
    Identity,
    OneTimeToken,
    RecoveryCode,
    WebSession,
)

PASSWORD = "correct horse battery staple 42"
NEW_PASSWORD = "seven quiet rivers under snow"
WRONG_PASSWORD = "a wrong but long password"
PERSONAL_PASSWORD = "margarethe walks far"
NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)  # a multiple of 30 s: a TOTP step starts here
STEP = int(NOW.timestamp()) // 30
SITE_KEY = b"test site key: 32 bytes of bytes"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
ALICE = "alice@example.org"
BOB = "bob@example.org"

Sessions = sessionmaker[Session]


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def account_in(s: Session, account_id: str) -> Account:
    account = s.get(Account, account_id)
    assert account is not None
    return account


def make_account(
    sessions: Sessions,
    email: str,
    *,
    password: str | None = PASSWORD,
    grants: tuple[Grant, ...] = (Grant(Role.PATIENT),),
) -> str:
    """A verified account (committed); returns its id."""
    with sessions.begin() as s:
        return accounts.account_create(
            s, email=email, password=password, grants=grants, verified=True, now=NOW
        ).id


def throttle_state(sessions: Sessions, account_id: str) -> tuple[int, datetime | None]:
    with sessions() as s:
        account = account_in(s, account_id)
        return account.failed_sign_ins, account.locked_until


def count(sessions: Sessions, table: type[object]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def resolve(sessions: Sessions, token: str, at: datetime) -> accounts.SessionState | None:
    with sessions.begin() as s:
        return accounts.web_session_resolve(s, token=token, now=at, idle=IDLE, absolute=ABSOLUTE)


def start_session(sessions: Sessions, account_id: str, at: datetime = NOW) -> str:
    with sessions.begin() as s:
        account = account_in(s, account_id)
        return accounts.web_session_start(s, account=account, now=at, mfa_pending=False)


def sign_in(sessions: Sessions, email: str, password: str, at: datetime) -> Account:
    with sessions.begin() as s:
        return accounts.account_sign_in(s, email=email, password=password, now=at)


def refused_sign_in(sessions: Sessions, email: str, password: str, at: datetime) -> str:
    """Sign in, expect a refusal, keep what it recorded; returns the message."""
    with sessions.begin() as s, pytest.raises(SignInRefused) as caught:
        accounts.account_sign_in(s, email=email, password=password, now=at)
    return str(caught.value)


# ---------------------------------------------------------------- sign-up and mail links


def test_sign_up_creates_an_unverified_patient_that_must_confirm_once(sessions: Sessions) -> None:
    with sessions.begin() as s:
        result = accounts.account_sign_up(
            s,
            email="  Alice@Example.ORG ",
            password=PASSWORD,
            display_name="Alice  Liddell",
            now=NOW,
        )
        assert result.account is not None
        assert result.verify_token is not None
        assert result.existing is None
        account_id, token = result.account.id, result.verify_token

    with sessions() as s:
        account = s.get(Account, account_id)
        identity = s.get(Identity, account_id)
        link = s.get(OneTimeToken, sha256(token))
        assert account is not None
        assert identity is not None
        assert link is not None
        assert (identity.email, identity.display_name) == (ALICE, "Alice Liddell")
        assert account.email_verified_at is None
        assert account.failed_sign_ins == 0
        assert re.fullmatch(r"[0-9a-f]{32}", account.person_id)
        assert account.person_id != account.id
        assert accounts.actor_for(s, account=account).grants == (Grant(Role.PATIENT),)
        assert (link.purpose, link.account_id, link.expires_at) == (
            "verify_email",
            account_id,
            NOW + timedelta(days=2),
        )
        assert count(sessions, OneTimeToken) == 1

    with sessions.begin() as s, pytest.raises(EmailNotVerified) as not_yet:
        accounts.account_sign_in(s, email=ALICE, password=PASSWORD, now=NOW)
    assert not_yet.value.account_id == account_id

    with sessions.begin() as s:
        verified = accounts.email_verify(s, token=token, now=NOW + timedelta(hours=1))
        assert verified.id == account_id
        assert verified.email_verified_at == NOW + timedelta(hours=1)

    with sessions.begin() as s, pytest.raises(LinkInvalid):
        accounts.email_verify(s, token=token, now=NOW + timedelta(hours=2))

    assert sign_in(sessions, "ALICE@example.org", PASSWORD, NOW + timedelta(hours=2)).id == (
        account_id
    )


def test_verification_link_lasts_two_days_and_one_purpose(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    with sessions.begin() as s:
        token = accounts.verification_resend(s, account_id=account_id, now=NOW)
        reset = accounts.password_set_link(s, account_id=account_id, now=NOW)

    for at, tok in (
        (NOW + timedelta(days=3), token),
        (NOW + timedelta(days=2), token),  # the moment it expires
        (NOW, reset),  # a link for another purpose
        (NOW, "l_" + "x" * 43),  # a made-up link
        (NOW, token + "x" * 100),  # absurdly long
    ):
        with sessions.begin() as s, pytest.raises(LinkInvalid):
            accounts.email_verify(s, token=tok, now=at)

    with sessions.begin() as s:
        last_second = NOW + timedelta(days=2) - timedelta(seconds=1)
        assert accounts.email_verify(s, token=token, now=last_second).id == account_id


def test_sign_up_with_a_taken_email_creates_nothing(sessions: Sessions) -> None:
    with sessions.begin() as s:
        first = accounts.account_sign_up(s, email=ALICE, password=PASSWORD, now=NOW)
        assert first.account is not None
        first_id = first.account.id

    with sessions.begin() as s:
        again = accounts.account_sign_up(
            s, email=" ALICE@example.org", password=NEW_PASSWORD, now=NOW + timedelta(minutes=5)
        )

    assert again.account is None
    assert again.verify_token is None
    assert again.existing is not None
    assert again.existing.id == first_id
    assert count(sessions, Account) == 1
    assert count(sessions, Identity) == 1
    assert count(sessions, OneTimeToken) == 1
    with sessions() as s:
        kept = account_in(s, first_id)
        assert auth.password_matches(kept.password_hash, PASSWORD) is True


def test_sign_up_checks_the_password_against_the_email(sessions: Sessions) -> None:
    with sessions.begin() as s, pytest.raises(InvalidInput) as caught:
        accounts.account_sign_up(
            s, email="margarethe@example.org", password=PERSONAL_PASSWORD, now=NOW
        )
    assert caught.value.fields == ("password",)
    with sessions.begin() as s, pytest.raises(InvalidInput) as bad_email:
        accounts.account_sign_up(s, email="not-an-address", password=PASSWORD, now=NOW)
    assert bad_email.value.fields == ("email",)
    assert count(sessions, Account) == 0


# ---------------------------------------------------------------- sign-in and throttling


def test_wrong_password_and_unknown_email_get_the_same_answer(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE)

    wrong = refused_sign_in(sessions, ALICE, WRONG_PASSWORD, NOW)
    unknown = refused_sign_in(sessions, "nobody@example.org", PASSWORD, NOW)
    malformed = refused_sign_in(sessions, "not an email", PASSWORD, NOW)

    assert wrong == unknown == malformed
    assert wrong == (
        "The email or password is not right, or there were too many attempts. "
        "Wait a few minutes, or reset your password."
    )
    assert throttle_state(sessions, account_id) == (1, None)


def test_failures_make_the_owner_wait_then_let_them_in(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE)
    wrong = WRONG_PASSWORD

    for failures in range(1, 6):  # five failures are free
        refused_sign_in(sessions, ALICE, wrong, NOW)
        assert throttle_state(sessions, account_id) == (failures, None)

    refused_sign_in(sessions, ALICE, wrong, NOW)  # the sixth makes the next one wait 2 s
    assert throttle_state(sessions, account_id) == (6, NOW + timedelta(seconds=2))

    # while waiting even the right password is refused, and the wait is not extended
    refused_sign_in(sessions, ALICE, PASSWORD, NOW + timedelta(seconds=1))
    assert throttle_state(sessions, account_id) == (6, NOW + timedelta(seconds=2))

    # the seventh wrong password (after the wait) doubles it
    refused_sign_in(sessions, ALICE, wrong, NOW + timedelta(seconds=2))
    assert throttle_state(sessions, account_id) == (7, NOW + timedelta(seconds=6))

    # once the wait is over the right password works and clears the count
    assert sign_in(sessions, ALICE, PASSWORD, NOW + timedelta(seconds=6)).id == account_id
    assert throttle_state(sessions, account_id) == (0, None)

    with sessions() as s:
        account = account_in(s, account_id)
        events = audit_event_list(s, entity_type="account", entity_id=account.person_id)
    assert [(e.action, e.details) for e in events] == [
        ("account.create", {"roles": [["patient", None]]}),
        *(("auth.sign_in_failed", {"failures": n, "waiting": False}) for n in range(1, 7)),
        ("auth.sign_in_failed", {"failures": 6, "waiting": True}),
        ("auth.sign_in_failed", {"failures": 7, "waiting": False}),
        ("auth.sign_in", None),
    ]


def test_the_wait_doubles_up_to_fifteen_minutes(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE)
    wrong = WRONG_PASSWORD
    with sessions.begin() as s:
        s.execute(update(Account).where(Account.id == account_id).values(failed_sign_ins=13))

    at = NOW
    for failures, wait_s in ((14, 512), (15, 900), (16, 900)):
        refused_sign_in(sessions, ALICE, wrong, at)
        assert throttle_state(sessions, account_id) == (failures, at + timedelta(seconds=wait_s))
        at += timedelta(seconds=wait_s)

    with sessions.begin() as s:
        s.execute(update(Account).where(Account.id == account_id).values(failed_sign_ins=10_000))
    refused_sign_in(sessions, ALICE, wrong, at)
    assert throttle_state(sessions, account_id) == (10_001, at + timedelta(minutes=15))


def test_disabled_account_cannot_sign_in_and_its_sessions_and_tokens_end(
    sessions: Sessions,
) -> None:
    account_id = make_account(sessions, ALICE)
    other_id = make_account(sessions, BOB, password=None)
    cookie = start_session(sessions, account_id)
    other_cookie = start_session(sessions, other_id)
    with sessions.begin() as s:
        account = account_in(s, account_id)
        _, bearer = tokens.api_token_create(
            s, account=account, scope=TokenScope.REGISTRY_READ, now=NOW
        )

    with sessions.begin() as s:
        accounts.account_disable(s, account_id=account_id, now=NOW + timedelta(minutes=1))

    later = NOW + timedelta(minutes=2)
    refused_sign_in(sessions, ALICE, PASSWORD, later)
    assert resolve(sessions, cookie, later) is None
    assert resolve(sessions, other_cookie, later) is not None
    with sessions.begin() as s:
        assert tokens.api_token_resolve(s, token=bearer, now=later) is None
        assert accounts.password_reset_request(s, email=ALICE, now=later) is None
        assert s.scalars(select(ApiToken.revoked_at)).all() == [NOW + timedelta(minutes=1)]
        assert s.scalars(select(WebSession.account_id)).all() == [other_id]


# ---------------------------------------------------------------- sessions


def test_only_the_hash_of_a_session_id_is_stored(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    first = start_session(sessions, account_id)
    second = start_session(sessions, account_id)

    assert first != second
    assert re.fullmatch(r"s_[A-Za-z0-9_-]{43}", first)
    with sessions() as s:
        rows = s.execute(text("SELECT * FROM web_session")).all()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row)
    assert first not in stored
    assert second not in stored
    assert first[2:] not in stored
    with sessions() as s:
        assert set(s.scalars(select(WebSession.id_hash))) == {sha256(first), sha256(second)}

    state = resolve(sessions, first, NOW + timedelta(minutes=1))
    assert state is not None
    assert state.account.id == account_id
    assert state.mfa_pending is False
    assert resolve(sessions, "s_" + "A" * 43, NOW) is None
    assert resolve(sessions, "", NOW) is None
    assert resolve(sessions, first + "x" * 100, NOW) is None


def test_resolving_touches_the_session_at_most_once_a_minute(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    cookie = start_session(sessions, account_id)

    def last_seen() -> datetime:
        with sessions() as s:
            row = s.get(WebSession, sha256(cookie))
            assert row is not None
            return row.last_seen_at

    assert resolve(sessions, cookie, NOW + timedelta(seconds=59)) is not None
    assert last_seen() == NOW
    assert resolve(sessions, cookie, NOW + timedelta(seconds=60)) is not None
    assert last_seen() == NOW + timedelta(seconds=60)


def test_idle_session_ends_and_is_deleted(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    cookie = start_session(sessions, account_id)

    almost = NOW + IDLE - timedelta(seconds=1)
    assert resolve(sessions, cookie, almost) is not None
    assert resolve(sessions, cookie, almost + IDLE) is None
    assert count(sessions, WebSession) == 0
    assert resolve(sessions, cookie, almost + IDLE - timedelta(seconds=1)) is None


def test_busy_session_still_ends_at_the_absolute_limit(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    cookie = start_session(sessions, account_id)

    at = NOW + timedelta(minutes=10)
    while at < NOW + ABSOLUTE:
        assert resolve(sessions, cookie, at) is not None, at
        at += timedelta(minutes=10)
    assert at == NOW + ABSOLUTE
    assert resolve(sessions, cookie, at) is None
    assert count(sessions, WebSession) == 0


def test_sign_out_ends_one_session(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    phone = start_session(sessions, account_id)
    laptop = start_session(sessions, account_id)

    with sessions.begin() as s:
        accounts.web_session_end(s, token=phone)

    assert resolve(sessions, phone, NOW) is None
    assert resolve(sessions, laptop, NOW) is not None


def test_second_factor_replaces_the_pending_session(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    with sessions.begin() as s:
        account = account_in(s, account_id)
        pending = accounts.web_session_start(s, account=account, now=NOW, mfa_pending=True)
    with sessions.begin() as s:
        state = accounts.web_session_resolve(
            s, token=pending, now=NOW, idle=IDLE, absolute=ABSOLUTE
        )
        assert state is not None
        assert state.mfa_pending is True
        full = accounts.web_session_complete(s, state=state, token=pending, now=NOW)

    assert full != pending
    assert resolve(sessions, pending, NOW) is None
    done = resolve(sessions, full, NOW)
    assert done is not None
    assert done.mfa_pending is False


def test_password_change_ends_every_other_session(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE)
    cookies = [start_session(sessions, account_id) for _ in range(3)]
    bob_id = make_account(sessions, BOB, password=None)
    bob_cookie = start_session(sessions, bob_id)

    with sessions.begin() as s:
        account = account_in(s, account_id)
        with pytest.raises(InvalidInput) as wrong:
            accounts.password_change(
                s, account=account, current=WRONG_PASSWORD, new=NEW_PASSWORD, now=NOW
            )
    assert wrong.value.fields == ("current_password",)
    with sessions.begin() as s:
        account = account_in(s, account_id)
        with pytest.raises(InvalidInput) as weak:
            accounts.password_change(
                s, account=account, current=PASSWORD, new="alice in the woods", now=NOW
            )
    assert weak.value.fields == ("new_password",)

    with sessions.begin() as s:
        account = account_in(s, account_id)
        accounts.password_change(
            s, account=account, current=PASSWORD, new=NEW_PASSWORD, now=NOW, keep_session=cookies[1]
        )

    assert [resolve(sessions, c, NOW) is not None for c in cookies] == [False, True, False]
    assert resolve(sessions, bob_cookie, NOW) is not None
    with sessions() as s:
        account = account_in(s, account_id)
        assert auth.password_matches(account.password_hash, NEW_PASSWORD) is True
        assert auth.password_matches(account.password_hash, PASSWORD) is False


def test_password_reset_ends_all_sessions_and_the_wait(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE)
    cookies = [start_session(sessions, account_id) for _ in range(2)]
    with sessions.begin() as s:
        s.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(failed_sign_ins=9, locked_until=NOW + timedelta(minutes=10))
        )
        assert accounts.password_reset_request(s, email="nobody@example.org", now=NOW) is None
        requested = accounts.password_reset_request(s, email=" Alice@example.org", now=NOW)
        assert requested is not None
        assert requested[0].id == account_id
        token = requested[1]
        link = s.get(OneTimeToken, sha256(token))
        assert link is not None
        assert (link.purpose, link.expires_at) == ("reset_password", NOW + timedelta(hours=1))

    at = NOW + timedelta(minutes=5)
    with sessions.begin() as s:
        accounts.password_reset_complete(s, token=token, new_password=NEW_PASSWORD, now=at)

    assert [resolve(sessions, c, at) for c in cookies] == [None, None]
    assert count(sessions, WebSession) == 0
    assert throttle_state(sessions, account_id) == (0, None)
    with sessions.begin() as s, pytest.raises(LinkInvalid):
        accounts.password_reset_complete(s, token=token, new_password=PASSWORD, now=at)
    assert sign_in(sessions, ALICE, NEW_PASSWORD, at).id == account_id


def test_reset_link_expires_after_an_hour(sessions: Sessions) -> None:
    make_account(sessions, ALICE, password=None)
    with sessions.begin() as s:
        requested = accounts.password_reset_request(s, email=ALICE, now=NOW)
        assert requested is not None
    with sessions.begin() as s, pytest.raises(LinkInvalid):
        accounts.password_reset_complete(
            s, token=requested[1], new_password=NEW_PASSWORD, now=NOW + timedelta(hours=1)
        )


# ---------------------------------------------------------------- two factors


def test_two_factor_setup_codes_work_once(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    with sessions.begin() as s:
        account = account_in(s, account_id)
        secret = accounts.totp_setup_begin(s, account=account, site_key=SITE_KEY)
        assert account.totp_secret is not None
        assert secret not in account.totp_secret
        assert auth.secret_unseal(account.totp_secret, SITE_KEY) == secret
        assert account.totp_enabled_at is None

    with sessions.begin() as s:
        account = account_in(s, account_id)
        wrong_code = auth.totp_code(secret, at=NOW - timedelta(minutes=5))
        with pytest.raises(InvalidInput) as wrong:
            accounts.totp_setup_confirm(
                s, account=account, code=wrong_code, site_key=SITE_KEY, now=NOW
            )
    assert wrong.value.fields == ("code",)

    with sessions.begin() as s:
        account = account_in(s, account_id)
        code = auth.totp_code(secret, at=NOW)
        codes = accounts.totp_setup_confirm(
            s, account=account, code=code, site_key=SITE_KEY, now=NOW
        )
        assert (account.totp_enabled_at, account.totp_last_timecode) == (NOW, STEP)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    with sessions() as s:
        assert accounts.recovery_codes_left(s, account_id=account_id) == 10
        assert set(s.scalars(select(RecoveryCode.code_hash))) == {sha256(c) for c in codes}

    def check(code: str, at: datetime) -> None:
        with sessions.begin() as s:
            account = account_in(s, account_id)
            accounts.second_factor_check(s, account=account, code=code, site_key=SITE_KEY, now=at)

    def refused(code: str, at: datetime) -> None:
        with sessions.begin() as s:
            account = account_in(s, account_id)
            with pytest.raises(SecondFactorRefused):
                accounts.second_factor_check(
                    s, account=account, code=code, site_key=SITE_KEY, now=at
                )

    refused(code, NOW)  # the code used at set-up cannot be replayed
    assert throttle_state(sessions, account_id) == (1, None)
    check(auth.totp_code(secret, at=NOW + timedelta(seconds=30)), NOW + timedelta(seconds=30))
    assert throttle_state(sessions, account_id) == (0, None)
    refused(auth.totp_code(secret, at=NOW + timedelta(seconds=30)), NOW + timedelta(seconds=31))

    check(codes[0].upper().replace("-", " "), NOW + timedelta(seconds=40))
    refused(codes[0], NOW + timedelta(seconds=41))
    with sessions() as s:
        assert accounts.recovery_codes_left(s, account_id=account_id) == 9
        account = account_in(s, account_id)
        assert account.totp_last_timecode == STEP + 1

    with sessions.begin() as s:
        account = account_in(s, account_id)
        with pytest.raises(Conflict):
            accounts.totp_setup_begin(s, account=account, site_key=SITE_KEY)


def test_wrong_codes_count_towards_the_same_wait(sessions: Sessions) -> None:
    account_id = make_account(sessions, ALICE, password=None)
    with sessions.begin() as s:
        account = account_in(s, account_id)
        secret = accounts.totp_setup_begin(s, account=account, site_key=SITE_KEY)
        accounts.totp_setup_confirm(
            s, account=account, code=auth.totp_code(secret, at=NOW), site_key=SITE_KEY, now=NOW
        )

    def attempt(code: str, at: datetime) -> bool:
        with sessions.begin() as s:
            account = account_in(s, account_id)
            try:
                accounts.second_factor_check(
                    s, account=account, code=code, site_key=SITE_KEY, now=at
                )
            except SecondFactorRefused:
                return False
            return True

    later = NOW + timedelta(minutes=1)
    for _ in range(6):
        assert attempt("000000", later) is False
    assert throttle_state(sessions, account_id) == (6, later + timedelta(seconds=2))
    right = auth.totp_code(secret, at=later)
    assert attempt(right, later + timedelta(seconds=1)) is False
    assert attempt(right, later + timedelta(seconds=2)) is True
    assert throttle_state(sessions, account_id)[0] == 0


def test_clinic_roles_cannot_switch_two_factors_off_patients_can(sessions: Sessions) -> None:
    with sessions.begin() as s:
        clinic_id = clinics.clinic_create(s, name="North", now=NOW).id
    staff_id = make_account(
        sessions, BOB, password=None, grants=(Grant(Role.CLINIC_STAFF, clinic_id),)
    )
    patient_id = make_account(sessions, ALICE)
    for account_id in (staff_id, patient_id):
        with sessions.begin() as s:
            account = account_in(s, account_id)
            secret = accounts.totp_setup_begin(s, account=account, site_key=SITE_KEY)
            accounts.totp_setup_confirm(
                s, account=account, code=auth.totp_code(secret, at=NOW), site_key=SITE_KEY, now=NOW
            )

    with sessions.begin() as s:
        staff = account_in(s, staff_id)
        actor = accounts.actor_for(s, account=staff)
        assert actor.needs_second_factor is True
        with pytest.raises(Conflict):
            accounts.totp_disable(s, account=staff, password=PASSWORD, actor=actor, now=NOW)

    with sessions.begin() as s:
        patient = account_in(s, patient_id)
        actor = accounts.actor_for(s, account=patient)
        accounts.totp_disable(s, account=patient, password=PASSWORD, actor=actor, now=NOW)

    with sessions() as s:
        staff = account_in(s, staff_id)
        patient = account_in(s, patient_id)
        assert staff.totp_enabled_at == NOW
        assert accounts.recovery_codes_left(s, account_id=staff_id) == 10
        assert (patient.totp_secret, patient.totp_enabled_at) == (None, None)
        assert accounts.recovery_codes_left(s, account_id=patient_id) == 0
