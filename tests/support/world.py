"""A small registry world for web tests: two clinics, one account per role, records, credentials.

Built straight through the registry services (no HTTP), once per test module, on an app made
by :func:`hsct.web.create_app` over a copy of the migrated SQLite template::

    clinic X: staff_x (clinic_staff), lead_x (clinic_lead), monitor_x (clinic_monitor),
              one patient record (code X-0001)
    clinic Y: staff_y (clinic_staff), one patient record (code Y-0001)
    site-wide: patient_a and patient_b (patient, each with their own record), site_admin

Every account has a ``registry:write`` and a ``registry:read`` API token, and can be given a
fully signed-in browser session (second factor done) whenever a test needs one: a fresh
session per request keeps tests that sign out, or end every other session, from breaking
the next ones. Each account has also *begun* setting up two-step sign-in (a pending seed),
so the set-up form answers alike whichever request came before.

Passwords are hashed with argon2 (about 0.2 s each), so the world is built once per module.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest
from fastapi import FastAPI

from hsct.common.settings import Settings
from hsct.registry import Grant, Role, Session, TokenScope, session_scope
from hsct.registry import accounts as account_services
from hsct.registry import clinics as clinic_services
from hsct.registry import patients as patient_services
from hsct.registry import tokens as token_services
from hsct.registry.auth import hmac_text
from hsct.web import create_app

#: Everyone the access tests ask as; "anonymous" has no account.
ACTORS: Final = (
    "anonymous",
    "patient_a",
    "patient_b",
    "staff_x",
    "staff_y",
    "lead_x",
    "monitor_x",
    "site_admin",
)
#: The cookie names over plain http://testserver (no ``__Host-`` prefix without TLS).
SESSION_COOKIE: Final = "hsct_session"
PRE_COOKIE: Final = "hsct_pre"
CSRF_HEADER: Final = "X-CSRF-Token"
SECRET_KEY: Final = "world-secret-key-" + "w" * 32
#: Long, uncommon, and sharing no word with the accounts' addresses or names.
PASSWORD: Final = "lantern orchard pebble 4711 drift"


@dataclass(frozen=True, slots=True)
class Person:
    """One account of the world, with its API tokens (the plain values, shown once)."""

    name: str
    email: str
    account_id: str
    person_id: str
    token: str
    read_token: str
    #: The record the person keeps for themself (patients only).
    own_record: str | None = None


@dataclass(slots=True)
class World:
    """The app and what was made in it; helpers for credentials."""

    app: FastAPI
    clinic_x: str
    clinic_y: str
    record_x: str
    record_y: str
    #: The clinic lead's membership in X (the last lead: removing it is refused).
    lead_membership_x: int
    people: dict[str, Person] = field(default_factory=dict)

    # ------------------------------------------------------------ database

    @contextmanager
    def db(self) -> Iterator[Session]:
        """One transaction on the app's database (committed unless the block raises)."""
        with session_scope(self.app.state.session_factory) as session:
            yield session

    def now(self) -> datetime:
        """The app's clock (``app.state.clock`` when a test froze it)."""
        clock = getattr(self.app.state, "clock", None)
        return clock() if clock is not None else datetime.now(UTC)

    # ------------------------------------------------------------ API tokens

    def token(self, name: str) -> str:
        """The ``registry:write`` token of ``name``."""
        return self.people[name].token

    def read_token(self, name: str) -> str:
        """The ``registry:read`` token of ``name``."""
        return self.people[name].read_token

    def bearer(self, name: str, *, read_only: bool = False) -> dict[str, str]:
        """Request headers for ``name``'s token; none for "anonymous"."""
        if name == "anonymous":
            return {}
        token = self.read_token(name) if read_only else self.token(name)
        return {"Authorization": f"Bearer {token}"}

    def new_token(
        self, name: str, scope: TokenScope = TokenScope.REGISTRY_WRITE
    ) -> tuple[str, str]:
        """A further token for ``name``: (its id, its plain value)."""
        with self.db() as session:
            account = account_services.account_get(session, account_id=self.people[name].account_id)
            row, plain = token_services.api_token_create(
                session, account=account, scope=scope, now=self.now(), name="spare"
            )
            return row.id, plain

    def revoke_token(self, name: str, token_id: str) -> None:
        """Revoke one of ``name``'s tokens."""
        with self.db() as session:
            account = account_services.account_get(session, account_id=self.people[name].account_id)
            token_services.api_token_revoke(
                session, account=account, token_id=token_id, now=self.now()
            )

    # ------------------------------------------------------------ browser sessions

    def new_session(self, name: str) -> str:
        """A new, fully signed-in browser session for ``name``: the cookie's value."""
        with self.db() as session:
            account = account_services.account_get(session, account_id=self.people[name].account_id)
            return account_services.web_session_start(
                session, account=account, now=self.now(), mfa_pending=False
            )

    def csrf(self, cookie_value: str) -> str:
        """The CSRF token the pages would give a browser with this session or pre-session."""
        key: bytes = self.app.state.site_key
        return hmac_text(key, "csrf", cookie_value)

    def browser(self, name: str, *, csrf: bool = True) -> dict[str, str]:
        """Request headers of a browser: ``name`` signed in (a new session each call), or for
        "anonymous" a visitor holding only the pre-session cookie the forms hand out."""
        if name == "anonymous":
            value = secrets.token_urlsafe(32)
            cookie = f"{PRE_COOKIE}={value}"
        else:
            value = self.new_session(name)
            cookie = f"{SESSION_COOKIE}={value}"
        headers = {"Cookie": cookie}
        if csrf:
            headers[CSRF_HEADER] = self.csrf(value)
        return headers


