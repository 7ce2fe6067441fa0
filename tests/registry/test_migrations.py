"""Migrations build the same schema on SQLite and PostgreSQL, and match the tables in code."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hsct.registry import (
    DatabaseUnavailableError,
    current_revision,
    downgrade_database,
    head_revision,
    make_engine,
    upgrade_database,
)
from hsct.registry.tables import POSTGRES_READ_COLUMNS, Base


def test_upgrade_creates_every_table_at_head(database_url: str) -> None:
    """An empty database is brought to the newest revision with every table in place."""
    status = upgrade_database(database_url)

    assert status.up_to_date
    assert status.current == head_revision()
    engine = make_engine(database_url)
    try:
        assert {"alembic_version", *Base.metadata.tables} == set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_tables_in_code(database_url: str) -> None:
    """Autogenerate finds nothing to do: no table change was left without a migration."""
    upgrade_database(database_url)

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            columns = {c["name"] for c in inspect(connection).get_columns("record_entry")}
    finally:
        engine.dispose()

    # PostgreSQL's generated read columns (migration 0005) are the only columns the tables
    # in code leave out, and only there.
    postgres = database_url.startswith("postgresql")
    expected = [
        ("remove_column", None, "record_entry", name) for name in POSTGRES_READ_COLUMNS if postgres
    ]
    found = [(d[0], d[1], d[2], d[3].name) if d[0] == "remove_column" else d for d in differences]
    assert sorted(found, key=str) == sorted(expected, key=str)
    assert (columns & set(POSTGRES_READ_COLUMNS)) == (
        set(POSTGRES_READ_COLUMNS) if postgres else set()
    )


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    """A second `hsct db upgrade` (a second `make run`) reuses what exists."""
    first = upgrade_database(database_url)
    second = upgrade_database(database_url)

    assert first == second


def test_downgrade_to_base_and_back(database_url: str) -> None:
    """Every migration can be undone and redone."""
    upgrade_database(database_url)
    down = downgrade_database(database_url, "base")
    engine = make_engine(database_url)
    try:
        assert down.current is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        up = upgrade_database(database_url)
        assert up.current == current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    """The SQLite file's folder (``var/``) is created on first upgrade."""
    upgrade_database(f"sqlite:///{tmp_path / 'nested' / 'var' / 'hsct.sqlite3'}")

    assert (tmp_path / "nested" / "var" / "hsct.sqlite3").is_file()


def test_unreachable_database_gives_one_clear_message() -> None:
    """A database that cannot be reached names the URL (without the password) and the reason."""
    url = "postgresql+psycopg://someone:secret@127.0.0.1:1/hsct"

    with pytest.raises(DatabaseUnavailableError) as caught:
        upgrade_database(url)

    message = str(caught.value)
    assert message.startswith("could not migrate the database at postgresql+psycopg://someone:***@")
    assert "secret" not in message
    assert "\n" not in message
