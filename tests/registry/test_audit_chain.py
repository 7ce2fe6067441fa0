"""The audit hash chain: complete, pseudonymous, append-only, and tampering is found."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from hsct.registry import accounts, clinics, patients, tokens
from hsct.registry.access import Role, TokenScope
from hsct.registry.audit import (
    GENESIS,
    audit_chain_head,
    audit_chain_verify,
    audit_event_list,
    audit_event_record,
    canonical_json,
)
from hsct.registry.tables import AuditEvent

PASSWORD = "correct horse battery staple 42"
WRONG_PASSWORD = "not the right password"
NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
ALICE = "alice.liddell@example.org"
NURSE = "nurse.ratched@example.org"

Sessions = sessionmaker[Session]


def dialect(sessions: Sessions) -> str:
    with sessions() as s:
        return s.get_bind().dialect.name


def record(sessions: Sessions, n: int) -> None:
    """``n`` plain events, one transaction."""
    with sessions.begin() as s:
        for i in range(n):
            audit_event_record(
                s,
                action="test.event",
                actor=f"p-{i}",
                entity_type="thing",
                entity_id=str(i),
                details={"i": i},
                occurred_at=NOW + timedelta(seconds=i),
            )


def drop_append_only_triggers(sessions: Sessions) -> None:
    """What an attacker with the database owner's rights could do first."""
    statements = (
        ["DROP TRIGGER audit_event_no_change ON audit_event"]
        if dialect(sessions) == "postgresql"
        else ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]
    )
    with sessions.begin() as s:
        for statement in statements:
            s.execute(text(statement))


def verify(sessions: Sessions) -> tuple[bool, int, int | None, str | None]:
    with sessions() as s:
        report = audit_chain_verify(s)
    return report.intact, report.events, report.first_bad_seq, report.problem


def test_empty_chain_is_intact(sessions: Sessions) -> None:
    with sessions() as s:
        report = audit_chain_verify(s)
        assert audit_chain_head(s) == report.head
    assert (report.intact, report.events, report.head.seq, report.head.row_hash) == (
        True,
        0,
        0,
        GENESIS,
    )


def test_services_leave_an_intact_chain_without_emails_or_secrets(sessions: Sessions) -> None:
    secrets: list[str] = []
    with sessions.begin() as s:
        signed_up = accounts.account_sign_up(
            s, email=ALICE, password=PASSWORD, display_name="Alice Liddell", now=NOW
        )
        assert signed_up.verify_token is not None
        secrets.append(signed_up.verify_token)
    with sessions.begin() as s:
        accounts.email_verify(s, token=signed_up.verify_token, now=NOW)
    with sessions.begin() as s, pytest.raises(accounts.SignInRefused):
        accounts.account_sign_in(s, email=ALICE, password=WRONG_PASSWORD, now=NOW)
    with sessions.begin() as s:
        alice = accounts.account_sign_in(s, email=ALICE, password=PASSWORD, now=NOW)
        secrets.append(accounts.web_session_start(s, account=alice, now=NOW, mfa_pending=False))
        clinic_id = clinics.clinic_create(s, name="North", now=NOW).id
        invitation = clinics.invitation_create(
            s, clinic_id=clinic_id, email=NURSE, role=Role.CLINIC_STAFF, now=NOW
        )
        secrets.append(invitation)
    with sessions.begin() as s:
        nurse = clinics.invitation_accept(
            s, token=invitation, display_name="Nurse Ratched", password=PASSWORD, now=NOW
        )
        nurse_actor = accounts.actor_for(s, account=nurse)
        patients.patient_create(s, actor=nurse_actor, clinic_id=clinic_id, code="N-1", now=NOW)
        _, bearer = tokens.api_token_create(
            s, account=nurse, scope=TokenScope.REGISTRY_READ, now=NOW
        )
        secrets.append(bearer)
        patients.patient_own(s, actor=accounts.actor_for(s, account=alice), now=NOW)

    with sessions() as s:
        report = audit_chain_verify(s)
        events = audit_event_list(s)
        stored = int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)
        raw = [
            " ".join(str(value) for value in row)
            for row in s.execute(text("SELECT * FROM audit_event"))
        ]
        canonical = [canonical_json(event) for event in events]
        alice_person = alice.person_id

    assert [e.action for e in events] == [
        "account.create",
        "account.verify_email",
        "auth.sign_in_failed",
        "auth.sign_in",
        "clinic.create",
        "invitation.create",
        "account.create",
        "membership.grant",
        "invitation.accept",
        "patient.create",
        "token.create",
        "patient.create",
    ]
    assert report.intact is True
    assert report.problem is None
    assert report.events == stored == len(events) == 12
    assert [e.seq for e in events] == list(range(1, 13))
    assert report.head.seq == 12
    assert report.head.row_hash == events[-1].row_hash
    assert [e.prev_hash for e in events[1:]] == [e.row_hash for e in events[:-1]]
    assert events[0].prev_hash == GENESIS
    assert events[1].actor == alice_person

    forbidden = [
        ALICE,
        NURSE,
        "alice.liddell",
        "nurse.ratched",
        "Alice Liddell",
        "Nurse Ratched",
        PASSWORD,
    ]
    for text_of_row in raw + canonical:
        for value in forbidden + secrets:
            assert value not in text_of_row
        assert "@" not in text_of_row


