"""Registry tables (SQLAlchemy 2 typed ORM). Only this package imports SQLAlchemy."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can alter them on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC on every backend.

    SQLite has no time-zone type and hands back naive values; this keeps the
    round trip exact (aware in, aware UTC out) on SQLite and PostgreSQL alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by TypeDecorator
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by TypeDecorator
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every registry table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AuditEvent(Base):
    """Who did what to which record, and when. Append-only and hash-chained.

    Holds pseudonymous identifiers only, never names, emails or other personal details
    (see ``docs/safety/hazard-log.md``). ``row_hash`` is SHA-256 of ``prev_hash`` and the
    row's canonical JSON; triggers refuse UPDATE and DELETE (migration 0002).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(100))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    clinic_id: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


def _now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random, unguessable identifier (128 bits, hex): no meaning, no order, no identity."""
    return secrets.token_hex(16)


class AuditHead(Base):
    """The newest link of the audit chain: one row, updated under the write lock.

    Appending an event first bumps this row, which serialises writers on SQLite and
    PostgreSQL alike, so the chain never forks.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    row_hash: Mapped[str] = mapped_column(String(64))


class Account(Base):
    """Credentials and sign-in state of one person. Holds no name or email (see Identity).

    ``person_id`` is the pseudonym that health records, audit events and logs carry.
    """

    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # encrypted at rest
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_timecode: Mapped[int | None] = mapped_column(Integer)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class Identity(Base):
    """Who an account belongs to: email and display name, apart from every health record."""

    __tablename__ = "identity"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")


