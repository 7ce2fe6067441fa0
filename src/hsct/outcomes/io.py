"""Input and output tables as CSV or Parquet, Arrow tables accepted, and patient-order checks.

* :func:`read_table` reads one input table (visits, relapses, MRI or patients) from a CSV
  file, a Parquet file, a folder of Parquet files, a ``pyarrow.Table`` or a DataFrame, and
  returns the DataFrame :func:`~hsct.outcomes.build_cohort` takes; :func:`load_cohort` does
  that for all four tables and builds the cohort. Arrow tables are converted once, with the
  numeric and date columns handed over without a copy (:func:`as_frame`).
* :func:`write_table` writes a result as CSV or Parquet, by the file's extension.
* :func:`is_patient_sorted` tells whether rows are in (patient, date) order. Sorted input
  is used as it is; unsorted input is sorted once, by :func:`~hsct.outcomes.build_cohort`,
  whatever its format, keeping each row's number for the report.
* :func:`parquet_parts` lists the files of a Parquet folder with each file's range of patient
  ids, read from the Parquet footers (no data read); :func:`patient_split` finds a patient
  whose rows are in two files. The single-process engine reads a folder as one table (the
  files in name order), so a split patient is merged there; the Dask engine runs each file
  on its own and refuses a split patient, naming the patient and both files.

Rows of a Parquet folder are numbered as if its files, in name order, were one table: the
first row of the first file is row 2, as in a CSV file with a header line.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.outcomes.inputs import OPTIONAL, PARQUET_MAGIC, PARQUET_SUFFIXES, REQUIRED
from hsct.outcomes.tables import Cohort, Table, build_cohort, read_csv

Format = Literal["csv", "parquet"]
#: Columns holding dates, and columns holding numbers, per table (anything else is free).
DATE_COLUMNS: Final = frozenset({"date", "transplant_date"})
NUMBER_COLUMNS: Final = frozenset({"edss", "gd_enhancing", "new_t2", "brain_volume_change"})
#: What a Parquet folder may hold, for messages.
PARQUET_ALLOWED: Final = "a CSV or Parquet file, or a folder of Parquet files"

#: Where a table comes from: a path, a ``pyarrow.Table`` or a DataFrame.
Source: TypeAlias = "str | Path | pd.DataFrame | pa.Table"


def _parquet() -> Any:
    """``pyarrow.parquet``, imported when a Parquet file is read or written (11 ms of every
    start of a command that reads CSV otherwise)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    return pq


def _name(path: Path) -> str:
    """A path for a message: quoted, and cut at the front when long (the name is the end)."""
    text = str(path)
    return repr(text) if len(text) <= 60 else repr("…" + text[-59:])


def _problem(table: str, message: str, allowed: str | None = None) -> InvalidInput:
    return InvalidInput([FieldError(table, message, allowed)])


def table_format(path: str | Path, format: Format | None = None) -> Format:
    """``format`` if given; else Parquet for a folder, a ``.parquet`` name or Parquet bytes.

    A file whose name says nothing (``visits.dat``) but that starts with Parquet's magic
    bytes is read as Parquet; everything else is CSV.
    """
    if format is not None:
        return format
    path = Path(path)
    if path.suffix.lower() in PARQUET_SUFFIXES or path.is_dir():
        return "parquet"
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return "csv"  # the CSV reader names the fault
    return "parquet" if head == PARQUET_MAGIC else "csv"


def parquet_files(path: str | Path, table: str = "table") -> list[Path]:
    """A Parquet file as a list of one, or a folder's Parquet files in name order.

    Files in sub-folders count; names starting with ``_`` or ``.`` (``_SUCCESS``,
    ``_metadata``, hidden files) do not.

    Raises
    ------
    InvalidInput
        Under ``table``: a folder without any ``.parquet`` file.
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix.lower() in PARQUET_SUFFIXES
        and p.is_file()
        and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
    )
    if not files:
        raise _problem(table, f"the folder {_name(path)} has no .parquet files", PARQUET_ALLOWED)
    return files


def _not_parquet(table: str, path: Path, exc: Exception) -> InvalidInput:
    """Arrow's reason, without the path it quotes and cut to its first sentence."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    reason = reason.rsplit("': ", 1)[-1].split(". ", 1)[0].rstrip(".")
    return _problem(
        table, f"{_name(path)} is not a readable Parquet file ({reason[:80]})", PARQUET_ALLOWED
    )


def _read_parquet_file(path: Path, table: str) -> pa.Table:

    try:
        return _parquet().read_table(path)
    except OSError as exc:
        reason = exc.strerror or str(exc).splitlines()[0]
        raise _problem(table, f"cannot read {_name(path)}: {excerpt(reason, 80)}") from None
    except (pa.ArrowException, ValueError) as exc:
        raise _not_parquet(table, path, exc) from None


def check_schema(table: Table, schema: pa.Schema, where: str) -> None:
    """Refuse missing columns and column types the engine cannot read, naming the file.

    ``patient_id``: whole numbers or text; dates: date, timestamp without a time zone, or
    text (YYYY-MM-DD); EDSS, lesion counts and brain volume: numbers or text.
    """

    names = set(schema.names)
    missing = [c for c in REQUIRED[table] if c not in names]
    if missing:
        allowed = ", ".join(REQUIRED[table] + OPTIONAL.get(table, ()))
        raise InvalidInput(
            FieldError(f"{table}.{c}", f"column is missing in {where}", allowed) for c in missing
        )
    types = pa.types
    for column in schema:
        kind = column.type
        if types.is_dictionary(kind):
            kind = kind.value_type
        text = types.is_string(kind) or types.is_large_string(kind) or types.is_null(kind)
        text = text or (hasattr(types, "is_string_view") and types.is_string_view(kind))
        if column.name == "patient_id":
            ok, allowed = text or types.is_integer(kind), "whole numbers or text"
        elif column.name in DATE_COLUMNS:
            ok = text or types.is_date(kind) or (types.is_timestamp(kind) and kind.tz is None)
            allowed = "date, timestamp without a time zone, or text YYYY-MM-DD"
        elif column.name in NUMBER_COLUMNS:
            ok = text or types.is_integer(kind) or types.is_floating(kind)
            ok = ok or types.is_decimal(kind)
            allowed = "numbers or text"
        else:
            continue
        if not ok:
            raise _problem(
                f"{table}.{column.name}", f"is {column.type} in {where}; it cannot be read", allowed
            )


def _same_schema(table: Table, files: Sequence[Path], schemas: Sequence[pa.Schema]) -> None:
    first = schemas[0].remove_metadata()
    for path, schema in zip(files[1:], schemas[1:], strict=True):
        other = schema.remove_metadata()
        if other.equals(first):
            continue
        theirs = {f.name: str(f.type) for f in other}
        ours = {f.name: str(f.type) for f in first}
        column = next(
            (c for c in sorted(ours.keys() | theirs.keys()) if ours.get(c) != theirs.get(c)),
            "(column order)",
        )
        raise _problem(
            table,
            f"{_name(path)} has {column} as {theirs.get(column, 'missing')}, "
            f"{_name(files[0])} as {ours.get(column, 'missing')}",
            "the same columns and types in every file",
        )


