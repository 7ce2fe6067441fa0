"""Tenant scoping: every actor sees exactly its clinics' records and its own, nothing else.

Another clinic's or person's record is not found (never "forbidden"), so its existence is
not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import Conflict, NotFound, PermissionDenied
from hsct.registry import accounts, clinics, patients
from hsct.registry.access import Actor, Grant, Role

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)

Sessions = sessionmaker[Session]


@dataclass(frozen=True)
class World:
    actors: dict[str, Actor]
    records: dict[str, str]  # name -> patient id
    north: str
    south: str


#: Which records each actor reads, in the order patient_list gives them (oldest first).
EXPECTED = {
    "staff_north": ["north_1", "north_2"],
    "lead_north": ["north_1", "north_2"],
    "monitor_north": ["north_1", "north_2"],
    "staff_south": ["south_1"],
    "admin": [],
    "patient_a": ["own_a"],
    "patient_b": ["own_b"],
}


@pytest.fixture
def world(sessions: Sessions) -> World:
    with sessions.begin() as s:
        north = clinics.clinic_create(s, name="North", now=NOW).id
        south = clinics.clinic_create(s, name="South", now=NOW).id
        grants = {
            "staff_north": Grant(Role.CLINIC_STAFF, north),
            "lead_north": Grant(Role.CLINIC_LEAD, north),
            "monitor_north": Grant(Role.CLINIC_MONITOR, north),
            "staff_south": Grant(Role.CLINIC_STAFF, south),
            "admin": Grant(Role.SITE_ADMIN),
            "patient_a": Grant(Role.PATIENT),
            "patient_b": Grant(Role.PATIENT),
        }
        actors = {}
        for name, grant in grants.items():
            account = accounts.account_create(
                s, email=f"{name}@example.org", grants=(grant,), verified=True, now=NOW
            )
            actors[name] = accounts.actor_for(s, account=account)

        def at(minutes: int) -> datetime:
            return NOW + timedelta(minutes=minutes)

        records = {
            "north_1": patients.patient_create(
                s, actor=actors["staff_north"], clinic_id=north, code="N-001", now=at(1)
            ).id,
            "south_1": patients.patient_create(
                s, actor=actors["staff_south"], clinic_id=south, code="N-001", now=at(2)
            ).id,
            "own_a": patients.patient_own(s, actor=actors["patient_a"], now=at(3)).id,
            "north_2": patients.patient_create(
                s, actor=actors["lead_north"], clinic_id=north, code="N-002", now=at(4)
            ).id,
            "own_b": patients.patient_own(s, actor=actors["patient_b"], now=at(5)).id,
        }
    return World(actors, records, north, south)


def test_each_actor_lists_and_reads_exactly_its_records(sessions: Sessions, world: World) -> None:
    names = {record_id: name for name, record_id in world.records.items()}
    listed: dict[str, list[str]] = {}
    readable: dict[str, list[str]] = {}
    with sessions() as s:
        for who, actor in world.actors.items():
            listed[who] = [names[p.id] for p in patients.patient_list(s, actor=actor)]
            readable[who] = []
            for name, record_id in world.records.items():
                try:
                    got = patients.patient_get(s, actor=actor, patient_id=record_id)
                except NotFound:
                    continue
                assert got.id == record_id
                readable[who].append(name)
            with pytest.raises(NotFound):
                patients.patient_get(s, actor=actor, patient_id="0" * 32)

    assert listed == EXPECTED
    assert {who: sorted(seen) for who, seen in readable.items()} == EXPECTED


def test_listing_one_clinic_never_widens_the_scope(sessions: Sessions, world: World) -> None:
    with sessions() as s:
        staff = world.actors["staff_north"]
        assert patients.patient_list(s, actor=staff, clinic_id=world.south) == []
        in_north = patients.patient_list(s, actor=staff, clinic_id=world.north)
        assert [p.id for p in in_north] == [world.records["north_1"], world.records["north_2"]]
        assert patients.patient_list(s, actor=world.actors["admin"], clinic_id=world.north) == []


def test_own_record_is_made_once(sessions: Sessions, world: World) -> None:
    with sessions.begin() as s:
        again = patients.patient_own(
            s, actor=world.actors["patient_a"], now=NOW + timedelta(hours=1)
        )
        assert again.id == world.records["own_a"]
        assert again.clinic_id is None
        assert again.person_id == world.actors["patient_a"].person_id
        assert again.created_at == NOW + timedelta(minutes=3)


def test_who_may_create_records_where(sessions: Sessions, world: World) -> None:
    def create(who: str, clinic_id: str, code: str) -> str:
        with sessions.begin() as s:
            return patients.patient_create(
                s,
                actor=world.actors[who],
                clinic_id=clinic_id,
                code=code,
                now=NOW + timedelta(minutes=10),
            ).id

    with pytest.raises(PermissionDenied):  # the monitor reads but does not write
        create("monitor_north", world.north, "M-1")
    for who in ("staff_south", "admin", "patient_a"):
        with pytest.raises(NotFound):  # another clinic: not even confirmed to exist
            create(who, world.north, "X-1")
    with pytest.raises(NotFound):
        create("staff_north", "0" * 32, "X-1")
    with pytest.raises(Conflict):  # study codes are unique within a clinic
        create("lead_north", world.north, "N-001")
    for who in ("admin", "staff_north"):  # no role that keeps an own record
        with pytest.raises(PermissionDenied), sessions.begin() as s:
            patients.patient_own(s, actor=world.actors[who], now=NOW)

    made = create("staff_north", world.north, "N-003")
    with sessions() as s:
        names = [p.id for p in patients.patient_list(s, actor=world.actors["monitor_north"])]
    assert names == [world.records["north_1"], world.records["north_2"], made]
