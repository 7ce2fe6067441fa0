"""Every registry test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest


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
