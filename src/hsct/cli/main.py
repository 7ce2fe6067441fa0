"""``hsct``: serve the web app, manage the database, and (later) compute from the shell.

Every error is one line on standard error, starting ``Error:``, and a non-zero exit:
2 for a wrong command line, 1 for anything else.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import importlib
import os
import socket
import sys
from collections.abc import Sequence
from typing import Annotated, Any, Final, NoReturn, Protocol, runtime_checkable

import typer
import typer.main
from typer import _click
from typer.models import CommandInfo, TyperInfo

from hsct.common.errors import FieldError, HsctError, InvalidInput, excerpt


def _coerce_plain_values_without_pydantic() -> None:
    """Coerce an absent value, a text and a path as Typer does, without pydantic.

    Typer (0.29) builds a pydantic adapter for every parameter it is given a value for, so
    any command imported pydantic (85 modules, 0.1-0.15 s) even to turn None into None (an
    option not given, or the ``--help`` flag) or a text into the same text. Those cases are
    done here as Typer's own code does them: None stays None (``()`` for a repeatable
    option); a text for a ``str`` parameter stays as it is; a text for a ``Path`` parameter
    becomes a ``Path`` and goes through Typer's own path checks (``coerce_cli_path``).
    Anything else (numbers, choices, lists, parsers, files) is coerced by Typer as before.
    ``tests/cli/test_startup.py`` compares the results with Typer's for every parameter of
    every command, so a Typer that changes this is seen.
    """
    parameter = getattr(typer.core, "_TyperParameter", None)
    original = getattr(parameter, "process_value", None)
    if parameter is None or original is None or getattr(original, "_hsct_patched", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        done, value = plain_value(self, ctx, value)
        if not done:
            return original(self, ctx, value)
        if self.required and self.value_is_missing(value):
            raise _click.exceptions.MissingParameter(ctx=ctx, param=self)
        return self.callback(ctx, self, value) if self.callback is not None else value

    process_value._hsct_patched = True  # type: ignore[attr-defined]
    process_value._hsct_original = original  # type: ignore[attr-defined]  # for the tests
    parameter.process_value = process_value


def plain_value(parameter: Any, ctx: Any, value: Any) -> tuple[bool, Any]:
    """``(True, coerced)`` when ``value`` needs no pydantic, else ``(False, value)``."""
    from pathlib import Path  # noqa: PLC0415 - cheap, already imported by Typer

    from typer._param_types import coerce_cli_path  # noqa: PLC0415

    several = parameter.multiple or parameter.nargs == -1
    if value is None:
        return True, () if several else None
    described = parameter.type_descriptor
    info = described.parameter_info
    if several or parameter.nargs != 1 or type(value) is not str:
        return False, value
    if info.parser is not None or described.file_annotation is not None:
        return False, value
    if described.annotation is str:
        return True, value
    if described.annotation is Path and info.path_type is None and str(Path(value)) == value:
        # A path written as Path writes it, so Typer's messages quote the same text.
        return True, coerce_cli_path(Path(value), info, path_type=Path, param=parameter, ctx=ctx)
    return False, value


_coerce_plain_values_without_pydantic()

#: Commands and groups whose module is imported, and whose parameters are built, only when
#: they are asked for: name -> (module, attribute, the first paragraph of its help). `hsct
#: --help` lists them from this table; tests/cli/test_startup.py checks it against the
#: commands themselves. In the order `hsct --help` lists them (singles first, as Typer does).
LAZY_COMMANDS: Final[dict[str, tuple[str, str, str]]] = {
    "edss": (
        "hsct.cli.edss",
        "edss_command",
        "Compute the EDSS from functional-system grades and walking, with every step explained.",
    ),
    "legitimacy": (
        "hsct.cli.knowledge",
        "legitimacy_command",
        "Is it real aHSCT? Rate a clinic by the warning signs and safeguards it shows.",
    ),
    "assess": (
        "hsct.cli.assess",
        "assess_command",
        "Check a profile against every guideline, trial and clinic, criterion by criterion.",
    ),
    "journey": (
        "hsct.cli.journey",
        "journey_command",
        "A dated timeline from washout to five years after day 0, each step with its source.",
    ),
    "backup": (
        "hsct.cli.maintenance",
        "backup_command",
        "Write a verified backup of the database, with a manifest, to one file.",
    ),
    "restore": (
        "hsct.cli.maintenance",
        "restore_command",
        "Replace the database with a backup, keeping a safety copy of the current one.",
    ),
    "knowledge": ("hsct.cli.knowledge", "knowledge_app", "Check the knowledge base."),
    "facilities": ("hsct.cli.knowledge", "facilities_app", "The facility directory."),
    "outcomes": (
        "hsct.cli.outcomes",
        "outcomes_app",
        "Confirmed progression (CDW/CDI, PIRA/RAW), NEDA-3/4 and Kaplan-Meier curves.",
    ),
    "audit": ("hsct.cli.maintenance", "audit_app", "Check the audit trail."),
    "users": ("hsct.cli.accounts", "users_app", "Create, invite and disable accounts."),
    "clinics": ("hsct.cli.accounts", "clinics_app", "Create clinics (tenants of the registry)."),
    "tokens": ("hsct.cli.accounts", "tokens_app", "API tokens for machine clients."),
    "registry": (
        "hsct.cli.registry",
        "registry_app",
        "Follow-up records: entries, status; a clinic's imports and exports.",
    ),
}

#: `hsct --help` lists commands in this order: the lazy single commands, the ones defined
#: here, then the groups.
COMMAND_ORDER: Final = (
    "edss",
    "legitimacy",
    "assess",
    "journey",
    "backup",
    "restore",
    "version",
    "serve",
    "db",
    "knowledge",
    "facilities",
    "outcomes",
    "audit",
    "users",
    "clinics",
    "tokens",
    "registry",
)


class LazyGroup(typer.core.TyperGroup):
    """The ``hsct`` group: a command is built only when it is asked for.

    Typer builds every command's parameters (37 commands) and imports every command's
    module before it can show one help text; here `hsct outcomes progression --help`
    imports and builds the outcomes group only, and `hsct --help` lists the commands from
    ``LAZY_COMMANDS`` without building any.
    """

    def list_commands(self, ctx: _click.Context) -> list[str]:  # noqa: ARG002 - click's signature
        return [name for name in COMMAND_ORDER if name in LAZY_COMMANDS or name in self.commands]

    def get_command(
        self,
        ctx: _click.Context,  # noqa: ARG002 - click's signature
        cmd_name: str,
    ) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """As Typer's, with "Did you mean ...?" drawn from every command, built or not."""
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            matches = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and matches:
                suggestions = ", ".join(repr(match) for match in matches)
                error.message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._summary(name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, name: str) -> _click.Command:
        """The command if it is built, else a stand-in carrying its help's first paragraph."""
        if name in self.commands:
            return self.commands[name]
        return typer.core.TyperCommand(name, help=LAZY_COMMANDS[name][2])