def test_database_refuses_to_change_or_delete_events(sessions: Sessions) -> None:
    record(sessions, 3)
    # PostgreSQL's RAISE EXCEPTION is SQLSTATE P0001 (psycopg: a ProgrammingError); SQLite's
    # RAISE(ABORT) in a trigger is a constraint failure (an IntegrityError).
    expected = ProgrammingError if dialect(sessions) == "postgresql" else IntegrityError

    for statement in (
        "UPDATE audit_event SET action = 'nothing happened' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 3",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError) as caught, sessions.begin() as s:
            s.execute(text(statement))
        assert type(caught.value) is expected
        assert "audit events are append-only" in str(caught.value)

    with pytest.raises(DBAPIError), sessions.begin() as s:  # the ORM is refused alike
        s.execute(update(AuditEvent).values(details={"forged": True}))
    if dialect(sessions) == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as s:
            s.execute(text("TRUNCATE audit_event"))

    assert verify(sessions) == (True, 3, None, None)
    with sessions() as s:
        assert [e.action for e in audit_event_list(s)] == ["test.event"] * 3


def test_a_changed_event_is_named(sessions: Sessions) -> None:
    record(sessions, 5)
    drop_append_only_triggers(sessions)
    with sessions.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details={"i": 30}))

    assert verify(sessions) == (False, 2, 3, "event 3 was changed after it was written")


def test_a_changed_event_with_a_recomputed_hash_breaks_the_next_link(sessions: Sessions) -> None:
    from hsct.registry.audit import row_hash  # noqa: PLC0415 - what a forger would use

    record(sessions, 5)
    drop_append_only_triggers(sessions)
    with sessions.begin() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
        s.expunge(event)  # a detached copy to forge the hash on
        event.actor = "someone-else"
        forged = row_hash(str(event.prev_hash), event)
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == 3)
            .values(actor="someone-else", row_hash=forged)
        )

    assert verify(sessions) == (False, 3, 4, "event 4 does not link to event 3")


def test_a_deleted_event_is_named(sessions: Sessions) -> None:
    record(sessions, 5)
    drop_append_only_triggers(sessions)
    with sessions.begin() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))

    assert verify(sessions) == (False, 2, 3, "event 3 is missing (the next one is 4)")


def test_deleting_the_newest_event_is_found(sessions: Sessions) -> None:
    record(sessions, 5)
    drop_append_only_triggers(sessions)
    with sessions.begin() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 5))

    intact, events, first_bad, problem = verify(sessions)

    assert (intact, events, first_bad) == (False, 4, 5)
    assert problem == (
        "the chain ends at event 4 but the head records 5: "
        "the newest events are missing or the head was changed"
    )


def test_an_event_outside_the_chain_is_found(sessions: Sessions) -> None:
    record(sessions, 2)
    with sessions.begin() as s:
        stray = AuditEvent(occurred_at=NOW, action="test.stray")
        s.add(stray)
        s.flush()
        stray_id = stray.id

    assert verify(sessions) == (False, 2, None, f"event id {stray_id} is outside the chain")


def test_concurrent_writers_never_fork_the_chain(sessions: Sessions) -> None:
    """Four threads, each writing 25 events in 25 transactions of their own."""
    threads, per_thread = 4, 25
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with sessions.begin() as s:
                    audit_event_record(
                        s,
                        action="test.concurrent",
                        actor=f"worker-{worker}",
                        details={"i": i},
                        occurred_at=NOW,
                    )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert errors == []
    assert not any(worker.is_alive() for worker in workers)
    with sessions() as s:
        report = audit_chain_verify(s)
        events = audit_event_list(s)
    assert (report.intact, report.events, report.head.seq) == (True, 100, 100)
    assert [e.seq for e in events] == list(range(1, 101))
    for n in range(threads):
        mine = [e.details for e in events if e.actor == f"worker-{n}"]
        assert mine == [{"i": i} for i in range(per_thread)]
