"""``hsct journey``: a dated plan at a facility, printed, as JSON, or as a calendar file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from hsct.cli.assess import profile_errors, read_profile_file
from hsct.cli.console import stdout
from hsct.cli.files import check_writable, writing
from hsct.common.errors import FieldError, InvalidInput, excerpt

BASIS_WORDS = {"facility": "", "generic": " (typical timing)", "profile": " (from your drugs)"}


def _date(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            [FieldError(option, f"{excerpt(text)} is not a date", "YYYY-MM-DD")]
        ) from None


def journey_command(  # noqa: PLR0917 - one option per input
    facility: Annotated[str, typer.Option(help="Facility id, e.g. moscow-pirogov.")],
    admission: Annotated[str | None, typer.Option(help="Admission date (YYYY-MM-DD).")] = None,
    transplant: Annotated[
        str | None, typer.Option(help="Wished-for day 0 (YYYY-MM-DD), instead of --admission.")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option(help="Profile file (.json/.toml); its drugs give the washouts.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ics: Annotated[Path | None, typer.Option(help="Also write an iCalendar file here.")] = None,
    today: Annotated[str | None, typer.Option(help="Plan as if today were this date.")] = None,
) -> None:
    """A dated timeline from washout to five years after day 0, each step with its source."""
    from hsct.eligibility import parse_profile  # noqa: PLC0415 - `hsct --help` stays fast
    from hsct.journey import plan, to_ics  # noqa: PLC0415
    from hsct.journey.export import timeline_dict  # noqa: PLC0415
    from hsct.knowledge import load_catalog  # noqa: PLC0415

    check_writable(ics, "--ics")  # before any work
    data = None if profile is None else read_profile_file(profile, "--profile")
    catalog = load_catalog()
    person = None
    if data is not None:
        try:
            person = parse_profile(data, catalog)
        except InvalidInput as exc:
            raise profile_errors("--profile", exc) from None
    try:
        timeline = plan(
            facility,
            admission_date=_date("--admission", admission),
            transplant_date=_date("--transplant", transplant),
            profile=person,
            catalog=catalog,
            today=_date("--today", today),
        )
    except InvalidInput as exc:  # name the options as typed
        names = {"admission_date": "--admission", "transplant_date": "--transplant"}
        raise InvalidInput(
            [FieldError(names.get(e.field, e.field), e.message, e.allowed) for e in exc.errors]
        ) from None
    if ics is not None:
        with writing(ics, "--ics"):
            ics.write_bytes(to_ics(timeline))
    console = stdout()
    if as_json:
        console.print(
            json.dumps(timeline_dict(timeline), indent=2, ensure_ascii=False), markup=False
        )
        return
    for warning in timeline.warnings:
        console.print(f"Warning: {warning}", markup=False)
    for warning in timeline.stopping:
        console.print(f"Warning: {warning}", markup=False)
    console.print(
        f"{timeline.facility.name}: admission {timeline.admission}, day 0 {timeline.day0}, "
        f"discharge {timeline.discharge}, home {timeline.home}.",
        markup=False,
    )
    month = ""
    for item in timeline.milestones:
        if item.start.strftime("%Y-%m") != month:
            month = item.start.strftime("%Y-%m")
            console.print(f"\n{month}")
        when = str(item.start) if item.start == item.end else f"{item.start} to {item.end}"
        console.print(f"  {when}  {item.title}{BASIS_WORDS[item.basis]}", markup=False)
        console.print(f"      {item.description}", markup=False)
        for source in item.sources:
            console.print(f"      source: {source.label} ({source.date})", markup=False)
    if ics is not None:
        console.print(f"\nCalendar written to {ics}", markup=False)