def clean_settings(**values: object) -> Settings:
    """Settings from ``values`` alone: ``HSCT_*`` variables are hidden while they are read,
    so a developer's shell cannot leak in (the per-test ``clean_environ`` fixture runs too
    late for an app made once per module, or at import)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("HSCT_")]:
            patch.delenv(name)
        return Settings(**values)  # type: ignore[arg-type]


def make_app(template: Path, folder: Path, **overrides: object) -> FastAPI:
    """An app over a copy of the migrated SQLite ``template`` in ``folder``."""
    database = folder / "hsct.sqlite3"
    shutil.copyfile(template, database)
    return create_app(
        clean_settings(
            database_url=f"sqlite:///{database}",
            mail_dir=folder / "mail",
            secret_key=SECRET_KEY,
            **overrides,
        )
    )


ROLES: Final[dict[str, tuple[Role, str | None]]] = {
    "patient_a": (Role.PATIENT, None),
    "patient_b": (Role.PATIENT, None),
    "staff_x": (Role.CLINIC_STAFF, "X"),
    "staff_y": (Role.CLINIC_STAFF, "Y"),
    "lead_x": (Role.CLINIC_LEAD, "X"),
    "monitor_x": (Role.CLINIC_MONITOR, "X"),
    "site_admin": (Role.SITE_ADMIN, None),
}


def build_world(app: FastAPI) -> World:
    """Make the clinics, accounts, records and tokens described in the module docstring."""
    now = datetime.now(UTC)
    key: bytes = app.state.site_key
    with session_scope(app.state.session_factory) as session:
        clinic_x = clinic_services.clinic_create(session, name="Clinic X", now=now)
        clinic_y = clinic_services.clinic_create(session, name="Clinic Y", now=now)
        clinic_ids = {"X": clinic_x.id, "Y": clinic_y.id}
        people: dict[str, Person] = {}
        actors = {}
        for name, (role, clinic) in ROLES.items():
            email = f"{name.replace('_', '.')}@example.org"
            account = account_services.account_create(
                session,
                email=email,
                display_name=name.replace("_", " ").title(),
                password=PASSWORD,
                grants=(Grant(role, clinic_ids[clinic] if clinic else None),),
                verified=True,
                now=now,
            )
            account_services.totp_setup_begin(session, account=account, site_key=key)
            _, write = token_services.api_token_create(
                session, account=account, scope=TokenScope.REGISTRY_WRITE, now=now, name="write"
            )
            _, read = token_services.api_token_create(
                session, account=account, scope=TokenScope.REGISTRY_READ, now=now, name="read"
            )
            actor = account_services.actor_for(session, account=account)
            actors[name] = actor
            own = None
            if role is Role.PATIENT:
                own = patient_services.patient_own(session, actor=actor, now=now).id
            people[name] = Person(
                name=name,
                email=email,
                account_id=account.id,
                person_id=account.person_id,
                token=write,
                read_token=read,
                own_record=own,
            )
        record_x = patient_services.patient_create(
            session, actor=actors["staff_x"], clinic_id=clinic_x.id, code="X-0001", now=now
        )
        record_y = patient_services.patient_create(
            session, actor=actors["staff_y"], clinic_id=clinic_y.id, code="Y-0001", now=now
        )
        staff = clinic_services.clinic_staff_list(
            session, actor=actors["lead_x"], clinic_id=clinic_x.id
        )
        lead_membership = next(
            member.membership_id
            for member in staff
            if member.account_id == people["lead_x"].account_id
        )
        return World(
            app=app,
            clinic_x=clinic_x.id,
            clinic_y=clinic_y.id,
            record_x=record_x.id,
            record_y=record_y.id,
            lead_membership_x=lead_membership,
            people=people,
        )


@contextmanager
def world_for(template: Path, folder: Path, **overrides: object) -> Iterator[World]:
    """A world on a new app (see :func:`make_app`); the engine is disposed afterwards."""
    app = make_app(template, folder, **overrides)
    try:
        yield build_world(app)
    finally:
        app.state.engine.dispose()
