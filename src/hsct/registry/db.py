"""Engine and session factory, built from settings on request (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from hsct.common.errors import FieldError, InvalidInput


def parse_database_url(url: str) -> URL:
    """Parse a database URL, or say which setting is wrong and what it should look like."""
    try:
        return make_url(url)
    except ArgumentError:
        raise InvalidInput(
            [
                FieldError(
                    "HSCT_DATABASE_URL",
                    f"{url!r} is not a database URL",
                    "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/db",
                )
            ]
        ) from None


def display_url(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    parsed = parse_database_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def make_engine(database_url: str, **engine_options: Any) -> Engine:
    """Create the SQLAlchemy engine for ``database_url``.

    SQLite gets foreign-key enforcement switched on for every connection and may be
    used from the web server's worker threads.
    """
    url = parse_database_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine_options.setdefault("connect_args", {"check_same_thread": False})
    engine = create_engine(url, **engine_options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


#: Per-connection SQLite settings. WAL lets readers go on while one writer writes;
#: ``synchronous=FULL`` keeps every committed transaction through a power loss, not only
#: through a crash of the program (dossier/registry-security.md section 5); a writer waits
#: up to 5 s for another one instead of failing at once.
SQLITE_PRAGMAS: Final = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit; the caller owns the transaction."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def database_answers(engine: Engine) -> None:
    """Run ``SELECT 1``; raises whatever the driver raises when the database does not answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session and one transaction: committed if the block succeeds, rolled back if not.

    This is the only place a unit of work is committed; services add and flush, never commit.
    The session is closed either way.
    """
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
