"""Audit trail services. The caller owns the transaction (these never commit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hsct.registry.tables import AuditEvent


def audit_event_record(
    session: Session,
    *,
    action: str,
    actor: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Add one audit event to ``session`` and return it (flushed, so it has an id)."""
    when = occurred_at or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    event = AuditEvent(
        occurred_at=when,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
    )
    session.add(event)
    session.flush()
    return event


def audit_event_list(session: Session, *, entity_type: str | None = None) -> Sequence[AuditEvent]:
    """Audit events, oldest first, optionally only those about one kind of record."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at, AuditEvent.id)
    if entity_type is not None:
        query = query.where(AuditEvent.entity_type == entity_type)
    return session.scalars(query).all()
