"""Backups restore every row and an unbroken audit chain; damaged or foreign ones are refused.

Each test runs on SQLite and on a real PostgreSQL server (``database_url``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import subprocess
import zipfile
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from hsct.registry import (
    BackupError,
    BackupManifest,
    BackupRefusedError,
    audit_chain_verify,
    audit_event_record,
    backup_manifest_read,
    database_audit_verify,
    database_backup,
    database_restore,
    head_revision,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from hsct.registry.accounts import account_create
from hsct.registry.clinics import clinic_create
from hsct.registry.tables import Base
from tests.support.postgres import PostgresCluster, find_postgres_bin

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
Rows = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database at the newest schema with a few clinics, an account and audit events."""
    upgrade_database(database_url)
    populate(database_url, ["Karolinska", "Sheba"], NOW)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            account_create(session, email="lead@example.org", display_name="Lead", now=NOW)
    finally:
        engine.dispose()
    return database_url


def populate(url: str, clinics: list[str], start: datetime) -> None:
    """Add clinics (each audited) and one more audit event, in one transaction."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            for minute, name in enumerate(clinics):
                clinic_create(session, name=name, now=start + timedelta(minutes=minute))
            audit_event_record(
                session, action="export", actor="u-1", details={"rows": 2}, occurred_at=start
            )
    finally:
        engine.dispose()


def rows_of(url: str) -> Rows:
    """Every row of every registry table (and the schema revision), in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
            rows["alembic_version"] = [
                tuple(row) for row in connection.execute(text("SELECT * FROM alembic_version"))
            ]
            return rows
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    """The tables the database holds now."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if url.startswith("sqlite"):
                query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            else:
                query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            return {str(name) for name in connection.execute(text(query)).scalars()}
    finally:
        engine.dispose()


def change_everything(url: str) -> None:
    """What happens after a backup: new rows, new events, and a table the backup never saw."""
    populate(url, ["Added after the backup"], NOW + timedelta(days=1))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE stray (x INTEGER)"))
    finally:
        engine.dispose()


def rewrite(
    backup: Path,
    *,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    member: Callable[[bytes], bytes] | None = None,
) -> None:
    """Rebuild the zip file with the manifest or the database member changed (CRCs fresh)."""
    with zipfile.ZipFile(backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(members.pop("manifest.json"))
    if manifest is not None:
        manifest(data)
    with zipfile.ZipFile(backup, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data))
        for name, content in members.items():
            archive.writestr(name, member(content) if member is not None else content)


def flip_byte(content: bytes) -> bytes:
    """The same bytes with one changed in the middle."""
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1 :]


# ------------------------------------------------------------------------------ round trip


def test_round_trip_restores_every_row_and_the_audit_chain(
    migrated_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Back up, change rows and add a table, restore: the data is exactly as at backup time,
    the audit chain verifies with the manifest's head, and the safety copy holds the
    changed data."""
    before = rows_of(migrated_url)
    out = tmp_path / "backups" / "registry.hsct-backup"
    out.parent.mkdir()

    manifest = database_backup(migrated_url, out=out, now=NOW)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["manifest.json", manifest.member]
    assert backup_manifest_read(out) == manifest
    backend = "sqlite" if migrated_url.startswith("sqlite") else "postgresql"
    assert (manifest.backend, manifest.revision, manifest.code_head) == (
        backend,
        head_revision(),
        head_revision(),
    )
    assert manifest.created_at == NOW
    assert manifest.audit.intact
    assert manifest.audit.events == manifest.audit.head.seq == 4  # 2 clinics, 1 export, 1 account
    assert manifest.audit == database_audit_verify(migrated_url)

    change_everything(migrated_url)
    changed = rows_of(migrated_url)
    assert changed != before

    result = database_restore(migrated_url, source=out, now=NOW + timedelta(days=2))

    assert rows_of(migrated_url) == before
    assert "stray" not in table_names(migrated_url)
    assert result.audit.intact
    assert result.audit.head == manifest.audit.head
    assert result.audit == database_audit_verify(migrated_url)
    assert (result.revision, result.upgraded_from) == (head_revision(), None)
    assert result.manifest == manifest

    safety = result.safety_copy
    assert safety is not None
    assert safety.is_file()
    assert stat.S_IMODE(safety.stat().st_mode) == 0o600
    assert "before-restore-20260506T103000Z" in safety.name
    if backend == "sqlite":
        assert rows_of(f"sqlite:///{safety}") == changed
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        copy_url = cluster.new_database()
        pg_restore(safety, copy_url)
        assert rows_of(copy_url) == changed


