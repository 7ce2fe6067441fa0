"""Who may do what: roles, the actor behind a request, permission checks, tenant scoping.

A clinic is a tenant. Every read of health data goes through :func:`patient_scope`, the one
place that says which patient records an actor may see: their clinics' records and their
own. Another clinic's or person's record is then simply not found (a 404, never a 403), so
its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from sqlalchemy import ColumnElement, false, or_

from hsct.common.errors import PermissionDenied
from hsct.registry.tables import Patient


class Role(StrEnum):
    """Roles an account can hold (site-wide for patient and site admin, per clinic otherwise)."""

    PATIENT = "patient"
    CLINIC_STAFF = "clinic_staff"
    CLINIC_LEAD = "clinic_lead"
    CLINIC_MONITOR = "clinic_monitor"
    SITE_ADMIN = "site_admin"


CLINIC_ROLES: Final = frozenset({Role.CLINIC_STAFF, Role.CLINIC_LEAD, Role.CLINIC_MONITOR})
SITE_ROLES: Final = frozenset({Role.PATIENT, Role.SITE_ADMIN})


class Permission(StrEnum):
    """What a role allows. Clinic permissions hold within the clinic the role belongs to."""

    OWN_RECORD_READ = "own_record:read"
    OWN_RECORD_WRITE = "own_record:write"
    CLINIC_RECORDS_READ = "clinic_records:read"
    CLINIC_RECORDS_WRITE = "clinic_records:write"
    CLINIC_RECORDS_LOCK = "clinic_records:lock"
    CLINIC_STAFF_MANAGE = "clinic_staff:manage"
    CLINIC_AGGREGATES_PUBLISH = "clinic_aggregates:publish"
    CLINICS_MANAGE = "clinics:manage"


P = Permission
PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.PATIENT: frozenset({P.OWN_RECORD_READ, P.OWN_RECORD_WRITE}),
    Role.CLINIC_STAFF: frozenset({P.CLINIC_RECORDS_READ, P.CLINIC_RECORDS_WRITE}),
    Role.CLINIC_LEAD: frozenset(
        {
            P.CLINIC_RECORDS_READ,
            P.CLINIC_RECORDS_WRITE,
            P.CLINIC_RECORDS_LOCK,
            P.CLINIC_STAFF_MANAGE,
            P.CLINIC_AGGREGATES_PUBLISH,
        }
    ),
    Role.CLINIC_MONITOR: frozenset({P.CLINIC_RECORDS_READ}),
    # Creates clinics and their leads; sees no health record unless also given a clinic role.
    Role.SITE_ADMIN: frozenset({P.CLINICS_MANAGE}),
}

#: What an API token's scope lets it use of its owner's permissions.
READ_ONLY: Final = frozenset({P.OWN_RECORD_READ, P.CLINIC_RECORDS_READ})


class TokenScope(StrEnum):
    """Scopes of API tokens."""

    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"


@dataclass(frozen=True, slots=True)
class Grant:
    """One role, in one clinic or site-wide (``clinic_id`` None)."""

    role: Role
    clinic_id: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: an account's pseudonym and roles, and how they signed in.

    ``account_id`` and ``person_id`` are pseudonyms; the actor carries no email or name.
    """

    account_id: str
    person_id: str
    grants: tuple[Grant, ...] = ()
    #: The scope of the API token used, or None for a browser session.
    token_scope: TokenScope | None = None
    _cache: dict[Permission, frozenset[str | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def roles(self) -> frozenset[Role]:
        """Every role held, anywhere."""
        return frozenset(grant.role for grant in self.grants)

    @property
    def primary_role(self) -> Role:
        """The most powerful role held, for audit events (patient when none is held)."""
        for role in (
            Role.SITE_ADMIN,
            Role.CLINIC_LEAD,
            Role.CLINIC_STAFF,
            Role.CLINIC_MONITOR,
            Role.PATIENT,
        ):
            if role in self.roles:
                return role
        return Role.PATIENT

    def _where(self, permission: Permission) -> frozenset[str | None]:
        cached = self._cache.get(permission)
        if cached is None:
            allowed = self.token_scope != TokenScope.REGISTRY_READ or permission in READ_ONLY
            cached = frozenset(
                grant.clinic_id
                for grant in self.grants
                if allowed and permission in PERMISSIONS[grant.role]
            )
            self._cache[permission] = cached
        return cached

    def can(self, permission: Permission, *, clinic_id: str | None = None) -> bool:
        """True when a role of this actor gives ``permission`` (in ``clinic_id`` if given)."""
        where = self._where(permission)
        if clinic_id is None:
            return bool(where)
        return clinic_id in where

    def clinics_with(self, permission: Permission) -> frozenset[str]:
        """The clinics in which this actor has ``permission``."""
        return frozenset(clinic for clinic in self._where(permission) if clinic is not None)

    @property
    def needs_second_factor(self) -> bool:
        """Every clinic role and the site admin must sign in with two factors."""
        return any(grant.role is not Role.PATIENT for grant in self.grants)


def require(actor: Actor, permission: Permission, *, clinic_id: str | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` has ``permission`` (in ``clinic_id``)."""
    if not actor.can(permission, clinic_id=clinic_id):
        raise PermissionDenied(f"this needs the permission {permission.value}")


def patient_scope(actor: Actor, *, write: bool = False) -> ColumnElement[bool]:
    """The one filter for every query of health data: the records ``actor`` may read (write).

    Records of the actor's clinics (by role), and the actor's own record (as a patient).
    """
    clinic_permission = P.CLINIC_RECORDS_WRITE if write else P.CLINIC_RECORDS_READ
    own_permission = P.OWN_RECORD_WRITE if write else P.OWN_RECORD_READ
    conditions: list[ColumnElement[bool]] = []
    clinics = actor.clinics_with(clinic_permission)
    if clinics:
        conditions.append(Patient.clinic_id.in_(sorted(clinics)))
    if actor.can(own_permission):
        conditions.append(Patient.person_id == actor.person_id)
    if not conditions:
        return false()
    return or_(*conditions)
