"""`hsct audit verify`, `hsct backup` and `hsct restore`.

Most runs go through ``main()`` in-process (fast); the tampered chain and the refusal to
restore without a terminal run as real subprocesses, as a person would run them.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hsct.cli.main import main
from hsct.registry import make_engine, make_session_factory, upgrade_database
from hsct.registry.clinics import clinic_create
from tests.cli.test_cli import run_hsct

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A migrated SQLite database under ``var/`` with two audited clinics."""
    path = tmp_path / "var" / "hsct.sqlite3"
    add_clinics(path, "Karolinska", "Sheba")
    return path


def add_clinics(path: Path, *names: str) -> None:
    """Migrate the database at ``path`` if needed and add clinics (each one audited)."""
    url = f"sqlite:///{path}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            for name in names:
                clinic_create(session, name=name, now=NOW)
    finally:
        engine.dispose()


def clinic_names(path: Path) -> list[str]:
    """The clinics in the database at ``path``, by name."""
    with closing(sqlite3.connect(path)) as connection:
        return sorted(row[0] for row in connection.execute("SELECT name FROM clinic"))


def env_for(path: Path) -> dict[str, str]:
    """The environment that points `hsct` at ``path``."""
    return {"HSCT_DATABASE_URL": f"sqlite:///{path}"}


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def hsct(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Run:
    """Run ``hsct ARGS`` in-process in ``tmp_path``: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "10")  # what the commands would set for good

    def run(*args: str, database: Path | None = None) -> tuple[int, str, str]:
        if database is not None:
            monkeypatch.setenv("HSCT_DATABASE_URL", f"sqlite:///{database}")
        with pytest.raises(SystemExit) as done:
            main(list(args))
        out, err = capsys.readouterr()
        return int(done.value.code or 0), out, err

    return run


def assert_one_error_line(stderr: str, *parts: str) -> None:
    """Exactly one line, starting ``Error:``, holding each of ``parts``, and no traceback."""
    assert stderr.startswith("Error: ")
    assert stderr.count("\n") == 1
    assert "Traceback" not in stderr
    for part in parts:
        assert part in stderr


def test_audit_verify_on_a_fresh_database(hsct: Run) -> None:
    """A new database has an empty, intact chain: exit 0 with the count and head hash."""
    assert hsct("db", "upgrade")[0] == 0

    assert hsct("audit", "verify") == (0, f"Audit chain intact: 0 events, head 0 {'0' * 64}.\n", "")


def test_audit_verify_counts_the_events(hsct: Run, database: Path) -> None:
    """Two clinics, two events; the head hash is printed in full."""
    code, out, err = hsct("audit", "verify", database=database)

    assert (code, err) == (0, "")
    assert out.startswith("Audit chain intact: 2 events, head 2 ")
    assert len(out.split()[-1].rstrip(".")) == 64


def test_audit_verify_names_the_first_changed_event(tmp_path: Path, database: Path) -> None:
    """Someone with the file drops the append-only triggers and edits a row: exit 1, one line
    naming the event (a real run)."""
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("DROP TRIGGER audit_event_no_delete")
        connection.execute("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
        connection.commit()

    result = run_hsct("audit", "verify", cwd=tmp_path, env=env_for(database))

    assert (result.returncode, result.stdout) == (1, "")
    assert_one_error_line(
        result.stderr,
        "the audit chain is broken at event 2: event 2 was changed after it was written",
    )


def test_audit_verify_notices_a_removed_event(hsct: Run, database: Path) -> None:
    """The newest event deleted: the head still names it."""
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("DROP TRIGGER audit_event_no_delete")
        connection.execute("DELETE FROM audit_event WHERE seq = 2")
        connection.commit()

    code, out, err = hsct("audit", "verify", database=database)

    assert (code, out) == (1, "")
    assert_one_error_line(err, "at event 2", "the newest events are missing")


def test_audit_verify_never_creates_a_database(hsct: Run, tmp_path: Path) -> None:
    """No database yet: one line telling what to run, and no empty file left behind."""
    code, _, err = hsct("audit", "verify")

    assert code == 1
    assert_one_error_line(err, "there is no database at", "hsct db upgrade")
    assert not (tmp_path / "var").exists()


def test_backup_and_restore_round_trip(hsct: Run, tmp_path: Path, database: Path) -> None:
    """Back up, add a clinic, restore with --yes: the clinic is gone, a safety copy keeps
    it, and the audit chain verifies with the backup's head."""
    backup = tmp_path / "registry.hsct-backup"

    code, made, err = hsct("backup", "--out", str(backup), database=database)

    assert (code, err) == (0, "")
    assert f"Backed up sqlite:///{database} to " in made
    assert "schema revision 0008" in made
    assert "Audit chain: 2 events, head 2 " in made
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    head = made.split("Audit chain: 2 events, head 2 ")[1].split(".")[0]

    add_clinics(database, "Added later")
    assert clinic_names(database) == ["Added later", "Karolinska", "Sheba"]

    code, restored, err = hsct("restore", str(backup), "--yes")

    assert (code, err) == (0, "")
    assert f"Audit chain: 2 events, head 2 {head}." in restored
    assert "Safety copy of the previous database: " in restored
    assert clinic_names(database) == ["Karolinska", "Sheba"]
    copies = list(database.parent.glob("hsct.before-restore-*.sqlite3"))
    assert len(copies) == 1
    assert clinic_names(copies[0]) == ["Added later", "Karolinska", "Sheba"]
    assert hsct("audit", "verify") == (0, f"Audit chain intact: 2 events, head 2 {head}.\n", "")


def test_backup_does_not_overwrite_without_force(hsct: Run, tmp_path: Path, database: Path) -> None:
    """An existing --out file is kept unless --force is given."""
    backup = tmp_path / "registry.hsct-backup"
    backup.write_text("keep me", encoding="utf-8")

    code, _, err = hsct("backup", "--out", str(backup), database=database)

    assert code == 1
    assert_one_error_line(err, "--out:", "already exists", "--force")
    assert backup.read_text(encoding="utf-8") == "keep me"

    assert hsct("backup", "--out", str(backup), "--force")[0] == 0
    assert backup.read_bytes()[:2] == b"PK"


def test_backup_into_a_missing_folder_is_one_line(
    hsct: Run, tmp_path: Path, database: Path
) -> None:
    """The output's folder must exist; it is named, not created."""
    code, _, err = hsct("backup", "--out", str(tmp_path / "missing" / "b.zip"), database=database)

    assert code == 1
    assert_one_error_line(err, "--out:", "its folder does not exist")


def test_restore_without_yes_and_without_a_terminal_refuses(
    hsct: Run, tmp_path: Path, database: Path
) -> None:
    """Nobody to ask (a real run, standard input not a terminal): refused with one line, the
    database untouched, no safety copy."""
    backup = tmp_path / "registry.hsct-backup"
    assert hsct("backup", "--out", str(backup), database=database)[0] == 0
    add_clinics(database, "Added later")

    result = run_hsct("restore", str(backup), cwd=tmp_path, env=env_for(database), stdin="")

    assert (result.returncode, result.stdout) == (1, "")
    assert_one_error_line(result.stderr, "pass --yes to confirm")
    assert clinic_names(database) == ["Added later", "Karolinska", "Sheba"]
    assert list(database.parent.glob("*before-restore*")) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"hello", "is not an HSCT Navigator backup", id="not-a-backup"),
        pytest.param(None, "FILE: cannot read", id="missing"),
    ],
)
def test_restore_of_something_else_is_one_line(
    hsct: Run, tmp_path: Path, database: Path, content: bytes | None, message: str
) -> None:
    """A file that is not a backup, or no file: one line, nothing changed."""
    source = tmp_path / "not-a-backup.zip"
    if content is not None:
        source.write_bytes(content)

    code, _, err = hsct("restore", str(source), "--yes", database=database)

    assert code == 1
    assert_one_error_line(err, message)
    assert clinic_names(database) == ["Karolinska", "Sheba"]


def test_the_commands_are_listed_in_help(hsct: Run) -> None:
    """`hsct --help` shows the three commands."""
    code, out, _ = hsct("--help")

    assert code == 0
    for command in ("audit", "backup", "restore"):
        assert command in out
