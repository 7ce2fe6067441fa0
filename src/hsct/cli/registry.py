"""``hsct registry``: a record's entries and its status, for a clinic admin or a script.

Records are named by their id or by the pseudonym of the person who keeps them (``hsct
users create`` prints it); never by a name or an email. Reads are audited with the actor
``cli``. The status is computed by the same code as the status page and the API
(``hsct.registry.status``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from hsct.cli.console import stdout
from hsct.cli.maintenance import database_url
from hsct.common.errors import FieldError, InvalidInput

registry_app = typer.Typer(
    help="Follow-up records: entries, status; a clinic's imports and exports.",
    no_args_is_help=True,
)

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
        stdout().print(json.dumps(listed, ensure_ascii=False), markup=False)
        return
    for entry in listed:
        fields = ", ".join(f"{k}={v}" for k, v in entry["data"].items() if k != "date")
        stdout().print(
            f"{entry['date']}  {entry['kind']:<13} {entry['provenance']:<6} {fields}",
            markup=False,
        )


@registry_app.command("status")
def registry_status(
    record: Annotated[
        str | None,
        typer.Option("--record", help="A record's id, or the pseudonym of the person keeping it."),
    ] = None,
    clinic: Annotated[
        str | None, typer.Option("--clinic", help="A clinic's id: counts of its registry.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """A record's status (NEDA-3 since day 0, events, five years), or a clinic's counts."""
    from hsct.registry import record as services  # noqa: PLC0415 - fast start
    from hsct.registry import unit_of_work  # noqa: PLC0415
    from hsct.registry.status import record_status  # noqa: PLC0415

    if (record is None) == (clinic is None):
        raise InvalidInput(
            [FieldError("--record", "give --record or --clinic (one of them)", None)]
        )
    if clinic is not None:
        _clinic_status(clinic, as_json=as_json)
        return
    assert record is not None  # noqa: S101 - checked above
    now = datetime.now(UTC)
    with unit_of_work(database_url()) as session:
        patient = services.record_find(session, pseudonym=record)
        rows = services.record_entries_read(
            session, patient_id=patient.id, now=now, purpose="cli status"
        )
        entries = [(r.kind, r.date, dict(r.data)) for r in rows]
    status = record_status(entries, today=now.date())
    if as_json:
        stdout().print(json.dumps(status.to_dict(), ensure_ascii=False), markup=False)
        return
    for need in status.needs:
        stdout().print(f"Missing: {need}", markup=False)
    if status.needs:
        return
    if status.neda_kept is None:
        stdout().print(
            f"NEDA-3 not yet known: nothing assessed after day 0 ({status.transplant_date}).",
            markup=False,
        )
    elif status.neda_kept:
        stdout().print(
            f"NEDA-3 kept for {status.neda_years:.2f} years after day 0 "
            f"({status.transplant_date}), known up to {status.neda_known_until}.",
            markup=False,
        )
    else:
        stdout().print(
            f"NEDA-3 lost on {status.neda_lost_on} after {status.neda_years:.2f} years, by "
            f"{' and '.join(status.neda_lost_by)}.",
            markup=False,
        )
    for part in status.components:
        missing = f" {part.missing}" if part.missing else ""
        stdout().print(
            f"  {part.name:<8} event {part.event_date or '-'}; last assessed "
            f"{part.last_assessed or '-'}.{missing}",
            markup=False,
        )
    stdout().print(
        f"Five years after day 0: {status.five_year_date} ({status.five_year_state}).",
        markup=False,
    )
    if status.report is not None:
        for lines in status.report.explanations:
            stdout().print("- " + " ".join(str(m) for m in lines), markup=False)


def _clinic_status(clinic: str, *, as_json: bool) -> None:
    from hsct.registry import unit_of_work  # noqa: PLC0415 - fast start
    from hsct.registry.cohort import cohort_status  # noqa: PLC0415

    with unit_of_work(database_url()) as session:
        status = cohort_status(session, actor=None, clinic_id=clinic)
    if as_json:
        stdout().print(json.dumps(status.to_dict(), ensure_ascii=False), markup=False)
        return
    stdout().print(
        f"{status.clinic_name}: {status.patients} patients ({status.locked} locked), "
        f"{status.imports} imports, {status.shares} people sharing their records.",
        markup=False,
    )
    for kind, n in status.entries.items():
        stdout().print(f"  {kind:<14} {n}", markup=False)
    who = ", ".join(f"{k} {v}" for k, v in status.provenance.items()) or "none"
    stdout().print(f"Entered by: {who}.", markup=False)


Clinic = Annotated[str, typer.Option("--clinic", help="The clinic's id (hsct clinics list).")]


def _import_files(paths: list[str]) -> list[Any]:
    """The files named on the command line (``TABLE=PATH`` names the table), read whole."""
    from hsct.cli.files import check_readable, reading, shown  # noqa: PLC0415
    from hsct.registry.imports import MAX_FILE_BYTES, TABLES, ImportFile  # noqa: PLC0415

    files = []
    for given in paths:
        table, sep, path_text = given.partition("=")
        if not sep or table not in TABLES:
            table, path_text = "", given
        path = Path(path_text)
        check_readable(path, "FILES")
        with reading(path, "FILES"):
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InvalidInput(
                    [
                        FieldError(
                            "FILES",
                            f"{shown(path)} is {size / 1e6:.1f} MB; one file may be up to "
                            f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
                            "smaller files (split it by year or by patient)",
                        )
                    ]
                )
            files.append(ImportFile(path.name, path.read_bytes(), table or None))
    return files


def _mapping(session: Any, clinic: str, mapping: str | None) -> tuple[Any, str | None]:
    """A saved mapping by name, or a mapping file (``.json``)."""
    from hsct.cli.files import read_object  # noqa: PLC0415
    from hsct.registry import imports  # noqa: PLC0415

    if mapping is None:
        return None, None
    if mapping.endswith(".json") or "/" in mapping:
        return read_object(Path(mapping), "--mapping", toml=False), Path(mapping).name
    saved = imports.mapping_get(session, actor=None, clinic_id=clinic, name=mapping)
    return saved.mapping, saved.name


@registry_app.command("import")
def registry_import(  # noqa: PLR0917 - typer passes options by keyword
    clinic: Clinic,
    files: Annotated[
        list[str],
        typer.Argument(
            help="CSV or Parquet files named after their table (patients, transplants, "
            "visits, relapses, mri), or TABLE=FILE.",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
    ] = False,
    dates: Annotated[
        str,
        typer.Option("--dates", help="How the files write dates: iso, day-first, month-first."),
    ] = "iso",
    mapping: Annotated[
        str | None,
        typer.Option("--mapping", help="A saved column mapping's name, or a mapping .json file."),
    ] = None,
    accept_refused: Annotated[
        bool,
        typer.Option(
            "--accept-refused", help="Import the good rows even when some rows are refused."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Import a clinic's follow-up files: all the rows or none; the same file twice adds nothing."""
    from hsct.registry import imports, unit_of_work  # noqa: PLC0415 - fast start

    if dates not in imports.DATE_ORDERS:
        raise InvalidInput(
            [
                FieldError(
                    "--dates", f"{dates!r:.40} is not a date order", "iso, day-first, month-first"
                )
            ]
        )
    given = _import_files(files)
    now = datetime.now(UTC)
    with unit_of_work(database_url()) as session:
        raw, name = _mapping(session, clinic, mapping)
        options = imports.ImportOptions(dates=dates, mapping=raw, mapping_name=name)
        plan = imports.import_dry_run(
            session, actor=None, clinic_id=clinic, files=given, options=options, now=now
        )
        stopped = plan.refused > 0 and not accept_refused
        _print_plan(plan, as_json=as_json, dry_run=dry_run or stopped)
        if not dry_run:  # refused rows without --accept-refused: one Error: line, exit 1
            imports.import_commit(
                session,
                actor=None,
                clinic_id=clinic,
                files=given,
                options=options,
                now=now,
                accept_refused=accept_refused,
                plan=plan,
            )
            stdout().print("Imported: every row above that was not refused.", markup=False)


