"""Backups with a manifest, verified restores, and the audit-chain check of a whole database.

A backup is one zip file holding ``manifest.json`` and the database: ``database.sqlite3``
(SQLite, a consistent copy made by ``VACUUM INTO`` that passes ``PRAGMA integrity_check``)
or ``database.pgdump`` (PostgreSQL, ``pg_dump -Fc`` inside the snapshot the manifest was
read from). The manifest records the format, the app version, the backend, the schema
revision, the time, the SHA-256 of the database member and the head of the audit chain.
It is written to a temporary file beside the target, made private (mode 600, it holds
health data) and moved into place in one step.

A restore refuses a file that is not a backup, a damaged one (the SHA-256 does not match),
a schema revision this code does not know (a newer version made it), another backend, or
an SQLite copy that fails ``integrity_check``. It keeps a safety copy of the current
database first, then swaps: SQLite by renaming the checked copy over the file and
removing stale ``-wal``/``-shm``/``-journal`` files; PostgreSQL by one transaction (psql)
that drops the current tables and replays ``pg_restore``'s script, so a failed restore
leaves the database as it was. A backup older than the code is then upgraded.

The SHA-256 detects damage, not forgery: whoever can write the file can rewrite both.
Restore only backups you made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hsct import __version__
from hsct.common.errors import HsctError
from hsct.registry.audit import ChainHead, ChainReport, audit_chain_verify
from hsct.registry.db import display_url, make_engine, parse_database_url, sqlite_file
from hsct.registry.migrate import (
    DatabaseUnavailableError,
    alembic_config,
    head_revision,
    upgrade_database,
)

#: What ``manifest.json`` says it is, and the one layout this code writes and reads.
FORMAT: Final = "hsct-navigator-backup"
FORMAT_VERSION: Final = 1
MANIFEST_MEMBER: Final = "manifest.json"
#: The database member, by backend.
MEMBERS: Final = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: Backups, safety copies and temporary copies hold health data: owner only.
PRIVATE: Final = 0o600
_CHUNK: Final = 1 << 20
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_MANIFEST_MAX_BYTES: Final = 64 * 1024
#: Files SQLite keeps beside a database; stale ones would be replayed into a restored file.
_SIDE_FILES: Final = ("-wal", "-shm", "-journal")
#: libpq settings a database URL may carry in its query string, and their variables.
_LIBPQ_QUERY: Final = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(HsctError):
    """A backup or restore could not be made; the message says what failed and why."""


class BackupRefusedError(BackupError):
    """A restore (or an overwrite) was refused before anything was changed."""


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What ``manifest.json`` records about the database inside a backup."""

    backend: str
    #: The schema (Alembic) revision of the backed-up database.
    revision: str
    #: The newest revision of the code that made the backup.
    code_head: str
    app_version: str
    created_at: datetime
    sha256: str
    size: int
    #: The audit chain of the backed-up database, verified when the backup was made.
    audit: ChainReport
    format_version: int = FORMAT_VERSION

    @property
    def member(self) -> str:
        """The name of the database inside the zip file."""
        return MEMBERS[self.backend]

    def to_json(self) -> str:
        """The manifest as ``manifest.json`` holds it."""
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": self.format_version,
                "app_version": self.app_version,
                "created_at": self.created_at.astimezone(UTC).isoformat(),
                "backend": self.backend,
                "migration": {"revision": self.revision, "code_head": self.code_head},
                "database": {"member": self.member, "sha256": self.sha256, "bytes": self.size},
                "audit": {
                    "events": self.audit.events,
                    "head_seq": self.audit.head.seq,
                    "head_hash": self.audit.head.row_hash,
                    "intact": self.audit.intact,
                    "first_bad_seq": self.audit.first_bad_seq,
                    "problem": self.audit.problem,
                },
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, data: str | bytes, *, name: str = "the backup") -> BackupManifest:
        """Parse ``manifest.json``.

        Raises
        ------
        BackupRefusedError
            When it is not JSON, is not our format, was made by a newer format version, or
            a field is missing or of the wrong type.
        """
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise BackupRefusedError(f"{name} has a manifest that is not valid JSON") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupRefusedError(f"{name} is not an HSCT Navigator backup")
        version = raw.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BackupRefusedError(f"{name} has no valid format_version in its manifest")
        if version > FORMAT_VERSION:
            raise BackupRefusedError(
                f"{name} is in backup format {version}, newer than this version of HSCT "
                f"Navigator ({__version__}) reads ({FORMAT_VERSION}): upgrade HSCT Navigator"
            )
        fields = _Fields(raw, name)
        backend = fields.text("backend")
        if backend not in MEMBERS:
            raise BackupRefusedError(f"{name} holds an unknown kind of database {backend!r}")
        if fields.text("database", "member") != MEMBERS[backend]:
            raise BackupRefusedError(f"{name} names an unexpected database member")
        sha256 = fields.text("database", "sha256")
        head_hash = fields.text("audit", "head_hash")
        if not (_HEX64.fullmatch(sha256) and _HEX64.fullmatch(head_hash)):
            raise BackupRefusedError(f"{name} has a malformed hash in its manifest")
        created = fields.text("created_at")
        try:
            created_at = datetime.fromisoformat(created)
        except ValueError:
            created_at = None
        if created_at is None or created_at.tzinfo is None:
            raise BackupRefusedError(f"{name} has no valid created_at in its manifest")
        audit = ChainReport(
            events=fields.number("audit", "events"),
            head=ChainHead(fields.number("audit", "head_seq"), head_hash),
            first_bad_seq=fields.number("audit", "first_bad_seq", optional=True),
            problem=fields.text("audit", "problem", optional=True),
        )
        return cls(
            backend=backend,
            revision=fields.text("migration", "revision"),
            code_head=fields.text("migration", "code_head"),
            app_version=fields.text("app_version"),
            created_at=created_at.astimezone(UTC),
            sha256=sha256,
            size=fields.number("database", "bytes"),
            audit=audit,
            format_version=version,
        )


