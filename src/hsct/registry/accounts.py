"""Account services: sign-up, mail links, sign-in with throttling, sessions, two factors.

Services add and flush; the caller owns the transaction (one per request or command).
Every service takes ``now`` so tests can freeze the clock. Failures that must not reveal
whether an email has an account raise :class:`SignInRefused` with one generic message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, HsctError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.registry import auth
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.audit import audit_event_record
from hsct.registry.tables import (
    Account,
    ApiToken,
    Identity,
    Membership,
    OneTimeToken,
    Patient,
    RecoveryCode,
    WebSession,
)

EMAIL_MAX: Final = 320
NAME_MAX: Final = 200
_EMAIL: Final = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

#: How long each kind of mail link works.
LINK_LIFETIME: Final = {
    "verify_email": timedelta(days=2),
    "reset_password": timedelta(hours=1),
    "set_password": timedelta(days=2),
    "change_email": timedelta(hours=24),
    "invitation": timedelta(days=7),
}

#: Per-account throttling (NIST SP 800-63B rev. 4 3.2.2): after FREE_FAILURES wrong
#: passwords in a row each further one doubles the wait, up to MAX_DELAY; the owner can
#: always sign in once the wait is over (no permanent lock-out an attacker could cause),
#: and a password reset clears the count.
FREE_FAILURES: Final = 5
FIRST_DELAY: Final = timedelta(seconds=2)
MAX_DELAY: Final = timedelta(minutes=15)
#: Sessions are touched at most this often, so a signed-in page rarely writes.
TOUCH_EVERY: Final = timedelta(seconds=60)


class SignInRefused(HsctError):  # noqa: N818 - names the answer, like PermissionDenied
    """Wrong email or password, a disabled account, or too many attempts: one message."""

    def __init__(self) -> None:
        super().__init__(
            "The email or password is not right, or there were too many attempts. "
            "Wait a few minutes, or reset your password."
        )


class EmailNotVerified(HsctError):  # noqa: N818 - names the state
    """The password was right but the email was never confirmed; a new link can be sent."""

    def __init__(self, account_id: str) -> None:
        super().__init__("Confirm your email first: we have sent you a new link.")
        self.account_id = account_id


class LinkInvalid(HsctError):  # noqa: N818 - names the answer
    """A mail link that is unknown, used already or expired."""

    def __init__(self) -> None:
        super().__init__(
            "This link does not work: it was used already, it has expired, or it was cut "
            "short. Ask for a new one."
        )


class SecondFactorRefused(HsctError):  # noqa: N818 - names the answer
    """A wrong, reused or expired two-factor or recovery code."""

    def __init__(self) -> None:
        super().__init__("That code is not right, or it was used already. Try the newest code.")


# ---------------------------------------------------------------- helpers


def email_normalise(email: str, *, field: str = "email") -> str:
    """Trimmed and lower-cased; raises :class:`InvalidInput` when it is not an address."""
    value = email.strip().lower()
    if not value or len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("this is not an email address")),
                    Message(N_("an address like name@example.org")),
                )
            ]
        )
    return value


def name_check(display_name: str, *, field: str = "display_name") -> str:
    """A display name, trimmed; at most 200 characters and no control characters."""
    value = " ".join(display_name.split())
    if len(value) > NAME_MAX or any(ord(ch) < 0x20 for ch in value):
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("this name is too long or has characters we cannot keep")),
                    Message(N_("up to {maximum} letters"), {"maximum": NAME_MAX}),
                )
            ]
        )
    return value


def _audit(
    session: Session,
    actor: Actor | Account | None,
    action: str,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    clinic_id: str | None = None,
    details: dict[str, object] | None = None,
    now: datetime,
    system: str = "cli",
    reason: str | None = None,
) -> None:
    """One audit event. ``actor`` None means no signed-in person: ``system`` names who
    acted instead (``cli`` for the command line, ``anonymous`` for a visitor)."""
    if isinstance(actor, Actor):
        who, role = actor.person_id, actor.primary_role.value
    elif isinstance(actor, Account):
        who, role = actor.person_id, None
    else:
        who, role = system, None
    audit_event_record(
        session,
        action=action,
        actor=who,
        actor_role=role,
        clinic_id=clinic_id,
        entity_type=entity_type,
        entity_id=entity_id,
        details=dict(details) if details else None,
        reason=reason,
        occurred_at=now,
    )


def account_by_email(session: Session, *, email: str) -> Account | None:
    """The account with this (normalised) email, if any."""
    return session.scalars(
        select(Account)
        .join(Identity, Identity.account_id == Account.id)
        .where(Identity.email == email)
    ).first()


def account_get(session: Session, *, account_id: str) -> Account:
    """The account, or :class:`NotFound`."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return account


