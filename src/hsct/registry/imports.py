"""Imports into a clinic's records: files in, a plan row by row, then all of it or nothing.

The tables are the outcomes engine's (``patients``, ``visits``, ``relapses``, ``mri``) plus
``transplants``, as CSV or Parquet, or one export of another system (REDCap) read through a
column mapping the clinic saves. :func:`import_plan` reads the files and says, for every row,
what would be added, changed, left as it is or refused and why; nothing is written. The
services that write (:func:`import_commit`, :func:`import_confirm`) apply a plan inside the
caller's transaction, so an import lands whole or not at all, even when its process is
killed: the database never sees a half-finished transaction.

Rows are matched by natural key: a patient by the clinic's study code; a transplant and a
diagnosis by patient (one each per record); an EDSS visit, a relapse and an MRI by patient
and date, among the entries the clinic entered (a person's self-reported entries are never
overwritten). Importing the same file twice changes nothing; a changed row updates its entry,
and the audit keeps the old values of the fields it changed.

Every entry is checked by the same rules as the personal record
(:func:`hsct.registry.entries.entry_parse` and ``entry_context_problems``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any, Final, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from hsct.common.errors import Conflict, FieldError, InvalidInput, NotFound, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.knowledge import Catalog
from hsct.registry.access import Actor, Permission
from hsct.registry.accounts import _audit
from hsct.registry.clinics import clinic_for, clinic_touch
from hsct.registry.entries import Entry, entry_context_problems, entry_parse
from hsct.registry.patients import birth_month_check, patient_code_check
from hsct.registry.record import UNDO_DEPTH, _trim_history
from hsct.registry.tables import (
    Clinic,
    ImportMapping,
    ImportRun,
    Patient,
    RecordChange,
    RecordEntry,
    new_id,
)

Table = Literal["patients", "transplants", "visits", "relapses", "mri"]
TABLES: Final[tuple[Table, ...]] = ("patients", "transplants", "visits", "relapses", "mri")
#: Columns each table needs, and those it may have (any other column is ignored and listed).
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "patients": ("patient_id",),
    "transplants": ("patient_id", "transplant_date"),
    "visits": ("patient_id", "date", "edss"),
    "relapses": ("patient_id", "date"),
    "mri": ("patient_id", "date", "gd_enhancing", "new_t2"),
}
OPTIONAL: Final[Mapping[str, tuple[str, ...]]] = {
    "patients": ("transplant_date", "diagnosis_date", "first_symptoms", "ms_type", "birth_month"),
    "transplants": (
        "regimen",
        "intensity",
        "cd34_dose",
        "serotherapy",
        "facility_id",
        "clinic_name",
    ),
    "visits": ("rater",),
    "relapses": ("confirmed", "steroids", "symptoms"),
    "mri": ("region", "report_text"),
}
#: Other words file names use for the tables (``edss_2024.csv`` holds visits).
_NAMES: Final[Mapping[str, Table]] = {
    "patients": "patients",
    "patient": "patients",
    "transplants": "transplants",
    "transplant": "transplants",
    "visits": "visits",
    "visit": "visits",
    "edss": "visits",
    "relapses": "relapses",
    "relapse": "relapses",
    "mri": "mri",
    "mris": "mri",
}
DATE_COLUMNS: Final = frozenset({"date", "transplant_date", "diagnosis_date", "first_symptoms"})
BOOL_COLUMNS: Final = frozenset({"confirmed", "steroids"})
COUNT_COLUMNS: Final = frozenset({"gd_enhancing", "new_t2"})
NUMBER_COLUMNS: Final = frozenset({"edss", "cd34_dose"})
#: Column name -> how an enumerated value is written (case does not matter in files).
_UPPER: Final = frozenset({"ms_type"})
_LOWER: Final = frozenset({"rater", "intensity", "region", "serotherapy"})

#: The most one file may hold, and the most rows of one import.
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
MAX_FILES: Final = 20
MAX_ROWS: Final = 1_000_000
#: Dates as files write them: ISO only, or also day-first / month-first when the user says so.
DateOrder = Literal["iso", "day-first", "month-first"]
DATE_ORDERS: Final[tuple[DateOrder, ...]] = ("iso", "day-first", "month-first")
#: Excel's serial day numbers are read as dates from 1950 to 2100 only, so a year alone
#: (``2019``) or a count in the wrong column is never taken for a day in 1905.
EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
EXCEL_FIRST: Final = (dt.date(1950, 1, 1) - EXCEL_EPOCH).days
EXCEL_LAST: Final = (dt.date(2100, 12, 31) - EXCEL_EPOCH).days
PARQUET_MAGIC: Final = b"PAR1"
MAPPING_MAX_BYTES: Final = 64 * 1024
#: A pending import's files are kept this long for its confirmation, then dropped.
PENDING_HOURS: Final = 24

Action = Literal["add", "change", "same", "refused"]
ACTIONS: Final[tuple[Action, ...]] = ("add", "change", "same", "refused")
_ALLOWED_DATE: Final = N_(
    "YYYY-MM-DD, an Excel date, or day-first / month-first dates when you say so"
)


@dataclass(frozen=True, slots=True)
class ImportFile:
    """One file to import: its name, its bytes and, if the user said so, its table."""

    name: str
    data: bytes
    table: str | None = None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the files: the date order, and a column mapping for another system's export."""

    dates: DateOrder = "iso"
    mapping: Mapping[str, Any] | None = None
    mapping_name: str | None = None


@dataclass(frozen=True, slots=True)
class _Source:
    file: str
    table: Table
    row: int
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What was read from one file: its table(s), rows, the columns ignored, its digest."""

    name: str
    tables: tuple[str, ...]
    rows: int
    ignored: tuple[str, ...]
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class PlanRow:
    """What would happen to one row of one file."""

    file: str
    table: str
    row: int
    patient: str
    action: Action
    #: The kinds of entry the row touches (``patient`` for a new record).
    kinds: tuple[str, ...] = ()
    date: str | None = None
    #: The fields a change changes.
    fields: tuple[str, ...] = ()
    problems: tuple[FieldError, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (problems as field, message, allowed)."""
        return {
            "file": self.file,
            "table": self.table,
            "row": self.row,
            "patient": self.patient,
            "action": self.action,
            "kinds": list(self.kinds),
            "date": self.date,
            "fields": list(self.fields),
            "problems": [
                {"field": p.field, "message": p.message, "allowed": p.allowed}
                for p in self.problems
            ],
        }


