"""Shared request dependencies: the catalog, the settings, one database transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hsct.common.errors import Conflict
from hsct.common.settings import Settings
from hsct.registry import (
    audit_event_list,
    audit_event_record,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from hsct.web import create_app
from hsct.web.deps import CatalogDep, DbSession, SettingsDep


def _app_with_test_routes(settings: Settings) -> FastAPI:
    """The real app plus routes that write an audit event, then succeed or fail."""
    app = create_app(settings)

    @app.post("/__test__/record/{action}")
    def record(action: str, db: DbSession) -> dict[str, Any]:
        event = audit_event_record(db, action=action, entity_type="deps-test")
        return {"id": event.id}

    @app.post("/__test__/record-then-conflict/{action}")
    def record_then_conflict(action: str, db: DbSession) -> None:
        audit_event_record(db, action=action, entity_type="deps-test")
        raise Conflict("deliberate conflict after writing")

    @app.post("/__test__/record-then-crash/{action}")
    def record_then_crash(action: str, db: DbSession) -> None:
        audit_event_record(db, action=action, entity_type="deps-test")
        raise RuntimeError("deliberate failure after writing")

    @app.get("/__test__/state")
    def state(catalog: CatalogDep, settings: SettingsDep) -> dict[str, Any]:
        return {
            "same_catalog": catalog is app.state.catalog,
            "database_url": settings.database_url,
        }

    return app


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    """Settings whose SQLite database is at the newest schema (it has the audit table)."""
    upgrade_database(settings.database_url)
    return settings


@pytest.fixture
def test_client(migrated: Settings) -> Iterator[TestClient]:
    """A client that answers crashes with the 500 page instead of raising them."""
    with TestClient(_app_with_test_routes(migrated), raise_server_exceptions=False) as client:
        yield client


def _recorded_actions(settings: Settings) -> list[str]:
    """What a separate session sees in the audit table: only committed events."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return [e.action for e in audit_event_list(session, entity_type="deps-test")]
    finally:
        engine.dispose()


def test_the_request_commits_when_the_handler_succeeds(
    test_client: TestClient, migrated: Settings
) -> None:
    """The service only adds and flushes; the request's transaction makes it permanent."""
    response = test_client.post("/__test__/record/kept")

    assert response.status_code == 200
    assert isinstance(response.json()["id"], int)
    assert _recorded_actions(migrated) == ["kept"]


def test_the_request_rolls_back_when_the_handler_raises_a_core_error(
    test_client: TestClient, migrated: Settings
) -> None:
    """A Conflict after writing answers 409 and leaves nothing behind."""
    response = test_client.post("/__test__/record-then-conflict/discarded")

    assert response.status_code == 409
    assert _recorded_actions(migrated) == []


def test_the_request_rolls_back_when_the_handler_crashes(
    test_client: TestClient, migrated: Settings
) -> None:
    """An unexpected error after writing answers 500 and leaves nothing behind."""
    assert test_client.post("/__test__/record/first").status_code == 200
    response = test_client.post("/__test__/record-then-crash/discarded")
    assert test_client.post("/__test__/record/last").status_code == 200

    assert response.status_code == 500
    assert _recorded_actions(migrated) == ["first", "last"]


def test_catalog_and_settings_come_from_the_app(
    test_client: TestClient, migrated: Settings
) -> None:
    """Both are the ones the app was built with, not rebuilt per request."""
    response = test_client.get("/__test__/state")

    assert response.json() == {"same_catalog": True, "database_url": migrated.database_url}