def load_command(name: str) -> _click.Command:
    """Import one command's module and build it (a group for a Typer app), as Typer would."""
    module, attribute, _ = LAZY_COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        return typer.main.get_group_from_info(
            TyperInfo(target, name=name),
            pretty_exceptions_short=app.pretty_exceptions_short,
            suggest_commands=app.suggest_commands,
            rich_markup_mode=None,
        )
    return typer.main.get_command_from_info(
        CommandInfo(name=name, callback=target),
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=None,
    )


app = typer.Typer(
    name="hsct",
    cls=LazyGroup,
    help="HSCT Navigator: information and outcomes for aHSCT in multiple sclerosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as click writes it: no boxes for a screen reader to spell out, and no
    # Rich to import and render (about 0.1-0.2 s of every help; issue 17).
    rich_markup_mode=None,
    context_settings={"max_content_width": 100},
)
db_app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def version() -> None:
    """Print the version of HSCT Navigator."""
    from hsct import __version__  # noqa: PLC0415 - reading the metadata slows every start

    sys.stdout.write(f"hsct-navigator {__version__}\n")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [env: HSCT_HOST; default 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on [env: HSCT_PORT; default 8000]."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (one per CPU core is typical).")
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
) -> None:
    """Serve the web app and the JSON API."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from hsct.cli.database import check_database_url  # noqa: PLC0415
    from hsct.common.settings import load_settings  # noqa: PLC0415
    from hsct.web import create_app  # noqa: PLC0415 - keeps `hsct version` fast
    from hsct.web.logs import log_config  # noqa: PLC0415

    settings = load_settings(host=host, port=port)
    check_database_url(settings.database_url)
    check_can_listen(settings.host, settings.port)
    sys.stdout.write(f"Serving HSCT Navigator on http://{settings.host}:{settings.port}/\n")
    sys.stdout.flush()
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "debug" if settings.debug else "info",
        "server_header": False,
        "access_log": access_log,
        "log_config": log_config(),  # the access log never records a query string
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Each worker process builds its own app from the same settings, passed by environment.
    os.environ.update({"HSCT_HOST": settings.host, "HSCT_PORT": str(settings.port)})
    # uvicorn's supervisor replaces a worker that misses its ping for this long; a worker that
    # is still importing, or busy on a loaded machine, must not be killed for it.
    options["timeout_worker_healthcheck"] = WORKER_PING_TIMEOUT_S
    uvicorn.run("hsct.web.app:create_app", factory=True, workers=workers, **options)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create the database if needed and apply every migration."""
    from hsct.cli.database import upgrade  # noqa: PLC0415 - SQLAlchemy: not for --help
    from hsct.common.settings import load_settings  # noqa: PLC0415 - pydantic: not for --help

    settings = load_settings()
    status = upgrade(settings.database_url, revision)
    state = "up to date" if status.up_to_date else f"at revision {status.current}"
    sys.stdout.write(f"Database {status.url} is {state} (revision {status.current}).\n")


