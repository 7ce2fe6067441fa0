"""``hsct audit verify``, ``hsct backup`` and ``hsct restore``: the database named by
``HSCT_DATABASE_URL``, checked, copied and put back.

Every fault is one ``Error:`` line and exit 1 (2 for a wrong command line), as everywhere
in ``hsct``; a broken audit chain is such a fault. The registry is imported inside each
command, so ``hsct version`` stays fast.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hsct.cli.console import stderr, stdout
from hsct.cli.database import CONNECT_TIMEOUT_S, check_database_url
from hsct.cli.files import check_readable, check_writable, shown
from hsct.common.errors import FieldError, HsctError, InvalidInput

if TYPE_CHECKING:
    from hsct.registry import ChainReport

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


def say(line: str) -> None:
    """Print a line as it is (paths and URLs may hold ``[`` that Rich would read as markup)."""
    stdout().print(line, markup=False)


class AuditChainBrokenError(HsctError):
    """The audit chain does not verify; the message names the first event that does not fit."""


def database_url() -> str:
    """``HSCT_DATABASE_URL`` (or the default), checked without connecting.

    Raises
    ------
    InvalidInput
        Under ``HSCT_DATABASE_URL`` for a URL that does not parse or has no driver.
    """
    from hsct.common.settings import load_settings  # noqa: PLC0415 - pydantic: not for --help

    url = load_settings().database_url
    check_database_url(url)
    # libpq waits for ever on a server that accepts and never answers; a person can override.
    os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_S))
    return url


def chain_summary(report: ChainReport) -> str:
    """``3 events, head 3 ab12…`` (the whole head hash, so it can be compared)."""
    return f"{report.events} events, head {report.head.seq} {report.head.row_hash}"


@audit_app.command("verify")
def audit_verify_command() -> None:
    """Recompute the audit hash chain; exit 1 naming the first changed or missing event."""
    from hsct.registry import database_audit_verify  # noqa: PLC0415 - keeps start-up fast

    report = database_audit_verify(database_url())
    if not report.intact:
        where = "" if report.first_bad_seq is None else f" at event {report.first_bad_seq}"
        raise AuditChainBrokenError(
            f"the audit chain is broken{where}: {report.problem} "
            f"({report.events} verified before it)"
        )
    say(f"Audit chain intact: {chain_summary(report)}.")


def backup_command(
    out: Annotated[
        Path, typer.Option("--out", help="The backup file to write (one zip file, mode 600).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Write a verified backup of the database, with a manifest, to one file."""
    from hsct.registry import database_backup, display_url  # noqa: PLC0415

    url = database_url()
    if out.exists() and not force and not out.is_dir():
        raise InvalidInput(
            [FieldError("--out", f"{shown(out)} already exists", "a new file, or --force")]
        )
    check_writable(out, "--out")
    manifest = database_backup(url, out=out, now=datetime.now(UTC), overwrite=force)
    say(
        f"Backed up {display_url(url)} to {shown(out)} "
        f"(schema revision {manifest.revision}, {manifest.size:,} bytes)."
    )
    say(f"SHA-256 of the database: {manifest.sha256}")
    say(f"Audit chain: {chain_summary(manifest.audit)}.")
    if not manifest.audit.intact:
        stderr().print(
            f"Warning: the audit chain is broken: {manifest.audit.problem} "
            "(the backup records this).",
            markup=False,
        )


def restore_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A backup made by hsct backup.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask before replacing the database.")
    ] = False,
) -> None:
    """Replace the database with a backup, keeping a safety copy of the current one.

    Stop `hsct serve` first: the database is swapped under it otherwise.
    """
    from hsct.registry import (  # noqa: PLC0415
        backup_manifest_read,
        database_restore,
        display_url,
    )

    url = database_url()
    check_readable(file, "FILE")
    manifest = backup_manifest_read(file)
    target = display_url(url)
    if not yes:
        if not sys.stdin.isatty():
            raise HsctError(
                f"restore replaces the database at {target}; pass --yes to confirm "
                "(there is no terminal to ask on)"
            )
        question = (
            f"Replace the database at {target} with the backup made "
            f"{manifest.created_at:%Y-%m-%d %H:%M} UTC (schema revision {manifest.revision}, "
            f"{manifest.audit.events} audit events)? A safety copy of it is kept."
        )
        if not typer.confirm(question):
            raise typer.Abort
    result = database_restore(url, source=file, now=datetime.now(UTC))
    say(
        f"Restored {shown(file)} (made {manifest.created_at.isoformat()}, "
        f"schema revision {manifest.revision}) into {target}."
    )
    if result.upgraded_from is not None:
        say(f"Upgraded from schema revision {result.upgraded_from} to {result.revision}.")
    if result.safety_copy is not None:
        say(f"Safety copy of the previous database: {shown(result.safety_copy)}")
    say(f"Audit chain: {chain_summary(result.audit)}.")
    if not result.audit.intact or result.audit.head != manifest.audit.head:
        stderr().print(
            "Warning: the restored audit chain does not verify or differs from the backup's "
            f"manifest: {result.audit.problem or 'another head'}.",
            markup=False,
        )
