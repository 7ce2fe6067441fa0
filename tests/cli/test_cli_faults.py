"""No input file, output path or database URL makes a command print a traceback.

Every fault is one ``Error:`` line on stderr and a non-zero exit. The file and database
helpers are tested in-process (fast, every fault); every command that takes a file or URL
is run through ``main()`` in-process with each kind of bad input, and once per command as
a real subprocess, as a person would run it.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import socket
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hsct.cli import files
from hsct.cli.database import check_database_url, prepare_sqlite_folder, redacted, upgrade
from hsct.cli.main import check_can_listen, main
from hsct.common.errors import InvalidInput
from tests.cli.test_cli import run_hsct

Make = Callable[[Path], Path]

# ------------------------------------------------------------------ inputs, made in tmp_path


def _file(name: str, content: bytes | str) -> Make:
    def make(folder: Path) -> Path:
        path = folder / name
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return make


def _folder(folder: Path) -> Path:
    (folder / "a-folder.json").mkdir()
    return folder / "a-folder.json"


def _missing(folder: Path) -> Path:
    return folder / "missing.json"


def _under_a_file(folder: Path) -> Path:
    (folder / "file.txt").write_text("x", encoding="utf-8")
    return folder / "file.txt" / "p.json"


def _long_missing_name(folder: Path) -> Path:
    return folder / ("n" * 200 + ".json")


DEEP = '{"a":' * 5000
NESTED_40 = '{"a":' * 40 + "1" + "}" * 40
LONG_INT = '{"age": 1' + "0" * 5000 + "}"

BAD_OBJECT_FILES = [
    pytest.param(_folder, "cannot read", "Is a directory", id="folder"),
    pytest.param(_missing, "cannot read", "No such file or directory", id="missing"),
    pytest.param(_under_a_file, "cannot read", "Not a directory", id="under-a-file"),
    pytest.param(
        _file("p.json", b"\x89PNG\r\n\x1a\n\x00\x00"), "p.json", "byte 0x89 at", id="binary"
    ),
    pytest.param(_file("p.json", b"\xff\xfe\x00"), "p.json", "is not UTF-8 text", id="utf16"),
    pytest.param(_file("p.json", b'{"a": 1}\x00'), "p.json", "is a binary file", id="nul"),
    pytest.param(_file("p.json", b""), "p.json", "is empty", id="empty"),
    pytest.param(_file("p.json", b"  \n "), "p.json", "is empty", id="blank"),
    pytest.param(_file("p.json", "[1,2]"), "p.json", "holds a list, not an object", id="list"),
    pytest.param(_file("p.json", '"x"'), "p.json", "holds a string", id="string"),
    pytest.param(_file("p.json", "3"), "p.json", "holds a number", id="number"),
    pytest.param(_file("p.json", "null"), "p.json", "holds null", id="null"),
    pytest.param(_file("p.json", '{"a": 1,}'), "p.json", "not valid JSON at line 1", id="bad"),
    pytest.param(_file("p.json", DEEP), "p.json", "is nested too deeply", id="deep"),
    pytest.param(_file("p.json", NESTED_40), "a.a.a.a", "more than 32 levels", id="nested"),
    pytest.param(_file("p.json", LONG_INT), "age in", "a number of 5001 digits", id="long-int"),
    pytest.param(_file("p.json", '{"age": 1e999}'), "age in", "not a finite", id="1e999"),
    pytest.param(_file("p.json", '{"age": NaN}'), "age in", "not a finite", id="nan"),
    pytest.param(_file("p.json", '{"x": [1, -Infinity]}'), "x.1 in", "not a finite", id="inf"),
    pytest.param(_file("p.json", " " * 1_000_001), "p.json", "is larger than", id="too-large"),
    pytest.param(_file("p.toml", "age = nan"), "age in", "not a finite", id="toml-nan"),
    pytest.param(_file("p.toml", "a = 1" + "0" * 5000), "p.toml", "too long", id="toml-long"),
    pytest.param(_file("p.toml", "a = " + "[" * 5000), "p.toml", "nested too", id="toml-deep"),
    pytest.param(_file("p.toml", "x = "), "p.toml", "is not valid TOML", id="toml-bad"),
    pytest.param(_long_missing_name, "cannot read", "(", id="long-path"),
]


@pytest.mark.parametrize(("make", "names", "problem"), BAD_OBJECT_FILES)
def test_reading_an_object_file_names_each_fault(
    tmp_path: Path, make: Make, names: str, problem: str
) -> None:
    """Each fault is an InvalidInput under the option, naming the file or field, quoting little."""
    path = make(tmp_path)

    with pytest.raises(InvalidInput) as caught:
        files.read_object(path, "PROFILE")

    assert caught.value.fields == ("PROFILE",)
    message = str(caught.value)
    assert names in message
    assert problem in message
    assert path.name[:40] in message  # the file is named ...
    assert len(message) < 250  # ... and no more than an excerpt of any input is quoted


def test_reading_an_object_file_drops_a_byte_order_mark(tmp_path: Path) -> None:
    """Windows editors start UTF-8 files with a BOM; it is not a fault."""
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{"age": 40, "walk": [1.5]}')

    assert files.read_object(path, "PROFILE") == {"age": 40, "walk": [1.5]}


def test_options_files_are_json_even_when_named_toml(tmp_path: Path) -> None:
    """``--options`` is JSON: a .toml name does not switch the parser."""
    path = tmp_path / "o.toml"
    path.write_text("event = 'first'", encoding="utf-8")

    with pytest.raises(InvalidInput, match="is not valid JSON"):
        files.read_object(path, "--options", toml=False)


def test_a_named_pipe_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    """A FIFO nobody writes to reads as empty instead of blocking for ever."""
    fifo = tmp_path / "fifo.json"
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(fifo)

    with pytest.raises(InvalidInput, match="is empty"):
        files.read_object(fifo, "PROFILE")


BAD_OUTPUTS = [
    pytest.param(_folder, "it is a folder", id="folder"),
    pytest.param(lambda p: p / "nodir" / "x.ics", "its folder does not exist", id="no-folder"),
    pytest.param(_under_a_file, "its folder is a file", id="under-a-file"),
]


@pytest.mark.parametrize(("make", "problem"), BAD_OUTPUTS)
def test_an_output_path_that_cannot_be_written_is_refused_first(
    tmp_path: Path, make: Make, problem: str
) -> None:
    path = make(tmp_path)

    with pytest.raises(InvalidInput) as caught:
        files.check_writable(path, "--ics")

    assert str(caught.value) == (
        f"--ics: cannot write {files.shown(path)}: {problem} "
        "(allowed: a file path in an existing folder)"
    )


def test_a_failed_write_is_one_named_error(tmp_path: Path) -> None:
    """A disk that fills up during the write is reported with the path."""
    path = tmp_path / "x.csv"
    files.check_writable(path, "--out")  # a good path passes

    with pytest.raises(InvalidInput) as caught, files.writing(path, "--out"):
        raise OSError(errno.ENOSPC, "No space left on device")

    assert "--out: cannot write" in str(caught.value)
    assert "x.csv': No space left on device" in str(caught.value)


# ------------------------------------------------------------------ the database


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("foo://x", "unknown database driver 'foo'", id="unknown-driver"),
        pytest.param(
            "postgresql+nodriver://h/db",
            "unknown database driver 'postgresql+nodriver'",
            id="unknown-dbapi",
        ),
        pytest.param(
            "postgresql+psycopg://u:secret@h:port/db",
            "'postgresql+psycopg://u:***@h:port/db' is not a database URL",
            id="bad-port",
        ),
        pytest.param("not a url " * 30, "is not a database URL", id="long-garbage"),
    ],
)
def test_a_bad_database_url_is_one_named_error(url: str, message: str) -> None:
    """Checked without connecting; the password is never shown; long URLs are cut."""
    with pytest.raises(InvalidInput) as caught:
        check_database_url(url)

    assert caught.value.fields == ("HSCT_DATABASE_URL",)
    assert message in str(caught.value)
    assert "secret" not in str(caught.value)
    assert len(caught.value.errors[0].message) < 120


@pytest.mark.skipif(
    importlib.util.find_spec("MySQLdb") is not None, reason="the MySQL driver is installed here"
)
def test_a_driver_that_is_not_installed_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_database_url("mysql://u@h/db")

    assert str(caught.value) == (
        "HSCT_DATABASE_URL: the driver for 'mysql' is not installed "
        "(allowed: sqlite or postgresql+psycopg)"
    )


def test_redacted_hides_a_password_even_in_a_url_that_does_not_parse() -> None:
    assert redacted("postgresql://me:p@ss:w@host:x/db") == "postgresql://me:***@host:x/db"


def test_an_sqlite_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    """The default ``var/`` under a working directory where ``var`` is a file."""
    (tmp_path / "var").write_text("", encoding="utf-8")

    with pytest.raises(InvalidInput) as caught:
        prepare_sqlite_folder(f"sqlite:///{tmp_path}/var/hsct.sqlite3")

    assert f"the folder '{tmp_path}/var' for the SQLite file is a file" in str(caught.value)


def test_an_sqlite_file_that_is_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()

    with pytest.raises(InvalidInput, match=r"the SQLite file '.*/db' is a folder"):
        prepare_sqlite_folder(f"sqlite:///{tmp_path}/db")


def test_an_unknown_revision_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        upgrade(f"sqlite:///{tmp_path}/x.sqlite3", "nope")

    assert str(caught.value) == (
        "REVISION: unknown revision 'nope' (allowed: head, base or a revision such as 0008)"
    )


def test_a_port_in_use_or_an_unknown_host_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInput, match=r"^--port: cannot listen on '127.0.0.1' port"):
            check_can_listen("127.0.0.1", port)
    with pytest.raises(InvalidInput, match=r"^--host: cannot resolve '999.1.1.1'"):
        check_can_listen("999.1.1.1", 8000)


# ------------------------------------------------------------------ every command, in-process


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A folder of bad inputs: each name below is one kind of fault."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "list.json").write_text("[1,2]", encoding="utf-8")
    (tmp_path / "deep.json").write_text(DEEP, encoding="utf-8")
    (tmp_path / "long-int.json").write_text(LONG_INT, encoding="utf-8")
    (tmp_path / "inf.json").write_text('{"conf_days": [1e999]}', encoding="utf-8")
    (tmp_path / "visits.csv").write_text(
        "patient_id,date,edss\n1,2020-01-01,2.0\n1,2021-01-01,3.0\n", encoding="utf-8"
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "drugs.yaml").write_bytes(b"\xff\xfe\x00")
    return tmp_path


FILE_INPUTS = ["folder", "file.txt/x.json", "binary.json", "list.json", "deep.json"]
OBJECT_INPUTS = [*FILE_INPUTS, "long-int.json", "missing.json"]
OUTPUTS = ["folder", "nodir/x.out", "file.txt/x.out"]
VISITS = ("outcomes", "progression", "--visits", "visits.csv")
NEDA = ("outcomes", "neda", "--visits", "visits.csv", "--mri", "visits.csv")
KM = ("outcomes", "km", "--visits", "visits.csv", "--mri", "visits.csv")
JOURNEY = ("journey", "--facility", "moscow-pirogov")

#: What would show that a long input was echoed whole.
LONG_ECHOES = ("Z" * 81, "x" * 81, '{"a":' * 17, "0" * 81)

COMMANDS: list[tuple[str, ...]] = [
    *(("assess", name) for name in OBJECT_INPUTS),
    *((*JOURNEY, "--profile", name) for name in OBJECT_INPUTS),
    *((*JOURNEY, "--ics", name) for name in OUTPUTS),
    *(("knowledge", "check", "--data", name) for name in ("data", "file.txt", "missing")),
    *(("outcomes", "progression", "--visits", name) for name in FILE_INPUTS),
    *((*VISITS, "--relapses", name) for name in ("folder", "binary.json")),
    *((*VISITS, "--options", name) for name in [*OBJECT_INPUTS, "inf.json"]),
    *((*VISITS, option, name) for option in ("--out", "--summary", "--report") for name in OUTPUTS),
    *(("outcomes", "neda", "--visits", "visits.csv", "--mri", name) for name in FILE_INPUTS),
    *((*NEDA, option, name) for option in ("--out", "--report") for name in OUTPUTS),
    *((*KM, "--patients", name) for name in ("folder", "binary.json")),
    *((*KM, option, name) for option in ("--out", "--table") for name in OUTPUTS),
    ("facilities", "list", "--currency", "Z" * 300),
    ("legitimacy", "--answer", "x" * 300),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(a[:20] for a in args))
def test_every_command_turns_a_bad_path_into_one_error_line(
    bad: Path,
    args: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In-process, so that every command meets every kind of bad input within seconds."""
    monkeypatch.chdir(bad)

    with pytest.raises(SystemExit) as done:
        main(list(args))

    out, err = capsys.readouterr()
    assert done.value.code not in (0, None)
    assert len(err.splitlines()) == 1, err
    assert err.startswith("Error: ")
    assert not any(chunk in err for chunk in LONG_ECHOES)  # excerpts, never a whole input
    assert "unexpected" not in err  # an expected fault, not the last-resort handler
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("env", "args"),
    [
        pytest.param({"HSCT_DATABASE_URL": "foo://x"}, ("db", "upgrade"), id="db-driver"),
        pytest.param(
            {"HSCT_DATABASE_URL": "postgresql://u:pw@h:x/d"}, ("db", "upgrade"), id="db-url"
        ),
        pytest.param({}, ("db", "upgrade", "nope"), id="db-revision"),
        pytest.param({}, ("db", "upgrade", "+9"), id="db-relative-revision"),
        pytest.param({"HSCT_DATABASE_URL": "foo://x"}, ("serve",), id="serve-driver"),
        pytest.param({}, ("serve", "--host", "999.1.1.1"), id="serve-host"),
    ],
)
def test_database_and_server_faults_are_one_error_line(
    tmp_path: Path,
    env: dict[str, str],
    args: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as done:
        main(list(args))

    out, err = capsys.readouterr()
    assert (done.value.code, len(err.splitlines()), out) == (1, 1, "")
    assert err.startswith("Error: ")
    assert "unexpected" not in err
    assert "pw@" not in err


def test_an_unexpected_exception_is_one_line_with_its_type(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last resort: a bug still gives one short line and exit 1, never a traceback."""

    def broken(**_: object) -> None:
        raise RuntimeError("boom " + "x" * 500)

    monkeypatch.setattr("hsct.edss.score", broken)

    with pytest.raises(SystemExit) as done:
        main(["edss", "--visual", "1"])

    out, err = capsys.readouterr()
    assert (done.value.code, out) == (1, "")
    assert err.startswith("Error: unexpected RuntimeError: boom xxx")
    assert err.endswith("… (please report this)\n")
    assert len(err) < 160


def test_an_interrupt_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(**_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("hsct.edss.score", interrupted)

    with pytest.raises(SystemExit) as done:
        main(["edss", "--visual", "1"])

    assert done.value.code == 130
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------------ one real run per command


def _csv_and_bad_files(folder: Path) -> None:
    (folder / "folder").mkdir()
    (folder / "file.txt").write_text("x", encoding="utf-8")
    (folder / "binary.json").write_bytes(b"\xff\xfe\x00")
    (folder / "deep.json").write_text(DEEP, encoding="utf-8")
    (folder / "list.json").write_text("[1,2]", encoding="utf-8")
    (folder / "long-int.json").write_text(LONG_INT, encoding="utf-8")
    (folder / "var").write_text("", encoding="utf-8")  # the default database folder is a file
    (folder / "visits.csv").write_text("patient_id,date,edss\n1,2020-01-01,2.0\n", "utf-8")
    (folder / "data").mkdir()
    (folder / "data" / "drugs.yaml").write_bytes(b"\xff\xfe\x00")


#: One real run per command (id: arguments, environment), all run at once by ``real_runs``.
SUBPROCESS_RUNS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "assess": (("assess", "binary.json"), {}),
    "journey-profile": ((*JOURNEY, "--profile", "long-int.json"), {}),
    "journey-ics": ((*JOURNEY, "--ics", "file.txt/out.ics"), {}),
    "knowledge-check": (("knowledge", "check", "--data", "data"), {}),
    "progression": (("outcomes", "progression", "--visits", "folder"), {}),
    "progression-options": ((*VISITS, "--options", "deep.json"), {}),
    "neda": ((*NEDA, "--out", "nodir/x.csv"), {}),
    "km": ((*KM, "--table", "file.txt/t.csv"), {}),
    "db-var-is-a-file": (("db", "upgrade"), {}),
    "db-driver": (("db", "upgrade"), {"HSCT_DATABASE_URL": "foo://x"}),
    "db-revision": (("db", "upgrade", "nope"), {"HSCT_DATABASE_URL": "sqlite://"}),
    "serve": (("serve",), {"HSCT_DATABASE_URL": "foo://x"}),
}


@pytest.fixture(scope="module")
def real_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every run of ``SUBPROCESS_RUNS``, started a few at a time (each takes a second or more)."""
    folder = tmp_path_factory.mktemp("faults")
    _csv_and_bad_files(folder)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {
            name: pool.submit(run_hsct, *args, cwd=folder, env=env)
            for name, (args, env) in SUBPROCESS_RUNS.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", SUBPROCESS_RUNS)
def test_the_installed_command_never_prints_a_traceback(
    real_runs: dict[str, subprocess.CompletedProcess[str]], name: str
) -> None:
    """As a person runs it: one ``Error:`` line on stderr, a non-zero exit, no traceback."""
    result = real_runs[name]

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "unexpected" not in lines[0]


def test_json_helpers_are_not_fooled_by_a_valid_object(tmp_path: Path) -> None:
    """A good profile passes unchanged: the checks refuse faults, not data."""
    profile = {"age": 35, "edss": 3.5, "relapses": [{"date": "2026-03-01"}], "weight": 1e300}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile), encoding="utf-8")

    assert files.read_object(path, "PROFILE") == profile
