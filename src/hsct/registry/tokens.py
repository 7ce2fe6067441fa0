"""API tokens for machine clients: shown once, stored as SHA-256, scoped, expiring, revocable.

A token looks like ``hsct_<43 characters>`` (256 random bits). It is sent as
``Authorization: Bearer <token>``, never in an address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hsct.common.errors import FieldError, InvalidInput, NotFound
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.registry import auth
from hsct.registry.access import Actor, TokenScope
from hsct.registry.accounts import _audit, actor_for
from hsct.registry.tables import Account, ApiToken

TOKEN_PREFIX: Final = "hsct"  # noqa: S105 - a public prefix, not a secret
#: Tokens are refreshed by their owners; none lives longer than a year.
MAX_LIFETIME: Final = timedelta(days=365)
TOUCH_EVERY: Final = timedelta(minutes=5)
_LIFETIME: Final = re.compile(r"^\s*(\d{1,3})\s*d\s*$")


def lifetime_parse(text: str, *, field: str = "expires") -> timedelta:
    """``90d`` → 90 days; 1 to 365 days."""
    match = _LIFETIME.match(text)
    days = int(match.group(1)) if match else 0
    if not 1 <= days <= MAX_LIFETIME.days:
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("this is not a lifetime we can give a token")),
                    Message(N_("a number of days from 1 to 365, like 90d")),
                )
            ]
        )
    return timedelta(days=days)


def scope_parse(text: str, *, field: str = "scope") -> TokenScope:
    """``registry:read`` or ``registry:write``."""
    try:
        return TokenScope(text.strip())
    except ValueError:
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("unknown scope")),
                    Message(N_("registry:read or registry:write")),
                )
            ]
        ) from None


def api_token_create(
    session: Session,
    *,
    account: Account,
    scope: TokenScope,
    now: datetime,
    lifetime: timedelta = timedelta(days=90),
    name: str = "",
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``account``; returns the row and the token (shown once, never again)."""
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise InvalidInput([FieldError("expires", "must be 1 to 365 days", "1d to 365d")])
    plain = auth.token_new(TOKEN_PREFIX)
    row = ApiToken(
        account_id=account.id,
        token_hash=auth.token_digest(plain),
        hint=plain[:9],
        name=" ".join(name.split())[:100],
        scope=scope.value,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor or account,
        "token.create",
        entity_type="api_token",
        entity_id=row.id,
        details={"scope": scope.value, "days": lifetime.days},
        now=now,
    )
    return row, plain


@dataclass(frozen=True, slots=True)
class TokenUse:
    """A resolved token: the actor it acts as (with the token's scope)."""

    token: ApiToken
    account: Account
    actor: Actor


def api_token_resolve(session: Session, *, token: str, now: datetime) -> TokenUse | None:
    """The live token behind a bearer value, or None (unknown, expired, revoked, disabled)."""
    if not token.startswith(f"{TOKEN_PREFIX}_") or len(token) > 100:
        return None
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == auth.token_digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.disabled_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    base = actor_for(session, account=account)
    actor = Actor(
        account_id=base.account_id,
        person_id=base.person_id,
        grants=base.grants,
        token_scope=TokenScope(row.scope),
    )
    return TokenUse(row, account, actor)


def api_token_list(session: Session, *, account_id: str) -> Sequence[ApiToken]:
    """An account's tokens, newest first (hashes only; the tokens themselves are not kept)."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == account_id)
        .order_by(ApiToken.created_at.desc())
    ).all()


def api_token_revoke(
    session: Session, *, account: Account, token_id: str, now: datetime
) -> ApiToken:
    """Revoke one of the account's own tokens (another account's token is not found)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.account_id != account.id:
        raise NotFound("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = now
        _audit(session, account, "token.revoke", entity_type="api_token", entity_id=row.id, now=now)
    return row