@registry_app.command("import-fhir")
def registry_import_fhir(
    clinic: Clinic,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="The registry's own FHIR export: NDJSON files (Patient.ndjson, ...), FHIR "
            "Bundles (.json), or a ZIP of them.",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything; write nothing.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Import a FHIR export as new records of the clinic: all of them or none (existing study
    codes are refused; the CSV import updates records)."""
    from hsct.cli.files import check_readable, reading, shown  # noqa: PLC0415 - fast start
    from hsct.registry import unit_of_work  # noqa: PLC0415
    from hsct.registry.fhir_import import MAX_FILE_BYTES, FhirFile, fhir_import  # noqa: PLC0415

    given = []
    for path in files:
        check_readable(path, "FILES")
        with reading(path, "FILES"):
            if path.stat().st_size > MAX_FILE_BYTES:
                raise InvalidInput(
                    [
                        FieldError(
                            "FILES",
                            f"{shown(path)} is larger than {MAX_FILE_BYTES // 2**20} MB",
                            "smaller files (the NDJSON files of one export are one per type)",
                        )
                    ]
                )
            given.append(FhirFile(path.name, path.read_bytes()))
    with unit_of_work(database_url()) as session:
        result = fhir_import(
            session,
            actor=None,
            clinic_id=clinic,
            files=given,
            now=datetime.now(UTC),
            dry_run=dry_run,
        )
    if as_json:
        out = {**result.to_dict(), "dry_run": dry_run}
        stdout().print(json.dumps(out, ensure_ascii=False), markup=False)
        return
    kinds = ", ".join(f"{kind} {n}" for kind, n in result.entries.items() if n) or "none"
    verb = "Would add" if dry_run else "Added"
    stdout().print(
        f"{verb} {result.records} records with their entries ({kinds})."
        + (" Nothing is written." if dry_run else f" Import {result.import_id}."),
        markup=False,
    )


#: Rows to add are listed one by one up to this many (changes and refusals always are).
ROWS_LISTED = 100


def _print_plan(plan: Any, *, as_json: bool, dry_run: bool) -> None:
    if as_json:
        stdout().print(
            json.dumps({**plan.to_dict(), "dry_run": dry_run}, ensure_ascii=False), markup=False
        )
        return
    adds = sum(1 for row in plan.rows if row.action == "add")
    for row in plan.rows:
        if row.action == "same" or (row.action == "add" and adds > ROWS_LISTED):
            continue
        what = ", ".join(row.fields) if row.action == "change" else ", ".join(row.kinds)
        problems = "; ".join(
            f"{p.field}: {p.message}" + (f" (allowed: {p.allowed})" if p.allowed else "")
            for p in row.problems
        )
        stdout().print(
            f"{row.file} row {row.row}: {row.action} {row.patient} {row.date or ''} "
            f"{problems or what}".rstrip(),
            markup=False,
        )
    for file in plan.files:
        if file.ignored:
            stdout().print(f"{file.name}: columns ignored: {', '.join(file.ignored)}", markup=False)
    if adds > ROWS_LISTED:
        stdout().print(f"{adds} rows to add (--json lists every row).", markup=False)
    total = plan.counts["total"]
    verb = "Would add" if dry_run else "Adds"
    stdout().print(
        f"{verb} {total['add']}, {'would change' if dry_run else 'changes'} {total['change']}, "
        f"unchanged {total['same']}, refused {total['refused']} rows."
        + (" Nothing is written yet." if dry_run else ""),
        markup=False,
    )


@registry_app.command("export")
def registry_export(
    clinic: Clinic,
    out: Annotated[Path, typer.Option("--out", help="A folder for the files (made if missing).")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv, parquet, fhir (Bundles), ndjson (FHIR, a file per type) or ebmt.",
        ),
    ] = "csv",
) -> None:
    """Export a clinic's records: CSV with a data dictionary, Parquet, FHIR R4 (Bundles or
    NDJSON), or EBMT/CIBMTR-mappable transplant and yearly tables with their mapping."""
    from hsct.cli.files import check_writable, writing  # noqa: PLC0415 - fast start
    from hsct.registry import cohort, unit_of_work  # noqa: PLC0415

    if fmt not in cohort.FORMATS:
        raise InvalidInput(
            [FieldError("--format", f"{fmt!r:.40} is not a format", ", ".join(cohort.FORMATS))]
        )
    if out.exists() and not out.is_dir():
        raise InvalidInput([FieldError("--out", f"{str(out)!r:.80} is a file", "a folder")])
    check_writable(out / "x", "--out") if out.is_dir() else check_writable(out, "--out")
    with unit_of_work(database_url()) as session:
        written: dict[str, str | bytes] = dict(
            cohort.cohort_files(
                session, actor=None, clinic_id=clinic, now=datetime.now(UTC), fmt=fmt
            )
        )
        patients = cohort.cohort_status(session, actor=None, clinic_id=clinic).patients
    with writing(out, "--out"):
        out.mkdir(parents=True, exist_ok=True)
        for name, content in written.items():
            target = out / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
    stdout().print(
        f"Wrote {len(written)} files for {patients} patients to {out}.",
        markup=False,
    )


@registry_app.command("mapping-save")
def registry_mapping_save(
    clinic: Clinic,
    name: Annotated[str, typer.Option("--name", help="The mapping's name, e.g. 'our REDCap'.")],
    file: Annotated[Path, typer.Argument(help="The mapping, as JSON.", show_default=False)],
) -> None:
    """Save a column mapping for a clinic (to import a REDCap or other export)."""
    from hsct.cli.files import read_object  # noqa: PLC0415 - fast start
    from hsct.registry import imports, unit_of_work  # noqa: PLC0415

    mapping = read_object(file, "FILE", toml=False)
    with unit_of_work(database_url()) as session:
        saved = imports.mapping_save(
            session, actor=None, clinic_id=clinic, name=name, mapping=mapping, now=datetime.now(UTC)
        )
        tables = ", ".join(saved.mapping["tables"])
        stdout().print(f"Saved the mapping {saved.name!r} ({tables}).", markup=False)
