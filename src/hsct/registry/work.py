"""One unit of work on a database named by URL, for the command line.

The database must exist and be at the code's newest schema; otherwise the error says
what to run. Any database fault becomes :class:`DatabaseUnavailableError` with the
driver's reason, never a raw SQLAlchemy exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hsct.registry.db import display_url, make_engine, make_session_factory, session_scope
from hsct.registry.migrate import DatabaseUnavailableError, current_revision, head_revision


@contextmanager
def unit_of_work(database_url: str) -> Iterator[Session]:
    """A session whose transaction commits when the block ends without an error.

    Raises
    ------
    DatabaseUnavailableError
        When the database cannot be reached, is empty or not at the newest revision.
    """
    engine = make_engine(database_url, poolclass=NullPool)
    shown = display_url(database_url)
    try:
        try:
            revision = current_revision(engine)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"could not open the database at {shown}: {_reason(exc)}"
            ) from exc
        if revision != head_revision():
            raise DatabaseUnavailableError(
                f"the database at {shown} is at revision {revision or 'none'}, not "
                f"{head_revision()}: run `hsct db upgrade` first"
            )
        try:
            with session_scope(make_session_factory(engine)) as session:
                yield session
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"the database at {shown} refused the change: {_reason(exc)}"
            ) from exc
    finally:
        engine.dispose()


def _reason(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
