"""Schema migrations (Alembic), run programmatically: ``hsct db upgrade``.

The same revisions run on SQLite (in batch "move and copy" mode, since SQLite has
almost no ALTER TABLE) and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hsct.common.errors import HsctError
from hsct.registry.db import display_url, make_engine, parse_database_url, sqlite_file

SCRIPT_LOCATION = "hsct.registry:migrations"


class DatabaseUnavailableError(HsctError):
    """The database could not be opened or migrated; the message says which and why."""


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Where a database stands relative to the code's migrations."""

    url: str
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """True when the database is at the newest revision."""
        return self.current == self.head


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The newest revision in the code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a first migration
        raise HsctError("no migrations found in the package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(database_url: str, revision: str = "head") -> MigrationStatus:
    """Create the database if needed and bring it to ``revision``.

    For SQLite the folder holding the file is created first.

    Raises
    ------
    DatabaseUnavailableError
        When the database cannot be reached or a migration fails.
    """
    return _migrate(database_url, revision, upgrade=True)


def downgrade_database(database_url: str, revision: str) -> MigrationStatus:
    """Take the database back to ``revision`` (``base`` removes every table)."""
    return _migrate(database_url, revision, upgrade=False)


def _migrate(database_url: str, revision: str, *, upgrade: bool) -> MigrationStatus:
    url = parse_database_url(database_url)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if upgrade:
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
        return MigrationStatus(
            url=display_url(url), current=current_revision(engine), head=head_revision()
        )
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # DBAPI errors carry the driver's own message
        reason = str(cause).strip().splitlines()[0]
        raise DatabaseUnavailableError(
            f"could not migrate the database at {display_url(url)}: {reason}"
        ) from exc
    finally:
        engine.dispose()