@dataclass(slots=True)
class _Op:
    """One write of a plan: a new record, a new entry, or a changed entry."""

    code: str
    kind: str
    entry: Entry | None = None
    entry_id: str | None = None
    old: dict[str, Any] | None = None
    old_date: dt.date | None = None
    old_provenance: str | None = None
    old_created: datetime | None = None
    #: For a ``birth_month`` op: the record's new birth year and month.
    birth_month: str | None = None


@dataclass(slots=True)
class ImportPlan:
    """The plan of an import: every row's action, the counts, the files, and its digest."""

    rows: list[PlanRow]
    files: list[FileSummary]
    ops: list[_Op] = field(default_factory=list, repr=False)
    new_patients: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Rows by table and action, and a ``total`` line."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.rows:
            by_table = counts.setdefault(row.table, dict.fromkeys(ACTIONS, 0))
            by_table[row.action] += 1
        total: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for by_table in counts.values():
            for action, n in by_table.items():
                total[action] += n
        return {**dict(sorted(counts.items())), "total": total}

    @property
    def refused(self) -> int:
        """How many rows are refused."""
        return sum(1 for row in self.rows if row.action == "refused")

    @property
    def digest(self) -> str:
        """SHA-256 of the files, every row's action and every write: what the person confirms.

        A confirmation is refused when the records changed since, so that the plan would
        write something else (another new record, another old value).
        """
        h = hashlib.sha256()
        for f in self.files:
            h.update(f"{f.name}\0{f.sha256}\n".encode())
        for row in self.rows:
            h.update(
                f"{row.file}\0{row.row}\0{row.table}\0{row.action}\0{','.join(row.fields)}\n".encode()
            )
        for op in self.ops:  # what would be written, and over what
            h.update(
                json.dumps(
                    [
                        op.code,
                        op.kind,
                        op.old and op.entry_id,
                        op.old,
                        None if op.entry is None else op.entry.data,
                        op.birth_month,
                    ],
                    sort_keys=True,
                    default=str,
                ).encode()
            )
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts, files, rows, digest."""
        return {
            "counts": self.counts,
            "files": [
                {
                    "name": f.name,
                    "tables": list(f.tables),
                    "rows": f.rows,
                    "ignored_columns": list(f.ignored),
                    "bytes": f.size,
                    "sha256": f.sha256,
                }
                for f in self.files
            ],
            "rows": [row.to_dict() for row in self.rows],
            "digest": self.digest,
        }


# ---------------------------------------------------------------- reading files


def shown_name(name: str, limit: int = 80) -> str:
    """A file's name as messages show it: no folder, no control characters, at most ``limit``."""
    base = PurePath(name.replace("\\", "/")).name
    clean = "".join(c for c in base if c.isprintable()).strip()
    return (clean[: limit - 1] + "…" if len(clean) > limit else clean) or "file"


def _t(field: str, message: str, allowed: str | None = None, **params: Any) -> FieldError:
    """A problem in words pages translate: ``message`` and ``allowed`` are msgids."""
    return FieldError.translatable(
        field,
        Message(message, params),
        None if allowed is None else Message(allowed, params),
    )


def _file_error(name: str, message: str, allowed: str | None = None, **params: Any) -> InvalidInput:
    """A file that cannot be read: ``message`` names it as ``{file}``."""
    return InvalidInput([_t("files", message, allowed, file=shown_name(name), **params)])


def _table(name: str) -> Table:
    for table in TABLES:
        if table == name:
            return table
    raise InvalidInput(
        [FieldError("table", f"{excerpt(name, 30)} is not a table", ", ".join(TABLES))]
    )


def table_of(name: str) -> Table | None:
    """The table a file name names (``visits.csv``, ``edss_2024.parquet``), if exactly one."""
    words = re.split(r"[^a-z]+", PurePath(name).stem.lower())
    found = {_NAMES[w] for w in words if w in _NAMES}
    return found.pop() if len(found) == 1 else None


def _column_name(raw: Any) -> str:
    return str(raw).strip().strip('"').strip().lower()


def _is_parquet(data: bytes) -> bool:
    return data[:4] == PARQUET_MAGIC and data[-4:] == PARQUET_MAGIC


def _csv_rows(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows (spreadsheet row numbers, header = 1) of a CSV file.

    UTF-8 with or without a byte-order mark; comma, semicolon or tab separated (the one the
    header uses most). Blank rows are skipped wherever they are.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            name,
            N_("{file} is not UTF-8 text (byte {byte} cannot be read)"),
            N_("CSV saved as 'CSV UTF-8', or Parquet"),
            byte=exc.start + 1,
        ) from None
    if "\x00" in text:
        raise _file_error(
            name, N_("{file} holds NUL characters: it is not a text file"), N_("CSV or Parquet")
        )
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise _file_error(name, N_("{file} is empty"), N_("a header row, then one row per record"))
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    for cells in reader:
        number += 1
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
            number = 1
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise _file_error(
                name, N_("{file} has more than {most} rows"), N_("smaller files"), most=MAX_ROWS
            )
    return header or [], iter(rows)


