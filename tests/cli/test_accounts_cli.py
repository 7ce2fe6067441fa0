"""``hsct clinics create``, ``hsct users create|invite|disable`` and ``hsct tokens create``.

Each runs in-process against a migrated SQLite database; what it made is checked with the
registry's own services, and every fault is one ``Error:`` line with exit 1.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hsct.common.mail import read_eml
from hsct.registry import (
    Role,
    Session,
    TokenScope,
    accounts,
    clinics,
    make_engine,
    make_session_factory,
    tokens,
    upgrade_database,
)
from tests.cli.test_maintenance import Run, assert_one_error_line

PASSWORD = "correct horse battery staple 42"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated database that `hsct` is pointed at; mail goes to ``tmp_path/mail``."""
    path = tmp_path / "var" / "hsct.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    monkeypatch.setenv("HSCT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("HSCT_MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("HSCT_PUBLIC_URL", "https://registry.example.org")
    return path


@contextmanager
def session_on(path: Path) -> Iterator[Session]:
    """A session on the database at ``path``, committed at the end."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def now() -> datetime:
    return datetime.now(UTC)


def test_clinics_create_prints_the_id_and_records_who(hsct: Run, database: Path) -> None:
    code, out, err = hsct(
        "clinics", "create", "--name", "Clínica  Uno", "--facility", "moscow-pirogov"
    )

    assert (code, err) == (0, "")
    clinic_id = out.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", clinic_id)
    with session_on(database) as session:
        clinic = clinics.clinic_get(session, clinic_id=clinic_id)
        assert (clinic.name, clinic.facility_id) == ("Clínica Uno", "moscow-pirogov")
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT actor, action, entity_id FROM audit_event").fetchall()
    assert rows == [("cli", "clinic.create", clinic_id)]


@pytest.mark.usefixtures("database")
def test_clinics_create_json_and_an_unknown_facility(hsct: Run) -> None:
    code, out, _ = hsct("clinics", "create", "--name", "Dos", "--json")
    assert code == 0
    assert out.startswith('{"id": "')
    assert out.endswith('", "name": "Dos", "facility_id": null}\n')

    code, out, err = hsct("clinics", "create", "--name", "Tres", "--facility", "no-such-place")
    assert (code, out) == (1, "")
    assert_one_error_line(err, "--facility", "no-such-place", "hsct facilities list")


def test_users_create_prints_a_set_password_link_that_works(hsct: Run, database: Path) -> None:
    clinic_id = hsct("clinics", "create", "--name", "Uno")[1].strip()

    code, out, err = hsct(
        "users",
        "create",
        "--email",
        "Lead@Example.org",
        "--role",
        "clinic_lead",
        "--clinic",
        clinic_id,
    )

    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert re.fullmatch(r"Created account [0-9a-f]{32} \(clinic_lead\)\.", first)
    url = LINK.search(second)
    assert url is not None
    assert url.group(0).startswith("https://registry.example.org/account/reset?token=l_")
    assert url.group(0).endswith("&purpose=set_password")
    token = url.group(0).split("token=")[1].split("&")[0]
    with session_on(database) as session:
        account = accounts.password_reset_complete(
            session, token=token, new_password=PASSWORD, now=now(), purpose="set_password"
        )
        actor = accounts.actor_for(session, account=account)
        assert [(g.role, g.clinic_id) for g in actor.grants] == [(Role.CLINIC_LEAD, clinic_id)]
        signed_in = accounts.account_sign_in(
            session, email="lead@example.org", password=PASSWORD, now=now()
        )
        assert signed_in.id == account.id


def test_users_create_reads_the_password_from_stdin_and_never_prints_it(
    hsct: Run, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    code, out, err = hsct(
        "users",
        "create",
        "--email",
        "ana@example.org",
        "--role",
        "patient",
        "--password-stdin",
        "--json",
    )

    assert (code, err) == (0, "")
    assert PASSWORD not in out
    assert '"role": "patient", "clinic_id": null, "set_password_url": null}' in out
    with session_on(database) as session:
        accounts.account_sign_in(session, email="ana@example.org", password=PASSWORD, now=now())


def test_a_weak_password_on_stdin_is_refused_and_nothing_is_made(
    hsct: Run, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))

    code, out, err = hsct(
        "users", "create", "--email", "weak@example.org", "--role", "patient", "--password-stdin"
    )

    assert (code, out) == (1, "")
    assert_one_error_line(err, "password", "at least 15 characters")
    with session_on(database) as session:
        assert accounts.account_by_email(session, email="weak@example.org") is None


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--role", "clinic_staff"), "--clinic"),
        (("--role", "patient", "--clinic", "abc"), "--clinic"),
        (("--role", "surgeon"), "--role"),
    ],
)
@pytest.mark.usefixtures("database")
def test_roles_and_clinics_must_fit(hsct: Run, args: tuple[str, ...], named: str) -> None:
    code, out, err = hsct("users", "create", "--email", "x@example.org", *args)

    assert (code, out) == (1, "")
    assert_one_error_line(err, named)


def test_users_invite_sends_the_mail_in_the_language_asked(
    hsct: Run, database: Path, tmp_path: Path
) -> None:
    clinic_id = hsct("clinics", "create", "--name", "Clínica Uno")[1].strip()

    code, out, err = hsct(
        "users", "invite", "--email", "nurse@example.org", "--clinic", clinic_id, "--language", "ru"
    )

    assert (code, err) == (0, "")
    assert out.startswith("Invitation sent (clinic_staff, works for 7 days): https://")
    (mail,) = sorted((tmp_path / "mail").glob("*.eml"))
    message = read_eml(mail)
    assert message["To"] == "nurse@example.org"
    assert "Clínica Uno" in message["Subject"]
    assert "HSCT Navigator" in message["Subject"]
    assert message["Subject"] != "Invitation to Clínica Uno on HSCT Navigator"  # Russian
    body = message.get_body(("plain",))
    assert body is not None
    url = LINK.search(body.get_content())
    assert url is not None
    assert url.group(0) in out
    token = url.group(0).split("token=")[1]
    with session_on(database) as session:
        offer = clinics.invitation_peek(session, token=token, now=now())
        assert (offer.role, offer.email, offer.has_account) == (
            Role.CLINIC_STAFF,
            "nurse@example.org",
            False,
        )
        with pytest.raises(accounts.LinkInvalid):
            clinics.invitation_peek(session, token=token, now=now() + timedelta(days=7, seconds=1))


def test_users_disable_ends_sessions_and_tokens(hsct: Run, database: Path) -> None:
    with session_on(database) as session:
        account = accounts.account_create(
            session, email="dan@example.org", password=PASSWORD, verified=True, now=now()
        )
        cookie = accounts.web_session_start(session, account=account, mfa_pending=False, now=now())
        _row, token = tokens.api_token_create(
            session, account=account, scope=TokenScope.REGISTRY_READ, now=now()
        )

    code, out, err = hsct("users", "disable", "--email", "DAN@example.org")

    assert (code, err) == (0, "")
    assert out.startswith("Disabled account ")
    with session_on(database) as session:
        live = accounts.web_session_resolve(
            session, token=cookie, now=now(), idle=timedelta(hours=1), absolute=timedelta(days=1)
        )
        assert live is None
        assert tokens.api_token_resolve(session, token=token, now=now()) is None
        with pytest.raises(accounts.SignInRefused):
            accounts.account_sign_in(session, email="dan@example.org", password=PASSWORD, now=now())

    code, out, err = hsct("users", "disable", "--email", "nobody@example.org")
    assert (code, out) == (1, "")
    assert_one_error_line(err, "No account with that email")


def test_tokens_create_prints_a_working_token_once(hsct: Run, database: Path) -> None:
    with session_on(database) as session:
        accounts.account_create(session, email="eve@example.org", verified=True, now=now())

    code, out, err = hsct(
        "tokens",
        "create",
        "--email",
        "eve@example.org",
        "--scope",
        "registry:read",
        "--expires",
        "30d",
        "--name",
        "nightly export",
    )

    assert (code, err) == (0, "")
    token = out.strip()
    assert re.fullmatch(r"hsct_[A-Za-z0-9_-]{43}", token)
    with session_on(database) as session:
        use = tokens.api_token_resolve(session, token=token, now=now())
        assert use is not None
        assert (use.token.scope, use.token.name) == ("registry:read", "nightly export")
        assert use.token.expires_at is not None
        assert timedelta(days=29, hours=23) < use.token.expires_at - now() <= timedelta(days=30)
    with closing(sqlite3.connect(database)) as connection:
        stored = [row[0] for row in connection.execute("SELECT token_hash FROM api_token")]
    assert token not in stored


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--scope", "registry:admin"), "--scope"),
        (("--scope", "registry:read", "--expires", "2y"), "--expires"),
    ],
)
@pytest.mark.usefixtures("database")
def test_bad_token_options_are_named(hsct: Run, args: tuple[str, ...], named: str) -> None:
    code, out, err = hsct("tokens", "create", "--email", "eve@example.org", *args)

    assert (code, out) == (1, "")
    assert_one_error_line(err, named)


def test_an_unmigrated_database_says_what_to_run(hsct: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()

    code, out, err = hsct("clinics", "create", "--name", "Uno", database=empty)

    assert (code, out) == (1, "")
    assert_one_error_line(err, "hsct db upgrade")


def test_the_audit_trail_names_the_cli_and_holds_no_email(hsct: Run, database: Path) -> None:
    clinic_id = hsct("clinics", "create", "--name", "Uno")[1].strip()
    hsct(
        "users",
        "create",
        "--email",
        "zed-unique-91@example.org",
        "--role",
        "clinic_staff",
        "--clinic",
        clinic_id,
    )
    hsct("users", "invite", "--email", "yan-unique-92@example.org", "--clinic", clinic_id)

    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT * FROM audit_event").fetchall()
    assert {row[2] for row in rows} == {"cli"}
    text = repr(rows)
    assert "zed-unique-91" not in text
    assert "yan-unique-92" not in text
