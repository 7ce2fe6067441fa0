"""Clinics (tenants), their staff and invitations. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.registry.access import CLINIC_ROLES, Actor, Permission, Role, require
from hsct.registry.accounts import (
    _audit,
    account_by_email,
    account_create,
    email_normalise,
    link_issue,
    link_peek,
    name_check,
)
from hsct.registry.tables import Account, Clinic, Identity, Membership

NAME_MAX: Final = 200
#: Roles a clinic lead may give by invitation.
INVITABLE: Final = (Role.CLINIC_STAFF, Role.CLINIC_MONITOR, Role.CLINIC_LEAD)


def role_parse(text: str, *, field: str = "role", allowed: Sequence[Role] = tuple(Role)) -> Role:
    """A role name from a form or the command line."""
    try:
        role = Role(text.strip())
    except ValueError:
        role = None
    if role is None or role not in allowed:
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("unknown role")),
                    Message(", ".join(r.value for r in allowed)),
                )
            ]
        )
    return role


def clinic_create(
    session: Session,
    *,
    name: str,
    now: datetime,
    facility_id: str | None = None,
    actor: Actor | None = None,
) -> Clinic:
    """A new clinic (site administrators, or the command line when ``actor`` is None)."""
    if actor is not None:
        require(actor, Permission.CLINICS_MANAGE)
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        raise InvalidInput([FieldError("name", "must be 1 to 200 characters", "a clinic's name")])
    clinic = Clinic(name=clean, facility_id=facility_id or None, created_at=now)
    session.add(clinic)
    session.flush()
    _audit(
        session,
        actor,
        "clinic.create",
        entity_type="clinic",
        entity_id=clinic.id,
        clinic_id=clinic.id,
        details={"facility_id": facility_id},
        now=now,
    )
    return clinic


def clinic_get(session: Session, *, clinic_id: str) -> Clinic:
    """A clinic by id, or :class:`NotFound`."""
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic


def clinic_for(
    session: Session, *, actor: Actor | None, clinic_id: str, permission: Permission
) -> Clinic:
    """A clinic the actor may use with ``permission`` (``actor`` None: the command line).

    Raises :class:`NotFound` when the clinic does not exist or the actor holds no role that
    reads its records (so its existence is not revealed), :class:`PermissionDenied` when
    they read but ``permission`` is not theirs there.
    """
    clinic = session.get(Clinic, clinic_id)
    if actor is not None and not actor.can(Permission.CLINIC_RECORDS_READ, clinic_id=clinic_id):
        clinic = None
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    if actor is not None:
        require(actor, permission, clinic_id=clinic_id)
    return clinic


def clinic_touch(session: Session, *, clinic_id: str | None) -> None:
    """Note that the clinic's records changed (its dashboard is then computed again).

    Called by every write to a clinic's records, in the writer's transaction; a person's
    own record (``clinic_id`` None) has no clinic to tell.
    """
    if clinic_id is not None:
        session.execute(
            update(Clinic)
            .where(Clinic.id == clinic_id)
            .values(data_version=Clinic.data_version + 1)
        )


def clinic_list(session: Session, *, actor: Actor) -> Sequence[Clinic]:
    """The clinics an actor belongs to (every clinic for a site administrator)."""
    query = select(Clinic).order_by(Clinic.name)
    if not actor.can(Permission.CLINICS_MANAGE):
        mine = {grant.clinic_id for grant in actor.grants if grant.clinic_id is not None}
        query = query.where(Clinic.id.in_(sorted(mine)))
    return session.scalars(query).all()


def clinic_directory(session: Session) -> Sequence[Clinic]:
    """Every clinic of the registry by name: whom a person may share their record with.

    Names and directory ids only, which the clinics publish anyway; no member or record.
    """
    return session.scalars(select(Clinic).order_by(Clinic.name)).all()


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One role held in a clinic, with whom it belongs to (for the clinic's own managers)."""

    membership_id: int
    account_id: str
    person_id: str
    email: str
    display_name: str
    role: Role
    two_factor: bool
    disabled: bool


