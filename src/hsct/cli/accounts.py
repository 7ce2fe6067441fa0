"""``hsct users``, ``hsct clinics`` and ``hsct tokens``: accounts for administrators and scripts.

Actions are audited with the actor ``cli``. Passwords are read from standard input, never
from the command line (which other users of the machine can see); without one, a
single-use link to choose it is printed. API tokens are printed once and never again.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from hsct.cli.console import stdout
from hsct.cli.maintenance import database_url
from hsct.common.errors import FieldError, InvalidInput

users_app = typer.Typer(help="Create, invite and disable accounts.", no_args_is_help=True)
clinics_app = typer.Typer(help="Create clinics (tenants of the registry).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)

Email = Annotated[str, typer.Option("--email", help="The person's email address.")]
Role = Annotated[
    str,
    typer.Option(
        "--role",
        help="patient, clinic_staff, clinic_lead, clinic_monitor or site_admin.",
    ),
]
ClinicId = Annotated[
    str | None, typer.Option("--clinic", help="The clinic's id (for clinic roles).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")]


def _now() -> datetime:
    return datetime.now(UTC)


def _read_password() -> str:
    if sys.stdin.isatty():
        typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return typed
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise InvalidInput([FieldError("--password-stdin", "no password on standard input")])
    return password


@users_app.command("create")
def users_create(  # noqa: PLR0917 - typer takes options by parameter
    email: Email,
    role: Role,
    clinic: ClinicId = None,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (else a set-password link is printed).",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Create an account (email confirmed) with one role."""
    from hsct.common.settings import load_settings  # noqa: PLC0415 - fast start
    from hsct.registry import CLINIC_ROLES, Grant, unit_of_work  # noqa: PLC0415
    from hsct.registry import accounts as services  # noqa: PLC0415
    from hsct.registry import clinics as clinic_services  # noqa: PLC0415
    from hsct.web.mail import link  # noqa: PLC0415

    chosen = clinic_services.role_parse(role, field="--role")
    if (chosen in CLINIC_ROLES) != (clinic is not None):
        raise InvalidInput(
            [
                FieldError(
                    "--clinic", f"{chosen.value} needs --clinic; patient and site_admin take none"
                )
            ]
        )
    password = _read_password() if password_stdin else None
    settings = load_settings()
    now = _now()
    with unit_of_work(database_url()) as session:
        if clinic is not None:
            clinic_services.clinic_get(session, clinic_id=clinic)
        account = services.account_create(
            session,
            email=email,
            display_name=name,
            password=password,
            grants=(Grant(chosen, clinic),),
            verified=True,
            now=now,
        )
        url = None
        if password is None:
            token = services.password_set_link(session, account_id=account.id, now=now)
            url = link(settings, "/account/reset", token=token, purpose="set_password")
        person_id = account.person_id
    if as_json:
        stdout().print(
            json.dumps(
                {
                    "person_id": person_id,
                    "role": chosen.value,
                    "clinic_id": clinic,
                    "set_password_url": url,
                }
            ),
            markup=False,
        )
        return
    stdout().print(f"Created account {person_id} ({chosen.value}).", markup=False)
    if url:
        stdout().print(f"Link to choose a password (works once, for 2 days): {url}", markup=False)


@users_app.command("invite")
def users_invite(
    email: Email,
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's id.")],
    role: Role = "clinic_staff",
    language: Annotated[str, typer.Option("--language", help="en, ru or es.")] = "en",
) -> None:
    """Invite someone to a clinic role by email (the link works for 7 days)."""
    from hsct.common.i18n import SUPPORTED_LOCALES  # noqa: PLC0415
    from hsct.common.settings import load_settings  # noqa: PLC0415
    from hsct.registry import clinics as clinic_services  # noqa: PLC0415
    from hsct.registry import unit_of_work  # noqa: PLC0415
    from hsct.web.mail import link, mail_send, mailer_from  # noqa: PLC0415
    from hsct.web.routes.clinic import ROLE_LABELS  # noqa: PLC0415
    from hsct.web.templating import Pages  # noqa: PLC0415

    if language not in SUPPORTED_LOCALES:
        raise InvalidInput([FieldError("--language", "unknown language", "en, ru or es")])
    chosen = clinic_services.role_parse(role, field="--role", allowed=clinic_services.INVITABLE)
    settings = load_settings()
    pages = Pages()
    with unit_of_work(database_url()) as session:
        token = clinic_services.invitation_create(
            session, clinic_id=clinic, email=email, role=chosen, now=_now()
        )
        target = clinic_services.clinic_get(session, clinic_id=clinic)
        url = link(settings, "/invitation", token=token)
        # Sent inside the transaction: if the mail server refuses, no invitation is kept.
        mail_send(
            mailer_from(settings),
            pages,
            kind="invitation",
            to=email.strip(),
            locale=language,
            context={
                "url": url,
                "clinic_name": target.name,
                "role_label": pages.gettext(language)(ROLE_LABELS[chosen]),
            },
        )
    stdout().print(f"Invitation sent ({chosen.value}, works for 7 days): {url}", markup=False)


@users_app.command("disable")
def users_disable(email: Email) -> None:
    """Disable an account: it cannot sign in; its sessions and API tokens end now."""
    from hsct.common.errors import NotFound  # noqa: PLC0415
    from hsct.registry import accounts as services  # noqa: PLC0415
    from hsct.registry import unit_of_work  # noqa: PLC0415

    with unit_of_work(database_url()) as session:
        account = services.account_by_email(
            session, email=services.email_normalise(email, field="--email")
        )
        if account is None:
            raise NotFound("account with that email")
        services.account_disable(session, account_id=account.id, now=_now())
        person_id = account.person_id
    stdout().print(f"Disabled account {person_id}; its sessions and tokens ended.", markup=False)


@clinics_app.command("create")
def clinics_create(
    name: Annotated[str, typer.Option("--name", help="The clinic's name.")],
    facility: Annotated[
        str | None,
        typer.Option("--facility", help="Its id in the directory (see `hsct facilities list`)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Create a clinic and print its id."""
    from hsct.knowledge import load_catalog  # noqa: PLC0415
    from hsct.registry import clinics as clinic_services  # noqa: PLC0415
    from hsct.registry import unit_of_work  # noqa: PLC0415

    if facility is not None and facility not in load_catalog().facilities:
        raise InvalidInput(
            [
                FieldError(
                    "--facility",
                    f"no facility {facility!r:.60} in the directory",
                    "an id from `hsct facilities list`",
                )
            ]
        )
    with unit_of_work(database_url()) as session:
        clinic = clinic_services.clinic_create(session, name=name, facility_id=facility, now=_now())
        clinic_id, clinic_name = clinic.id, clinic.name
    if as_json:
        stdout().print(
            json.dumps(
                {"id": clinic_id, "name": clinic_name, "facility_id": facility}, ensure_ascii=False
            ),
            markup=False,
        )
        return
    stdout().print(clinic_id, markup=False)


@tokens_app.command("create")
def tokens_create(
    email: Email,
    scope: Annotated[str, typer.Option("--scope", help="registry:read or registry:write.")],
    expires: Annotated[str, typer.Option("--expires", help="Lifetime, 1d to 365d.")] = "90d",
    name: Annotated[str, typer.Option("--name", help="A name to recognise it by.")] = "",
) -> None:
    """Create an API token for an account and print it (shown once, never again)."""
    from hsct.common.errors import NotFound  # noqa: PLC0415
    from hsct.registry import accounts as services  # noqa: PLC0415
    from hsct.registry import tokens as token_services  # noqa: PLC0415
    from hsct.registry import unit_of_work  # noqa: PLC0415

    chosen = token_services.scope_parse(scope, field="--scope")
    lifetime = token_services.lifetime_parse(expires, field="--expires")
    with unit_of_work(database_url()) as session:
        account = services.account_by_email(
            session, email=services.email_normalise(email, field="--email")
        )
        if account is None:
            raise NotFound("account with that email")
        _row, plain = token_services.api_token_create(
            session, account=account, scope=chosen, lifetime=lifetime, name=name, now=_now()
        )
    stdout().print(plain, markup=False)
