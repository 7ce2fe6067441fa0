"""``hsct outcomes``: confirmed progression, NEDA and Kaplan-Meier curves from CSV or Parquet.

Inputs and outputs are CSV or Parquet by the file's extension (``.parquet``, ``.pq``,
``.parq``; a folder is a set of Parquet files). ``--engine dask`` runs the same engine on a
Dask cluster over Parquet folders partitioned by patient (the ``[dask]`` extra).

Nothing heavy is imported here at module level (pandas, numpy, numba, pyarrow, Dask): the
commands import the engine when they run, so ``hsct --help`` stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from hsct.cli.console import stderr, stdout
from hsct.cli.files import check_readable, check_writable, read_object, reading, shown, writing
from hsct.common.errors import FieldError, HsctError, InvalidInput, excerpt

if TYPE_CHECKING:
    import pandas as pd

    from hsct.common.text import Citation
    from hsct.outcomes import Cohort, InputReport, NedaOptions, ProgressionOptions
    from hsct.outcomes.tables import Table as InputTable

#: The library's names, repeated so that option help needs no import of the engine (a test
#: checks they match hsct.outcomes.PRESETS, ENDPOINTS and REBASELINE_WINDOW_MONTHS).
PRESET_NAMES: Final = ("default", "pymsprog-1.0.7")
ENDPOINT_NAMES: Final = ("neda3", "neda4", "cdw", "relapse", "mri")
REBASELINE_WINDOW: Final = (3.0, 9.0)
ENGINES: Final = ("single", "dask")

outcomes_app = typer.Typer(
    help="Confirmed progression (CDW/CDI, PIRA/RAW), NEDA-3/4 and Kaplan-Meier curves.",
    no_args_is_help=True,
)

_TABLE = "CSV or Parquet file, or folder of Parquet files"
Visits = Annotated[Path, typer.Option(help=f"{_TABLE}: patient_id,date,edss.")]
Relapses = Annotated[Path | None, typer.Option(help=f"{_TABLE}: patient_id,date (relapse onset).")]
Mri = Annotated[
    Path | None,
    typer.Option(help=f"{_TABLE}: patient_id,date,gd_enhancing,new_t2[,brain_volume_change]."),
]
Patients = Annotated[
    Path | None,
    typer.Option(
        help=f"{_TABLE}: patient_id,transplant_date[,facility,regimen,ms_type...] (time zero)."
    ),
]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Leave out rows that cannot be used (and list them).")
]
Report = Annotated[
    Path | None, typer.Option(help="Write every row problem to this file (CSV or .parquet).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NedaMri = Annotated[
    Path,
    typer.Option(help=f"{_TABLE}: patient_id,date,gd_enhancing,new_t2[,brain_volume_change]."),
]
CdwPreset = Annotated[str, typer.Option(help="Options for the CDW part.")]
CdwOptions = Annotated[Path | None, typer.Option("--options", help="JSON options for CDW.")]
_START, _END = (f"{m:g}" for m in REBASELINE_WINDOW)
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


Engine = Annotated[
    str,
    typer.Option(
        help="single: one process. dask: a Dask cluster (pip install 'hsct-navigator[dask]'), "
        "over Parquet files partitioned by patient; the same results."
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(
        help="Threads for the event search (default: every core); the results are the same. "
        "With --engine dask: per worker (default 1)."
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="With --engine dask: tcp://HOST:PORT (a running cluster) or local:N "
        "(N local workers; default: local with one worker per core)."
    ),
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


def _engine(engine: str, scheduler: str | None, threads: int | None = None) -> str:
    """The engine asked for, checked with --scheduler and --threads (before any file is read)."""
    if threads is not None:
        from hsct.outcomes.search import check_threads  # noqa: PLC0415

        check_threads(threads)
    if engine not in ENGINES:
        raise InvalidInput(
            [FieldError("engine", f"unknown engine {excerpt(engine)}", " or ".join(ENGINES))]
        )
    if scheduler is not None and engine != "dask":
        raise InvalidInput(
            [FieldError("scheduler", "is for --engine dask", "--engine dask --scheduler ...")]
        )
    if engine == "dask":
        from hsct.outcomes.distributed import parse_scheduler  # noqa: PLC0415

        parse_scheduler(scheduler or "local")
    return engine


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a command shows, from either engine."""

    n_patients: int
    n_visits: int
    events: pd.DataFrame
    summary: pd.DataFrame
    neda: pd.DataFrame | None
    attributes: pd.DataFrame
    report: InputReport
    sources: tuple[Citation, ...]
    engine: str
    partitions: int = 1


