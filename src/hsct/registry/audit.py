"""The audit trail: append-only, hash-chained. The caller owns the transaction.

Every event holds the hash of the one before it (``prev_hash``) and its own
``row_hash = SHA-256(prev_hash || canonical JSON of the row)``. Appending first bumps the
single ``audit_head`` row, which takes the database's write lock (SQLite) or a row lock
(PostgreSQL), so two transactions can never link to the same predecessor. Triggers
refuse UPDATE and DELETE on ``audit_event``. :func:`audit_chain_verify` recomputes the
chain and names the first row that was changed, removed or added out of order.

Events carry pseudonymous ids only (account pseudonyms, clinic and record ids), never an
email, a name or a token (hazard H-037).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hsct.registry.tables import AuditEvent, AuditHead

#: ``prev_hash`` of the first event.
GENESIS: Final = "0" * 64


def canonical_json(event: AuditEvent) -> str:
    """The fields the hash covers, as compact JSON with sorted keys (stable across databases)."""
    return json.dumps(
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
            "actor": event.actor,
            "actor_role": event.actor_role,
            "clinic_id": event.clinic_id,
            "action": event.action,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "details": event.details,
            "reason": event.reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def row_hash(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def audit_event_record(
    session: Session,
    *,
    action: str,
    actor: str | None = None,
    actor_role: str | None = None,
    clinic_id: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain in ``session``'s transaction and return it (flushed).

    ``actor`` is a pseudonym (an account's ``person_id``), never an email. ``details`` holds
    old and new values of an edit; ``reason`` why entered data was changed.
    """
    when = occurred_at or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    # Bump the head first: this is the write that serialises appenders.
    bumped = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.row_hash)
    ).one_or_none()
    if bumped is None:
        session.add(AuditHead(id=1, seq=1, row_hash=GENESIS))
        session.flush()
        seq, prev = 1, GENESIS
    else:
        seq, prev = int(bumped[0]), str(bumped[1])
    event = AuditEvent(
        seq=seq,
        occurred_at=when.astimezone(UTC),
        actor=actor,
        actor_role=actor_role,
        clinic_id=clinic_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
        reason=reason,
        prev_hash=prev,
    )
    event.row_hash = row_hash(prev, event)
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(row_hash=event.row_hash))
    session.flush()
    return event


def audit_event_list(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> Sequence[AuditEvent]:
    """Audit events in chain order (oldest first), optionally about one kind of record."""
    query = select(AuditEvent).order_by(AuditEvent.seq, AuditEvent.id)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest link: how many events and the hash of the last one."""

    seq: int
    row_hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What :func:`audit_chain_verify` found."""

    events: int
    head: ChainHead
    #: The sequence number of the first event that does not fit, or None when intact.
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        """True when every event links to the one before and the head matches the last."""
        return self.problem is None


def audit_chain_head(session: Session) -> ChainHead:
    """The recorded head of the chain (``seq`` 0 and the genesis hash when empty)."""
    head = session.get(AuditHead, 1)
    if head is None:
        return ChainHead(0, GENESIS)
    return ChainHead(head.seq, head.row_hash)


def audit_chain_verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute the chain from the first event and report the first break.

    Detects a changed row (its hash no longer matches), a removed row (a gap in ``seq`` or a
    ``prev_hash`` that points elsewhere), and removal of the newest rows (the head names
    more events than there are).
    """
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            bad = _check_link(event, expected_seq, prev)
            if bad is not None:
                return ChainReport(count, audit_chain_head(session), expected_seq, bad)
            prev = event.row_hash or ""
            last_seq = expected_seq
            expected_seq += 1
            count += 1
    unchained = session.scalars(select(AuditEvent.id).where(AuditEvent.seq.is_(None))).first()
    head = audit_chain_head(session)
    if unchained is not None:
        return ChainReport(count, head, None, f"event id {unchained} is outside the chain")
    if head.seq != last_seq or head.row_hash != prev:
        return ChainReport(
            count,
            head,
            last_seq + 1,
            f"the chain ends at event {last_seq} but the head records {head.seq}: "
            "the newest events are missing or the head was changed",
        )
    return ChainReport(count, head)


def _check_link(event: AuditEvent, expected_seq: int, prev: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing (the next one is {event.seq})"
    if event.prev_hash != prev:
        return f"event {event.seq} does not link to event {expected_seq - 1}"
    if event.row_hash != row_hash(prev, event):
        return f"event {event.seq} was changed after it was written"
    return None