def _parquet_rows(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - Parquet only
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    try:
        table = pq.read_table(io.BytesIO(data))
    except (OSError, pa.ArrowException, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise _file_error(
            name,
            N_("{file} is not a readable Parquet file ({reason})"),
            N_("CSV or Parquet"),
            reason=excerpt(reason, 80),
        ) from None
    if table.num_rows > MAX_ROWS:
        raise _file_error(
            name, N_("{file} has more than {most} rows"), N_("smaller files"), most=MAX_ROWS
        )
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return list(table.column_names), (
        (i + 1, [column[i] for column in columns]) for i in range(table.num_rows)
    )


def _header(name: str, raw: Sequence[Any]) -> list[str]:
    header = [_column_name(c) for c in raw]
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise _file_error(
                name,
                N_("{file} has the column {column} twice"),
                N_("each column once"),
                column=excerpt(column, 40),
            )
        seen.add(column)
    return header


def _read(file: ImportFile, mapping: Mapping[str, Any] | None) -> tuple[FileSummary, list[_Source]]:
    name = shown_name(file.name)
    if len(file.data) > MAX_FILE_BYTES:
        raise _file_error(
            name,
            N_("{file} is {size} MB; one file may be up to {most} MB"),
            N_("smaller files (split it by year or by patient)"),
            size=f"{len(file.data) / 1e6:.1f}",
            most=MAX_FILE_BYTES // (1024 * 1024),
        )
    raw_header, body = (
        _parquet_rows(name, file.data) if _is_parquet(file.data) else _csv_rows(name, file.data)
    )
    header = _header(name, raw_header)
    table = file.table or (None if mapping is not None else table_of(name))
    wanted: dict[Table, dict[str, Any]]
    if mapping is not None and file.table is None:
        wanted = _mapped_tables(name, mapping, header)
    elif table is not None and table in TABLES:
        table = _table(table)
        wanted = {table: {c: c for c in (*REQUIRED[table], *OPTIONAL[table]) if c in header}}
        missing = [c for c in REQUIRED[table] if c not in header]
        if missing:
            raise InvalidInput(
                _t(
                    "files",
                    N_("{file}: the column {column} is missing ({table} need it)"),
                    N_("the columns {columns}"),
                    file=name,
                    column=c,
                    table=table,
                    columns=", ".join(REQUIRED[table] + OPTIONAL[table]),
                )
                for c in missing
            )
    else:
        raise _file_error(
            name,
            N_("{file}: which table is this? Its name does not say"),
            N_(
                "a file named after its table (patients, transplants, visits, relapses, mri), "
                "TABLE=FILE, or a saved column mapping"
            ),
        )
    used = {
        theirs.column if isinstance(theirs, _Mapped) else theirs
        for columns in wanted.values()
        for theirs in columns.values()
    }
    ignored = tuple(
        c or f"(column {i + 1} without a name)" for i, c in enumerate(header) if c not in used
    )
    index = {c: i for i, c in enumerate(header) if c}
    sources: list[_Source] = []
    count = 0
    for number, cells in body:
        count += 1
        row = {c: (cells[i] if i < len(cells) else None) for c, i in index.items()}
        for target, columns in wanted.items():
            values = {ours: _constant_or(theirs, row) for ours, theirs in columns.items()}
            if mapping is not None and file.table is None and _blank_form(values, columns):
                continue
            sources.append(_Source(name, target, number, values))
    summary = FileSummary(
        name=name,
        tables=tuple(wanted),
        rows=count,
        ignored=ignored,
        size=len(file.data),
        sha256=hashlib.sha256(file.data).hexdigest(),
    )
    return summary, sources


def _constant_or(theirs: Any, row: Mapping[str, Any]) -> Any:
    if isinstance(theirs, _Mapped):
        value = row.get(theirs.column)
        if theirs.values is None or _blank(value):
            return value
        key = str(value).strip()
        return theirs.values.get(key, _Unmapped(key))
    return row.get(theirs)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_form(values: Mapping[str, Any], columns: Mapping[str, Any]) -> bool:
    """True when a mapped row has nothing for this table but the patient (REDCap: another form)."""
    return all(_blank(v) for k, v in values.items() if k != "patient_id" and k in columns)


# ---------------------------------------------------------------- column mappings


@dataclass(frozen=True, slots=True, eq=False)
class _Mapped:
    """A file's column read for one of ours, with its coded values translated."""

    column: str
    values: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class _Unmapped:
    """A coded value the mapping does not translate."""

    code: str


def mapping_check(mapping: Any) -> dict[str, Any]:
    """A column mapping, checked: ``{"tables": {table: {our column: their column}}}``.

    Their column is a column name, or ``{"column": name, "values": {code: value}}`` to turn a
    REDCap choice code into our value (``{"1": "RRMS", "2": "SPMS"}``). Every table mapped
    needs its required columns. Returns the mapping with column names in lower case.
    """
    if not isinstance(mapping, Mapping) or not isinstance(mapping.get("tables"), Mapping):
        raise InvalidInput(
            [FieldError("mapping", "has no tables", '{"tables": {"visits": {...}}}')]
        )
    if len(json.dumps(mapping)) > MAPPING_MAX_BYTES:
        raise InvalidInput([FieldError("mapping", "is too long", "up to 64 kB of JSON")])
    checked: dict[str, Any] = {}
    for table, columns in mapping["tables"].items():
        where = f"mapping.tables.{excerpt(str(table), 30)}"
        if table not in REQUIRED:
            raise InvalidInput([FieldError(where, "is not a table", ", ".join(TABLES))])
        if not isinstance(columns, Mapping):
            raise InvalidInput(
                [FieldError(where, "is not an object", "{our column: their column}")]
            )
        known = (*REQUIRED[table], *OPTIONAL[table])
        out: dict[str, Any] = {}
        for ours, theirs in columns.items():
            if ours not in known:
                raise InvalidInput(
                    [
                        FieldError(
                            f"{where}.{excerpt(str(ours), 30)}",
                            "is not a column of this table",
                            ", ".join(known),
                        )
                    ]
                )
            if isinstance(theirs, str) and theirs.strip():
                out[ours] = _column_name(theirs)
            elif (
                isinstance(theirs, Mapping)
                and isinstance(theirs.get("column"), str)
                and isinstance(theirs.get("values", {}), Mapping)
                and all(isinstance(v, str) for v in theirs.get("values", {}).values())
            ):
                out[ours] = {
                    "column": _column_name(theirs["column"]),
                    "values": {str(k).strip(): v for k, v in theirs.get("values", {}).items()},
                }
            else:
                raise InvalidInput(
                    [
                        FieldError(
                            f"{where}.{ours}",
                            "is not a column name",
                            'a column name, or {"column": name, "values": {code: value}}',
                        )
                    ]
                )
        missing = [c for c in REQUIRED[table] if c not in out]
        if missing:
            raise InvalidInput(
                FieldError(f"{where}.{c}", "is needed for this table", "a column of the file")
                for c in missing
            )
        checked[table] = out
    if not checked:
        raise InvalidInput([FieldError("mapping.tables", "maps no table", ", ".join(TABLES))])
    return {"tables": checked}


def _mapped_tables(
    name: str, mapping: Mapping[str, Any], header: Sequence[str]
) -> dict[Table, dict[str, Any]]:
    wanted: dict[Table, dict[str, Any]] = {}
    for table, columns in mapping_check(mapping)["tables"].items():
        out: dict[str, Any] = {}
        for ours, theirs in columns.items():
            mapped = (
                _Mapped(theirs["column"], theirs["values"])
                if isinstance(theirs, dict)
                else _Mapped(theirs)
            )
            if mapped.column not in header:
                raise _file_error(
                    name,
                    N_("{file} has no column {column} (the mapping reads {ours} from it)"),
                    N_("the columns of the export the mapping was made for"),
                    column=excerpt(mapped.column, 40),
                    ours=f"{table}.{ours}",
                )
            out[ours] = mapped
        wanted[table] = out
    return wanted


# ---------------------------------------------------------------- cells


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    return value.strip() if isinstance(value, str) else str(value)


_ISO: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_SLASHED: Final = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_SERIAL: Final = re.compile(r"^\d{1,6}(?:\.0+)?$")


def parse_date(value: Any, *, column: str, dates: DateOrder = "iso") -> dt.date:
    """A date cell: ISO text, a date, an Excel serial number (1950-2100), or day/month-first text.

    Raises :class:`InvalidInput` naming ``column`` when the cell is not such a date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    serial: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = float(value)
    text = str(value).strip()
    if serial is None and _SERIAL.match(text):
        serial = float(text)
    try:
        if (
            serial is not None
            and math.isfinite(serial)
            and serial == int(serial)
            and EXCEL_FIRST <= serial <= EXCEL_LAST
        ):
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if (m := _SLASHED.match(text)) and dates != "iso":
            first, second = int(m[1]), int(m[2])
            day, month = (first, second) if dates == "day-first" else (second, first)
            return dt.date(int(m[3]), month, day)
    except ValueError:
        pass
    message = (
        N_(
            "{value} is not a date; if the file writes dates day-first (31/12/2020) or "
            "month-first, say which"
        )
        if _SLASHED.match(text) and dates == "iso"
        else N_("{value} is not a date")
    )
    raise InvalidInput([_t(column, message, _ALLOWED_DATE, value=excerpt(text, 30))])


def _number(value: Any, column: str) -> float:
    if isinstance(value, bool):
        raise InvalidInput([_t(column, N_("this is not a number"), N_("a number, e.g. 3.5"))])
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        raise InvalidInput(
            [
                _t(
                    column,
                    N_("{value} is not a number"),
                    N_("a number, e.g. 3.5"),
                    value=excerpt(str(value), 30),
                )
            ]
        )
    return number


def _count(value: Any, column: str) -> int:
    number = _number(value, column)
    if number != int(number):
        raise InvalidInput(
            [
                _t(
                    column,
                    N_("{value} is not a whole number"),
                    N_("0, 1, 2, ..."),
                    value=excerpt(str(value), 30),
                )
            ]
        )
    return int(number)


_TRUE: Final = frozenset({"true", "yes", "y", "1", "t", "si", "sí", "да", "д"})
_FALSE: Final = frozenset({"false", "no", "n", "0", "f", "нет", "н"})


def _boolean(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(
        [
            _t(
                column,
                N_("{value} is not yes or no"),
                N_("true/false, yes/no or 1/0"),
                value=excerpt(text, 30),
            )
        ]
    )


def _cell(column: str, value: Any, dates: DateOrder) -> Any:  # noqa: PLR0911 - by column type
    if isinstance(value, _Unmapped):
        raise InvalidInput(
            [
                _t(
                    column,
                    N_("the code {code} is not in the mapping"),
                    N_("a code the mapping lists"),
                    code=excerpt(value.code, 20),
                )
            ]
        )
    if _blank(value):
        return None
    if column in DATE_COLUMNS:
        return parse_date(value, column=column, dates=dates).isoformat()
    if column in COUNT_COLUMNS:
        return _count(value, column)
    if column in NUMBER_COLUMNS:
        return _number(value, column)
    if column in BOOL_COLUMNS:
        return _boolean(value, column)
    text = _text(value)
    if text is not None and column in _UPPER and text.lower() != "suspected":
        return text.upper()
    if text is not None and column in _LOWER:
        return text.lower()
    return text


#: Entry field -> the file's column, where their names differ (for messages).
_COLUMN_OF: Final[Mapping[tuple[str, str], str]] = {
    ("transplant", "date"): "transplant_date",
    ("diagnosis", "date"): "diagnosis_date",
    ("edss", "value"): "edss",
}


def _entries_of(table: Table, cells: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The entries (kind, fields) one row gives; None cells are left out."""

    def present(**fields: Any) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if v is not None}

    if table == "patients":
        out = []
        if cells.get("transplant_date") is not None:
            out.append(("transplant", {"date": cells["transplant_date"]}))
        if cells.get("diagnosis_date") is not None:
            out.append(
                (
                    "diagnosis",
                    present(
                        date=cells["diagnosis_date"],
                        first_symptoms=cells.get("first_symptoms"),
                        ms_type=cells.get("ms_type"),
                    ),
                )
            )
        elif cells.get("first_symptoms") is not None or cells.get("ms_type") is not None:
            column = "first_symptoms" if cells.get("first_symptoms") is not None else "ms_type"
            raise InvalidInput(
                [
                    _t(
                        column,
                        N_("this needs the diagnosis date in the same row"),
                        N_("a diagnosis_date column"),
                    )
                ]
            )
        return out
    if table == "transplants":
        extra = {c: cells.get(c) for c in OPTIONAL["transplants"]}
        return [("transplant", present(date=cells["transplant_date"], **extra))]
    if table == "visits":
        return [
            (
                "edss",
                present(
                    date=cells["date"], value=cells["edss"], rater=cells.get("rater") or "unknown"
                ),
            )
        ]
    if table == "relapses":
        extra = {c: cells.get(c) for c in OPTIONAL["relapses"]}
        return [("relapse", present(date=cells["date"], **extra))]
    extra = {c: cells.get(c) for c in OPTIONAL["mri"]}
    return [
        (
            "mri",
            present(
                date=cells["date"],
                gd_enhancing=cells["gd_enhancing"],
                new_t2=cells["new_t2"],
                **extra,
            ),
        )
    ]


# ---------------------------------------------------------------- planning


@dataclass(slots=True)
class _Record:
    """A patient's record as the plan goes: entries by id, and the natural keys."""

    patient_id: str | None
    locked: bool
    birth_month: str | None = None
    entries: dict[str, tuple[str, Entry]] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    created: dict[str, datetime] = field(default_factory=dict)
    #: (kind, date) of clinic entries, or (kind, None) for a diagnosis or transplant -> id.
    keys: dict[tuple[str, dt.date | None], str] = field(default_factory=dict)
    #: Key -> the file and row that set it in this import.
    claimed: dict[tuple[str, dt.date | None], tuple[str, int]] = field(default_factory=dict)

    def key(self, kind: str, date: dt.date) -> tuple[str, dt.date | None]:
        return (kind, None) if kind in ("diagnosis", "transplant") else (kind, date)

    def put(self, entry_id: str, entry: Entry, provenance: str) -> None:
        self.entries[entry_id] = (entry.kind, entry)
        self.provenance[entry_id] = provenance
        if provenance == "clinic" or entry.kind in ("diagnosis", "transplant"):
            self.keys[self.key(entry.kind, entry.date)] = entry_id


def _clinic_records(session: Session, clinic_id: str, codes: Iterable[str]) -> dict[str, _Record]:
    wanted = set(codes)
    records: dict[str, _Record] = {}
    by_id: dict[str, _Record] = {}
    for pid, code, locked, born in session.execute(
        select(Patient.id, Patient.code, Patient.locked_at, Patient.birth_month).where(
            Patient.clinic_id == clinic_id
        )
    ):
        if code in wanted:
            records[code] = by_id[pid] = _Record(pid, locked is not None, born)
    if not by_id:
        return records
    ids = sorted(by_id)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                RecordEntry.id,
                RecordEntry.patient_id,
                RecordEntry.kind,
                RecordEntry.date,
                RecordEntry.data,
                RecordEntry.provenance,
                RecordEntry.created_at,
            )
            .where(RecordEntry.patient_id.in_(ids[start : start + 500]))
            .order_by(RecordEntry.date, RecordEntry.created_at, RecordEntry.id)
        )
        for eid, pid, kind, date, data, provenance, created in rows:
            record = by_id[pid]
            record.put(eid, Entry(kind=kind, date=date, data=dict(data)), provenance)
            record.created[eid] = created
    return records


