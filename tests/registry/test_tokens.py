"""API tokens: shown once, stored as SHA-256, scoped, expiring and revocable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import InvalidInput, NotFound, PermissionDenied
from hsct.registry import accounts, clinics, patients, tokens
from hsct.registry.access import Grant, Permission, Role, TokenScope
from hsct.registry.tables import Account, ApiToken

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)

Sessions = sessionmaker[Session]


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@pytest.fixture
def staff(sessions: Sessions) -> tuple[str, str, str]:
    """A clinic, a member of its staff and another account (no passwords: no hashing)."""
    with sessions.begin() as s:
        clinic = clinics.clinic_create(s, name="North", now=NOW)
        member = accounts.account_create(
            s,
            email="staff@example.org",
            grants=(Grant(Role.CLINIC_STAFF, clinic.id),),
            verified=True,
            now=NOW,
        )
        other = accounts.account_create(s, email="other@example.org", verified=True, now=NOW)
        return clinic.id, member.id, other.id


def create(
    sessions: Sessions,
    account_id: str,
    scope: TokenScope = TokenScope.REGISTRY_READ,
    lifetime: timedelta = timedelta(days=90),
) -> tuple[str, str]:
    """A new token: its id and the plain value."""
    with sessions.begin() as s:
        account = s.get(Account, account_id)
        assert account is not None
        row, plain = tokens.api_token_create(
            s, account=account, scope=scope, lifetime=lifetime, name="  nightly   export ", now=NOW
        )
        return row.id, plain


def resolve(sessions: Sessions, plain: str, at: datetime) -> tokens.TokenUse | None:
    with sessions.begin() as s:
        return tokens.api_token_resolve(s, token=plain, now=at)


def test_token_is_shown_once_and_only_its_hash_is_kept(
    sessions: Sessions, staff: tuple[str, str, str]
) -> None:
    _, member_id, _ = staff
    token_id, plain = create(sessions, member_id)

    assert plain.startswith("hsct_")
    assert len(plain.removeprefix("hsct_")) >= 43
    with sessions() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None
        assert row.token_hash == sha256(plain)
        assert row.hint == plain[:9]
        assert (row.name, row.scope) == ("nightly export", "registry:read")
        assert (row.created_at, row.expires_at, row.revoked_at, row.last_used_at) == (
            NOW,
            NOW + timedelta(days=90),
            None,
            None,
        )
        stored = " ".join(str(v) for r in s.execute(text("SELECT * FROM api_token")) for v in r)
    assert plain not in stored
    assert plain[9:] not in stored


def test_token_resolves_to_its_owner_with_the_token_scope(
    sessions: Sessions, staff: tuple[str, str, str]
) -> None:
    clinic_id, member_id, _ = staff
    token_id, plain = create(sessions, member_id)

    use = resolve(sessions, plain, NOW + timedelta(minutes=1))

    assert use is not None
    assert use.token.id == token_id
    assert use.account.id == member_id
    assert use.actor.account_id == member_id
    assert use.actor.person_id == use.account.person_id
    assert use.actor.grants == (Grant(Role.CLINIC_STAFF, clinic_id),)
    assert use.actor.token_scope is TokenScope.REGISTRY_READ
    with sessions() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None
        assert row.last_used_at == NOW + timedelta(minutes=1)


def test_unknown_or_malformed_tokens_resolve_to_nothing(
    sessions: Sessions, staff: tuple[str, str, str]
) -> None:
    _, member_id, _ = staff
    _, plain = create(sessions, member_id)
    for wrong in (
        "",
        "hsct_",
        "hsct_" + "A" * 43,
        f"Bearer {plain}",
        plain.replace("hsct_", "HSCT_"),
        plain + "x",
        plain[:-1],
        "hsct_" + "A" * 96,
    ):
        assert resolve(sessions, wrong, NOW) is None, wrong
    assert resolve(sessions, plain, NOW) is not None


def test_expired_token_resolves_to_nothing(sessions: Sessions, staff: tuple[str, str, str]) -> None:
    _, member_id, _ = staff
    _, plain = create(sessions, member_id, lifetime=timedelta(days=1))

    assert resolve(sessions, plain, NOW + timedelta(days=1) - timedelta(seconds=1)) is not None
    assert resolve(sessions, plain, NOW + timedelta(days=1)) is None


def test_lifetime_is_one_day_to_a_year(sessions: Sessions, staff: tuple[str, str, str]) -> None:
    _, member_id, _ = staff
    create(sessions, member_id, lifetime=timedelta(days=365))
    for lifetime in (timedelta(0), timedelta(days=366)):
        with pytest.raises(InvalidInput) as caught:
            create(sessions, member_id, lifetime=lifetime)
        assert caught.value.fields == ("expires",)
    assert tokens.lifetime_parse(" 90d ") == timedelta(days=90)
    for bad in ("0d", "366d", "90", "-1d", "1w"):
        with pytest.raises(InvalidInput):
            tokens.lifetime_parse(bad)


def test_revoked_token_resolves_to_nothing_and_only_its_owner_revokes_it(
    sessions: Sessions, staff: tuple[str, str, str]
) -> None:
    _, member_id, other_id = staff
    token_id, plain = create(sessions, member_id)
    _, kept = create(sessions, member_id)

    with sessions.begin() as s:
        other = s.get(Account, other_id)
        assert other is not None
        with pytest.raises(NotFound):
            tokens.api_token_revoke(s, account=other, token_id=token_id, now=NOW)
    assert resolve(sessions, plain, NOW) is not None

    with sessions.begin() as s:
        member = s.get(Account, member_id)
        assert member is not None
        tokens.api_token_revoke(s, account=member, token_id=token_id, now=NOW)
        unknown = "0" * 32
        with pytest.raises(NotFound):
            tokens.api_token_revoke(s, account=member, token_id=unknown, now=NOW)

    assert resolve(sessions, plain, NOW) is None
    assert resolve(sessions, kept, NOW) is not None
    with sessions() as s:
        assert [t.revoked_at for t in tokens.api_token_list(s, account_id=member_id)] in (
            [NOW, None],
            [None, NOW],
        )
        assert tokens.api_token_list(s, account_id=other_id) == []


def test_read_token_cannot_write_what_its_owner_can(
    sessions: Sessions, staff: tuple[str, str, str]
) -> None:
    clinic_id, member_id, _ = staff
    _, read = create(sessions, member_id, TokenScope.REGISTRY_READ)
    _, write = create(sessions, member_id, TokenScope.REGISTRY_WRITE)

    with sessions.begin() as s:
        member = s.get(Account, member_id)
        assert member is not None
        own = accounts.actor_for(s, account=member)
        read_use = tokens.api_token_resolve(s, token=read, now=NOW)
        write_use = tokens.api_token_resolve(s, token=write, now=NOW)
    assert read_use is not None
    assert write_use is not None

    write_perm = Permission.CLINIC_RECORDS_WRITE
    read_perm = Permission.CLINIC_RECORDS_READ
    assert own.can(write_perm, clinic_id=clinic_id) is True
    assert write_use.actor.can(write_perm, clinic_id=clinic_id) is True
    assert read_use.actor.can(write_perm, clinic_id=clinic_id) is False
    assert read_use.actor.can(read_perm, clinic_id=clinic_id) is True

    with sessions.begin() as s, pytest.raises(PermissionDenied):
        patients.patient_create(s, actor=read_use.actor, clinic_id=clinic_id, code="P-1", now=NOW)
    with sessions.begin() as s:
        made = patients.patient_create(
            s, actor=write_use.actor, clinic_id=clinic_id, code="P-1", now=NOW
        )
        made_id = made.id
    with sessions() as s:
        listed = patients.patient_list(s, actor=read_use.actor)
        assert [p.id for p in listed] == [made_id]


def test_scope_parse() -> None:
    assert tokens.scope_parse(" registry:read ") is TokenScope.REGISTRY_READ
    assert tokens.scope_parse("registry:write") is TokenScope.REGISTRY_WRITE
    with pytest.raises(InvalidInput) as caught:
        tokens.scope_parse("registry:admin")
    assert caught.value.fields == ("scope",)