def read_parquet(path: str | Path, table: Table) -> pa.Table:
    """A Parquet file, or a folder's files (in name order) as one Arrow table, checked.

    Raises
    ------
    InvalidInput
        Under ``table``: unreadable or not Parquet, a folder without Parquet files, files
        whose columns differ, a missing column or a column of a type that cannot be read.
    """

    files = parquet_files(path, table)
    parts = [_read_parquet_file(f, table) for f in files]
    _same_schema(table, files, [p.schema for p in parts])
    check_schema(table, parts[0].schema, _name(files[0]) if len(files) == 1 else _name(Path(path)))
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def as_frame(data: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """A DataFrame for :func:`~hsct.outcomes.build_cohort` from an Arrow table (or itself).

    Converted once: numeric columns without nulls are handed over without a copy (one block
    per column, no consolidation into 2-D blocks); dictionary-encoded
    columns are decoded (a categorical would not take the "(not given)" group); dates become
    ``datetime64`` (not Python objects). Integer patient ids with nulls become text, so the
    empty ones are reported as rows without a patient id rather than read as 1.0, 2.0...
    """
    if isinstance(data, pd.DataFrame):
        return data

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if not isinstance(data, pa.Table):
        raise TypeError(f"expected a pyarrow.Table or a pandas.DataFrame, not {type(data)}")
    for i, column in enumerate(data.schema):
        kind = column.type
        if pa.types.is_dictionary(kind):
            data = data.set_column(i, column.name, data.column(i).cast(kind.value_type))
            kind = kind.value_type
        if column.name == "patient_id" and pa.types.is_integer(kind) and data.column(i).null_count:
            data = data.set_column(i, column.name, data.column(i).cast(pa.string()))
    return data.to_pandas(split_blocks=True, date_as_object=False)


def read_table(source: Source, table: Table, *, format: Format | None = None) -> pd.DataFrame:
    """One input table as the DataFrame :func:`~hsct.outcomes.build_cohort` takes.

    ``source``: a path (CSV or Parquet by :func:`table_format`; a folder is a Parquet
    dataset), a ``pyarrow.Table`` or a DataFrame (returned as it is). CSV columns are read as
    text and checked row by row; Parquet columns keep their types (checked by
    :func:`check_schema`).
    """
    if isinstance(source, pd.DataFrame):
        return source
    if not isinstance(source, str | Path):
        return as_frame(source)
    if table_format(source, format) == "csv":
        return read_csv(source, table)
    return as_frame(read_parquet(source, table))


def load_cohort(
    visits: Source,
    relapses: Source | None = None,
    mri: Source | None = None,
    patients: Source | None = None,
    *,
    strict: bool = True,
) -> Cohort:
    """:func:`~hsct.outcomes.build_cohort` on paths, Arrow tables or DataFrames."""
    return build_cohort(
        read_table(visits, "visits"),
        None if relapses is None else read_table(relapses, "relapses"),
        None if mri is None else read_table(mri, "mri"),
        None if patients is None else read_table(patients, "patients"),
        strict=strict,
    )


def write_table(frame: pd.DataFrame, path: str | Path, *, format: Format | None = None) -> None:
    """Write ``frame`` as Parquet (``.parquet``, ``.pq``, ``.parq`` or ``format``) or CSV."""
    path = Path(path)
    kind = format or ("parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "csv")
    if kind == "csv":
        frame.to_csv(path, index=False)
        return

    _parquet().write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def write_partitioned(
    data: pa.Table | pd.DataFrame,
    folder: str | Path,
    *,
    patients_per_file: int = 100_000,
    date: str | None = "date",
) -> list[Path]:
    """Write a table as a folder of Parquet files partitioned by patient, for the Dask engine.

    Rows are sorted by patient id (then ``date``) and cut at patient boundaries into files
    of ``patients_per_file`` patients, named ``part-00000.parquet``, ``part-00001.parquet``...
    (the folder is made if missing; existing ``part-*.parquet`` files are replaced).
    """
    if patients_per_file < 1:
        raise ValueError("patients_per_file must be at least 1")
    frame = as_frame(data)
    keys = ["patient_id"] + ([date] if date is not None and date in frame else [])
    frame = frame.sort_values(keys, kind="stable", ignore_index=True)
    codes, _ = pd.factorize(frame["patient_id"], sort=True)
    cuts = np.searchsorted(codes, np.arange(0, codes.max(initial=-1) + 1, patients_per_file))
    bounds = [*cuts.tolist(), len(frame)] if len(frame) else [0, 0]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.parquet"):
        old.unlink()
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    paths = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        path = out / f"part-{i:05d}.parquet"
        chunk = pa.Table.from_pandas(frame.iloc[lo:hi], schema=schema, preserve_index=False)
        _parquet().write_table(chunk, path)
        paths.append(path)
    return paths


def is_patient_sorted(data: pa.Table | pd.DataFrame, date: str | None = "date") -> bool:
    """Whether rows are in patient order, and by ``date`` within each patient (vectorised).

    Dates are compared as written when they are dates or timestamps, and as parsed ISO dates
    when they are text; a date that cannot be read makes the answer ``False``. ``date=None``
    checks the patient order only.
    """
    frame = as_frame(data)
    ids = frame["patient_id"]
    try:
        if not ids.is_monotonic_increasing:
            return False
    except TypeError:  # mixed numbers and text
        return False
    if date is None or date not in frame or len(frame) < 2:
        return True
    values = frame[date]
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy()
    else:
        days = pd.to_datetime(
            values.astype("string").str.strip(), format="ISO8601", errors="coerce"
        ).to_numpy()
    if np.isnat(days).any():
        return False
    raw = ids.to_numpy()
    same = raw[1:] == raw[:-1]
    return bool(np.all(days[1:][same] >= days[:-1][same]))


@dataclass(frozen=True, slots=True)
class ParquetPart:
    """One Parquet file of a folder: its rows, its range of patient ids, and its first row.

    ``first_row`` is the row number of its first row when the folder's files, in name order,
    are read as one table (2 for the first file, as for a CSV file with a header line).
    ``low`` and ``high`` are ``None`` when the file has no rows with a patient id.
    """

    path: Path
    rows: int
    first_row: int
    low: Any
    high: Any
    nulls: int


def parquet_parts(path: str | Path, table: Table) -> list[ParquetPart]:
    """The files of a Parquet file or folder with their patient-id ranges, from the footers.

    Only the footers are read (row counts and min/max statistics); a file written without
    statistics has its ``patient_id`` column read. The schemas are checked as by
    :func:`read_parquet`.
    """

    files = parquet_files(path, table)
    metas = []
    for f in files:
        try:
            metas.append(_parquet().read_metadata(f))
        except OSError as exc:
            reason = exc.strerror or str(exc).splitlines()[0]
            raise _problem(table, f"cannot read {_name(f)}: {excerpt(reason, 80)}") from None
        except (pa.ArrowException, ValueError) as exc:  # not Parquet
            raise _not_parquet(table, f, exc) from None
    schemas = [m.schema.to_arrow_schema() for m in metas]
    _same_schema(table, files, schemas)
    check_schema(table, schemas[0], _name(Path(path)))
    column = schemas[0].get_field_index("patient_id")
    parts = []
    first_row = 2
    for f, meta in zip(files, metas, strict=True):
        low, high, nulls = _id_range(f, meta, column)
        parts.append(ParquetPart(f, meta.num_rows, first_row, low, high, nulls))
        first_row += meta.num_rows
    return parts


def _id_range(path: Path, meta: Any, column: int) -> tuple[Any, Any, int]:
    lows, highs, nulls = [], [], 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows == 0:
            continue
        stats = group.column(column).statistics
        if stats is None or not stats.has_min_max or not stats.has_null_count:
            return _read_range(path)
        if stats.null_count < group.num_rows:
            lows.append(stats.min)
            highs.append(stats.max)
        nulls += stats.null_count
    return (min(lows), max(highs), nulls) if lows else (None, None, nulls)


def _read_range(path: Path) -> tuple[Any, Any, int]:

    ids = _parquet().read_table(path, columns=["patient_id"]).column(0)
    bounds = pc.min_max(ids).as_py()
    return bounds["min"], bounds["max"], ids.null_count


def _ids(path: Path) -> np.ndarray[Any, Any]:

    ids = _parquet().read_table(path, columns=["patient_id"]).column(0).drop_null()
    return np.unique(ids.to_numpy())


def patient_split(parts: Sequence[ParquetPart], table: str, folder: str | Path) -> None:
    """Refuse a folder whose files do not hold whole patients in separate id ranges.

    Files are taken in order of their lowest patient id; when one file's range reaches into
    the next one's, the two files' ids are read and compared.

    Raises
    ------
    InvalidInput
        Under ``table``: a patient in two files (naming the patient and both files), or two
        files whose ids interleave without a common patient (each file must hold one range).
    """
    root = Path(folder)
    ranged = sorted((p for p in parts if p.low is not None), key=lambda p: p.low)

    def rel(part: ParquetPart) -> str:
        return _name(part.path.relative_to(root) if root.is_dir() else part.path)

    widest: ParquetPart | None = None
    for part in ranged:
        if widest is not None and part.low <= widest.high:
            common = np.intersect1d(_ids(widest.path), _ids(part.path))
            if common.size:
                raise _problem(
                    table,
                    f"patient {excerpt(_plain(common[0]))} is in both {rel(widest)} and "
                    f"{rel(part)}",
                    "each patient's rows in one file (see 'Partitioning the input' in the guide)",
                )
            raise _problem(
                table,
                f"the patient ids of {rel(widest)} ({excerpt(widest.low)} to "
                f"{excerpt(widest.high)}) and {rel(part)} ({excerpt(part.low)} to "
                f"{excerpt(part.high)}) interleave",
                "files each holding one range of patient ids: sort by patient_id, then split",
            )
        if widest is None or part.high > widest.high:
            widest = part


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
