"""`hsct --help` and every command's `--help` import only the command line, never the heavy
libraries the commands use when they run (issue 17: help in well under a second).

Each help runs in a fresh interpreter, which then lists the modules it imported. No timing
here: the speed itself is measured by ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer import _click

from hsct.cli.main import COMMAND_ORDER, LAZY_COMMANDS, app, load_command

#: Libraries that only running a command may import (web, database, data frames, compilers).
FORBIDDEN = frozenset(
    {
        "pandas",
        "numpy",
        "numba",
        "lifelines",
        "matplotlib",
        "fastapi",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "jinja2",
        "pyarrow",
        "dask",
        # Typer builds a pydantic adapter for a parameter's value; None, a text or a path no
        # longer needs one (hsct.cli.main._coerce_plain_values_without_pydantic).
        "pydantic",
        # Message catalogues are compiled only when a language other than English is used.
        "babel",
        # Help is plain text; Rich is imported when a command prints its results.
        "rich",
    }
)

#: Runs ``hsct <args> --help`` as ``hsct`` does, then writes what it imported to argv[1].
CHILD = """
import json, sys
from hsct.cli.main import main
code = None
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, out)
"""


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group under ``command``, as the words typed after ``hsct``.

    Asked through click's group interface, so the commands ``hsct`` builds only when they
    are typed (``LazyGroup``) are found too.
    """
    yield path
    if not hasattr(command, "list_commands"):
        return
    context = _click.Context(command)
    for name in sorted(command.list_commands(context)):
        yield from command_paths(command.get_command(context, name), (*path, name))


COMMANDS = list(command_paths(typer.main.get_command(app)))