def identity_get(session: Session, *, account_id: str) -> Identity:
    """The email and name of an account: only for that person, or for mail to them."""
    identity = session.get(Identity, account_id)
    if identity is None:
        raise NotFound("account", account_id)
    return identity


def actor_for(session: Session, *, account: Account) -> Actor:
    """The actor an account acts as: its pseudonym and every role it holds."""
    rows = session.execute(
        select(Membership.role, Membership.clinic_id).where(Membership.account_id == account.id)
    ).all()
    grants = tuple(
        sorted(
            (Grant(Role(role), clinic_id) for role, clinic_id in rows),
            key=lambda g: (g.role.value, g.clinic_id or ""),
        )
    )
    return Actor(account_id=account.id, person_id=account.person_id, grants=grants)


def link_issue(
    session: Session,
    *,
    purpose: str,
    now: datetime,
    account_id: str | None = None,
    clinic_id: str | None = None,
    role: str | None = None,
    email: str | None = None,
) -> str:
    """A new single-use mail link token for ``purpose``; only its hash is kept."""
    token = auth.token_new("l")
    session.add(
        OneTimeToken(
            token_hash=auth.token_digest(token),
            purpose=purpose,
            account_id=account_id,
            clinic_id=clinic_id,
            role=role,
            email=email,
            created_at=now,
            expires_at=now + LINK_LIFETIME[purpose],
        )
    )
    session.flush()
    return token


def link_peek(session: Session, *, token: str, purpose: str, now: datetime) -> OneTimeToken:
    """The unused, unexpired link behind ``token``, or :class:`LinkInvalid`."""
    if len(token) > 100:
        raise LinkInvalid
    link = session.get(OneTimeToken, auth.token_digest(token))
    if link is None or link.purpose != purpose or link.used_at is not None:
        raise LinkInvalid
    if link.expires_at <= now:
        raise LinkInvalid
    return link


def _link_use(session: Session, *, token: str, purpose: str, now: datetime) -> OneTimeToken:
    link = link_peek(session, token=token, purpose=purpose, now=now)
    link.used_at = now
    session.flush()
    return link


# ---------------------------------------------------------------- accounts


