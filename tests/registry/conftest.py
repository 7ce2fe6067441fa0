"""Every registry test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hsct.registry import make_engine, make_session_factory, upgrade_database


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: an SQLite file whose folder does not exist yet, or a new PG database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'var' / 'hsct.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on ``database_url`` migrated to the newest schema; the engine is disposed after.

    Use ``with sessions.begin() as s:`` for one transaction (committed unless it raises).
    """
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