def help_imports(words: tuple[str, ...], folder: Path, child: str = CHILD) -> dict[str, Any]:
    """Exit code, output and imported modules of ``hsct <words> --help`` in a new process."""
    report = folder / f"{'-'.join(words) or 'hsct'}.json"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HSCT_")}
    environment["COLUMNS"] = "100"
    result = subprocess.run(
        [sys.executable, "-c", child, str(report), *words, "--help"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return {"exit": None, "modules": [], **found, "out": result.stdout, "err": result.stderr}


def heavy(modules: list[str]) -> list[str]:
    """The forbidden top-level packages among ``modules``."""
    return sorted({name.partition(".")[0] for name in modules} & FORBIDDEN)


def test_every_command_is_enumerated_from_the_app() -> None:
    """The list comes from the Typer app, so a new command is checked without being listed."""
    expected = {(), ("edss",), ("db",), ("db", "upgrade"), ("outcomes", "progression")}

    assert expected <= set(COMMANDS)


@pytest.mark.slow  # one fresh interpreter per command (about 30): 10-20 s on 2 busy cores
def test_no_help_imports_a_heavy_library(tmp_path: Path) -> None:
    """`hsct --help` and the `--help` of every group and command import none of FORBIDDEN."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        found = pool.map(lambda words: help_imports(words, tmp_path), COMMANDS)
        runs = {" ".join(("hsct", *words)): run for words, run in zip(COMMANDS, found, strict=True)}

    assert {name: run["err"][-300:] for name, run in runs.items() if run["exit"] != 0} == {}
    assert [name for name, run in runs.items() if "Usage: hsct" not in run["out"]] == []
    imported = {name: heavy(run["modules"]) for name, run in runs.items()}
    assert {name: libraries for name, libraries in imported.items() if libraries} == {}
    # Plain text: no box drawing for a screen reader to spell out.
    assert [name for name, run in runs.items() if set(run["out"]) & set("╭╮╰╯│─")] == []


def test_a_heavy_import_is_caught(tmp_path: Path) -> None:
    """The check is not vacuous: a help run that has imported numpy is reported."""
    child = "import numpy\n" + CHILD

    run = help_imports(("edss",), tmp_path, child)

    assert (run["exit"], "numpy" in heavy(run["modules"])) == (0, True)


def test_absent_flags_stay_none_and_given_values_are_still_coerced() -> None:
    """The shim passes only an absent flag's None through; everything else is Typer's."""
    from hsct.cli.main import main  # noqa: PLC0415

    with pytest.raises(SystemExit) as caught:
        main(["edss", "--pyramidal", "x"])
    assert caught.value.code == 2  # "x" is still refused as a whole number
    parameter = typer.core._TyperParameter
    assert getattr(parameter.process_value, "_hsct_patched", False)


def test_the_list_of_commands_imports_no_command_module(tmp_path: Path) -> None:
    """`hsct --help` lists every command without importing one; a command's help imports
    its own module, not the others'."""
    listed = help_imports((), tmp_path)
    one = help_imports(("edss",), tmp_path)

    assert [m for m in listed["modules"] if m.startswith("hsct.cli.")] == ["hsct.cli.main"]
    assert all(f"  {name} " in listed["out"] for name in COMMAND_ORDER)
    assert "hsct.cli.edss" in one["modules"]
    assert "hsct.cli.outcomes" not in one["modules"]


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_a_listed_summary_is_the_commands_own(name: str) -> None:
    """The summary `hsct --help` shows from LAZY_COMMANDS is what the built command says,
    at every width the list may be drawn."""
    built = load_command(name)
    stand_in = typer.core.TyperCommand(name, help=LAZY_COMMANDS[name][2])

    assert (built.help or "").split("\n\n")[0].replace("\n", " ") == LAZY_COMMANDS[name][2]
    for limit in (20, 45, 74, 94, 200):
        assert stand_in.get_short_help_str(limit) == built.get_short_help_str(limit)


def test_every_command_is_listed_in_order() -> None:
    """A command added to the app but not to COMMAND_ORDER would be missing from the list."""
    group = typer.main.get_group(app)
    context = _click.Context(group)

    assert set(group.list_commands(context)) == set(COMMAND_ORDER)
    assert set(COMMAND_ORDER) == set(LAZY_COMMANDS) | set(group.commands)


def _outcome(call: Any, *args: Any) -> tuple[str, Any]:
    """What a call returned, or the type and message of what it raised."""
    try:
        return "value", call(*args)
    except Exception as error:
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        return type(error).__name__, message


def test_plain_values_are_coerced_exactly_as_typer_does(tmp_path: Path) -> None:
    """Every parameter of every command, with None, texts and paths (a file, a folder, a
    missing one): the pydantic-free shortcut gives Typer's value, or Typer's error."""
    patched = typer.core._TyperParameter.process_value
    original = patched._hsct_original  # type: ignore[attr-defined]
    (tmp_path / "file.csv").write_text("a\n", encoding="utf-8")
    values = [
        *(None, "", "x", " spaced ", "ünï", "-", "3"),
        *(str(tmp_path / "file.csv"), str(tmp_path), str(tmp_path / "missing.csv")),
        *("./file.csv", "a//b.csv", f"{tmp_path}/", f"{tmp_path}/./file.csv"),
    ]
    group = typer.main.get_command(app)
    checked = 0
    for words in COMMANDS:
        command: Any = group
        context = _click.Context(group)
        for word in words:
            command = command.get_command(context, word)
            context = _click.Context(command, parent=context)
        for parameter in getattr(command, "params", []):
            if not hasattr(parameter, "type_descriptor"):
                continue
            for value in values:
                got = _outcome(patched, parameter, context, value)
                want = _outcome(original, parameter, context, value)
                assert got == want, (words, parameter.name, value)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("outcome", "'outcomes'"), ("regsitry", "'registry', 'restore'"), ("versoin", "'version'")],
)
def test_a_misspelled_command_gets_a_suggestion_built_or_not(
    typed: str, suggested: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from hsct.cli.main import main  # noqa: PLC0415

    with pytest.raises(SystemExit) as caught:
        main([typed])

    assert caught.value.code == 2
    assert f"No such command '{typed}'. Did you mean {suggested}?" in capsys.readouterr().err