@dataclass(frozen=True, slots=True)
class _Request:
    """The input files and what to compute, as the command line gave them."""

    files: tuple[Path, Path | None, Path | None, Path | None]
    options: ProgressionOptions
    neda_options: NedaOptions | None = None
    engine: str = "single"
    scheduler: str | None = None
    skip_invalid: bool = False
    report: Path | None = None
    summary: bool = True
    explain: bool = False
    threads: int | None = None


_OPTIONS: Final = ("--visits", "--relapses", "--mri", "--patients")
_TABLES: Final[tuple[InputTable, ...]] = ("visits", "relapses", "mri", "patients")


def _outcome(request: _Request) -> _Outcome:
    """Read, check, search (and NEDA when asked) with the engine asked for."""
    for path, option in zip(request.files, _OPTIONS, strict=True):
        if path is not None and not path.is_dir():
            check_readable(path, option)
    if request.engine == "dask":
        return _on_dask(request)
    cohort = _load(request)
    result = _search(cohort, request.options, request.threads)
    events = result.events
    if request.explain:
        from hsct.outcomes import explain  # noqa: PLC0415

        events = events.assign(
            explanation=[" ".join(explain(result, i)) for i in range(len(events))]
        )
    frame = None
    if request.neda_options is not None:
        from hsct.outcomes import neda  # noqa: PLC0415

        frame = neda(cohort, request.neda_options, result=result, threads=request.threads)
    return _Outcome(
        cohort.n_patients,
        cohort.n_visits,
        events,
        result.summary,
        frame,
        cohort.attributes,
        cohort.report,
        tuple(result.sources()),
        "single",
    )


def _load(request: _Request) -> Cohort:
    from hsct.outcomes import build_cohort  # noqa: PLC0415

    frames = [
        None if path is None else _read(path, table)
        for path, table in zip(request.files, _TABLES, strict=True)
    ]
    cohort = build_cohort(*frames, strict=False)
    _check_report(cohort.report, request)
    return cohort


def _check_report(problems: InputReport, request: _Request) -> None:
    """Write and show the input problems; stop when rows cannot be used and may not be skipped."""
    if request.report is not None:
        from hsct.outcomes.io import write_table  # noqa: PLC0415

        with writing(request.report, "--report"):
            write_table(problems.frame(), request.report)
    if problems.n_errors or problems.n_warnings:
        _print_problems(problems, limit=10)
    if problems.n_errors and not request.skip_invalid:
        raise RowProblemsError(
            f"{problems.n_errors} input rows cannot be used (listed above"
            + (f" and in {request.report}" if request.report else "")
            + "); fix them, or run again with --skip-invalid to leave them out."
        )


def _read(path: Path, table: InputTable) -> pd.DataFrame:
    """A CSV or Parquet input; an unreadable file is one error naming the option."""
    from hsct.outcomes.io import read_table  # noqa: PLC0415

    with reading(path, f"--{table}"):
        return read_table(path, table)


def _print_problems(problems: InputReport, *, limit: int) -> None:
    frame = problems.frame()
    errors = frame[frame["severity"] == "error"].head(limit)
    for r in errors.itertuples():
        patient = str(r.patient_id) if len(str(r.patient_id)) <= 40 else excerpt(r.patient_id)
        value = excerpt(r.value) if isinstance(r.value, str) else repr(r.value)
        stderr().print(
            f"{r.table} row {r.row} (patient {patient}): {r.field} {value} {r.problem}",
            markup=False,
        )
    _problem_counts(
        [(r.table, r.severity, r.problem, r.rows) for r in problems.counts().itertuples()]
    )


