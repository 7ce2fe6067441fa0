"""The `hsct` command: help, version, database upgrade, serve, and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import hsct
from tests.support.ports import free_port


def run_hsct(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a person would, in ``cwd``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HSCT_")}
    environment.update(env or {})
    environment["COLUMNS"] = "100"
    return subprocess.run(
        [sys.executable, "-m", "hsct", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    """`hsct --help` names every command and exits 0."""
    result = run_hsct("--help", cwd=tmp_path)

    assert result.returncode == 0
    for command in ("version", "serve", "db"):
        assert command in result.stdout


def test_no_arguments_shows_help(tmp_path: Path) -> None:
    """`hsct` alone is a request for help, not an error."""
    result = run_hsct(cwd=tmp_path)

    assert result.returncode == 0
    assert "Usage: hsct" in result.stdout


def test_version(tmp_path: Path) -> None:
    """`hsct version` prints the package version."""
    result = run_hsct("version", cwd=tmp_path)

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"hsct-navigator {hsct.__version__}\n",
        "",
    )


def test_db_upgrade_creates_sqlite_under_var_and_is_repeatable(tmp_path: Path) -> None:
    """With no settings, the database is ``var/hsct.sqlite3`` where the command runs."""
    first = run_hsct("db", "upgrade", cwd=tmp_path)
    second = run_hsct("db", "upgrade", cwd=tmp_path)

    expected = f"Database sqlite:///{tmp_path}/var/hsct.sqlite3 is up to date (revision 0008).\n"
    assert (first.returncode, first.stdout) == (0, expected)
    assert (second.returncode, second.stdout) == (0, expected)
    assert (tmp_path / "var" / "hsct.sqlite3").is_file()


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        pytest.param(("nope",), {}, 2, "Error: No such command 'nope'.", id="unknown-command"),
        pytest.param(
            ("serve", "--port", "99999"),
            {},
            2,
            "Error: Invalid value for '--port': Input should be less than or equal to 65535",
            id="port-range",
        ),
        pytest.param(
            ("serve",),
            {"HSCT_PORT": "eighty"},
            1,
            "Error: HSCT_PORT: input should be a valid integer, "
            "unable to parse string as an integer",
            id="bad-env-port",
        ),
        pytest.param(
            ("db", "upgrade"),
            {"HSCT_DATABASE_URL": "not a url"},
            1,
            "Error: HSCT_DATABASE_URL: 'not a url' is not a database URL (allowed: "
            "sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/db)",
            id="bad-database-url",
        ),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], code: int, message: str
) -> None:
    """Every mistake gives exactly one line on stderr, naming the field, and no traceback."""
    result = run_hsct(*args, cwd=tmp_path, env=env)

    assert (result.returncode, result.stderr, result.stdout) == (code, message + "\n", "")


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    """A database that does not answer is reported with its URL, password hidden."""
    result = run_hsct(
        "db",
        "upgrade",
        cwd=tmp_path,
        env={"HSCT_DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/hsct"},
    )

    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: could not migrate the database at postgresql+psycopg://u:***@127.0.0.1:1/hsct: "
    )
    assert result.stderr.count("\n") == 1
    assert "pw@" not in result.stderr


def test_serve_answers_on_the_given_port(tmp_path: Path) -> None:
    """`hsct serve --port N` serves the app until stopped."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HSCT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "hsct", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    body = reply.read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == b'{"status":"ok","version":"' + hsct.__version__.encode() + b'"}'
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"Serving HSCT Navigator on http://127.0.0.1:{port}/" in output