def check_can_listen(host: str, port: int) -> None:
    """Bind the address once, so a port in use or an unknown host is one line, not a log.

    Raises
    ------
    InvalidInput
        Under ``--host`` (cannot be resolved or is not an address of this machine) or
        ``--port`` (in use, or not allowed).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a host name"
        raise InvalidInput(
            [FieldError("--host", f"cannot resolve {excerpt(host)}: {reason}", "e.g. 127.0.0.1")]
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            field = "--port" if exc.errno in {errno.EADDRINUSE, errno.EACCES} else "--host"
            raise InvalidInput(
                [
                    FieldError(
                        field,
                        f"cannot listen on {excerpt(host)} port {port}: {exc.strerror or exc}",
                    )
                ]
            ) from None


@runtime_checkable
class _CommandLineProblem(Protocol):
    """What click's exceptions offer; Typer vendors click, so we match by shape, not class."""

    exit_code: int

    def format_message(self) -> str: ...


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``hsct`` command."""
    try:
        result = app(
            args=list(argv) if argv is not None else None,
            prog_name="hsct",
            standalone_mode=False,
        )
    except KeyboardInterrupt:  # typer turns most into exit 130 itself; this catches the rest
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`hsct ... | head`): nothing to say
        _silence_stdout()
        sys.exit(1)
    except InvalidInput as exc:
        _fail(
            "; ".join(
                f"{option_name(e.field)}: {_capped(e.message)}"
                + (f" (allowed: {e.allowed})" if e.allowed else "")
                for e in exc.errors
            ),
            1,
        )
    except HsctError as exc:
        _fail(str(exc), 1)
    except typer.Abort:
        _fail("aborted.", 1)
    except Exception as exc:  # the last resort: never a traceback
        if not isinstance(exc, _CommandLineProblem):
            _fail(f"unexpected {type(exc).__name__}: {_brief(exc)} (please report this)", 1)
        if type(exc).__name__ == "NoArgsIsHelpError":  # `hsct` or `hsct db` alone: show help
            sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        _fail(exc.format_message(), exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)


#: No problem in an error line is longer than this (the core quotes input by excerpts).
MESSAGE_CHARS: Final = 200

#: Core field names that have a differently named command-line option.
OPTION_NAMES = {
    "walking.unaided_m": "--walk-unaided",
    "walking.one_aid_m": "--walk-one-aid",
    "walking.two_aids_m": "--walk-two-aids",
    "walking.unrestricted": "--unrestricted",
    "walking.wheelchair": "--wheelchair",
    "walking.bed_status": "--bed-status",
    "files": "FILES",
}


#: Seconds a worker may take to answer uvicorn's supervisor (its default is 5).
WORKER_PING_TIMEOUT_S: Final = 60


def option_name(field: str) -> str:
    """The option a person typed for a core field (environment variables stay as they are).

    Examples
    --------
    >>> option_name("walking.unaided_m"), option_name("bowel_bladder"), option_name("HSCT_PORT")
    ('--walk-unaided', '--bowel-bladder', 'HSCT_PORT')
    """
    if field in OPTION_NAMES:
        return OPTION_NAMES[field]
    if field.isupper() or field.startswith("--") or " " in field:  # "file visits.csv"
        return field
    return "--" + field.replace("_", "-").replace(".", "-")


def _capped(message: str, limit: int = MESSAGE_CHARS) -> str:
    """A problem shortened to ``limit`` characters: a net under messages that quote input.

    >>> _capped("x" * 300, 10)
    'xxxxxxxxx…'
    """
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _brief(exc: BaseException) -> str:
    """The first words of an unexpected error, short enough not to echo much input."""
    return _capped(" ".join(str(exc).split()), 100)


def _silence_stdout() -> None:
    """Point stdout at nothing, so flushing at exit cannot raise again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str, exit_code: int) -> NoReturn:
    one_line = " ".join(message.split())
    sys.stderr.write(f"Error: {one_line}\n")
    sys.stderr.flush()
    sys.exit(exit_code)