def _problem_counts(rows: Iterable[tuple[str, str, str, int]]) -> None:
    """How many input rows each (table, severity, problem) covers, as a table on stderr."""
    from rich.table import Table  # noqa: PLC0415 - not for --help

    table = Table(title="Input rows with problems", title_justify="left")
    for column in ("table", "severity", "problem", "rows"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for name, severity, problem, count in rows:
        table.add_row(name, severity, problem, str(count))
    stderr().print(table)


def _bar(label: str, unit: str) -> Any:
    from rich.progress import (  # noqa: PLC0415 - loaded when a command runs
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
        disable=not stderr().is_terminal,
    )


def _search(cohort: Cohort, options: ProgressionOptions, threads: int | None) -> Any:
    from hsct.outcomes import progression  # noqa: PLC0415

    with _bar("Searching for events", "patients") as bar:
        task = bar.add_task("search", total=cohort.n_patients)
        return progression(
            cohort, options, progress=lambda done: bar.advance(task, done), threads=threads
        )


def _on_dask(request: _Request) -> _Outcome:
    """The same run on a Dask cluster, over Parquet files partitioned by patient."""
    from hsct.outcomes.distributed import run  # noqa: PLC0415
    from hsct.outcomes.io import table_format  # noqa: PLC0415

    for path, option in zip(request.files, _OPTIONS, strict=True):
        if path is not None and table_format(path) != "parquet":
            raise InvalidInput(
                [
                    FieldError(
                        option,
                        f"{shown(path)} is a CSV file; --engine dask reads Parquet",
                        "a folder of Parquet files partitioned by patient (see the guide)",
                    )
                ]
            )
    with _bar("Running on Dask", "partitions") as bar:
        task = bar.add_task("dask", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        visits, relapses, mri, patients = request.files
        result = run(
            visits,
            relapses,
            mri,
            patients,
            options=request.options,
            neda_options=request.neda_options,
            events=request.neda_options is None,
            summary=request.summary,
            explain_events=request.explain,
            scheduler=request.scheduler or "local",
            threads=1 if request.threads is None else request.threads,
            progress=advance,
        )
    _check_report(result.report, request)
    return _Outcome(
        result.n_patients,
        result.n_visits,
        result.events,
        result.summary,
        result.neda,
        result.attributes,
        result.report,
        result.sources,
        "dask",
        result.partitions,
    )


def _write(frame: pd.DataFrame, path: Path, option: str) -> None:
    from hsct.outcomes.io import write_table  # noqa: PLC0415

    with writing(path, option):
        write_table(frame, path)


def progression_command(  # noqa: PLR0917 - one option per definition
    visits: Visits,
    relapses: Relapses = None,
    mri: Mri = None,
    patients: Patients = None,
    preset: Annotated[
        str, typer.Option(help=f"Starting options: {', '.join(PRESET_NAMES)}.")
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
        Path | None, typer.Option(help="Write events here (CSV or .parquet); else to stdout.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option(help="Write the per-patient summary (CSV or .parquet).")
    ] = None,
    explain_events: Annotated[
        bool, typer.Option("--explain", help="Add an explanation column in words.")
    ] = False,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
    engine: Engine = "single",
    scheduler: Scheduler = None,
    threads: Threads = None,
) -> None:
    """Confirmed disability worsening and improvement: one row per event."""
    from hsct.outcomes import parse_options  # noqa: PLC0415 - loaded on use

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
    engine = _engine(engine, scheduler, threads)
    options = parse_options(_options(raw, options_file), preset=preset)
    plain = summary is None and report is None and not explain_events and not as_json
    if _quick_applies(
        (visits, relapses, mri, patients), engine=engine, plain=plain, out=out
    ) and _quick_progression((visits, relapses, patients), options, threads=threads, out=out):
        return
    started = time.perf_counter()
    result = _outcome(
        _Request(
            (visits, relapses, mri, patients),
            options,
            engine=engine,
            scheduler=scheduler,
            skip_invalid=skip_invalid,
            report=report,
            summary=summary is not None,
            explain=explain_events,
            threads=threads,
        )
    )
    seconds = time.perf_counter() - started
    events = result.events
    if summary is not None:
        _write(result.summary, summary, "--summary")
    counts = _counts(events, options)
    if out is not None:
        _write(events, out, "--out")
    if as_json:
        from hsct.outcomes import to_records  # noqa: PLC0415 - loaded on use

        payload: dict[str, Any] = {
            "patients": result.n_patients,
            "visits": result.n_visits,
            "counts": counts,
            "options": options.to_dict(),
            "sources": [c.to_dict() for c in result.sources],
            "input_problems": to_records(result.report.counts()),
            "engine": result.engine,
        }
        if out is None:
            payload["events"] = to_records(events)
        stdout().print_json(data=payload)
        return
    if out is None:
        stdout().print(events.to_csv(index=False), end="", markup=False, emoji=False)
    _events_table(
        options,
        (result.n_patients, result.n_visits),
        counts,
        seconds,
        out=out,
        n_events=len(events),
        partitions=result.partitions if result.engine == "dask" else None,
    )


def _events_table(
    options: ProgressionOptions,
    sizes: tuple[int, int],
    counts: dict[str, int],
    seconds: float,
    *,
    out: Path | None,
    n_events: int,
    partitions: int | None,
) -> None:
    """The counts of a progression run (on stderr when the events went to stdout)."""
    console = stderr() if out is None else stdout()
    from rich.table import Table  # noqa: PLC0415 - not for --help

    table = Table(
        title=f"Events ({options.event}, {options.baseline} baseline, "
        f"{options.threshold} threshold)",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("patients", str(sizes[0]))
    table.add_row("visits used", str(sizes[1]))
    for name, value in counts.items():
        table.add_row(name, str(value))
    table.add_row("seconds", f"{seconds:.2f}")
    if partitions is not None:
        table.add_row("Dask partitions", str(partitions))
    console.print(table)
    if out is not None:
        console.print(f"Wrote {n_events} events to {out}.")


def _quick_progression(
    files: tuple[Path, Path | None, Path | None],
    options: ProgressionOptions,
    *,
    threads: int | None,
    out: Path | None,
) -> bool:
    """The run on clean CSV files without pandas (:mod:`hsct.outcomes.quick`): the same
    events, file and counts; ``False`` (nothing done) when the files need the full checks."""
    from hsct.outcomes.quick import events_csv, quick_cohort  # noqa: PLC0415
    from hsct.outcomes.search import event_columns, search  # noqa: PLC0415

    for path, option in zip(files, ("--visits", "--relapses", "--patients"), strict=True):
        if path is not None:
            check_readable(path, option)
    started = time.perf_counter()
    cohort = quick_cohort(*files)
    if cohort is None:
        return False
    if cohort.problems:
        _problem_counts(cohort.problems)
    if stderr().is_terminal:
        with _bar("Searching for events", "patients") as bar:
            task = bar.add_task("search", total=cohort.n_patients)
            slots, start = search(
                cohort, options, progress=lambda done: bar.advance(task, done), threads=threads
            )
    else:  # no bar to draw: rich.progress is not even imported
        slots, start = search(cohort, options, threads=threads)
    columns = event_columns(cohort, options, slots, start).columns
    seconds = time.perf_counter() - started
    text = events_csv(columns)
    if out is not None:
        with writing(out, "--out"):
            out.write_text(text, encoding="utf-8", newline="")
    else:
        stdout().print(text, end="", markup=False, emoji=False)
    _events_table(
        options,
        (cohort.n_patients, cohort.n_visits),
        _counts(columns, options),
        seconds,
        out=out,
        n_events=len(columns["event"]),
        partitions=None,
    )
    return True


def _quick_applies(
    files: tuple[Path | None, ...], *, engine: str, plain: bool, out: Path | None
) -> bool:
    """Whether the run may try the quick path: one process, visits (relapses, patients), as
    CSV files, and events and counts only (no summary, report, explanation or JSON), to
    the screen or a plain ``.csv`` file (not Parquet, not compressed)."""
    from hsct.outcomes.quick import reads_name  # noqa: PLC0415 - loaded on use

    visits, relapses, mri, patients = files
    if engine != "single" or not plain or mri is not None:
        return False
    if out is not None and out.suffix.lower() != ".csv":
        return False
    return all(reads_name(p) for p in (visits, relapses, patients) if p is not None)


def _counts(ev: Any, options: ProgressionOptions) -> dict[str, int]:
    """Events by kind; ``ev`` is the events table or its columns."""
    import numpy as np  # noqa: PLC0415 - not for --help

    event = np.asarray(ev["event"])
    cdw = event == "CDW"
    out = {
        "CDW events": int(cdw.sum()),
        "patients with CDW": len(set(np.asarray(ev["patient_id"])[cdw].tolist())),
        "CDI events": int((event == "CDI").sum()),
    }
    if options.labels_pira_raw:
        kinds = np.asarray(ev["type"])
        for kind in ("PIRA", "RAW", "undefined"):
            out[f"CDW {kind}"] = int((kinds == kind).sum())
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
    engine: tuple[str, str | None, int | None],
    skip_invalid: bool,
    report: Path | None,
) -> tuple[_Outcome, pd.DataFrame, NedaOptions]:
    """Read, check, search and compute NEDA: what `neda` and `km` share.

    ``rebaseline`` is (--rebaseline, --rebaseline-window-months, --rebaseline-months);
    ``engine`` is (--engine, --scheduler, --threads).
    """
    from hsct.outcomes import NedaOptions, parse_options  # noqa: PLC0415 - loaded on use

    name = _engine(*engine)
    options = parse_options(_options({}, options_file), preset=preset)
    on, window, months = rebaseline
    neda_options = NedaOptions(
        options, rebaseline_months=months, rebaseline=on, rebaseline_window_months=_window(window)
    )
    neda_options.window_months()  # bad re-baseline options stop the run before the search
    result = _outcome(
        _Request(
            files,
            options,
            neda_options,
            engine=name,
            scheduler=engine[1],
            skip_invalid=skip_invalid,
            report=report,
            summary=False,
            threads=engine[2],
        )
    )
    assert result.neda is not None  # noqa: S101 - asked for above
    return result, result.neda, neda_options


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
    out: Annotated[
        Path | None, typer.Option(help="Write one row per patient here (CSV or .parquet).")
    ] = None,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
    engine: Engine = "single",
    scheduler: Scheduler = None,
    threads: Threads = None,
) -> None:
    """NEDA-3 (and NEDA-4 with brain volume), durable remission and single endpoints."""
    from hsct.outcomes import neda_sources, to_records  # noqa: PLC0415 - loaded on use

    check_writable(out, "--out")
    check_writable(report, "--report")
    result, frame, neda_options = _neda_frame(
        (visits, relapses, mri, patients),
        preset,
        options_file,
        (rebaseline, rebaseline_window_months, rebaseline_months),
        engine=(engine, scheduler, threads),
        skip_invalid=skip_invalid,
        report=report,
    )
    window = neda_options.window_months()
    if out is not None:
        _write(frame, out, "--out")
    lost = int(frame["neda3_lost"].sum())
    durable = frame["durable_remission"].value_counts().to_dict()
    stats = {
        "patients": result.n_patients,
        "NEDA-3 lost": lost,
        "NEDA-3 kept to the last assessment": result.n_patients - lost,
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
        stdout().print_json(data=payload)
        return
    if out is None:
        stdout().print(frame.to_csv(index=False), end="", markup=False, emoji=False)
    from rich.table import Table  # noqa: PLC0415 - not for --help

    table = Table(title="NEDA", title_justify="left")
    table.add_column("")
    table.add_column("patients", justify="right")
    for name, value in stats.items():
        table.add_row(name, str(value))
    (stderr() if out is None else stdout()).print(table)


def km_command(  # noqa: PLR0917
    visits: Visits,
    mri: NedaMri,
    relapses: Relapses = None,
    patients: Patients = None,
    by: Annotated[
        str | None,
        typer.Option(help="Patients-table column to group by (facility, regimen, ms_type)."),
    ] = None,
    endpoint: Annotated[str, typer.Option(help=f"{', '.join(ENDPOINT_NAMES)}.")] = "neda3",
    preset: CdwPreset = "default",
    options_file: CdwOptions = None,
    rebaseline: Rebaseline = False,
    rebaseline_window_months: RebaselineWindow = None,
    rebaseline_months: RebaselineMonths = None,
    out: Annotated[Path | None, typer.Option(help="Write the SVG plot here.")] = None,
    table_out: Annotated[
        Path | None, typer.Option("--table", help="Write the estimates (CSV or .parquet).")
    ] = None,
    skip_invalid: SkipInvalid = False,
    report: Report = None,
    as_json: AsJson = False,
    engine: Engine = "single",
    scheduler: Scheduler = None,
    threads: Threads = None,
) -> None:
    """Kaplan-Meier estimates at 1, 2, 3, 5 and 10 years (95% CI, numbers at risk), by group."""
    import numpy as np  # noqa: PLC0415 - loaded on use

    from hsct.outcomes import (  # noqa: PLC0415
        ENDPOINTS,
        LIFELINES,
        curves_svg,
        groups_of,
        km_fit,
        to_records,
    )

    for path, option in ((out, "--out"), (table_out, "--table"), (report, "--report")):
        check_writable(path, option)
    if endpoint not in ENDPOINTS:  # before the search, as the library would say after it
        raise InvalidInput(
            [FieldError("endpoint", f"unknown endpoint {endpoint!r}", ", ".join(ENDPOINTS))]
        )
    result, frame, _ = _neda_frame(
        (visits, relapses, mri, patients),
        preset,
        options_file,
        (rebaseline, rebaseline_window_months, rebaseline_months),
        engine=(engine, scheduler, threads),
        skip_invalid=skip_invalid,
        report=report,
    )
    # Kaplan-Meier on this machine (the driver, with Dask) from one row per patient.
    groups = groups_of(frame, result.attributes, by)
    km = km_fit(frame, endpoint, groups)
    table = km.table()
    if out is not None:
        svg = curves_svg(km, table)
        with writing(out, "--out"):
            out.write_text(svg, encoding="utf-8")
    if table_out is not None:
        _write(table, table_out, "--table")
    if as_json:
        stdout().print_json(
            data={
                "endpoint": endpoint,
                "by": by,
                "estimates": to_records(table),
                "sources": [LIFELINES.to_dict()],
            }
        )
        return
    from rich.table import Table  # noqa: PLC0415 - not for --help

    view = Table(title=f"Kaplan-Meier: {ENDPOINTS[endpoint][2]}", title_justify="left")
    for column in ("group", "years", "at risk", "estimate", "95% CI"):
        view.add_column(column, justify="left" if column == "group" else "right")
    for r in table.itertuples():
        estimable = not np.isnan(r.survival)
        view.add_row(
            str(r.group),
            f"{r.years:g}",
            str(r.at_risk),
            f"{r.survival:.1%}" if estimable else "not estimable",
            f"{r.lower_95:.1%}-{r.upper_95:.1%}" if estimable else "",
        )
    stdout().print(view)
    if out is not None:
        stdout().print(f"Wrote {out}.")


outcomes_app.command("progression")(progression_command)
outcomes_app.command("neda")(neda_command)
outcomes_app.command("km")(km_command)