def _may_manage(actor: Actor, clinic_id: str) -> bool:
    """The clinic's lead, or a site administrator."""
    return actor.can(Permission.CLINIC_STAFF_MANAGE, clinic_id=clinic_id) or actor.can(
        Permission.CLINICS_MANAGE
    )


def _clinic_visible(session: Session, actor: Actor, clinic_id: str) -> Clinic:
    """The clinic, if the actor has any role in it or manages clinics; else not found."""
    in_clinic = any(grant.clinic_id == clinic_id for grant in actor.grants)
    if not in_clinic and not actor.can(Permission.CLINICS_MANAGE):
        raise NotFound("clinic", clinic_id)
    return clinic_get(session, clinic_id=clinic_id)


def clinic_staff_list(session: Session, *, actor: Actor, clinic_id: str) -> list[StaffMember]:
    """Who holds which role in a clinic: for its lead and for site administrators."""
    _clinic_visible(session, actor, clinic_id)
    if not _may_manage(actor, clinic_id):
        raise PermissionDenied("only the clinic's lead manages its staff")
    rows = session.execute(
        select(Membership, Account, Identity)
        .join(Account, Account.id == Membership.account_id)
        .join(Identity, Identity.account_id == Account.id)
        .where(Membership.clinic_id == clinic_id)
        .order_by(Identity.email, Membership.role)
    ).all()
    return [
        StaffMember(
            membership_id=membership.id,
            account_id=account.id,
            person_id=account.person_id,
            email=identity.email,
            display_name=identity.display_name,
            role=Role(membership.role),
            two_factor=account.totp_enabled_at is not None,
            disabled=account.disabled_at is not None,
        )
        for membership, account, identity in rows
    ]


def membership_grant(
    session: Session,
    *,
    account_id: str,
    role: Role,
    now: datetime,
    clinic_id: str | None = None,
    actor: Actor | None = None,
    system: str = "cli",
) -> Membership:
    """Give a role (a lead in their clinic; a site admin anywhere; the command line).

    ``system`` names who gave it when no actor did (``invitation`` when taken up by link).
    """
    if (role in CLINIC_ROLES) != (clinic_id is not None):
        raise InvalidInput(
            [FieldError("clinic", "clinic roles need a clinic; site roles take none")]
        )
    if actor is not None and (clinic_id is None or not _may_manage(actor, clinic_id)):
        raise PermissionDenied("only the clinic's lead or a site administrator gives roles")
    if clinic_id is not None:
        clinic_get(session, clinic_id=clinic_id)
    existing = session.scalars(
        select(Membership).where(
            Membership.account_id == account_id,
            Membership.clinic_id == clinic_id if clinic_id else Membership.clinic_id.is_(None),
            Membership.role == role.value,
        )
    ).first()
    if existing is not None:
        return existing
    membership = Membership(account_id=account_id, clinic_id=clinic_id, role=role, created_at=now)
    session.add(membership)
    session.flush()
    person = session.get(Account, account_id)
    _audit(
        session,
        actor,
        "membership.grant",
        entity_type="account",
        entity_id=person.person_id if person else None,
        clinic_id=clinic_id,
        details={"role": role.value},
        now=now,
        system=system,
    )
    return membership


