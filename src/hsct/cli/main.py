"""``hsct``: serve the web app, manage the database, and (later) compute from the shell.

Every error is one line on standard error, starting ``Error:``, and a non-zero exit:
2 for a wrong command line, 1 for anything else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
from collections.abc import Sequence
from typing import Annotated, Any, Final, NoReturn, Protocol, runtime_checkable

import typer
from rich.console import Console

from hsct.cli.accounts import clinics_app, tokens_app, users_app
from hsct.cli.assess import assess_command
from hsct.cli.database import check_database_url, upgrade
from hsct.cli.edss import edss_command
from hsct.cli.journey import journey_command
from hsct.cli.knowledge import facilities_app, knowledge_app, legitimacy_command
from hsct.cli.maintenance import audit_app, backup_command, restore_command
from hsct.cli.outcomes import outcomes_app
from hsct.cli.registry import registry_app
from hsct.common.errors import FieldError, HsctError, InvalidInput, excerpt


def _leave_absent_flags_alone() -> None:
    """Let an absent flag's value (None) pass without coercion.

    Typer (0.29) coerces every parameter's value through a pydantic adapter, even the None
    of a ``--help`` flag that was not given, so ``hsct GROUP --help`` imported pydantic
    (85 modules, 60-100 ms) only to turn None into None. A flag (a bool option) whose value
    is None is now passed through as it is; every other value is coerced as before.
    ``tests/cli/test_startup.py`` checks both, so a Typer that changes this is seen.
    """
    parameter = getattr(typer.core, "_TyperParameter", None)
    original = getattr(parameter, "process_value", None)
    if parameter is None or original is None or getattr(original, "_hsct_patched", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if value is None and self.type_descriptor.annotation is bool and not self.required:
            return self.callback(ctx, self, value) if self.callback is not None else value
        return original(self, ctx, value)

    process_value._hsct_patched = True  # type: ignore[attr-defined]
    parameter.process_value = process_value


_leave_absent_flags_alone()

app = typer.Typer(
    name="hsct",
    help="HSCT Navigator: information and outcomes for aHSCT in multiple sclerosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create or upgrade the database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.command("edss")(edss_command)
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(facilities_app, name="facilities")
app.command("legitimacy")(legitimacy_command)
app.command("assess")(assess_command)
app.command("journey")(journey_command)
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(audit_app, name="audit")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(users_app, name="users")
app.add_typer(clinics_app, name="clinics")
app.add_typer(tokens_app, name="tokens")
app.add_typer(registry_app, name="registry")

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def version() -> None:
    """Print the version of HSCT Navigator."""
    from hsct import __version__  # noqa: PLC0415 - reading the metadata slows every start

    stdout.print(f"hsct-navigator {__version__}")


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

    from hsct.common.settings import load_settings  # noqa: PLC0415
    from hsct.web import create_app  # noqa: PLC0415 - keeps `hsct version` fast
    from hsct.web.logs import log_config  # noqa: PLC0415

    settings = load_settings(host=host, port=port)
    check_database_url(settings.database_url)
    check_can_listen(settings.host, settings.port)
    stdout.print(f"Serving HSCT Navigator on http://{settings.host}:{settings.port}/")
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
    from hsct.common.settings import load_settings  # noqa: PLC0415 - pydantic: not for --help

    settings = load_settings()
    status = upgrade(settings.database_url, revision)
    state = "up to date" if status.up_to_date else f"at revision {status.current}"
    stdout.print(f"Database {status.url} is {state} (revision {status.current}).")


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
            stdout.print(exc.format_message(), markup=False)
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
    stderr.print(f"Error: {one_line}", markup=False)
    sys.exit(exit_code)