def account_create(
    session: Session,
    *,
    email: str,
    now: datetime,
    display_name: str = "",
    password: str | None = None,
    grants: Sequence[Grant] = (),
    verified: bool = False,
    language: str = "en",
    actor: Actor | None = None,
    self_service: bool = False,
) -> Account:
    """A new account with its identity and roles; :class:`Conflict` when the email is taken.

    ``self_service``: the person made it themself (sign-up, invitation), so the audit
    event names the new account's pseudonym as the actor; otherwise ``actor``, or ``cli``.
    """
    address = email_normalise(email)
    name = name_check(display_name)
    if password is not None:
        auth.password_check(password, email=address, display_name=name)
    if account_by_email(session, email=address) is not None:
        raise Conflict("an account with this email exists already")
    account = Account(
        password_hash=None if password is None else auth.password_hash(password),
        email_verified_at=now if verified else None,
        language=language,
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.add(Identity(account_id=account.id, email=address, display_name=name))
    for grant in grants:
        session.add(
            Membership(
                account_id=account.id, clinic_id=grant.clinic_id, role=grant.role, created_at=now
            )
        )
    session.flush()
    _audit(
        session,
        account if self_service else actor,
        "account.create",
        entity_type="account",
        entity_id=account.person_id,
        details={"roles": [[g.role.value, g.clinic_id] for g in grants]},
        now=now,
    )
    return account


@dataclass(frozen=True, slots=True)
class SignUp:
    """What sign-up did: a new account and its verification link, or nothing new.

    When the email already has an account nothing is created and ``existing`` is set, so the
    caller can mail that address a note instead; the page says the same either way.
    """

    account: Account | None
    verify_token: str | None
    existing: Account | None = None


def account_sign_up(
    session: Session,
    *,
    email: str,
    password: str,
    now: datetime,
    display_name: str = "",
    language: str = "en",
) -> SignUp:
    """Create a patient account awaiting email verification (never reveals a taken email)."""
    address = email_normalise(email)
    name = name_check(display_name)
    auth.password_check(password, email=address, display_name=name)
    existing = account_by_email(session, email=address)
    if existing is not None:
        return SignUp(None, None, existing)
    account = account_create(
        session,
        email=address,
        display_name=name,
        password=password,
        grants=(Grant(Role.PATIENT),),
        language=language,
        now=now,
        self_service=True,
    )
    token = link_issue(session, purpose="verify_email", account_id=account.id, now=now)
    return SignUp(account, token)


def email_verify(session: Session, *, token: str, now: datetime) -> Account:
    """Confirm an email address from the link sent at sign-up."""
    link = _link_use(session, token=token, purpose="verify_email", now=now)
    account = account_get(session, account_id=str(link.account_id))
    if account.email_verified_at is None:
        account.email_verified_at = now
    _audit(
        session,
        account,
        "account.verify_email",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return account


def verification_resend(session: Session, *, account_id: str, now: datetime) -> str:
    """A new verification link for an account that has not confirmed its email."""
    return link_issue(session, purpose="verify_email", account_id=account_id, now=now)


def _delay_after(failures: int) -> timedelta:
    if failures <= FREE_FAILURES:
        return timedelta(0)
    delay: timedelta = FIRST_DELAY * (2 ** min(failures - FREE_FAILURES - 1, 20))
    return min(delay, MAX_DELAY)


def _count_failure(session: Session, account: Account, now: datetime) -> None:
    """Add one failure in the database itself (``failures = failures + 1``), so failures
    sent in parallel are all counted, and start the wait that count calls for."""
    failures = session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(failed_sign_ins=Account.failed_sign_ins + 1)
        .returning(Account.failed_sign_ins)
    ).scalar_one()
    delay = _delay_after(int(failures))
    session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(locked_until=now + delay if delay else None)
    )
    session.refresh(account)