class _Fields:
    """Typed reads from the parsed manifest, each refusing with the field's name."""

    def __init__(self, raw: dict[str, Any], name: str) -> None:
        self.raw = raw
        self.name = name

    def _get(self, path: tuple[str, ...]) -> object:
        value: object = self.raw
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _bad(self, path: tuple[str, ...]) -> BackupRefusedError:
        return BackupRefusedError(f"{self.name} has no valid {'.'.join(path)} in its manifest")

    def text(self, *path: str, optional: bool = False) -> Any:
        value = self._get(path)
        if isinstance(value, str) and value:
            return value
        if optional and value is None:
            return None
        raise self._bad(path)

    def number(self, *path: str, optional: bool = False) -> Any:
        value = self._get(path)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if optional and value is None:
            return None
        raise self._bad(path)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What :func:`database_restore` did."""

    manifest: BackupManifest
    #: A copy of the database as it was before the restore (None when there was none).
    safety_copy: Path | None
    #: The schema revision after the restore (and the upgrade, when there was one).
    revision: str | None
    #: The backup's revision when it was older than the code and was upgraded.
    upgraded_from: str | None
    #: The audit chain of the restored database.
    audit: ChainReport


# ------------------------------------------------------------------------------ backup


def database_backup(
    database_url: str, *, out: Path, now: datetime, overwrite: bool = False
) -> BackupManifest:
    """Write a verified backup of the database to ``out`` (one zip file, mode 600).

    Raises
    ------
    BackupRefusedError
        When ``out`` exists and ``overwrite`` is False.
    DatabaseUnavailableError
        When the database does not exist, cannot be reached, has no schema, or is at a
        revision this code does not know.
    BackupError
        When the copy fails its integrity check, ``pg_dump`` fails or ``out`` cannot be
        written.
    """
    _aware(now)
    if out.exists() and not overwrite:
        raise BackupRefusedError(f"{out} already exists; choose another file or overwrite it")
    url = parse_database_url(database_url)
    backend = _backend(url)
    folder = out.parent
    try:
        work_dir = tempfile.TemporaryDirectory(prefix=".hsct-backup-", dir=folder)
    except OSError as exc:
        raise BackupError(f"cannot write in {folder}: {_os_reason(exc)}") from None
    with work_dir as work:
        member = Path(work) / MEMBERS[backend]
        if backend == "sqlite":
            revision, audit = _sqlite_snapshot(url, member)
        else:
            revision, audit = _postgres_snapshot(database_url, url, member)
        manifest = BackupManifest(
            backend=backend,
            revision=revision,
            code_head=head_revision(),
            app_version=__version__,
            created_at=now.astimezone(UTC),
            sha256=_sha256(member),
            size=member.stat().st_size,
            audit=audit,
        )
        _write_archive(out, manifest, member, overwrite=overwrite)
    return manifest


def _sqlite_snapshot(url: URL, member: Path) -> tuple[str, ChainReport]:
    """``VACUUM INTO`` ``member``, check it, and read its revision and audit chain."""
    path = _existing_sqlite(url)
    try:
        with closing(sqlite3.connect(_sqlite_uri(path, "rw"), uri=True)) as connection:
            connection.execute("PRAGMA busy_timeout=5000")
            connection.execute("VACUUM INTO ?", (str(member),))
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy {display_url(url)}: {exc}") from None
    problem = _sqlite_integrity(member)
    if problem is not None:
        raise BackupError(
            f"the copy of {display_url(url)} fails its integrity check ({problem}); "
            "the database may be damaged"
        )
    return _sqlite_describe(member, display_url(url))


def _postgres_snapshot(database_url: str, url: URL, member: Path) -> tuple[str, ChainReport]:
    """``pg_dump -Fc`` inside the snapshot the revision and audit chain are read from."""
    tools = _pg_tools()
    engine = make_engine(database_url, poolclass=NullPool)
    shown = display_url(url)
    try:
        with engine.connect() as connection:
            reader = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with reader.begin():
                snapshot = reader.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                revision = _known_revision(
                    MigrationContext.configure(reader).get_current_revision(), shown
                )
                with Session(bind=reader) as session:
                    audit = audit_chain_verify(session)
                _run(
                    [
                        str(tools / "pg_dump"),
                        "--format=custom",
                        "--no-owner",
                        "--no-password",
                        f"--snapshot={snapshot}",
                        f"--file={member}",
                    ],
                    env=_libpq_environment(url),
                    what="pg_dump",
                )
    except SQLAlchemyError as exc:
        raise _unavailable(shown, exc) from exc
    finally:
        engine.dispose()
    member.chmod(PRIVATE)
    _run([str(tools / "pg_restore"), "--list", str(member)], env=None, what="pg_restore --list")
    return revision, audit


def _write_archive(out: Path, manifest: BackupManifest, member: Path, *, overwrite: bool) -> None:
    """The zip file, written beside ``out`` and renamed over it once complete and synced."""
    temporary = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
        with os.fdopen(descriptor, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                archive.writestr(MANIFEST_MEMBER, manifest.to_json())
                archive.write(member, manifest.member)
            handle.flush()
            os.fsync(handle.fileno())
        if out.exists() and not overwrite:
            raise BackupRefusedError(f"{out} already exists; choose another file or overwrite it")
        temporary.replace(out)
        _sync_folder(out.parent)
    except OSError as exc:
        raise BackupError(f"cannot write {out}: {_os_reason(exc)}") from None
    finally:
        temporary.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ restore


def backup_manifest_read(source: Path) -> BackupManifest:
    """The manifest of the backup in ``source`` (nothing else is read or checked).

    Raises
    ------
    BackupRefusedError
        When ``source`` is not a backup this code can read.
    BackupError
        When it cannot be read.
    """
    with _archive(source) as archive:
        return _manifest(archive, source)


def database_restore(database_url: str, *, source: Path, now: datetime) -> RestoreResult:
    """Replace the database with the backup in ``source``, keeping a safety copy.

    Raises
    ------
    BackupRefusedError
        Before anything is changed: not a backup, damaged (SHA-256), a schema revision
        this code does not know, another backend, or an SQLite copy that fails its
        integrity check.
    BackupError
        When the safety copy or the swap fails (the database is left as it was), or the
        PostgreSQL tools are missing.
    DatabaseUnavailableError
        When the database cannot be reached, or the upgrade after the restore fails.
    """
    _aware(now)
    url = parse_database_url(database_url)
    backend = _backend(url)
    with _archive(source) as archive:
        manifest = _manifest(archive, source)
        if manifest.backend != backend:
            raise BackupRefusedError(
                f"{source} is a backup of a {_BACKENDS[manifest.backend]} database and cannot "
                f"be restored into {_BACKENDS[backend]} ({display_url(url)})"
            )
        _known_revision(manifest.revision, str(source))
        if backend == "sqlite":
            safety = _restore_sqlite(url, archive, manifest, source, now)
        else:
            safety = _restore_postgres(
                database_url, url, archive, manifest=manifest, source=source, now=now
            )
    return _after_restore(database_url, manifest, safety)


_BACKENDS: Final = {"sqlite": "an SQLite", "postgresql": "a PostgreSQL"}


def _restore_sqlite(
    url: URL, archive: zipfile.ZipFile, manifest: BackupManifest, source: Path, now: datetime
) -> Path | None:
    """Check the copy beside the target, keep a safety copy, then rename it into place."""
    target = sqlite_file(url)
    if target is None:
        raise BackupError("cannot restore into an in-memory SQLite database")
    target = target.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {target.parent}: {_os_reason(exc)}") from None
    temporary = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}.tmp")
    try:
        _extract(archive, manifest, source, temporary)
        problem = _sqlite_integrity(temporary)
        if problem is not None:
            raise BackupRefusedError(
                f"the database in {source} fails its integrity check: {problem}"
            )
        revision, audit = _sqlite_describe(temporary, str(source))
        if revision != manifest.revision or audit.head != manifest.audit.head:
            raise BackupRefusedError(
                f"the database in {source} does not match its manifest (revision or audit head)"
            )
        safety = None
        if target.exists():
            _same_owner_and_mode(target, temporary)
            safety = _sqlite_safety_copy(target, now)
        try:
            _remove_side_files(target)
            temporary.replace(target)
            _remove_side_files(target)
            _sync_folder(target.parent)
        except OSError as exc:
            raise BackupError(f"cannot replace {target}: {_os_reason(exc)}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return safety


def _restore_postgres(
    database_url: str,
    url: URL,
    archive: zipfile.ZipFile,
    *,
    manifest: BackupManifest,
    source: Path,
    now: datetime,
) -> Path:
    """Safety ``pg_dump``, then drop and replay in one psql transaction."""
    tools = _pg_tools()
    _check_reachable(database_url, url)
    environment = _libpq_environment(url)
    with tempfile.TemporaryDirectory(prefix="hsct-restore-") as work:
        dump = Path(work) / manifest.member
        _extract(archive, manifest, source, dump)
        _run([str(tools / "pg_restore"), "--list", str(dump)], env=None, what="pg_restore --list")
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", url.database or "database")
        safety = _free_name(
            source.resolve().parent, f"{name}.before-restore-{_stamp(now)}", ".pgdump"
        )
        try:
            with _private_file(safety):  # pg_dump writes into it and keeps the mode
                pass
        except OSError as exc:
            raise BackupError(f"cannot write the safety copy {safety}: {_os_reason(exc)}") from None
        try:
            _run(
                [
                    str(tools / "pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-password",
                    f"--file={safety}",
                ],
                env=environment,
                what="pg_dump (safety copy)",
            )
        except BaseException:
            safety.unlink(missing_ok=True)
            raise
        _replay(tools, dump, environment, _matches_manifest(manifest))
    return safety


#: Run first in the restore transaction: drops every table, view, sequence, routine, enum
#: and domain of the current schema that no extension owns, so tables of a newer schema
#: than the backup's do not survive the restore.
_DROP_CURRENT_SCHEMA: Final = """\
SET client_min_messages = warning;
BEGIN;
DO $hsct$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT c.relname AS name,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace = pg_catalog.current_schema()::regnamespace
       AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE', item.kind, current_schema(), item.name);
  END LOOP;
  FOR item IN
    SELECT p.oid::regprocedure::text AS signature
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = pg_catalog.current_schema()::regnamespace
       AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE 'DROP ROUTINE IF EXISTS ' || item.signature || ' CASCADE';
  END LOOP;
  FOR item IN
    SELECT t.typname AS name, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
      FROM pg_catalog.pg_type t
     WHERE t.typnamespace = pg_catalog.current_schema()::regnamespace
       AND t.typtype IN ('e', 'd')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE', item.kind, current_schema(), item.name);
  END LOOP;
