"""``hsct outcomes progression`` on clean CSV files, without pandas.

A person running the command on 10,000 patients waits mostly for pandas to import (about
0.3 s of a 0.8 s process). Visits, relapses and patients (time zero) files in the plain
form a registry export has (a header with the columns, every patient id, date and EDSS
filled in, dates as ``YYYY-MM-DD``, EDSS as a number on the grid, one row per patient) are
read here with Arrow's CSV reader and laid out for the same search
as :func:`hsct.outcomes.tables.build_cohort` would lay them out. Anything else, from a blank
cell to a date written another way, is left to ``build_cohort``: :func:`quick_cohort` then
returns ``None`` and the command takes the full path, which reads every form pandas reads
and reports every row problem. So this never judges a file differently; it only skips
pandas when there is nothing to report but the warnings it counts as the full path does
(a second visit on a day; a relapse or a transplant of a patient without visits; a relapse
before time zero).

The events are written as CSV cell for cell as ``DataFrame.to_csv(index=False)`` writes
them (:func:`events_csv`); tests/outcomes/test_quick.py compares both paths byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from hsct.outcomes import compiled
from hsct.outcomes.inputs import (
    COMPRESSED_SUFFIXES,
    PARQUET_MAGIC,
    PARQUET_SUFFIXES,
    REQUIRED,
    TABLES,
    row_numbers,
)
from hsct.outcomes.layout import BEFORE_TIME_ZERO, NO_VISIT, SAME_DAY, grouped, lay_out_visits

#: Dates taken here: ``YYYY-MM-DD`` in years pandas reads to the same day (1678-2261).
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEARS: Final = (1800, 2199)
#: EDSS as plain decimals ("3", "3.5", "03.50"): ``float`` and pandas read them alike.
_NUMBER: Final = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,3})?")


@dataclass(frozen=True, slots=True)
class QuickCohort:
    """Visits, relapses and time zero laid out as :class:`hsct.outcomes.tables.Cohort` lays
    them out (no MRI), and the warnings as (table, severity, problem, rows)."""

    ids: np.ndarray[Any, Any]
    v_off: np.ndarray[Any, np.dtype[np.int64]]
    v_day: np.ndarray[Any, np.dtype[np.int32]]
    v_val: np.ndarray[Any, np.dtype[np.float32]]
    v_row: np.ndarray[Any, Any]
    r_off: np.ndarray[Any, np.dtype[np.int64]]
    r_day: np.ndarray[Any, np.dtype[np.int32]]
    r_row: np.ndarray[Any, Any]
    t0: np.ndarray[Any, np.dtype[np.float64]]
    problems: tuple[tuple[str, str, str, int], ...]

    @property
    def n_patients(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_visits(self) -> int:
        return int(self.v_day.shape[0])


@dataclass(frozen=True, slots=True)
class _Column:
    """A text column as codes into its distinct texts (in order of appearance)."""

    codes: np.ndarray[Any, np.dtype[np.int32]]
    texts: list[str]


def reads_name(path: Path) -> bool:
    """Whether a file of this name may be read here: a file whose name says Parquet or
    compressed goes the full way, which reads it as its name says."""
    name = path.suffix.lower()
    return name not in PARQUET_SUFFIXES and name not in COMPRESSED_SUFFIXES and not path.is_dir()


def quick_cohort(
    visits: Path, relapses: Path | None = None, patients: Path | None = None
) -> QuickCohort | None:
    """The files laid out for the search, or ``None`` when they need the full checks."""
    tables = {"visits": visits, "relapses": relapses, "patients": patients}
    read = {name: _read(path, name) for name, path in tables.items() if path is not None}
    v = read["visits"]
    if any(columns is None for columns in read.values()) or v is None:
        return None
    v_day, edss = _days(v["date"]), _edss(v["edss"])
    if v_day is None or edss is None or not _ids_plain(v["patient_id"]):
        return None
    on_grid, v_val = compiled.edss_grid(edss)
    if not on_grid.all() or not v_day.shape[0]:
        return None
    order = sorted(range(len(v["patient_id"].texts)), key=v["patient_id"].texts.__getitem__)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    ids = np.array([v["patient_id"].texts[i] for i in order], dtype=object)
    n = ids.shape[0]
    v_codes = rank[v["patient_id"].codes]
    found = _Warnings()
    v_off, (v_day_s, v_row_s, v_val_s) = lay_out_visits(
        v_codes,
        n,
        v_day,
        row_numbers(v_codes.shape[0]),
        v_val,
        dropping=lambda rows: found.add("visits", SAME_DAY, rows),
    )
    position = {text: i for i, text in enumerate(ids.tolist())}
    t0 = np.full(n, np.nan)
    p = read.get("patients")
    if p is not None and p["patient_id"].codes.shape[0]:
        p_day = _days(p["transplant_date"])
        # Two rows of one patient are an error the full path reports.
        if p_day is None or not _ids_plain(p["patient_id"]) or _repeated(p["patient_id"]):
            return None
        p_codes, known = _codes(p["patient_id"], position, found, "patients")
        t0[p_codes[known]] = p_day[known]
    r_day_s, r_row_s = np.zeros(0, dtype=np.int32), row_numbers(0)
    r_off = np.zeros(n + 1, np.int64)
    r = read.get("relapses")
    if r is not None and r["patient_id"].codes.shape[0]:
        r_day = _days(r["date"])
        if r_day is None or not _ids_plain(r["patient_id"]):
            return None
        r_codes, known = _codes(r["patient_id"], position, found, "relapses")
        rows = row_numbers(r_codes.shape[0])
        before = compiled.before_time_zero(known, np.maximum(r_codes, 0), r_day, t0)
        found.add("relapses", BEFORE_TIME_ZERO, rows[before])
        r_off, (r_day_s, r_row_s) = grouped(r_codes[known], n, r_day[known], rows[known])
    return QuickCohort(
        ids=ids,
        v_off=v_off,
        v_day=v_day_s,
        v_val=v_val_s,
        v_row=v_row_s,
        r_off=r_off,
        r_day=r_day_s,
        r_row=r_row_s,
        t0=t0,
        problems=found.counts(),
    )


class _Warnings:
    """Warnings as the full path counts them: one line per (table, problem), in table order
    and then by the first row each problem was found on."""

    def __init__(self) -> None:
        self._found: list[tuple[int, int, str, str, int]] = []

    def add(self, table: str, problem: str, rows: np.ndarray[Any, Any]) -> None:
        if rows.shape[0]:
            order = TABLES.index(table)
            self._found.append((order, int(rows.min()), table, problem, int(rows.shape[0])))

    def counts(self) -> tuple[tuple[str, str, str, int], ...]:
        return tuple(
            (table, "warning", problem, count)
            for _, _, table, problem, count in sorted(self._found)
        )


def _codes(
    column: _Column, position: dict[str, int], found: _Warnings, table: str
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Each row's patient code (-1: no visits, a warning) and which rows have one."""
    lookup = np.array([position.get(t, -1) for t in column.texts], dtype=np.int32)
    codes = lookup[column.codes]
    known = codes >= 0
    found.add(table, NO_VISIT, row_numbers(codes.shape[0])[~known])
    return codes, known


