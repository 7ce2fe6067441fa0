"""The database named by ``HSCT_DATABASE_URL``, checked before use: one named error per fault.

The CLI may not import SQLAlchemy or Alembic (import-linter), so their exceptions are
recognised by package and class name (:func:`raised_by`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

from hsct.cli.files import os_reason, shown
from hsct.common.errors import FieldError, InvalidInput, excerpt

if TYPE_CHECKING:
    from hsct.registry import MigrationStatus

FIELD: Final = "HSCT_DATABASE_URL"
URL_FORMS: Final = "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/db"
DRIVERS: Final = "sqlite or postgresql+psycopg"
#: Seconds to wait for a PostgreSQL server to answer (``PGCONNECT_TIMEOUT`` overrides).
CONNECT_TIMEOUT_S: Final = 10
_PASSWORD: Final = re.compile(r"(://[^:/@]*:)[^/]*@")


def redacted(url: str) -> str:
    """The URL with any password hidden, even when the URL does not parse.

    >>> redacted("postgresql+psycopg://u:secret@host:port/db")
    'postgresql+psycopg://u:***@host:port/db'
    """
    return _PASSWORD.sub(r"\1***@", url)


def raised_by(exc: BaseException, package: str, name: str) -> bool:
    """True when ``exc`` is (a subclass of) the class ``name`` defined in ``package``."""
    return any(
        cls.__name__ == name and cls.__module__.partition(".")[0] == package
        for cls in type(exc).__mro__
    )


def upgrade(url: str, revision: str) -> MigrationStatus:
    """``hsct db upgrade``: check the URL and the SQLite folder, then migrate to ``revision``.

    Raises
    ------
    InvalidInput
        For a bad URL or folder (see :func:`check_database_url`, :func:`prepare_sqlite_folder`)
        and under ``REVISION`` for a revision that does not exist or cannot be reached.
    DatabaseUnavailableError
        When the database cannot be reached or a migration fails.
    """
    from hsct.registry import head_revision, upgrade_database  # noqa: PLC0415

    check_database_url(url)
    prepare_sqlite_folder(url)
    # libpq waits for ever on a server that accepts and never answers; a person can override.
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_S))
    try:
        return upgrade_database(url, revision)
    except Exception as exc:
        if not raised_by(exc, "alembic", "CommandError"):
            raise
        allowed = f"head, base or a revision such as {head_revision()}"
        if "Can't locate revision" in str(exc):
            message = f"unknown revision {excerpt(revision)}"
        else:
            message = f"cannot upgrade to {excerpt(revision)}: {' '.join(str(exc).split())[:80]}"
        raise InvalidInput([FieldError("REVISION", message, allowed)]) from None


def check_database_url(url: str) -> None:
    """Parse the URL and load its driver, without connecting.

    Raises
    ------
    InvalidInput
        Under ``HSCT_DATABASE_URL``: not a URL, an unknown driver, a driver that is not
        installed. Passwords are never shown.
    """
    from hsct.registry import make_engine  # noqa: PLC0415 - keeps other commands fast

    scheme = excerpt(url.partition("://")[0] if "://" in url else url.partition(":")[0])
    not_a_url = InvalidInput(
        [FieldError(FIELD, f"{excerpt(redacted(url))} is not a database URL", URL_FORMS)]
    )
    try:
        engine = make_engine(url)
    except InvalidInput:  # said again without echoing a long URL or its password
        raise not_a_url from None
    except ImportError:
        raise InvalidInput(
            [FieldError(FIELD, f"the driver for {scheme} is not installed", DRIVERS)]
        ) from None
    except ValueError:  # e.g. a port that is not a number
        raise not_a_url from None
    except Exception as exc:
        if raised_by(exc, "sqlalchemy", "NoSuchModuleError"):
            raise InvalidInput(
                [FieldError(FIELD, f"unknown database driver {scheme}", DRIVERS)]
            ) from None
        if raised_by(exc, "sqlalchemy", "ArgumentError"):
            raise not_a_url from None
        raise
    engine.dispose()


def prepare_sqlite_folder(url: str) -> None:
    """Create the folder of an SQLite file (``var/`` by default), or say why it cannot be.

    Raises
    ------
    InvalidInput
        Under ``HSCT_DATABASE_URL``: the folder is a file, cannot be created, or cannot be
        written; the SQLite file is a folder.
    """
    from hsct.registry.db import parse_database_url, sqlite_file  # noqa: PLC0415

    path = sqlite_file(parse_database_url(url))
    if path is None:
        return
    folder = path.parent
    allowed = "a writable folder; or set HSCT_DATABASE_URL to another file"
    reason = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        reason = "is a file, not a folder"
    except OSError as exc:
        reason = f"cannot be created: {os_reason(exc)}"
    else:
        if path.is_dir():
            raise InvalidInput(
                [FieldError(FIELD, f"the SQLite file {shown(path)} is a folder", allowed)]
            )
        if not _writable(folder, path):
            reason = "cannot be written"
    if reason is not None:
        raise InvalidInput(
            [FieldError(FIELD, f"the folder {shown(folder)} for the SQLite file {reason}", allowed)]
        )


def _writable(folder: Path, path: Path) -> bool:
    if path.exists():
        return os.access(path, os.R_OK | os.W_OK)
    return os.access(folder, os.W_OK | os.X_OK)