END
$hsct$;
"""


def _matches_manifest(manifest: BackupManifest) -> str:
    """SQL, run before COMMIT, that fails when the restored revision or audit head is not the
    manifest's (both values are checked: a known revision id and a hex hash)."""
    head = manifest.audit.head
    return f"""\
RESET search_path;
DO $hsct$
BEGIN
  IF (SELECT version_num FROM alembic_version) IS DISTINCT FROM '{manifest.revision}'
     OR COALESCE((SELECT seq FROM audit_head WHERE id = 1), 0) <> {head.seq}
     OR COALESCE((SELECT row_hash FROM audit_head WHERE id = 1), '{"0" * 64}')
        <> '{head.row_hash}'
  THEN
    RAISE EXCEPTION 'the restored database does not match the manifest of the backup';
  END IF;
END
$hsct$;
COMMIT;
"""  # noqa: S608 - the values are a known revision id, an integer and a checked hex hash


def _replay(tools: Path, dump: Path, environment: dict[str, str], finish: str) -> None:
    """Feed psql the drop above, ``pg_restore``'s script and ``finish``, as one transaction.

    ``finish`` (checks, then COMMIT) is sent only when ``pg_restore`` wrote its whole script;
    psql stops at the first error (``ON_ERROR_STOP``), and a session that ends inside a
    transaction rolls it back.
    """
    with tempfile.TemporaryFile() as psql_errors, tempfile.TemporaryFile() as script_errors:
        psql = subprocess.Popen(  # noqa: S603 - our own arguments, the tool found by _pg_tools
            [
                str(tools / "psql"),
                "--no-psqlrc",
                "--no-password",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=environment,
        )
        script = subprocess.Popen(  # noqa: S603 - as above
            [
                str(tools / "pg_restore"),
                "--file=-",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                str(dump),
            ],
            stdout=subprocess.PIPE,
            stderr=script_errors,
        )
        stdin, stdout = psql.stdin, script.stdout
        if stdin is None or stdout is None:  # pragma: no cover - both are pipes
            raise BackupError("could not connect pg_restore to psql")
        try:
            with contextlib.suppress(BrokenPipeError):  # psql stopped at an error
                stdin.write(_DROP_CURRENT_SCHEMA.encode("utf-8"))
                shutil.copyfileobj(stdout, stdin, _CHUNK)
                if script.wait() == 0:
                    stdin.write(finish.encode("utf-8"))
        finally:
            stdout.close()
            with contextlib.suppress(BrokenPipeError):
                stdin.close()
            script.wait()
            psql.wait()
        for process, errors, what in (
            (psql, psql_errors, "psql"),
            (script, script_errors, "pg_restore"),
        ):
            if process.returncode != 0:
                raise BackupError(
                    f"the restore failed and was rolled back; {what} said: {_first_line(errors)}"
                )


def _after_restore(
    database_url: str, manifest: BackupManifest, safety: Path | None
) -> RestoreResult:
    """Upgrade an older backup to the code's schema and verify the restored audit chain."""
    upgraded_from = None
    if manifest.revision != head_revision():
        upgrade_database(database_url)
        upgraded_from = manifest.revision
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            with Session(bind=connection) as session:
                audit = audit_chain_verify(session)
    except SQLAlchemyError as exc:
        raise _unavailable(display_url(database_url), exc) from exc
    finally:
        engine.dispose()
    return RestoreResult(
        manifest=manifest,
        safety_copy=safety,
        revision=revision,
        upgraded_from=upgraded_from,
        audit=audit,
    )


@contextmanager
def _archive(source: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise BackupRefusedError(f"{source} is not an HSCT Navigator backup") from None
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {_os_reason(exc)}") from None
    with archive:
        yield archive


def _manifest(archive: zipfile.ZipFile, source: Path) -> BackupManifest:
    try:
        info = archive.getinfo(MANIFEST_MEMBER)
    except KeyError:
        raise BackupRefusedError(f"{source} is not an HSCT Navigator backup") from None
    if info.file_size > _MANIFEST_MAX_BYTES:
        raise BackupRefusedError(f"{source} has a manifest that is too large")
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise BackupRefusedError(f"{source} is damaged (its manifest cannot be read)") from None
    return BackupManifest.from_json(data, name=str(source))


def _extract(archive: zipfile.ZipFile, manifest: BackupManifest, source: Path, dest: Path) -> None:
    """Copy the database member to a new private file, checking its SHA-256 on the way."""
    digest = hashlib.sha256()
    try:
        with archive.open(manifest.member) as member, _private_file(dest) as out:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except KeyError:
        raise BackupRefusedError(f"{source} holds no {manifest.member}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise BackupRefusedError(f"{source} is damaged: its database cannot be read") from None
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {_os_reason(exc)}") from None
    if digest.hexdigest() != manifest.sha256:
        raise BackupRefusedError(
            f"{source} is damaged or was changed: the SHA-256 of its database does not match "
            "the manifest"
        )


def _sqlite_safety_copy(target: Path, now: datetime) -> Path:
    """A complete copy of the current file (with what its WAL holds), as one private file.

    A file SQLite cannot read is copied byte for byte instead, with its WAL beside it.
    """
    stem = target.name.removesuffix(target.suffix) or target.name
    copy = _free_name(target.parent, f"{stem}.before-restore-{_stamp(now)}", ".sqlite3")
    try:
        with _private_file(copy):
            pass
        try:
            with (
                closing(sqlite3.connect(_sqlite_uri(target, "rw"), uri=True)) as current,
                closing(sqlite3.connect(copy)) as safety,
            ):
                current.execute("PRAGMA busy_timeout=5000")
                current.backup(safety)
                safety.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except sqlite3.Error:
            shutil.copyfile(target, copy)
            wal = Path(f"{target}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{copy}-wal"))
        _sync_folder(copy.parent)
    except OSError as exc:
        copy.unlink(missing_ok=True)
        raise BackupError(f"cannot write the safety copy {copy}: {_os_reason(exc)}") from None
    return copy


# ------------------------------------------------------------------------------ audit


def database_audit_verify(database_url: str) -> ChainReport:
    """Recompute the audit chain of the database at ``database_url``.

    Raises
    ------
    DatabaseUnavailableError
        When the database does not exist (it is never created here), cannot be reached,
        has no schema, or is at a revision this code does not know.
    """
    url = parse_database_url(database_url)
    shown = display_url(url)
    if url.get_backend_name() == "sqlite":
        _existing_sqlite(url)
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _known_revision(MigrationContext.configure(connection).get_current_revision(), shown)
            with Session(bind=connection) as session:
                return audit_chain_verify(session)
    except SQLAlchemyError as exc:
        raise _unavailable(shown, exc) from exc
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------ helpers


def _aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in MEMBERS:
        raise BackupError(
            f"backups are made of SQLite and PostgreSQL databases, not {backend} "
            f"({display_url(url)})"
        )
    return backend


def _known_revision(revision: str | None, where: str) -> str:
    """``revision``, or a refusal when it is empty or unknown to this code."""
    if revision is None:
        raise DatabaseUnavailableError(
            f"{where} has no registry tables (no schema revision); run `hsct db upgrade` first"
        )
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {step.revision for step in script.walk_revisions()}:
        raise BackupRefusedError(
            f"{where} is at schema revision {revision!r}, which this version of HSCT Navigator "
            f"({__version__}, newest revision {head_revision()}) does not know: a newer "
            "version wrote it; upgrade HSCT Navigator first"
        )
    return revision


def _existing_sqlite(url: URL) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError("an in-memory SQLite database cannot be backed up or checked")
    if not path.is_file():
        raise DatabaseUnavailableError(
            f"there is no database at {display_url(url)}; run `hsct db upgrade` to create one"
        )
    return path.resolve()


def _sqlite_uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _sqlite_integrity(path: Path) -> str | None:
    """None when ``PRAGMA integrity_check`` says ok, else its first finding."""
    try:
        with closing(sqlite3.connect(_sqlite_uri(path, "ro"), uri=True)) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    if rows == [("ok",)]:
        return None
    return str(rows[0][0]) if rows else "no answer"


def _sqlite_describe(path: Path, where: str) -> tuple[str, ChainReport]:
    """The revision and audit chain of an SQLite file, read without changing a byte."""
    uri = _sqlite_uri(path, "ro")
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            revision = _known_revision(
                MigrationContext.configure(connection).get_current_revision(), where
            )
            with Session(bind=connection) as session:
                return revision, audit_chain_verify(session)
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot read the copy of {where}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


def _check_reachable(database_url: str, url: URL) -> None:
    engine = make_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError as exc:
        raise _unavailable(display_url(url), exc) from exc
    finally:
        engine.dispose()


def _pg_tools() -> Path:
    """The folder holding ``pg_dump``, ``pg_restore`` and ``psql`` of one version.

    The one on PATH first, else the newest under Debian's ``/usr/lib/postgresql``.
    """
    names = ("pg_dump", "pg_restore", "psql")
    on_path = shutil.which("pg_dump")
    candidates = [Path(on_path).parent] if on_path else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in names):
            return folder
    raise BackupError(
        "pg_dump, pg_restore and psql were not found; install the PostgreSQL client "
        "(Debian: postgresql-client) or put them on PATH"
    )


def _libpq_environment(url: URL) -> dict[str, str]:
    """The environment for the PostgreSQL tools: the connection, never on the command line."""
    environment = dict(os.environ)
    given = {
        "PGHOST": url.host,
        "PGPORT": None if url.port is None else str(url.port),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        variable = _LIBPQ_QUERY.get(key)
        if variable is None:
            raise BackupError(f"the database URL option {key!r} is not supported by backups")
        given[variable] = value if isinstance(value, str) else value[-1]
    environment.update({name: value for name, value in given.items() if value})
    return environment


def _run(command: list[str], *, env: Mapping[str, str] | None, what: str) -> None:
    try:
        subprocess.run(  # noqa: S603 - our own arguments, the tool found by _pg_tools
            command, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL
        )
    except subprocess.CalledProcessError as exc:
        said = " ".join(exc.stderr.decode("utf-8", "replace").split())[:300] or "nothing"
        raise BackupError(f"{what} failed (exit {exc.returncode}): {said}") from None
    except OSError as exc:
        raise BackupError(f"cannot run {what}: {_os_reason(exc)}") from None


@contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    with os.fdopen(descriptor, "wb") as handle:
        yield handle


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def _same_owner_and_mode(model: Path, path: Path) -> None:
    """Give ``path`` the permissions (and, where allowed, the owner) of ``model``.

    A restore run as root must not leave the database unwritable by the server's user.
    """
    status = model.stat()
    path.chmod(stat.S_IMODE(status.st_mode))
    with contextlib.suppress(PermissionError):
        os.chown(path, status.st_uid, status.st_gid)


def _remove_side_files(target: Path) -> None:
    for suffix in _SIDE_FILES:
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the file system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _first_line(handle: IO[bytes]) -> str:
    handle.seek(0)
    lines = [line for line in handle.read().decode("utf-8", "replace").splitlines() if line]
    return " ".join(lines[0].split())[:300] if lines else "nothing"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _reason(exc: SQLAlchemyError) -> str:
    cause = getattr(exc, "orig", None) or exc  # DBAPI errors carry the driver's own message
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _unavailable(shown: str, exc: SQLAlchemyError) -> DatabaseUnavailableError:
    return DatabaseUnavailableError(f"could not read the database at {shown}: {_reason(exc)}")