def account_sign_in(session: Session, *, email: str, password: str, now: datetime) -> Account:
    """Check an email and password; :class:`SignInRefused` for every failure alike.

    Wrong passwords are counted per account and each one past the first few makes the
    next attempt wait longer; while waiting even the right password is refused, so
    guessing is slow, but the owner gets in once the wait is over.
    """
    try:
        address = email_normalise(email)
    except InvalidInput:
        auth.password_matches(None, password)
        raise SignInRefused from None
    account = account_by_email(session, email=address)
    if account is None:
        auth.password_matches(None, password)  # same time as a real check
        _audit(session, None, "auth.sign_in_failed", now=now, system="anonymous")
        raise SignInRefused
    waiting = account.locked_until is not None and account.locked_until > now
    matches = (not waiting) and auth.password_matches(account.password_hash, password)
    if waiting:
        auth.password_matches(None, password)
    if not matches or account.disabled_at is not None:
        if not waiting:
            _count_failure(session, account, now)
        _audit(
            session,
            account,
            "auth.sign_in_failed",
            entity_type="account",
            entity_id=account.person_id,
            details={"failures": account.failed_sign_ins, "waiting": waiting},
            now=now,
        )
        session.flush()
        raise SignInRefused
    account.failed_sign_ins = 0
    account.locked_until = None
    if account.email_verified_at is None:
        raise EmailNotVerified(account.id)
    _audit(
        session,
        account,
        "auth.sign_in",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return account


def account_disable(
    session: Session, *, account_id: str, now: datetime, actor: Actor | None = None
) -> Account:
    """Disable an account: it can no longer sign in; its sessions and tokens end now."""
    account = account_get(session, account_id=account_id)
    account.disabled_at = now
    web_session_end_all(session, account_id=account.id)
    session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    _audit(
        session,
        actor,
        "account.disable",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return account


def account_delete(session: Session, *, account: Account, password: str, now: datetime) -> None:
    """Delete an account at its owner's request (password confirmed): identity, sessions,
    tokens, roles and the records the person kept for themself. Audit events stay, with
    the pseudonym only."""
    if not auth.password_matches(account.password_hash, password):
        raise InvalidInput([FieldError.translatable("password", Message(N_("wrong password")))])
    person_id = account.person_id
    session.execute(
        delete(Patient).where(Patient.person_id == person_id, Patient.clinic_id.is_(None))
    )
    session.execute(update(Patient).where(Patient.person_id == person_id).values(person_id=None))
    session.delete(account)
    session.flush()
    _audit(
        session,
        None,
        "account.delete",
        entity_type="account",
        entity_id=person_id,
        details={"by": "owner"},
        now=now,
        system=person_id,
    )


# ---------------------------------------------------------------- passwords


def password_change(
    session: Session,
    *,
    account: Account,
    current: str,
    new: str,
    now: datetime,
    keep_session: str | None = None,
) -> None:
    """Change the password (the current one confirmed); every other session ends."""
    if not auth.password_matches(account.password_hash, current):
        raise InvalidInput(
            [FieldError.translatable("current_password", Message(N_("wrong password")))]
        )
    identity = identity_get(session, account_id=account.id)
    auth.password_check(
        new, field="new_password", email=identity.email, display_name=identity.display_name
    )
    account.password_hash = auth.password_hash(new)
    web_session_end_all(session, account_id=account.id, keep=keep_session)
    _audit(
        session,
        account,
        "account.password_change",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )


def password_reset_request(
    session: Session, *, email: str, now: datetime
) -> tuple[Account, str] | None:
    """A reset link for the account with ``email``, or None when there is none (say nothing)."""
    account = account_by_email(session, email=email_normalise(email))
    if account is None or account.disabled_at is not None:
        return None
    return account, link_issue(session, purpose="reset_password", account_id=account.id, now=now)


def password_set_link(session: Session, *, account_id: str, now: datetime) -> str:
    """A link for a new account (made by an administrator) to choose its password."""
    return link_issue(session, purpose="set_password", account_id=account_id, now=now)


def password_reset_complete(
    session: Session,
    *,
    token: str,
    new_password: str,
    now: datetime,
    purpose: str = "reset_password",
) -> Account:
    """Set a new password from a mail link; ends every session and clears the wait."""
    link = link_peek(session, token=token, purpose=purpose, now=now)
    account = account_get(session, account_id=str(link.account_id))
    identity = identity_get(session, account_id=account.id)
    auth.password_check(new_password, email=identity.email, display_name=identity.display_name)
    link.used_at = now
    account.password_hash = auth.password_hash(new_password)
    account.failed_sign_ins = 0
    account.locked_until = None
    if account.email_verified_at is None:
        account.email_verified_at = now  # the link reached them: the address works
    web_session_end_all(session, account_id=account.id)
    _audit(
        session,
        account,
        "account.password_reset",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return account


# ---------------------------------------------------------------- email change


def email_change_request(
    session: Session, *, account: Account, password: str, new_email: str, now: datetime
) -> str | None:
    """A link to confirm ``new_email`` (password confirmed first); None when it is taken."""
    if not auth.password_matches(account.password_hash, password):
        raise InvalidInput([FieldError.translatable("password", Message(N_("wrong password")))])
    address = email_normalise(new_email, field="new_email")
    if account_by_email(session, email=address) is not None:
        return None
    return link_issue(
        session, purpose="change_email", account_id=account.id, email=address, now=now
    )


def email_change_confirm(session: Session, *, token: str, now: datetime) -> tuple[Account, str]:
    """Switch to the new address from the link sent to it; returns the account and old address."""
    link = _link_use(session, token=token, purpose="change_email", now=now)
    account = account_get(session, account_id=str(link.account_id))
    identity = identity_get(session, account_id=account.id)
    new = str(link.email)
    if account_by_email(session, email=new) is not None:
        raise Conflict("an account with this email exists already")
    old = identity.email
    identity.email = new
    account.email_verified_at = now
    session.flush()
    _audit(
        session,
        account,
        "account.email_change",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return account, old


# ---------------------------------------------------------------- sessions


@dataclass(frozen=True, slots=True)
class SessionState:
    """A resolved browser session."""

    row: WebSession
    account: Account

    @property
    def mfa_pending(self) -> bool:
        """Password given, second factor not yet."""
        return self.row.mfa_pending


def web_session_start(
    session: Session, *, account: Account, now: datetime, mfa_pending: bool
) -> str:
    """A new session (a new random id every sign-in); returns the cookie value."""
    token = auth.token_new("s")
    session.add(
        WebSession(
            id_hash=auth.token_digest(token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            mfa_pending=mfa_pending,
        )
    )
    session.flush()
    return token


def web_session_resolve(
    session: Session, *, token: str, now: datetime, idle: timedelta, absolute: timedelta
) -> SessionState | None:
    """The live session behind a cookie, or None (unknown, timed out, or account disabled).

    A session ends after ``idle`` without a request and ``absolute`` after sign-in.
    """
    if not token or len(token) > 100:
        return None
    # One query for the session and its account: this runs on every signed-in request.
    found = session.execute(
        select(WebSession, Account)
        .join(Account, Account.id == WebSession.account_id)
        .where(WebSession.id_hash == auth.token_digest(token))
    ).first()
    if found is None:
        return None
    row, account = found
    if row.last_seen_at + idle <= now or row.created_at + absolute <= now:
        session.delete(row)
        session.flush()
        return None
    if account.disabled_at is not None:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return SessionState(row, account)


def web_session_purge(
    session: Session, *, now: datetime, idle: timedelta, absolute: timedelta
) -> int:
    """Delete every session past its idle or absolute time-out; returns how many.

    A timed-out cookie is refused when it is next sent, but that request's transaction is
    rolled back with its answer, so the rows are removed here (at each sign-in).
    """
    result = session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at <= now - idle) | (WebSession.created_at <= now - absolute)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def web_session_end(session: Session, *, token: str) -> None:
    """End one session (sign out)."""
    session.execute(delete(WebSession).where(WebSession.id_hash == auth.token_digest(token)))


def web_session_end_all(session: Session, *, account_id: str, keep: str | None = None) -> int:
    """End every session of an account (but ``keep``, a cookie value); returns how many."""
    query = delete(WebSession).where(WebSession.account_id == account_id)
    if keep is not None:
        query = query.where(WebSession.id_hash != auth.token_digest(keep))
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def web_session_list(session: Session, *, account_id: str) -> Sequence[WebSession]:
    """The account's sessions, newest first."""
    return session.scalars(
        select(WebSession)
        .where(WebSession.account_id == account_id)
        .order_by(WebSession.created_at.desc())
    ).all()


def web_session_is(row: WebSession, token: str) -> bool:
    """True when ``row`` is the session of cookie value ``token``."""
    return auth.digests_equal(row.id_hash, auth.token_digest(token))


# ---------------------------------------------------------------- two factors


def totp_setup_begin(session: Session, *, account: Account, site_key: bytes) -> str:
    """A new seed to show as a QR code; stored sealed, not yet switched on."""
    if account.totp_enabled_at is not None:
        raise Conflict("two-step sign-in is on already")
    secret = auth.totp_secret_new()
    account.totp_secret = auth.secret_seal(secret, site_key)
    session.flush()
    return secret


def totp_pending_secret(account: Account, *, site_key: bytes) -> str | None:
    """The seed being set up (or in use)."""
    if account.totp_secret is None:
        return None
    return auth.secret_unseal(account.totp_secret, site_key)


def totp_setup_confirm(
    session: Session, *, account: Account, code: str, site_key: bytes, now: datetime
) -> list[str]:
    """Switch two-step sign-in on once a code from the app fits; returns recovery codes."""
    secret = totp_pending_secret(account, site_key=site_key)
    if secret is None or account.totp_enabled_at is not None:
        raise Conflict("start setting up two-step sign-in first")
    step = auth.totp_accept(secret, code, now=now, last_timecode=account.totp_last_timecode)
    if step is None:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "code", Message(N_("this code does not fit; try the newest one"))
                )
            ]
        )
    account.totp_last_timecode = step
    account.totp_enabled_at = now
    codes = recovery_codes_replace(session, account=account)
    _audit(
        session,
        account,
        "account.totp_enable",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    return codes


def recovery_codes_replace(session: Session, *, account: Account) -> list[str]:
    """New recovery codes (the old ones stop working); shown once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = auth.recovery_codes_new()
    for code in codes:
        session.add(RecoveryCode(account_id=account.id, code_hash=auth.token_digest(code)))
    session.flush()
    return codes


def recovery_codes_left(session: Session, *, account_id: str) -> int:
    """How many unused recovery codes an account has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def totp_disable(
    session: Session, *, account: Account, password: str, actor: Actor, now: datetime
) -> None:
    """Switch two-step sign-in off (patients only: clinic roles must keep it)."""
    if actor.needs_second_factor:
        raise Conflict("two-step sign-in is required for clinic and administrator roles")
    if not auth.password_matches(account.password_hash, password):
        raise InvalidInput([FieldError.translatable("password", Message(N_("wrong password")))])
    account.totp_secret = None
    account.totp_enabled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    _audit(
        session,
        account,
        "account.totp_disable",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )


def second_factor_check(
    session: Session, *, account: Account, code: str, site_key: bytes, now: datetime
) -> None:
    """Accept a TOTP code (once) or an unused recovery code; else :class:`SecondFactorRefused`.

    Wrong codes count towards the same growing wait as wrong passwords.
    """
    if account.locked_until is not None and account.locked_until > now:
        raise SecondFactorRefused
    secret = totp_pending_secret(account, site_key=site_key)
    if secret is not None and account.totp_enabled_at is not None:
        step = auth.totp_accept(secret, code, now=now, last_timecode=account.totp_last_timecode)
        if step is not None:
            account.totp_last_timecode = step
            account.failed_sign_ins = 0
            session.flush()
            return
    plain = auth.recovery_code_normalise(code)
    row = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_hash == auth.token_digest(plain),
            RecoveryCode.used_at.is_(None),
        )
    ).first()
    if row is not None:
        row.used_at = now
        account.failed_sign_ins = 0
        _audit(
            session,
            account,
            "auth.recovery_code_used",
            entity_type="account",
            entity_id=account.person_id,
            now=now,
        )
        session.flush()
        return
    _count_failure(session, account, now)
    _audit(
        session,
        account,
        "auth.second_factor_failed",
        entity_type="account",
        entity_id=account.person_id,
        now=now,
    )
    session.flush()
    raise SecondFactorRefused


def web_session_complete(
    session: Session, *, state: SessionState, token: str, now: datetime
) -> str:
    """After the second factor: replace the pending session with a full one (new id)."""
    web_session_end(session, token=token)
    new = web_session_start(session, account=state.account, mfa_pending=False, now=now)
    _audit(
        session,
        state.account,
        "auth.sign_in",
        entity_type="account",
        entity_id=state.account.person_id,
        details={"second_factor": True},
        now=now,
    )
    return new
