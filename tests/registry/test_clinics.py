"""Clinics (tenants), their staff and invitations."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hsct.registry import accounts, auth, clinics
from hsct.registry.access import Actor, Grant, Role
from hsct.registry.accounts import LinkInvalid
from hsct.registry.audit import audit_event_list
from hsct.registry.tables import Account, Clinic, Identity, Membership, OneTimeToken

PASSWORD = "correct horse battery staple 42"
NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class Site:
    """Two clinics, a lead and a member of staff of the first, and a site administrator."""

    north: str
    south: str
    lead: str
    staff: str
    admin: str


@pytest.fixture
def site(sessions: Sessions) -> Site:
    with sessions.begin() as s:
        north = clinics.clinic_create(s, name="North", now=NOW).id
        south = clinics.clinic_create(s, name="South", now=NOW).id

        def account(email: str, grant: Grant) -> str:
            return accounts.account_create(
                s, email=email, grants=(grant,), verified=True, now=NOW
            ).id

        return Site(
            north=north,
            south=south,
            lead=account("lead@north.example", Grant(Role.CLINIC_LEAD, north)),
            staff=account("staff@north.example", Grant(Role.CLINIC_STAFF, north)),
            admin=account("admin@example.org", Grant(Role.SITE_ADMIN)),
        )


def actor(s: Session, account_id: str) -> Actor:
    account = s.get(Account, account_id)
    assert account is not None
    return accounts.actor_for(s, account=account)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def test_clinic_created_by_the_command_line_or_a_site_admin_only(
    sessions: Sessions, site: Site
) -> None:
    with sessions.begin() as s:
        made = clinics.clinic_create(
            s, name="  East   Wing ", facility_id="F-9", actor=actor(s, site.admin), now=NOW
        )
        made_id = made.id
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        clinics.clinic_create(s, name="West", actor=actor(s, site.lead), now=NOW)
    with sessions.begin() as s, pytest.raises(InvalidInput) as caught:
        clinics.clinic_create(s, name="   ", now=NOW)
    assert caught.value.fields == ("name",)

    with sessions() as s:
        east = s.get(Clinic, made_id)
        assert east is not None
        assert (east.name, east.facility_id, east.created_at) == ("East Wing", "F-9", NOW)
        admin_person = actor(s, site.admin).person_id
        created = [
            (e.actor, e.actor_role, e.entity_id)
            for e in audit_event_list(s, entity_type="clinic")
            if e.action == "clinic.create"
        ]
        assert created == [
            ("cli", None, site.north),
            ("cli", None, site.south),
            (admin_person, "site_admin", made_id),
        ]
        names = [c.name for c in clinics.clinic_list(s, actor=actor(s, site.admin))]
        assert names == ["East Wing", "North", "South"]
        assert [c.id for c in clinics.clinic_list(s, actor=actor(s, site.staff))] == [site.north]


def test_lead_cannot_invite_into_another_clinic(sessions: Sessions, site: Site) -> None:
    with sessions.begin() as s, pytest.raises(NotFound):
        clinics.invitation_create(
            s,
            clinic_id=site.south,
            email="new@example.org",
            role=Role.CLINIC_STAFF,
            actor=actor(s, site.lead),
            now=NOW,
        )
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        clinics.invitation_create(
            s,
            clinic_id=site.north,
            email="new@example.org",
            role=Role.CLINIC_STAFF,
            actor=actor(s, site.staff),
            now=NOW,
        )
    with sessions.begin() as s, pytest.raises(InvalidInput):
        clinics.invitation_create(
            s,
            clinic_id=site.north,
            email="new@example.org",
            role=Role.SITE_ADMIN,
            actor=actor(s, site.lead),
            now=NOW,
        )
    with sessions.begin() as s:  # a site admin may invite into any clinic
        clinics.invitation_create(
            s,
            clinic_id=site.south,
            email="new@example.org",
            role=Role.CLINIC_LEAD,
            actor=actor(s, site.admin),
            now=NOW,
        )
    with sessions() as s:
        assert s.scalars(select(OneTimeToken.clinic_id)).all() == [site.south]


def test_invitation_makes_a_verified_account_with_the_role(sessions: Sessions, site: Site) -> None:
    with sessions.begin() as s:
        token = clinics.invitation_create(
            s,
            clinic_id=site.north,
            email=" New.Nurse@Example.org ",
            role=Role.CLINIC_STAFF,
            actor=actor(s, site.lead),
            now=NOW,
        )
        link = s.get(OneTimeToken, sha256(token))
        assert link is not None
        assert (link.purpose, link.email, link.role, link.expires_at) == (
            "invitation",
            "new.nurse@example.org",
            "clinic_staff",
            NOW + timedelta(days=7),
        )

    with sessions() as s:
        offer = clinics.invitation_peek(s, token=token, now=NOW)
        assert (offer.clinic.id, offer.role, offer.email, offer.has_account) == (
            site.north,
            Role.CLINIC_STAFF,
            "new.nurse@example.org",
            False,
        )

    at = NOW + timedelta(days=1)
    with sessions.begin() as s, pytest.raises(InvalidInput) as no_password:
        clinics.invitation_accept(s, token=token, display_name="Nurse", now=at)
    assert no_password.value.fields == ("password",)

    with sessions.begin() as s:
        made = clinics.invitation_accept(
            s, token=token, display_name="New  Nurse", password=PASSWORD, now=at
        )
        made_id = made.id

    with sessions() as s:
        account = s.get(Account, made_id)
        identity = s.get(Identity, made_id)
        assert account is not None
        assert identity is not None
        assert account.email_verified_at == at
        assert (identity.email, identity.display_name) == ("new.nurse@example.org", "New Nurse")
        assert auth.password_matches(account.password_hash, PASSWORD) is True
        assert accounts.actor_for(s, account=account).grants == (
            Grant(Role.CLINIC_STAFF, site.north),
        )
        staff_list = clinics.clinic_staff_list(s, actor=actor(s, site.lead), clinic_id=site.north)
        assert [(m.email, m.role) for m in staff_list] == [
            ("lead@north.example", Role.CLINIC_LEAD),
            ("new.nurse@example.org", Role.CLINIC_STAFF),
            ("staff@north.example", Role.CLINIC_STAFF),
        ]

    with sessions.begin() as s, pytest.raises(LinkInvalid):
        clinics.invitation_accept(s, token=token, display_name="X", password=PASSWORD, now=at)


def test_invitation_expires_after_seven_days(sessions: Sessions, site: Site) -> None:
    with sessions.begin() as s:
        token = clinics.invitation_create(
            s, clinic_id=site.north, email="late@example.org", role=Role.CLINIC_MONITOR, now=NOW
        )
    with sessions() as s:
        last_second = NOW + timedelta(days=7) - timedelta(seconds=1)
        assert clinics.invitation_peek(s, token=token, now=last_second).role is Role.CLINIC_MONITOR
    with sessions.begin() as s, pytest.raises(LinkInvalid):
        clinics.invitation_accept(s, token=token, password=PASSWORD, now=NOW + timedelta(days=7))
    with sessions() as s:
        assert accounts.account_by_email(s, email="late@example.org") is None


def test_invitation_to_an_existing_account_needs_that_account_signed_in(
    sessions: Sessions, site: Site
) -> None:
    with sessions.begin() as s:
        token = clinics.invitation_create(
            s,
            clinic_id=site.south,
            email="staff@north.example",
            role=Role.CLINIC_MONITOR,
            actor=actor(s, site.admin),
            now=NOW,
        )
        assert clinics.invitation_peek(s, token=token, now=NOW).has_account is True

    with sessions.begin() as s:
        wrong = s.get(Account, site.lead)
        with pytest.raises(PermissionDenied):
            clinics.invitation_accept(s, token=token, account=wrong, now=NOW)
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        clinics.invitation_accept(s, token=token, password=PASSWORD, now=NOW)

    with sessions.begin() as s:
        right = s.get(Account, site.staff)
        assert clinics.invitation_accept(s, token=token, account=right, now=NOW).id == site.staff

    with sessions() as s:
        assert actor(s, site.staff).grants == (
            Grant(Role.CLINIC_MONITOR, site.south),
            Grant(Role.CLINIC_STAFF, site.north),
        )
        assert actor(s, site.lead).grants == (Grant(Role.CLINIC_LEAD, site.north),)


def test_a_clinic_keeps_at_least_one_lead(sessions: Sessions, site: Site) -> None:
    def lead_membership(s: Session, account_id: str) -> int:
        return s.scalars(
            select(Membership.id).where(
                Membership.account_id == account_id, Membership.role == "clinic_lead"
            )
        ).one()

    with sessions.begin() as s, pytest.raises(Conflict):
        clinics.membership_revoke(
            s,
            actor=actor(s, site.lead),
            clinic_id=site.north,
            membership_id=lead_membership(s, site.lead),
            now=NOW,
        )
    with sessions.begin() as s, pytest.raises(Conflict):  # nor can a site admin
        clinics.membership_revoke(
            s,
            actor=actor(s, site.admin),
            clinic_id=site.north,
            membership_id=lead_membership(s, site.lead),
            now=NOW,
        )

    with sessions.begin() as s:
        clinics.membership_grant(
            s,
            account_id=site.staff,
            clinic_id=site.north,
            role=Role.CLINIC_LEAD,
            actor=actor(s, site.lead),
            now=NOW,
        )
    with sessions.begin() as s:
        clinics.membership_revoke(
            s,
            actor=actor(s, site.staff),
            clinic_id=site.north,
            membership_id=lead_membership(s, site.lead),
            now=NOW,
        )
    with sessions() as s:
        assert actor(s, site.lead).grants == ()
        assert actor(s, site.staff).grants == (
            Grant(Role.CLINIC_LEAD, site.north),
            Grant(Role.CLINIC_STAFF, site.north),
        )


def test_staff_management_stays_inside_the_clinic(sessions: Sessions, site: Site) -> None:
    with sessions.begin() as s, pytest.raises(NotFound):
        clinics.clinic_staff_list(s, actor=actor(s, site.lead), clinic_id=site.south)
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        clinics.clinic_staff_list(s, actor=actor(s, site.staff), clinic_id=site.north)
    with sessions.begin() as s, pytest.raises(PermissionDenied):
        clinics.membership_grant(
            s,
            account_id=site.staff,
            clinic_id=site.south,
            role=Role.CLINIC_STAFF,
            actor=actor(s, site.lead),
            now=NOW,
        )
    with sessions.begin() as s:
        staff_membership = s.scalars(
            select(Membership.id).where(Membership.account_id == site.staff)
        ).one()
    with sessions.begin() as s, pytest.raises(NotFound):  # the right id, the wrong clinic
        clinics.membership_revoke(
            s,
            actor=actor(s, site.admin),
            clinic_id=site.south,
            membership_id=staff_membership,
            now=NOW,
        )
    with sessions() as s:
        admin_view = clinics.clinic_staff_list(s, actor=actor(s, site.admin), clinic_id=site.north)
        assert [m.account_id for m in admin_view] == [site.lead, site.staff]