def _repeated(column: _Column) -> bool:
    return bool(len(column.texts) != column.codes.shape[0])


def _read(path: Path, table: str) -> dict[str, _Column] | None:
    """The table's columns, or ``None`` for a file the full read should judge."""
    names = REQUIRED[table]
    raw = _plain_bytes(path, names)
    if raw is None:
        return None
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - loaded on use
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]  # noqa: PLC0415

    text = pa.dictionary(pa.int32(), pa.string())
    try:
        data = pa_csv.read_csv(
            pa.BufferReader(raw),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, text),
                include_columns=list(names),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        ).unify_dictionaries()
    except (pa.ArrowException, ValueError):  # short or long lines...
        return None
    del raw
    out = {}
    for name in names:
        column = data.column(name).combine_chunks()
        codes = column.indices
        if column.null_count:
            return None
        # Straight from the buffer: ``to_numpy`` would import pandas.
        buffer = np.frombuffer(codes.buffers()[1], dtype=np.int32)
        start = codes.offset
        out[name] = _Column(buffer[start : start + len(codes)], column.dictionary.to_pylist())
    return out


def _plain_bytes(path: Path, names: tuple[str, ...]) -> bytes | None:
    """The file, if it is UTF-8 with no NUL byte and a header naming ``names`` once each.

    pandas cuts a field at a NUL byte where Arrow keeps it, and refuses a file that is not
    UTF-8 anywhere, where Arrow checks only the columns it converts: such files go the full
    way, which reports them.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in raw or raw.startswith(PARQUET_MAGIC):  # Parquet: the full path reads it
        return None
    try:
        header = _header(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    if header is None or len(set(header)) != len(header) or not set(names) <= set(header):
        return None
    return raw


def _header(text: str) -> list[str] | None:
    """The first line's names as pandas reads them (a UTF-8 byte order mark dropped)."""
    first = text.removeprefix("\ufeff").split("\n", 1)[0].removesuffix("\r")
    try:
        return next(csv.reader([first]), None)
    except csv.Error:
        return None


def _ids_plain(column: _Column) -> bool:
    """Every patient id filled in, with no spaces around it (pandas would strip them)."""
    return all(text and text == text.strip() for text in column.texts)


def _days(column: _Column) -> np.ndarray[Any, np.dtype[np.int32]] | None:
    """Days since 1970-01-01 of every row, or ``None`` if a date is not plain ``YYYY-MM-DD``."""
    texts = column.texts
    if not all(_DATE.fullmatch(t) and _YEARS[0] <= int(t[:4]) <= _YEARS[1] for t in texts):
        return None
    try:
        days = np.array(texts, dtype="datetime64[D]").view(np.int64).astype(np.int32)
    except ValueError:  # 2021-02-30
        return None
    out: np.ndarray[Any, np.dtype[np.int32]] = days[column.codes]
    return out


def _edss(column: _Column) -> np.ndarray[Any, np.dtype[np.float64]] | None:
    texts = column.texts
    if not all(_NUMBER.fullmatch(t) for t in texts):
        return None
    out: np.ndarray[Any, np.dtype[np.float64]] = np.array(
        [float(t) for t in texts], dtype=np.float64
    )[column.codes]
    return out


def events_csv(columns: Mapping[str, np.ndarray[Any, Any]]) -> str:
    """The events as ``pandas.DataFrame(columns).to_csv(index=False)`` writes them: dates
    as YYYY-MM-DD (they are whole days), NaN and NaT empty, floats as numpy prints them,
    True/False, quoting as the csv module does."""
    names = list(columns)
    cells = [_cells(columns[name]) for name in names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue()


def _cells(column: np.ndarray[Any, Any]) -> list[Any]:
    kind = column.dtype.kind
    if kind == "O":
        text = column
    elif kind == "M":
        text = column.astype("datetime64[D]").astype(str)
        text[np.isnat(column)] = ""
    elif kind == "f":
        text = column.astype(str)
        text[np.isnan(column)] = ""
    elif kind == "b":
        text = np.where(column, "True", "False")
    else:
        text = column.astype(str)
    cells: list[Any] = text.tolist()
    return cells
