"""``hsct outcomes``: confirmed progression, NEDA and Kaplan-Meier curves from CSV files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hsct.cli.files import check_readable, check_writable, read_object, reading, writing
from hsct.common.errors import FieldError, HsctError, InvalidInput, excerpt
from hsct.outcomes import (
    ENDPOINTS,
    LIFELINES,
    PRESETS,
    REBASELINE_WINDOW_MONTHS,
    Cohort,
    NedaOptions,
    ProgressionResult,
    build_cohort,
    curves_svg,
    explain,
    groups_of,
    km_fit,
    neda,
    neda_sources,
    parse_options,
    progression,
    read_csv,
    to_records,
)
from hsct.outcomes.tables import Table as InputTable

outcomes_app = typer.Typer(
    help="Confirmed progression (CDW/CDI, PIRA/RAW), NEDA-3/4 and Kaplan-Meier curves.",
    no_args_is_help=True,
)
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

Visits = Annotated[Path, typer.Option(help="CSV: patient_id,date,edss.")]
Relapses = Annotated[Path | None, typer.Option(help="CSV: patient_id,date (relapse onset).")]
Mri = Annotated[
    Path | None,
    typer.Option(help="CSV: patient_id,date,gd_enhancing,new_t2[,brain_volume_change]."),
]
Patients = Annotated[
    Path | None,
    typer.Option(help="CSV: patient_id,transplant_date[,facility,regimen,ms_type...] (time zero)."),
]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Leave out rows that cannot be used (and list them).")
]
Report = Annotated[Path | None, typer.Option(help="Write every row problem to this CSV file.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NedaMri = Annotated[
    Path, typer.Option(help="CSV: patient_id,date,gd_enhancing,new_t2[,brain_volume_change].")
]
CdwPreset = Annotated[str, typer.Option(help="Options for the CDW part.")]
CdwOptions = Annotated[Path | None, typer.Option("--options", help="JSON options for CDW.")]
_START, _END = (f"{m:g}" for m in REBASELINE_WINDOW_MONTHS)
Rebaseline = Annotated[
    bool,
    typer.Option(
        "--rebaseline",
        help=f"Re-baseline the MRI part of NEDA: the last scan {_START}-{_END} months after "
        "time zero (else the first after that) is the new reference.",
    ),
]
RebaselineWindow = Annotated[
    str | None,
    typer.Option(
        help=f"Re-baseline window START,END in months after time zero (default {_START},"
        f"{_END}); implies --rebaseline."
    ),
]
RebaselineMonths = Annotated[
    float | None,
    typer.Option(help="Older form: the same as --rebaseline-window-months N,N."),
]


class RowProblemsError(HsctError):
    """Input rows that cannot be used, and the run was not told to skip them."""


def _pair(option: str, text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2):
        raise InvalidInput(
            [FieldError(option, f"{excerpt(text)} is not days", "DAYS or BEFORE,AFTER")]
        )
    return parts if len(parts) == 2 else [parts[0], 0.0]


def _options(raw: dict[str, Any], options_file: Path | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    if options_file is not None:
        merged.update(read_object(options_file, "--options", toml=False))
    merged.update({k: v for k, v in raw.items() if v is not None})
    return merged


def _load(
    visits: Path,
    relapses: Path | None,
    mri: Path | None,
    patients: Path | None,
    *,
    skip_invalid: bool,
    report: Path | None,
) -> Cohort:
    frames = {
        "visits": _read(visits, "visits"),
        "relapses": None if relapses is None else _read(relapses, "relapses"),
        "mri": None if mri is None else _read(mri, "mri"),
        "patients": None if patients is None else _read(patients, "patients"),
    }
    cohort = build_cohort(
        frames["visits"], frames["relapses"], frames["mri"], frames["patients"], strict=False
    )
    problems = cohort.report
    if report is not None:
        with writing(report, "--report"):
            problems.frame().to_csv(report, index=False)
    if problems.n_errors or problems.n_warnings:
        _print_problems(cohort, limit=10)
    if problems.n_errors and not skip_invalid:
        raise RowProblemsError(
            f"{problems.n_errors} input rows cannot be used (listed above"
            + (f" and in {report}" if report else "")
            + "); fix them, or run again with --skip-invalid to leave them out."
        )
    return cohort


def _read(path: Path, table: InputTable) -> pd.DataFrame:
    """A CSV input; a folder or an unreadable file is one error naming the option."""
    check_readable(path, f"--{table}")
    with reading(path, f"--{table}"):
        return read_csv(path, table)


def _print_problems(cohort: Cohort, *, limit: int) -> None:
    frame = cohort.report.frame()
    errors = frame[frame["severity"] == "error"].head(limit)
    for r in errors.itertuples():
        patient = str(r.patient_id) if len(str(r.patient_id)) <= 40 else excerpt(r.patient_id)
        value = excerpt(r.value) if isinstance(r.value, str) else repr(r.value)
        stderr.print(
            f"{r.table} row {r.row} (patient {patient}): {r.field} {value} {r.problem}",
            markup=False,
        )
    table = Table(title="Input rows with problems", title_justify="left")
    for column in ("table", "severity", "problem", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for r in cohort.report.counts().itertuples():
        table.add_row(r.table, r.severity, r.problem, str(r.rows))
    stderr.print(table)


def _run(cohort: Cohort, options: Any) -> ProgressionResult:
    with Progress(
        TextColumn("Searching for events"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("patients"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as bar:
        task = bar.add_task("search", total=cohort.n_patients)
        return progression(cohort, options, progress=lambda done: bar.advance(task, done))


def progression_command(  # noqa: PLR0917 - one option per definition
    visits: Visits,
    relapses: Relapses = None,
    mri: Mri = None,
    patients: Patients = None,
    preset: Annotated[
        str, typer.Option(help=f"Starting options: {', '.join(PRESETS)}.")
    ] = "default",
    options_file: Annotated[
        Path | None, typer.Option("--options", help="JSON file of options (names as in the guide).")
    ] = None,
    event: Annotated[
        str | None,
        typer.Option(help="firstCDW, firstCDI, first, firstPIRA, firstRAW or multiple."),
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="fixed, roving, roving_impr or roving_wors.")
    ] = None,
    proceed_from: Annotated[str | None, typer.Option(help="firstconf or event.")] = None,
    threshold: Annotated[str | None, typer.Option(help="msbase (default) or pymsprog.")] = None,
    improvement_threshold: Annotated[
        str | None, typer.Option(help="msbase, pymsprog or mirror (default: as --threshold).")
    ] = None,
    conf_days: Annotated[
        list[float] | None, typer.Option(help="Confirmation period in days; repeat for several.")
    ] = None,
    conf_tol: Annotated[
        str | None, typer.Option(help="Tolerance BEFORE,AFTER in days (default 7,730.5).")
    ] = None,
    require_sust_days: Annotated[
        float | None, typer.Option(help="The change must hold this many days (0: no rule).")
    ] = None,
    check_intermediate: Annotated[
        bool | None,
        typer.Option(
            "--check-intermediate/--no-check-intermediate",
            help="Every visit up to confirmation must keep the change.",
        ),
    ] = None,
    relapse_to_bl: Annotated[str | None, typer.Option(help="Days BEFORE[,AFTER] (30).")] = None,
    relapse_to_event: Annotated[str | None, typer.Option(help="Days BEFORE[,AFTER] (0).")] = None,
    relapse_to_conf: Annotated[str | None, typer.Option(help="Days BEFORE[,AFTER] (30).")] = None,
    relapse_assoc: Annotated[
        str | None, typer.Option(help="RAW window BEFORE[,AFTER] (90).")
    ] = None,
    pira_windows: Annotated[
        str | None, typer.Option(help="muller2023 (default), kappos2020 or muller2023-specific.")
    ] = None,
    raw_pira: Annotated[
        bool | None, typer.Option("--raw-pira/--no-raw-pira", help="Label CDW as PIRA/RAW.")
    ] = None,
    impute_last_visit: Annotated[
        float | None, typer.Option(help="0 never, 1 always, N>1 within N days of follow-up.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write events here (CSV); else to stdout.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option(help="Write the per-patient summary (CSV).")
    ] = None,
    explain_events: Annotated[
        bool, typer.Option("--explain", help="Add an explanation column in words.")
    ] = False,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
) -> None:
    """Confirmed disability worsening and improvement: one row per event."""
    raw = {
        "event": event,
        "baseline": baseline,
        "proceed_from": proceed_from,
        "threshold": threshold,
        "improvement_threshold": improvement_threshold,
        "conf_days": conf_days or None,
        "conf_tol_days": _pair("--conf-tol", conf_tol),
        "require_sust_days": require_sust_days,
        "check_intermediate": check_intermediate,
        "relapse_to_bl": _pair("--relapse-to-bl", relapse_to_bl),
        "relapse_to_event": _pair("--relapse-to-event", relapse_to_event),
        "relapse_to_conf": _pair("--relapse-to-conf", relapse_to_conf),
        "relapse_assoc": _pair("--relapse-assoc", relapse_assoc),
        "relapse_indep": pira_windows,
        "raw_pira": raw_pira,
        "impute_last_visit": impute_last_visit,
    }
    for path, option in ((out, "--out"), (summary, "--summary"), (report, "--report")):
        check_writable(path, option)  # before the search, which may take long
    options = parse_options(_options(raw, options_file), preset=preset)
    started = time.perf_counter()
    cohort = _load(visits, relapses, mri, patients, skip_invalid=skip_invalid, report=report)
    result = _run(cohort, options)
    seconds = time.perf_counter() - started
    events = result.events
    if explain_events:
        events = events.assign(
            explanation=[" ".join(explain(result, i)) for i in range(len(events))]
        )
    if summary is not None:
        with writing(summary, "--summary"):
            result.summary.to_csv(summary, index=False)
    counts = _counts(result)
    if out is not None:
        with writing(out, "--out"):
            events.to_csv(out, index=False)
    if as_json:
        payload: dict[str, Any] = {
            "patients": cohort.n_patients,
            "visits": cohort.n_visits,
            "counts": counts,
            "options": options.to_dict(),
            "sources": [c.to_dict() for c in result.sources()],
            "input_problems": to_records(cohort.report.counts()),
        }
        if out is None:
            payload["events"] = to_records(events)
        stdout.print_json(data=payload)
        return
    if out is None:
        stdout.print(events.to_csv(index=False), end="", markup=False)
    console = stderr if out is None else stdout
    table = Table(
        title=f"Events ({options.event}, {options.baseline} baseline, "
        f"{options.threshold} threshold)",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("patients", str(cohort.n_patients))
    table.add_row("visits used", str(cohort.n_visits))
    for name, value in counts.items():
        table.add_row(name, str(value))
    table.add_row("seconds", f"{seconds:.2f}")
    console.print(table)
    if out is not None:
        console.print(f"Wrote {len(events)} events to {out}.")


def _counts(result: ProgressionResult) -> dict[str, int]:
    ev = result.events
    cdw = ev["event"] == "CDW"
    out = {
        "CDW events": int(cdw.sum()),
        "patients with CDW": int(ev.loc[cdw, "patient_id"].nunique()),
        "CDI events": int((ev["event"] == "CDI").sum()),
    }
    if result.options.labels_pira_raw:
        for kind in ("PIRA", "RAW", "undefined"):
            out[f"CDW {kind}"] = int((ev["type"] == kind).sum())
    return out


def _window(text: str | None) -> tuple[float, float] | None:
    """``--rebaseline-window-months START,END`` as two numbers (checked by NedaOptions)."""
    if text is None:
        return None
    try:
        start, end = (float(p) for p in text.split(","))
    except ValueError:
        raise InvalidInput(
            [
                FieldError(
                    "rebaseline_window_months", f"{excerpt(text)} is not START,END", "e.g. 3,9"
                )
            ]
        ) from None
    return start, end


def _neda_frame(
    files: tuple[Path, Path | None, Path | None, Path | None],
    preset: str,
    options_file: Path | None,
    rebaseline: tuple[bool, str | None, float | None],
    *,
    skip_invalid: bool,
    report: Path | None,
) -> tuple[Cohort, pd.DataFrame, NedaOptions]:
    """Read, check, search and compute NEDA: what `neda` and `km` share.

    ``rebaseline`` is (--rebaseline, --rebaseline-window-months, --rebaseline-months).
    """
    options = parse_options(_options({}, options_file), preset=preset)
    on, window, months = rebaseline
    neda_options = NedaOptions(
        options, rebaseline_months=months, rebaseline=on, rebaseline_window_months=_window(window)
    )
    neda_options.window_months()  # bad re-baseline options stop the run before the search
    cohort = _load(*files, skip_invalid=skip_invalid, report=report)
    result = _run(cohort, options)
    return cohort, neda(cohort, neda_options, result=result), neda_options


def neda_command(  # noqa: PLR0917
    visits: Visits,
    mri: NedaMri,
    relapses: Relapses = None,
    patients: Patients = None,
    preset: CdwPreset = "default",
    options_file: CdwOptions = None,
    rebaseline: Rebaseline = False,
    rebaseline_window_months: RebaselineWindow = None,
    rebaseline_months: RebaselineMonths = None,
    out: Annotated[Path | None, typer.Option(help="Write one row per patient here (CSV).")] = None,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
) -> None:
    """NEDA-3 (and NEDA-4 with brain volume), durable remission and single endpoints."""
    check_writable(out, "--out")
    check_writable(report, "--report")
    cohort, frame, neda_options = _neda_frame(
        (visits, relapses, mri, patients),
        preset,
        options_file,
        (rebaseline, rebaseline_window_months, rebaseline_months),
        skip_invalid=skip_invalid,
        report=report,
    )
    window = neda_options.window_months()
    if out is not None:
        with writing(out, "--out"):
            frame.to_csv(out, index=False)
    lost = int(frame["neda3_lost"].sum())
    durable = frame["durable_remission"].value_counts().to_dict()
    stats = {
        "patients": cohort.n_patients,
        "NEDA-3 lost": lost,
        "NEDA-3 kept to the last assessment": cohort.n_patients - lost,
        "durable remission (5 years): yes": int(durable.get("yes", 0)),
        "durable remission: no": int(durable.get("no", 0)),
        "durable remission: not yet known": int(durable.get("not yet known", 0)),
    }
    if "neda4_lost" in frame:
        stats["NEDA-4 lost"] = int(frame["neda4_lost"].sum())
    if window is not None:
        scans = frame["mri_rebaseline_scan"].value_counts().to_dict()
        for kind in ("in window", "after window", "none"):
            stats[f"MRI re-baseline scan: {kind}"] = int(scans.get(kind, 0))
    if as_json:
        sources = neda_sources(brain_volume="neda4_lost" in frame, rebaseline=window is not None)
        payload: dict[str, Any] = {
            "counts": stats,
            "rebaseline_window_months": None if window is None else list(window),
            "sources": [c.to_dict() for c in sources],
        }
        if out is None:
            payload["patients"] = to_records(frame)
        stdout.print_json(data=payload)
        return
    if out is None:
        stdout.print(frame.to_csv(index=False), end="", markup=False)
    table = Table(title="NEDA", title_justify="left")
    table.add_column("")
    table.add_column("patients", justify="right")
    for name, value in stats.items():
        table.add_row(name, str(value))
    (stderr if out is None else stdout).print(table)


def km_command(  # noqa: PLR0917
    visits: Visits,
    mri: NedaMri,
    relapses: Relapses = None,
    patients: Patients = None,
    by: Annotated[
        str | None,
        typer.Option(help="Patients-table column to group by (facility, regimen, ms_type)."),
    ] = None,
    endpoint: Annotated[str, typer.Option(help=f"{', '.join(ENDPOINTS)}.")] = "neda3",
    preset: CdwPreset = "default",
    options_file: CdwOptions = None,
    rebaseline: Rebaseline = False,
    rebaseline_window_months: RebaselineWindow = None,
    rebaseline_months: RebaselineMonths = None,
    out: Annotated[Path | None, typer.Option(help="Write the SVG plot here.")] = None,
    table_out: Annotated[
        Path | None, typer.Option("--table", help="Write the estimates (CSV).")
    ] = None,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
) -> None:
    """Kaplan-Meier estimates at 1, 2, 3, 5 and 10 years (95% CI, numbers at risk), by group."""
    for path, option in ((out, "--out"), (table_out, "--table"), (report, "--report")):
        check_writable(path, option)
    cohort, frame, _ = _neda_frame(
        (visits, relapses, mri, patients),
        preset,
        options_file,
        (rebaseline, rebaseline_window_months, rebaseline_months),
        skip_invalid=skip_invalid,
        report=report,
    )
    groups = groups_of(frame, cohort.attributes, by)
    km = km_fit(frame, endpoint, groups)
    table = km.table()
    if out is not None:
        svg = curves_svg(km, table)
        with writing(out, "--out"):
            out.write_text(svg, encoding="utf-8")
    if table_out is not None:
        with writing(table_out, "--table"):
            table.to_csv(table_out, index=False)
    if as_json:
        stdout.print_json(
            data={
                "endpoint": endpoint,
                "by": by,
                "estimates": to_records(table),
                "sources": [LIFELINES.to_dict()],
            }
        )
        return
    shown = Table(title=f"Kaplan-Meier: {ENDPOINTS[endpoint][2]}", title_justify="left")
    for column in ("group", "years", "at risk", "estimate", "95% CI"):
        shown.add_column(column, justify="left" if column == "group" else "right")
    for r in table.itertuples():
        estimable = not np.isnan(r.survival)
        shown.add_row(
            str(r.group),
            f"{r.years:g}",
            str(r.at_risk),
            f"{r.survival:.1%}" if estimable else "not estimable",
            f"{r.lower_95:.1%}-{r.upper_95:.1%}" if estimable else "",
        )
    stdout.print(shown)
    if out is not None:
        stdout.print(f"Wrote {out}.")


outcomes_app.command("progression")(progression_command)
outcomes_app.command("neda")(neda_command)
outcomes_app.command("km")(km_command)
