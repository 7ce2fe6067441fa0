"""The audit trail records events and reads them back exactly, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hsct.registry import (
    audit_event_list,
    audit_event_record,
    make_engine,
    make_session_factory,
    upgrade_database,
)


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database at the newest schema."""
    upgrade_database(database_url)
    return database_url


def test_recorded_events_read_back_in_written_order_as_utc(migrated_url: str) -> None:
    """Times come back timezone-aware in UTC, whatever zone they were given in; the list is
    in the order the events were written (the chain's order), not by their stated time."""
    engine = make_engine(migrated_url)
    sessions = make_session_factory(engine)
    moscow = timezone(timedelta(hours=3))
    later = datetime(2026, 11, 23, 12, 0, tzinfo=moscow)
    earlier = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    try:
        with sessions.begin() as session:
            audit_event_record(
                session,
                action="export",
                actor="u-17",
                entity_type="cohort",
                entity_id="c-1",
                details={"rows": 120},
                occurred_at=later,
            )
            audit_event_record(session, action="view", entity_type="cohort", occurred_at=earlier)
            audit_event_record(session, action="login", actor="u-17", occurred_at=earlier)
        with sessions() as session:
            cohort_events = audit_event_list(session, entity_type="cohort")
            everything = audit_event_list(session)
    finally:
        engine.dispose()

    assert [(e.action, e.occurred_at) for e in cohort_events] == [
        ("export", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("view", earlier),
    ]
    assert cohort_events[0].details == {"rows": 120}
    assert [e.seq for e in everything] == [1, 2, 3]
    assert len(everything) == 3


def test_naive_timestamps_are_refused(tmp_path: Path) -> None:
    """A timestamp without a zone is ambiguous, so it is refused rather than guessed."""
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, pytest.raises(ValueError, match="aware"):
            audit_event_record(
                session,
                action="view",
                occurred_at=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
            )
    finally:
        engine.dispose()