def membership_revoke(
    session: Session, *, actor: Actor, clinic_id: str, membership_id: int, now: datetime
) -> None:
    """Take a role away (the clinic's lead, or a site admin). A lead cannot remove the
    clinic's last lead."""
    _clinic_visible(session, actor, clinic_id)
    if not _may_manage(actor, clinic_id):
        raise PermissionDenied("only the clinic's lead manages its staff")
    membership = session.get(Membership, membership_id)
    if membership is None or membership.clinic_id != clinic_id:
        raise NotFound("membership", membership_id)
    if membership.role == Role.CLINIC_LEAD.value:
        leads = session.scalars(
            select(Membership.id).where(
                Membership.clinic_id == clinic_id, Membership.role == Role.CLINIC_LEAD.value
            )
        ).all()
        if len(leads) <= 1:
            raise Conflict("a clinic keeps at least one lead")
    person = session.get(Account, membership.account_id)
    session.execute(delete(Membership).where(Membership.id == membership_id))
    _audit(
        session,
        actor,
        "membership.revoke",
        entity_type="account",
        entity_id=person.person_id if person else None,
        clinic_id=clinic_id,
        details={"role": membership.role},
        now=now,
    )


def invitation_create(
    session: Session,
    *,
    clinic_id: str,
    email: str,
    role: Role,
    now: datetime,
    actor: Actor | None = None,
) -> str:
    """A link inviting ``email`` to ``role`` in a clinic (expires in 7 days)."""
    if role not in INVITABLE:
        raise InvalidInput(
            [
                FieldError(
                    "role", "cannot be given by invitation", ", ".join(r.value for r in INVITABLE)
                )
            ]
        )
    if actor is not None:
        _clinic_visible(session, actor, clinic_id)
        if not _may_manage(actor, clinic_id):
            raise PermissionDenied("only the clinic's lead invites staff")
    clinic_get(session, clinic_id=clinic_id)
    address = email_normalise(email)
    token = link_issue(
        session, purpose="invitation", clinic_id=clinic_id, role=role.value, email=address, now=now
    )
    _audit(
        session,
        actor,
        "invitation.create",
        entity_type="clinic",
        entity_id=clinic_id,
        clinic_id=clinic_id,
        details={"role": role.value},
        now=now,
    )
    return token


@dataclass(frozen=True, slots=True)
class Invitation:
    """What an invitation link offers."""

    clinic: Clinic
    role: Role
    email: str
    has_account: bool


def invitation_peek(session: Session, *, token: str, now: datetime) -> Invitation:
    """The invitation behind a link (or :class:`LinkInvalid`)."""
    link = link_peek(session, token=token, purpose="invitation", now=now)
    email = str(link.email)
    return Invitation(
        clinic=clinic_get(session, clinic_id=str(link.clinic_id)),
        role=Role(str(link.role)),
        email=email,
        has_account=account_by_email(session, email=email) is not None,
    )


def invitation_accept(
    session: Session,
    *,
    token: str,
    now: datetime,
    account: Account | None = None,
    display_name: str = "",
    password: str | None = None,
) -> Account:
    """Take up an invitation: as the signed-in account it was sent to, or as a new account
    (name and password given; the address is confirmed by the link itself)."""
    link = link_peek(session, token=token, purpose="invitation", now=now)
    email = str(link.email)
    existing = account_by_email(session, email=email)
    if existing is not None:
        if account is None or account.id != existing.id:
            raise PermissionDenied("sign in with the address the invitation was sent to")
        target = existing
    else:
        if password is None:
            raise InvalidInput([FieldError("password", "choose a password")])
        target = account_create(
            session,
            email=email,
            display_name=name_check(display_name),
            password=password,
            verified=True,
            now=now,
            self_service=True,
        )
    link.used_at = now
    membership_grant(
        session,
        account_id=target.id,
        role=Role(str(link.role)),
        clinic_id=str(link.clinic_id),
        now=now,
        system="invitation",
    )
    _audit(
        session,
        target,
        "invitation.accept",
        entity_type="clinic",
        entity_id=str(link.clinic_id),
        clinic_id=str(link.clinic_id),
        details={"role": str(link.role)},
        now=now,
    )
    return target


__all__ = [
    "INVITABLE",
    "Invitation",
    "StaffMember",
    "clinic_create",
    "clinic_get",
    "clinic_list",
    "clinic_staff_list",
    "invitation_accept",
    "invitation_create",
    "invitation_peek",
    "membership_grant",
    "membership_revoke",
    "role_parse",
]
