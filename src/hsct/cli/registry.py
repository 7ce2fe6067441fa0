"""``hsct registry``: a record's entries and its status, for a clinic admin or a script.

Records are named by their id or by the pseudonym of the person who keeps them (``hsct
users create`` prints it); never by a name or an email. Reads are audited with the actor
``cli``. The status is computed by the same code as the status page and the API
(``hsct.registry.status``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from hsct.cli.maintenance import database_url
from hsct.common.errors import FieldError, InvalidInput

registry_app = typer.Typer(
    help="Follow-up records: list entries, recompute the status.", no_args_is_help=True
)
stdout = Console(highlight=False, soft_wrap=True)

Record = Annotated[
    str,
    typer.Option("--record", help="The record's id, or the pseudonym of the person keeping it."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@registry_app.command("entries")
def registry_entries(
    record: Record,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """A record's entries by date: kind, date, who entered it and the fields."""
    from hsct.registry import record as services  # noqa: PLC0415 - fast start
    from hsct.registry import unit_of_work  # noqa: PLC0415
    from hsct.registry.entries import KINDS  # noqa: PLC0415

    bad = [k for k in kind or () if k not in KINDS]
    if bad:
        raise InvalidInput(
            [FieldError("--kind", f"{bad[0]!r:.40} is not a kind", ", ".join(KINDS))]
        )
    with unit_of_work(database_url()) as session:
        patient = services.record_find(session, pseudonym=record)
        rows = services.record_entries_read(
            session, patient_id=patient.id, now=datetime.now(UTC), purpose="cli entries"
        )
        listed: list[dict[str, Any]] = [
            {
                "id": r.id,
                "kind": r.kind,
                "date": r.date.isoformat(),
                "provenance": r.provenance,
                "data": r.data,
            }
            for r in rows
            if not kind or r.kind in kind
        ]
    if as_json:
        stdout.print(json.dumps(listed, ensure_ascii=False), markup=False)
        return
    for entry in listed:
        fields = ", ".join(f"{k}={v}" for k, v in entry["data"].items() if k != "date")
        stdout.print(
            f"{entry['date']}  {entry['kind']:<13} {entry['provenance']:<6} {fields}",
            markup=False,
        )


@registry_app.command("status")
def registry_status(record: Record, as_json: AsJson = False) -> None:
    """Recompute a record's status: NEDA-3 since day 0, events, the five-year mark."""
    from hsct.registry import record as services  # noqa: PLC0415 - fast start
    from hsct.registry import unit_of_work  # noqa: PLC0415
    from hsct.registry.status import record_status  # noqa: PLC0415

    now = datetime.now(UTC)
    with unit_of_work(database_url()) as session:
        patient = services.record_find(session, pseudonym=record)
        rows = services.record_entries_read(
            session, patient_id=patient.id, now=now, purpose="cli status"
        )
        entries = [(r.kind, r.date, dict(r.data)) for r in rows]
    status = record_status(entries, today=now.date())
    if as_json:
        stdout.print(json.dumps(status.to_dict(), ensure_ascii=False), markup=False)
        return
    for need in status.needs:
        stdout.print(f"Missing: {need}", markup=False)
    if status.needs:
        return
    if status.neda_kept is None:
        stdout.print(
            f"NEDA-3 not yet known: nothing assessed after day 0 ({status.transplant_date}).",
            markup=False,
        )
    elif status.neda_kept:
        stdout.print(
            f"NEDA-3 kept for {status.neda_years:.2f} years after day 0 "
            f"({status.transplant_date}), known up to {status.neda_known_until}.",
            markup=False,
        )
    else:
        stdout.print(
            f"NEDA-3 lost on {status.neda_lost_on} after {status.neda_years:.2f} years, by "
            f"{' and '.join(status.neda_lost_by)}.",
            markup=False,
        )
    for part in status.components:
        missing = f" {part.missing}" if part.missing else ""
        stdout.print(
            f"  {part.name:<8} event {part.event_date or '-'}; last assessed "
            f"{part.last_assessed or '-'}.{missing}",
            markup=False,
        )
    stdout.print(
        f"Five years after day 0: {status.five_year_date} ({status.five_year_state}).",
        markup=False,
    )
    if status.report is not None:
        for lines in status.report.explanations:
            stdout.print("- " + " ".join(str(m) for m in lines), markup=False)