def _renamed(problems: Iterable[FieldError], kind: str) -> list[FieldError]:
    out = []
    for p in problems:
        column = _COLUMN_OF.get((kind, p.field), p.field)
        out.append(FieldError(column, p.message, p.allowed, p.message_text, p.allowed_text))
    return out


def _merged(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's fields after a row changes it: the file's values over the old ones."""
    base = dict(old)
    if kind == "edss" and "value" in new:
        base.pop("inputs", None)
        base.pop("computed", None)
    base.update(new)
    return base


def import_plan(
    session: Session,
    *,
    clinic_id: str,
    files: Sequence[ImportFile],
    options: ImportOptions,
    today: dt.date,
    catalog: Catalog | None = None,
) -> ImportPlan:
    """What importing ``files`` into the clinic would do, row by row. Nothing is written.

    Raises :class:`InvalidInput` for a file that cannot be read at all (not UTF-8 or
    Parquet, too big, a required column missing, an unknown table); a bad row is refused in
    the plan instead, with its problems.
    """
    if not files:
        raise InvalidInput(
            [_t("files", N_("no file was chosen"), N_("one or more CSV or Parquet files"))]
        )
    if len(files) > MAX_FILES:
        raise InvalidInput(
            [FieldError("files", f"{len(files)} files were given", f"up to {MAX_FILES}")]
        )
    if options.dates not in DATE_ORDERS:
        raise InvalidInput(
            [
                FieldError(
                    "dates",
                    f"{excerpt(str(options.dates), 20)} is not a date order",
                    ", ".join(DATE_ORDERS),
                )
            ]
        )
    summaries, sources = [], []
    for file in files:
        summary, rows = _read(file, options.mapping)
        summaries.append(summary)
        sources.extend(rows)
    if len(sources) > MAX_ROWS:
        raise InvalidInput(
            [
                FieldError(
                    "files", f"hold {len(sources):,} rows", f"up to {MAX_ROWS:,} in one import"
                )
            ]
        )
    order = {t: i for i, t in enumerate(TABLES)}
    sources.sort(key=lambda s: order[s.table])  # stable: files and rows keep their order
    codes = {str(s.values.get("patient_id") or "").strip() for s in sources}
    records = _clinic_records(session, clinic_id, codes)
    plan = ImportPlan(rows=[], files=summaries)
    planner = _Planner(records, plan, options, today, catalog)
    plan.rows.extend(planner.row(source) for source in sources)
    return plan


class _Refused(Exception):  # noqa: N818 - a row's outcome, not an error of the program
    """A row cannot be imported: its problems."""

    def __init__(self, *problems: FieldError) -> None:
        super().__init__(problems)
        self.problems = problems


def _refuse(error: InvalidInput, kind: str | None = None) -> _Refused:
    return _Refused(*(error.errors if kind is None else _renamed(error.errors, kind)))


@dataclass(slots=True)
class _Planner:
    """Plans rows one by one against the clinic's records as the import would leave them."""

    records: dict[str, _Record]
    plan: ImportPlan
    options: ImportOptions
    today: dt.date
    catalog: Catalog | None

    def row(self, source: _Source) -> PlanRow:
        raw = source.values.get("patient_id")
        code = _text(raw) or ""
        if isinstance(raw, float) and raw == int(raw):
            code = str(int(raw))  # a Parquet or spreadsheet number column
        kinds: tuple[str, ...] = ()
        first_date = None
        try:
            try:
                code = patient_code_check(code)
            except InvalidInput as exc:
                raise _Refused(*(replace_field(e, "patient_id") for e in exc.errors)) from None
            try:
                cells = {
                    c: _cell(c, v, self.options.dates)
                    for c, v in source.values.items()
                    if c != "patient_id"
                }
                born = birth_month_check(cells.pop("birth_month", None), today=self.today)
                wanted = _entries_of(source.table, cells)
            except InvalidInput as exc:
                raise _refuse(exc) from None
            kinds = tuple(kind for kind, _ in wanted)
            first_date = next((str(f["date"]) for _, f in wanted), None)
            record, new = self._record(code, source.table)
            staged, changed = self._staged(record, wanted)
            if born is not None and born != record.birth_month and not new:
                changed = ("birth_month", *changed)
            self._check(record, staged)
        except _Refused as refusal:
            return PlanRow(
                source.file,
                source.table,
                source.row,
                shown_name(code, 40),
                "refused",
                kinds,
                first_date,
                (),
                refusal.problems,
            )
        action = self._accept(code, source, record, new, staged, wanted, born)
        return PlanRow(
            source.file, source.table, source.row, code, action, kinds, first_date, changed
        )

    def _record(self, code: str, table: str) -> tuple[_Record, bool]:
        record = self.records.get(code)
        if record is None:
            if table != "patients":
                raise _Refused(
                    _t(
                        "patient_id",
                        N_("{code} is not a patient of this clinic"),
                        N_(
                            "a study code of the clinic, or the patient in a patients file "
                            "of the same import"
                        ),
                        code=excerpt(code, 40),
                    )
                )
            return _Record(None, locked=False), True
        if record.locked:
            raise _Refused(
                _t(
                    "patient_id",
                    N_("this patient's record is locked"),
                    N_("a lead unlocks it first (with a reason)"),
                )
            )
        return record, False

    def _staged(
        self, record: _Record, wanted: Sequence[tuple[str, dict[str, Any]]]
    ) -> tuple[list[tuple[str, Entry, str | None]], tuple[str, ...]]:
        """The row's new and changed entries: (id, entry, id of the entry it changes)."""
        staged: list[tuple[str, Entry, str | None]] = []
        changed: list[str] = []
        for kind, fields in wanted:
            try:
                entry = entry_parse(kind=kind, data=fields, catalog=self.catalog)
            except InvalidInput as exc:
                raise _refuse(exc, kind) from None
            key = record.key(kind, entry.date)
            earlier = record.claimed.get(key)
            if earlier is not None:
                message = (
                    N_("the same patient and date as row {row} of {file}")
                    if key[1]
                    else N_("the same patient's {kind} as row {row} of {file}")
                )
                raise _Refused(
                    _t(
                        _COLUMN_OF.get((kind, "date"), "date"),
                        message,
                        N_("one row per patient and date"),
                        row=earlier[1],
                        file=earlier[0],
                        kind=kind,
                    )
                )
            existing_id = record.keys.get(key)
            if existing_id is None:
                staged.append((new_id(), entry, None))
                continue
            _, old = record.entries[existing_id]
            supplied = (
                dict(fields) if key[1] is None else {k: v for k, v in fields.items() if k != "date"}
            )
            try:
                entry = entry_parse(
                    kind=kind, data=_merged(kind, old.data, supplied), catalog=self.catalog
                )
            except InvalidInput as exc:
                raise _refuse(exc, kind) from None
            if entry.data == old.data and entry.date == old.date:
                continue
            changed += [
                f"{kind}.{f}"
                for f in sorted({*old.data, *entry.data})
                if old.data.get(f) != entry.data.get(f)
            ]
            staged.append((existing_id, entry, existing_id))
        return staged, tuple(changed)

    def _check(self, record: _Record, staged: Sequence[tuple[str, Entry, str | None]]) -> None:
        """Every new or changed entry against the whole record as it would be."""
        others = [(i, k, e) for i, (k, e) in record.entries.items()]
        pending = [(i, e.kind, e) for i, e, _ in staged]
        for entry_id, entry, _ in staged:
            problems = entry_context_problems(
                entry, today=self.today, others=[*others, *pending], entry_id=entry_id
            )
            if problems:
                raise _Refused(*_renamed(problems, entry.kind))

    def _accept(  # noqa: PLR0917 - one row's parts, internal
        self,
        code: str,
        source: _Source,
        record: _Record,
        new: bool,
        staged: Sequence[tuple[str, Entry, str | None]],
        wanted: Sequence[tuple[str, dict[str, Any]]],
        born: str | None,
    ) -> Action:
        """Apply an accepted row to the plan's view of the record; its action."""
        ops: list[_Op] = []
        if new:
            self.records[code] = record
            self.plan.new_patients.append(code)
            ops.append(_Op(code, "patient"))
        if born is not None and born != record.birth_month:
            record.birth_month = born
            ops.append(_Op(code, "birth_month", birth_month=born))
        for entry_id, entry, old_id in staged:
            if old_id is None:
                ops.append(_Op(code, entry.kind, entry, entry_id))
            else:
                _, old = record.entries[old_id]
                ops.append(
                    _Op(
                        code,
                        entry.kind,
                        entry,
                        old_id,
                        old=old.data,
                        old_date=old.date,
                        old_provenance=record.provenance.get(old_id),
                        old_created=record.created.get(old_id),
                    )
                )
            record.put(entry_id, entry, "clinic")
        for kind, fields in wanted:  # rows that change nothing still claim their key
            key = record.key(kind, dt.date.fromisoformat(str(fields["date"])))
            record.claimed.setdefault(key, (source.file, source.row))
        self.plan.ops.extend(ops)
        if new or any(op.entry is not None and op.old is None for op in ops):
            return "add"
        return "change" if ops else "same"


def replace_field(error: FieldError, name: str) -> FieldError:
    """``error`` under the field ``name``."""
    return FieldError(name, error.message, error.allowed, error.message_text, error.allowed_text)


# ---------------------------------------------------------------- writing


def _check_clinic(session: Session, actor: Actor | None, clinic_id: str) -> Clinic:
    return clinic_for(
        session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_WRITE
    )


def _readable_clinic(session: Session, actor: Actor | None, clinic_id: str) -> None:
    clinic_for(session, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ)


def _audit_run(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    run_id: str,
    clinic_id: str,
    plan: ImportPlan | None,
    now: datetime,
) -> None:
    """An import's own audit event: counts and the number of files, never values."""
    details = None
    if plan is not None:
        details = {"counts": plan.counts["total"], "files": len(plan.files)}
    _audit(
        session,
        actor,
        action,
        entity_type="import_run",
        entity_id=run_id,
        clinic_id=clinic_id,
        details=details,
        now=now,
    )


def _who(actor: Actor | None) -> str:
    return "cli" if actor is None else actor.person_id


def _apply(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    plan: ImportPlan,
    run_id: str,
    now: datetime,
) -> None:
    """Write a plan's operations (in the caller's transaction), audited per patient."""
    ids: dict[str, str] = {
        str(code): pid
        for code, pid in session.execute(
            select(Patient.code, Patient.id).where(Patient.clinic_id == clinic_id)
        )
    }
    new_ids: dict[str, str] = {code: new_id() for code in plan.new_patients}
    if new_ids:
        session.execute(
            insert(Patient),
            [
                {"id": pid, "clinic_id": clinic_id, "code": code, "created_at": now}
                for code, pid in new_ids.items()
            ],
        )
        ids.update(new_ids)
    created: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audit: dict[str, dict[str, Any]] = defaultdict(lambda: {"created": [], "changed": []})
    for op in plan.ops:
        if op.kind == "birth_month":
            pid = ids[op.code]
            session.execute(
                update(Patient).where(Patient.id == pid).values(birth_month=op.birth_month)
            )
            # That it was set, never the value (a quasi-identifier; the audit outlives records).
            audit[pid]["changed"].append({"record": "birth_month", "recorded": True})
            continue
        if op.entry is None:
            continue
        pid = ids[op.code]
        if op.old is None:
            created.append(
                {
                    "id": op.entry_id,
                    "patient_id": pid,
                    "kind": op.entry.kind,
                    "date": op.entry.date,
                    "data": op.entry.data,
                    "provenance": "clinic",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            changes.append(
                {
                    "patient_id": pid,
                    "entry_id": op.entry_id,
                    "operation": "create",
                    "batch": run_id,
                    "before": None,
                    "changed_at": now,
                }
            )
            audit[pid]["created"].append(op.entry_id)
        else:
            old_date = op.old_date or op.entry.date
            before = {
                "kind": op.kind,
                "date": old_date.isoformat(),
                "data": op.old,
                "provenance": op.old_provenance,
                "created_at": None if op.old_created is None else op.old_created.isoformat(),
            }
            updates.append(
                {
                    "id": op.entry_id,
                    "date": op.entry.date,
                    "data": op.entry.data,
                    "provenance": "clinic",
                    "updated_at": now,
                }
            )
            changes.append(
                {
                    "patient_id": pid,
                    "entry_id": op.entry_id,
                    "operation": "update",
                    "batch": run_id,
                    "before": before,
                    "changed_at": now,
                }
            )
            fields = sorted(
                f for f in {*op.old, *op.entry.data} if op.old.get(f) != op.entry.data.get(f)
            )
            old = {f: op.old.get(f) for f in fields}
            if old_date != op.entry.date:
                fields.append("date")
                old["date"] = old_date.isoformat()
            audit[pid]["changed"].append(
                {"entry": op.entry_id, "kind": op.kind, "fields": fields, "old": old}
            )
    if created:
        session.execute(insert(RecordEntry), created)
    if updates:
        session.execute(update(RecordEntry), updates)
    if changes:
        session.execute(insert(RecordChange), changes)
    session.flush()
    created_ids = set(new_ids.values())
    touched = sorted(audit.keys() | created_ids)
    if touched:
        clinic_touch(session, clinic_id=clinic_id)
    _trim_histories(session, touched)
    audit_records(
        session,
        actor=actor,
        clinic_id=clinic_id,
        run_id=run_id,
        records={
            pid: {
                **audit.get(pid, {"created": [], "changed": []}),
                "new_record": pid in created_ids,
            }
            for pid in touched
        },
        now=now,
    )


def audit_records(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    run_id: str,
    records: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> None:
    """An import's audit of the records it wrote: one event per block of records (not one per
    record: an import of thousands of records would spend most of its time chaining events).
    Each names the records, the entries made, and for every changed entry its fields and
    their old values (never a birth month's)."""
    ids = list(records)
    for start in range(0, len(ids), AUDIT_BLOCK):
        block = {pid: records[pid] for pid in ids[start : start + AUDIT_BLOCK]}
        _audit(
            session,
            actor,
            "import.records",
            entity_type="import_run",
            entity_id=run_id,
            clinic_id=clinic_id,
            details={"records": block},
            now=now,
        )


#: Records named in one audit event of an import.
AUDIT_BLOCK: Final = 200


def _trim_histories(session: Session, patient_ids: Sequence[str]) -> None:
    """Trim the undo history of the records that may hold more than it keeps."""
    for start in range(0, len(patient_ids), 500):
        long = session.execute(
            select(RecordChange.patient_id)
            .where(RecordChange.patient_id.in_(patient_ids[start : start + 500]))
            .group_by(RecordChange.patient_id)
            .having(func.count() > UNDO_DEPTH)
        ).scalars()
        for pid in list(long):
            _trim_history(session, pid)


def _files_meta(plan: ImportPlan) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "bytes": f.size,
            "sha256": f.sha256,
            "rows": f.rows,
            "ignored": list(f.ignored),
        }
        for f in plan.files
    ]


def _options_meta(options: ImportOptions) -> dict[str, Any]:
    return {
        "dates": options.dates,
        "mapping": options.mapping_name or (None if options.mapping is None else "(given)"),
    }


def _refuse_refused(plan: ImportPlan, accept_refused: bool) -> None:
    if plan.refused and not accept_refused:
        raise InvalidInput(
            [
                _t(
                    "files",
                    N_("rows refused: {n}; nothing was imported"),
                    N_(
                        "fix those rows and import again, or confirm that the other rows go in "
                        "without them"
                    ),
                    n=plan.refused,
                )
            ]
        )


def import_commit(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    files: Sequence[ImportFile],
    options: ImportOptions,
    now: datetime,
    accept_refused: bool = False,
    catalog: Catalog | None = None,
    plan: ImportPlan | None = None,
) -> tuple[ImportPlan, str]:
    """Plan and write an import in one go (the command line); returns the plan and its id.

    ``actor`` None is the command line (whoever has the database). With refused rows the
    import is refused whole unless ``accept_refused``. ``plan``: one made by
    :func:`import_dry_run` in the same transaction, so the files are not read twice.
    """
    _check_clinic(session, actor, clinic_id)
    plan = plan or import_plan(
        session,
        clinic_id=clinic_id,
        files=files,
        options=options,
        today=now.date(),
        catalog=catalog,
    )
    _refuse_refused(plan, accept_refused)
    run = ImportRun(
        clinic_id=clinic_id,
        actor=_who(actor),
        status="committed",
        files=_files_meta(plan),
        options=_options_meta(options),
        counts=plan.counts,
        plan_digest=plan.digest,
        payload=None,
        created_at=now,
        finished_at=now,
    )
    session.add(run)
    session.flush()
    _apply(session, actor=actor, clinic_id=clinic_id, plan=plan, run_id=run.id, now=now)
    _audit_run(
        session, actor, "import.commit", run_id=run.id, clinic_id=clinic_id, plan=plan, now=now
    )
    return plan, run.id


def import_dry_run(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    files: Sequence[ImportFile],
    options: ImportOptions,
    now: datetime,
    catalog: Catalog | None = None,
) -> ImportPlan:
    """What an import would do, nothing kept (the command line's ``--dry-run``); audited."""
    _check_clinic(session, actor, clinic_id)
    plan = import_plan(
        session,
        clinic_id=clinic_id,
        files=files,
        options=options,
        today=now.date(),
        catalog=catalog,
    )
    _audit(
        session,
        actor,
        "import.dry_run",
        entity_type="clinic",
        entity_id=clinic_id,
        clinic_id=clinic_id,
        details={"counts": plan.counts["total"], "files": len(plan.files)},
        now=now,
    )
    return plan


def _pack(files: Sequence[ImportFile]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = [{"name": f.name, "table": f.table} for f in files]
        archive.writestr("manifest.json", json.dumps(manifest))
        for i, f in enumerate(files):
            archive.writestr(f"{i}", f.data)
    return out.getvalue()


def _unpack(payload: bytes) -> list[ImportFile]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        return [
            ImportFile(name=m["name"], data=archive.read(f"{i}"), table=m["table"])
            for i, m in enumerate(manifest)
        ]


def import_prepare(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    files: Sequence[ImportFile],
    options: ImportOptions,
    now: datetime,
    catalog: Catalog | None = None,
) -> tuple[ImportPlan, ImportRun]:
    """A dry run kept for confirmation: the plan, and the pending run that holds the files."""
    _check_clinic(session, actor, clinic_id)
    plan = import_plan(
        session,
        clinic_id=clinic_id,
        files=files,
        options=options,
        today=now.date(),
        catalog=catalog,
    )
    _expire_pending(session, clinic_id=clinic_id, now=now)
    run = ImportRun(
        clinic_id=clinic_id,
        actor=_who(actor),
        status="pending",
        files=_files_meta(plan),
        options={
            **_options_meta(options),
            "raw_mapping": None if options.mapping is None else dict(options.mapping),
        },
        counts=plan.counts,
        plan_digest=plan.digest,
        payload=_pack(files),
        created_at=now,
    )
    session.add(run)
    session.flush()
    _audit_run(
        session, actor, "import.dry_run", run_id=run.id, clinic_id=clinic_id, plan=plan, now=now
    )
    return plan, run


def _expire_pending(session: Session, *, clinic_id: str, now: datetime) -> None:
    cutoff = now - dt.timedelta(hours=PENDING_HOURS)
    session.execute(
        update(ImportRun)
        .where(
            ImportRun.clinic_id == clinic_id,
            ImportRun.status == "pending",
            ImportRun.created_at < cutoff,
        )
        .values(status="expired", payload=None, finished_at=now)
    )


def _pending(session: Session, actor: Actor | None, clinic_id: str, run_id: str) -> ImportRun:
    _check_clinic(session, actor, clinic_id)
    run = session.scalars(
        select(ImportRun).where(ImportRun.id == run_id, ImportRun.clinic_id == clinic_id)
    ).first()
    if run is None:
        raise NotFound("import", run_id)
    if run.status != "pending" or run.payload is None:
        raise Conflict(f"this import is {run.status}; upload the files again")
    return run


def import_confirm(
    session: Session,
    *,
    actor: Actor | None,
    clinic_id: str,
    run_id: str,
    digest: str,
    now: datetime,
    accept_refused: bool = False,
    catalog: Catalog | None = None,
) -> ImportPlan:
    """Write a pending import, if it would still do what its dry run showed (``digest``)."""
    run = _pending(session, actor, clinic_id, run_id)
    options = ImportOptions(
        dates=run.options.get("dates", "iso"),
        mapping=run.options.get("raw_mapping"),
        mapping_name=run.options.get("mapping"),
    )
    plan = import_plan(
        session,
        clinic_id=clinic_id,
        files=_unpack(run.payload or b""),
        options=options,
        today=now.date(),
        catalog=catalog,
    )
    if plan.digest != digest:
        raise Conflict(
            "the records changed since this dry run; look at the new dry run before confirming"
        )
    _refuse_refused(plan, accept_refused)
    _apply(session, actor=actor, clinic_id=clinic_id, plan=plan, run_id=run.id, now=now)
    run.status, run.payload, run.finished_at, run.counts = "committed", None, now, plan.counts
    _audit_run(
        session, actor, "import.commit", run_id=run.id, clinic_id=clinic_id, plan=plan, now=now
    )
    return plan


def import_discard(
    session: Session, *, actor: Actor | None, clinic_id: str, run_id: str, now: datetime
) -> None:
    """Drop a pending import and its files."""
    run = _pending(session, actor, clinic_id, run_id)
    run.status, run.payload, run.finished_at = "discarded", None, now
    _audit_run(
        session, actor, "import.discard", run_id=run.id, clinic_id=clinic_id, plan=None, now=now
    )


def import_list(session: Session, *, actor: Actor | None, clinic_id: str) -> Sequence[ImportRun]:
    """The clinic's imports, newest first (counts and file digests; no data)."""
    _readable_clinic(session, actor, clinic_id)
    return session.scalars(
        select(ImportRun)
        .where(ImportRun.clinic_id == clinic_id)
        .order_by(ImportRun.created_at.desc(), ImportRun.id)
    ).all()


# ---------------------------------------------------------------- saved mappings

_MAPPING_NAME: Final = re.compile(r"^[\w .-]{1,60}$")


def mapping_save(
    session: Session, *, actor: Actor | None, clinic_id: str, name: str, mapping: Any, now: datetime
) -> ImportMapping:
    """Save (or replace) a column mapping under ``name`` for the clinic."""
    _check_clinic(session, actor, clinic_id)
    value = name.strip()
    if not _MAPPING_NAME.match(value):
        raise InvalidInput(
            [
                FieldError(
                    "name", "is not a mapping name", "1-60 letters, digits, spaces, '.', '_' or '-'"
                )
            ]
        )
    checked = mapping_check(mapping)
    row = session.scalars(
        select(ImportMapping).where(
            ImportMapping.clinic_id == clinic_id, ImportMapping.name == value
        )
    ).first()
    if row is None:
        row = ImportMapping(clinic_id=clinic_id, name=value, mapping=checked, updated_at=now)
        session.add(row)
    else:
        row.mapping, row.updated_at = checked, now
    session.flush()
    _audit(
        session,
        actor,
        "import.mapping_save",
        entity_type="import_mapping",
        entity_id=str(row.id),
        clinic_id=clinic_id,
        details={"name": value},
        now=now,
    )
    return row


def mapping_get(
    session: Session, *, actor: Actor | None, clinic_id: str, name: str
) -> ImportMapping:
    """A saved mapping by name."""
    _readable_clinic(session, actor, clinic_id)
    row = session.scalars(
        select(ImportMapping).where(
            ImportMapping.clinic_id == clinic_id, ImportMapping.name == name.strip()
        )
    ).first()
    if row is None:
        raise NotFound("mapping", name)
    return row


def mapping_list(
    session: Session, *, actor: Actor | None, clinic_id: str
) -> Sequence[ImportMapping]:
    """The clinic's saved mappings by name."""
    _readable_clinic(session, actor, clinic_id)
    return session.scalars(
        select(ImportMapping)
        .where(ImportMapping.clinic_id == clinic_id)
        .order_by(ImportMapping.name)
    ).all()
