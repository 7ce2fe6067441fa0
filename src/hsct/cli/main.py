"""``hsct``: serve the web app, manage the database, and (later) compute from the shell.

Every error is one line on standard error, starting ``Error:``, and a non-zero exit:
2 for a wrong command line, 1 for anything else.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn, Protocol, runtime_checkable

import typer
from rich.console import Console

from hsct import __version__
from hsct.cli.assess import assess_command
from hsct.cli.edss import edss_command
from hsct.cli.journey import journey_command
from hsct.cli.knowledge import facilities_app, knowledge_app, legitimacy_command
from hsct.cli.outcomes import outcomes_app
from hsct.common.errors import HsctError, InvalidInput
from hsct.common.settings import load_settings

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

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def version() -> None:
    """Print the version of HSCT Navigator."""
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

    from hsct.web import create_app  # noqa: PLC0415 - keeps `hsct version` fast
    from hsct.web.logs import log_config  # noqa: PLC0415

    settings = load_settings(host=host, port=port)
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
    uvicorn.run("hsct.web.app:create_app", factory=True, workers=workers, **options)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create the database if needed and apply every migration."""
    from hsct.registry import upgrade_database  # noqa: PLC0415 - keeps other commands fast

    settings = load_settings()
    status = upgrade_database(settings.database_url, revision)
    state = "up to date" if status.up_to_date else f"at revision {status.current}"
    stdout.print(f"Database {status.url} is {state} (revision {status.current}).")


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
    except InvalidInput as exc:
        _fail(
            "; ".join(
                f"{option_name(e.field)}: {e.message}"
                + (f" (allowed: {e.allowed})" if e.allowed else "")
                for e in exc.errors
            ),
            1,
        )
    except HsctError as exc:
        _fail(str(exc), 1)
    except typer.Abort:
        _fail("aborted.", 1)
    except Exception as exc:
        if not isinstance(exc, _CommandLineProblem):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # `hsct` or `hsct db` alone: show help
            stdout.print(exc.format_message(), markup=False)
            sys.exit(0)
        _fail(exc.format_message(), exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)


#: Core field names that have a differently named command-line option.
OPTION_NAMES = {
    "walking.unaided_m": "--walk-unaided",
    "walking.one_aid_m": "--walk-one-aid",
    "walking.two_aids_m": "--walk-two-aids",
    "walking.unrestricted": "--unrestricted",
    "walking.wheelchair": "--wheelchair",
    "walking.bed_status": "--bed-status",
}


def option_name(field: str) -> str:
    """The option a person typed for a core field (environment variables stay as they are).

    Examples
    --------
    >>> option_name("walking.unaided_m"), option_name("bowel_bladder"), option_name("HSCT_PORT")
    ('--walk-unaided', '--bowel-bladder', 'HSCT_PORT')
    """
    if field in OPTION_NAMES:
        return OPTION_NAMES[field]
    if field.isupper() or field.startswith("--"):
        return field
    return "--" + field.replace("_", "-").replace(".", "-")


def _fail(message: str, exit_code: int) -> NoReturn:
    one_line = " ".join(message.split())
    stderr.print(f"Error: {one_line}", markup=False)
    sys.exit(exit_code)