class Clinic(Base):
    """A tenant: a transplant centre or registry site that follows its own patients."""

    __tablename__ = "clinic"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    facility_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    #: The clinic's choices: its follow-up schedule, whether self-rated EDSS counts.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Goes up with every write to the clinic's records: the dashboard's cache key.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Membership(Base):
    """A role an account holds: in one clinic, or site-wide (``clinic_id`` is NULL)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("account_id", "clinic_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    clinic_id: Mapped[str | None] = mapped_column(
        ForeignKey("clinic.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's random id is stored."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    #: Password given, second factor still to come: such a session opens nothing.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the password was last confirmed in this session (re-authentication).
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class ApiToken(Base):
    """A bearer token for a machine client: shown once, stored as SHA-256, scoped, expiring."""

    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(20))  # prefix and first characters, to recognise it
    name: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OneTimeToken(Base):
    """A link sent by email (verify, reset, invitation, email change); stored as SHA-256."""

    __tablename__ = "one_time_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    clinic_id: Mapped[str | None] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor; stored as SHA-256."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Patient(Base):
    """A health record's owner, pseudonymous: a random id, the clinic, or the person's pseudonym.

    No name, email or birth date here: at most the birth year and month (``birth_month``),
    which a clinic may record because EBMT's forms and FHIR's Patient ask for it; never the
    day. A record kept by a clinic has ``clinic_id``; a record
    a person keeps for themself has ``person_id`` (their account's pseudonym); both when a
    person shares their record with a clinic.
    """

    __tablename__ = "patient"
    __table_args__ = (
        UniqueConstraint("clinic_id", "code"),
        # One own record per person, even when two first entries arrive at once.
        Index(
            "uq_patient_own_record",
            "person_id",
            unique=True,
            sqlite_where=text("clinic_id IS NULL"),
            postgresql_where=text("clinic_id IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinic_id: Mapped[str | None] = mapped_column(
        ForeignKey("clinic.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[str | None] = mapped_column(String(32), index=True)
    #: The clinic's own study code (never a name); unique within the clinic.
    code: Mapped[str | None] = mapped_column(String(40))
    #: ``YYYY-MM``: the birth year and month, when the clinic records it (never the day).
    birth_month: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


#: Columns of ``record_entry`` that exist on PostgreSQL only, generated from ``data`` for the
#: engine's column read (migration 0005): never written, so the tables in code leave them out.
POSTGRES_READ_COLUMNS: Final = ("edss_value", "edss_rater", "mri_new_t2", "mri_gd")


class RecordEntry(Base):
    """One entry of a follow-up record: its kind, its date and its checked fields (JSON).

    The fields are those of :mod:`hsct.registry.entries` for the kind, checked before they
    are written. ``provenance`` says who entered it: ``self`` (the person, "self-reported")
    or ``clinic`` (the clinic's staff). On PostgreSQL the table also has the generated
    :data:`POSTGRES_READ_COLUMNS`.
    """

    __tablename__ = "record_entry"
    __table_args__ = (
        Index("ix_record_entry_patient_kind_date", "patient_id", "kind", "date"),
        # One diagnosis and one transplant per record, even when two requests race.
        Index(
            "uq_record_entry_single",
            "patient_id",
            "kind",
            unique=True,
            sqlite_where=text("kind IN ('diagnosis', 'transplant')"),
            postgresql_where=text("kind IN ('diagnosis', 'transplant')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[str] = mapped_column(String(10), default="self")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class RecordChange(Base):
    """A change to a record, kept so the last one can be undone: the entry as it was before.

    Deleted with the record (unlike audit events, it holds health data).
    """

    __tablename__ = "record_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(10))  # create, update, delete
    #: Changes made together (an import) share a batch and are undone together.
    batch: Mapped[str | None] = mapped_column(String(32))
    #: The entry before the change: kind, date, data, provenance (None after a create).
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecordShare(Base):
    """A person's choice to share (some kinds of) their record with a clinic, until revoked."""

    __tablename__ = "record_share"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CalendarFeed(Base):
    """A secret calendar (iCalendar) address for a record's to-dos; stored as SHA-256."""

    __tablename__ = "calendar_feed"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportRun(Base):
    """One import into a clinic's records: a dry run kept for confirmation, or a committed one.

    ``payload`` holds the uploaded files between the dry run and the confirmation (health
    data, in the database only, never on disk or in a cache); it is emptied when the import
    is committed or discarded. ``counts`` holds numbers only (added, changed, unchanged,
    refused by table), never values.
    """

    __tablename__ = "import_run"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    #: The pseudonym of who started it, or "cli".
    actor: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))  # pending, committed, discarded
    #: File names, sizes and SHA-256, and the options (date order, mapping name).
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the plan the person saw; a confirmation of another plan is refused.
    plan_digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportMapping(Base):
    """A clinic's saved column mapping, to import another system's export (e.g. REDCap)."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class EntryReview(Base):
    """A clinic's decision on an entry a person shared: accepted into one of its records (a
    copy, still self-reported) or declined with a reason. One decision per clinic and entry."""

    __tablename__ = "entry_review"
    __table_args__ = (UniqueConstraint("clinic_id", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    share_id: Mapped[str] = mapped_column(ForeignKey("record_share.id", ondelete="CASCADE"))
    #: The person's entry (its id only: the copy, not the original, is the clinic's).
    entry_id: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(10))  # accepted, declined
    reason: Mapped[str | None] = mapped_column(String(500))
    #: The clinic's record the copy went into, and the copy.
    patient_id: Mapped[str | None] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    copy_id: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    #: The pseudonym of who decided.
    decided_by: Mapped[str] = mapped_column(String(32))


class Publication(Base):
    """One version of a clinic's published outcomes: a frozen, dated snapshot.

    ``content`` holds only what the public page shows (aggregates passed through
    :mod:`hsct.outcomes.disclosure`), exactly as the lead previewed it (``digest`` is its
    SHA-256); it is never recomputed, so published numbers do not change when the records
    do. A withdrawal keeps the row and says when, by whom and why; the page then shows the
    withdrawal instead of the numbers.
    """

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("clinic_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The grouping and the engine's options the numbers were made with.
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    #: The clinic's data version when it was made (its records may have changed since).
    data_version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    #: The pseudonym of the lead who published it.
    published_by: Mapped[str] = mapped_column(String(32))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(32))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500))


class BulkExport(Base):
    """A FHIR Bulk Data export of a clinic's records (``Group/[id]/$export``): its request,
    progress and, once made, its NDJSON files.

    ``files`` holds the output (health data, in the database only, never on disk or in a
    cache) until the requester deletes the export; ``output`` holds only resource types
    and counts.
    """

    __tablename__ = "bulk_export"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    #: The pseudonym of who asked, or "cli".
    requested_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))  # in-progress, complete, error
    #: The resource types asked for, and ``_since`` (only what changed from then).
    types: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The kick-off request's path and query (no health data in either).
    request: Mapped[str] = mapped_column(String(500))
    #: Resource type -> number of resources, once complete.
    output: Mapped[dict[str, int] | None] = mapped_column(JSON)
    #: Loaded only when a file is asked for, not on every poll of the status.
    files: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