def pg_restore(dump: Path, url: str) -> None:
    """Load a ``pg_dump -Fc`` file into the (empty) database at ``url``."""
    bin_dir = find_postgres_bin()
    assert bin_dir is not None
    address, database = url.rsplit("@", 1)[1].split("/")
    host, port = address.split(":")
    subprocess.run(
        [
            str(bin_dir / "pg_restore"),
            "--no-owner",
            f"--host={host}",
            f"--port={port}",
            f"--username={url.split('://')[1].split('@', maxsplit=1)[0]}",
            f"--dbname={database}",
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_overwriting_a_backup_needs_permission(migrated_url: str, tmp_path: Path) -> None:
    """An existing file is never replaced by accident, and is replaced when asked."""
    out = tmp_path / "registry.hsct-backup"
    out.write_text("an older backup", encoding="utf-8")

    with pytest.raises(BackupRefusedError, match="already exists"):
        database_backup(migrated_url, out=out, now=NOW)
    assert out.read_text(encoding="utf-8") == "an older backup"

    manifest = database_backup(migrated_url, out=out, now=NOW, overwrite=True)
    assert backup_manifest_read(out) == manifest
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# ------------------------------------------------------------------------------ refusals


@pytest.fixture
def backed_up(migrated_url: str, tmp_path: Path) -> tuple[str, Path]:
    """A populated database and a backup of it."""
    out = tmp_path / "registry.hsct-backup"
    database_backup(migrated_url, out=out, now=NOW)
    return migrated_url, out


def assert_refused_and_untouched(
    url: str, backup: Path, match: str, error: type[BackupError] = BackupRefusedError
) -> None:
    """The restore is refused and the database keeps every changed row."""
    change_everything(url)
    changed = rows_of(url)

    with pytest.raises(error, match=match):
        database_restore(url, source=backup, now=NOW)

    assert rows_of(url) == changed
    assert "stray" in table_names(url)


def test_a_damaged_byte_in_the_file_is_refused(backed_up: tuple[str, Path]) -> None:
    """One byte changed anywhere in the compressed database: refused, nothing changed."""
    url, backup = backed_up
    with zipfile.ZipFile(backup) as archive:
        info = archive.getinfo(archive.namelist()[1])
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        middle = start + info.compress_size // 2
    raw = bytearray(backup.read_bytes())
    raw[middle] ^= 0x01
    backup.write_bytes(bytes(raw))

    assert_refused_and_untouched(url, backup, "is damaged")


def test_a_changed_database_member_is_refused_by_its_sha256(backed_up: tuple[str, Path]) -> None:
    """A member changed by someone who rebuilt the zip (fresh CRC) fails the SHA-256."""
    url, backup = backed_up
    rewrite(backup, member=flip_byte)

    assert_refused_and_untouched(url, backup, "SHA-256 of its database does not match")


def test_a_newer_schema_revision_is_refused(backed_up: tuple[str, Path]) -> None:
    """A backup from a newer version (a revision this code does not know) is refused."""
    url, backup = backed_up

    def newer(manifest: dict[str, Any]) -> None:
        manifest["migration"]["revision"] = "0099_from_the_future"

    rewrite(backup, manifest=newer)

    assert_refused_and_untouched(url, backup, "does not know: a newer version wrote it")


def test_a_newer_backup_format_is_refused(backed_up: tuple[str, Path]) -> None:
    """A manifest in a later format version is not guessed at."""
    url, backup = backed_up

    def later(manifest: dict[str, Any]) -> None:
        manifest["format_version"] = 2

    rewrite(backup, manifest=later)

    assert_refused_and_untouched(url, backup, "backup format 2")


def test_a_backup_of_the_other_database_kind_is_refused(backed_up: tuple[str, Path]) -> None:
    """An SQLite backup does not go into PostgreSQL, nor the other way round."""
    url, backup = backed_up
    other = "postgresql" if url.startswith("sqlite") else "sqlite"
    member = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[other]

    def foreign(manifest: dict[str, Any]) -> None:
        manifest["backend"] = other
        manifest["database"]["member"] = member

    rewrite(backup, manifest=foreign)
    with zipfile.ZipFile(backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(backup, "w") as archive:
        archive.writestr("manifest.json", members.pop("manifest.json"))
        archive.writestr(member, next(iter(members.values())))

    assert_refused_and_untouched(url, backup, "cannot be restored into")


def test_a_manifest_that_does_not_match_the_database_is_refused(
    backed_up: tuple[str, Path],
) -> None:
    """A manifest naming another audit head: SQLite refuses before the swap, PostgreSQL
    rolls the whole restore back (the check runs before COMMIT)."""
    url, backup = backed_up

    def other_head(manifest: dict[str, Any]) -> None:
        manifest["audit"]["head_hash"] = "f" * 64

    rewrite(backup, manifest=other_head)

    assert_refused_and_untouched(
        url, backup, "does not match (its|the) manifest|rolled back", BackupError
    )


@pytest.mark.parametrize(
    ("content", "match"),
    [
        pytest.param(b"not a zip file", "is not an HSCT Navigator backup", id="not-a-zip"),
        pytest.param(None, "is not an HSCT Navigator backup", id="zip-without-manifest"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(
    backed_up: tuple[str, Path], tmp_path: Path, content: bytes | None, match: str
) -> None:
    """Any other file: refused with a sentence, nothing changed."""
    url, _ = backed_up
    other = tmp_path / "other.zip"
    if content is None:
        with zipfile.ZipFile(other, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        other.write_bytes(content)

    assert_refused_and_untouched(url, other, match)


# ------------------------------------------------------------------------------ SQLite files


def test_sqlite_restore_leaves_no_stale_wal(tmp_path: Path) -> None:
    """A -wal and -shm left by a crash beside the old file are removed, not replayed into the
    restored one."""
    url = f"sqlite:///{tmp_path / 'hsct.sqlite3'}"
    upgrade_database(url)
    populate(url, ["Before"], NOW)
    before = rows_of(url)
    backup = tmp_path / "registry.hsct-backup"
    database_backup(url, out=backup, now=NOW)

    database = tmp_path / "hsct.sqlite3"
    crash_with_an_update_in_the_wal(database)

    result = database_restore(url, source=backup, now=NOW)

    assert not Path(f"{database}-wal").exists()
    assert not Path(f"{database}-shm").exists()
    assert rows_of(url) == before
    assert result.safety_copy is not None
    engine = make_engine(f"sqlite:///{result.safety_copy}")
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM clinic")).scalars().all()
    finally:
        engine.dispose()
    assert names == ["Only in the WAL"]  # the safety copy includes what the WAL held


def crash_with_an_update_in_the_wal(database: Path) -> bytes:
    """Leave ``database`` as a process that died before a checkpoint would: the last commit
    only in its ``-wal``. Returns the WAL."""
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("UPDATE clinic SET name = 'Only in the WAL'")
        connection.commit()
        files = {p: p.read_bytes() for p in database.parent.glob(f"{database.name}*")}
    for path, content in files.items():
        path.write_bytes(content)
    wal = Path(f"{database}-wal").read_bytes()
    assert len(wal) > 0
    assert Path(f"{database}-shm").exists()
    return wal


def test_sqlite_restore_over_an_unreadable_file_keeps_it_and_its_wal(tmp_path: Path) -> None:
    """A damaged database file is kept byte for byte (with its WAL) as the safety copy, and
    its WAL is not replayed into the restored file."""
    database = tmp_path / "hsct.sqlite3"
    url = f"sqlite:///{database}"
    upgrade_database(url)
    populate(url, ["Before"], NOW)
    before = rows_of(url)
    backup = tmp_path / "registry.hsct-backup"
    database_backup(url, out=backup, now=NOW)
    wal = crash_with_an_update_in_the_wal(database)
    damaged = b"damaged " * 4096
    database.write_bytes(damaged)

    result = database_restore(url, source=backup, now=NOW)

    assert not Path(f"{database}-wal").exists()
    assert not Path(f"{database}-shm").exists()
    assert rows_of(url) == before
    assert result.audit.intact
    assert result.safety_copy is not None
    assert result.safety_copy.read_bytes() == damaged
    assert Path(f"{result.safety_copy}-wal").read_bytes() == wal


def test_sqlite_restore_into_a_new_file_needs_no_safety_copy(tmp_path: Path) -> None:
    """Restoring where no database exists yet creates it (and its folder)."""
    url = f"sqlite:///{tmp_path / 'hsct.sqlite3'}"
    upgrade_database(url)
    populate(url, ["Only"], NOW)
    backup = tmp_path / "registry.hsct-backup"
    manifest = database_backup(url, out=backup, now=NOW)
    fresh = f"sqlite:///{tmp_path / 'new' / 'place' / 'hsct.sqlite3'}"

    result = database_restore(fresh, source=backup, now=NOW)

    assert result.safety_copy is None
    assert rows_of(fresh) == rows_of(url)
    assert result.audit.head == manifest.audit.head


def test_sqlite_member_failing_integrity_check_is_refused(tmp_path: Path) -> None:
    """A database member that SQLite cannot read is refused even when its SHA-256 fits."""
    url = f"sqlite:///{tmp_path / 'hsct.sqlite3'}"
    upgrade_database(url)
    populate(url, ["Kept"], NOW)
    backup = tmp_path / "registry.hsct-backup"
    database_backup(url, out=backup, now=NOW)
    garbage = b"SQLite format 3\x00" + b"\xff" * 4096

    def fitting(manifest: dict[str, Any]) -> None:
        manifest["database"]["sha256"] = hashlib.sha256(garbage).hexdigest()

    rewrite(backup, manifest=fitting, member=lambda _: garbage)

    assert_refused_and_untouched(url, backup, "fails its integrity check")
    assert [p.name for p in tmp_path.iterdir() if "before-restore" in p.name] == []


def test_backup_of_a_missing_sqlite_database_does_not_create_it(tmp_path: Path) -> None:
    """No file, no backup: the error says so and no empty database appears."""
    url = f"sqlite:///{tmp_path / 'var' / 'hsct.sqlite3'}"

    with pytest.raises(Exception, match="there is no database at"):
        database_backup(url, out=tmp_path / "b.zip", now=NOW)
    with pytest.raises(Exception, match="there is no database at"):
        database_audit_verify(url)

    assert not (tmp_path / "var").exists()
    assert not (tmp_path / "b.zip").exists()


def test_a_broken_chain_is_recorded_in_the_manifest(tmp_path: Path) -> None:
    """A database whose audit chain was tampered with is still backed up, and the manifest
    says where the chain breaks."""
    path = tmp_path / "hsct.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    populate(url, ["A", "B"], NOW)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("UPDATE audit_event SET action = 'forged' WHERE seq = 2")
        connection.commit()

    manifest = database_backup(url, out=tmp_path / "b.zip", now=NOW)

    assert not manifest.audit.intact
    assert manifest.audit.first_bad_seq == 2
    assert BackupManifest.from_json(manifest.to_json()) == manifest
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            assert audit_chain_verify(session) == manifest.audit
    finally:
        engine.dispose()


def test_naive_times_are_refused(tmp_path: Path) -> None:
    """The manifest's time and the safety copy's name are UTC; a naive time is a bug."""
    with pytest.raises(ValueError, match="timezone-aware"):
        database_backup(
            "sqlite:///x.sqlite3",
            out=tmp_path / "b.zip",
            now=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )
