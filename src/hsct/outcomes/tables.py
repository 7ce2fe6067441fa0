"""Input tables (visits, relapses, MRI, patients) checked row by row and laid out as columns.

Every row that cannot be used is reported with its table, row number, patient, field, value
and the reason, and counted; nothing is dropped silently. Rows that are usable but worth a
look (a second visit on the same day, a relapse before time zero) are reported as warnings.

Row numbers are the line numbers a spreadsheet shows for a CSV file with a header line
(the first data row is row 2); for a DataFrame they are the same, counted from its first row.
"""

from __future__ import annotations

import datetime as dt
import io
import lzma
import math
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput
from hsct.outcomes import compiled
from hsct.outcomes.inputs import OPTIONAL, REQUIRED, TABLES, row_numbers
from hsct.outcomes.layout import BEFORE_TIME_ZERO, NO_VISIT, SAME_DAY, lay_out_visits
from hsct.outcomes.layout import grouped as _grouped
from hsct.outcomes.layout import take as _take

Table = Literal["visits", "relapses", "mri", "patients"]
Severity = Literal["error", "warning"]

EDSS_ALLOWED: Final = "0, 1.0, 1.5, ... 9.5, 10 (half steps; 0.5 does not exist)"
_EPOCH: Final = np.datetime64("1970-01-01", "D")
REPORT_COLUMNS: Final = ("table", "row", "patient_id", "field", "value", "severity", "problem")


#: Report columns that hold one value per call of :meth:`InputReport.add`.
_CONSTANT: Final = ("table", "field", "severity", "problem", "reason", "allowed")


def _constant(value: str | None, n: int) -> pd.Categorical:
    """``value`` ``n`` times in one byte a row (``None``: missing)."""
    categories = [] if value is None else [value]
    codes = np.full(n, -1 if value is None else 0, dtype=np.int8)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


@dataclass(slots=True)
class InputReport:
    """Problems found in the input, one entry per row and field.

    ``rows`` keeps each check's rows compactly: ids and values as given, and the columns that
    are the same for the whole check as categories; :meth:`frame` turns them into text.
    """

    rows: list[pd.DataFrame] = field(default_factory=list)

    def add(  # noqa: PLR0917 - called once per check, reads as a sentence
        self,
        table: Table,
        frame: pd.DataFrame,
        mask: np.ndarray[Any, np.dtype[np.bool_]],
        field_name: str,
        severity: Severity,
        problem: str,
        allowed: str | None = None,
    ) -> None:
        """Report every row of ``frame`` where ``mask`` is true (``allowed``: what would do)."""
        if not mask.any():
            return
        n = int(np.count_nonzero(mask))
        ids = frame["patient_id"].array[mask] if "patient_id" in frame else np.full(n, "")
        values = frame[field_name].array[mask] if field_name in frame else np.full(n, "")
        shown = problem if allowed is None else f"{problem} (allowed: {allowed})"
        self.rows.append(
            pd.DataFrame(
                {
                    "table": _constant(table, n),
                    "row": frame["_row"].to_numpy()[mask],
                    "patient_id": ids,
                    "field": _constant(field_name, n),
                    "value": values,
                    "severity": _constant(severity, n),
                    "problem": _constant(shown, n),
                    "reason": _constant(problem, n),
                    "allowed": _constant(allowed, n),
                },
                copy=False,
            )
        )

    def frame(self) -> pd.DataFrame:
        """All problems, sorted by table order and row."""
        return self._sorted()[list(REPORT_COLUMNS)]

    def _sorted(self) -> pd.DataFrame:
        if not self.rows:
            columns = (*REPORT_COLUMNS, "reason", "allowed")
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        out = pd.concat([_as_text(r) for r in self.rows], ignore_index=True)
        out["_t"] = out["table"].map({table: i for i, table in enumerate(TABLES)})
        return (
            out.sort_values(["_t", "row"], kind="stable").drop(columns="_t").reset_index(drop=True)
        )

    def counts(self) -> pd.DataFrame:
        """How many rows each (table, severity, problem) covers."""
        f = self.frame()
        if f.empty:
            return pd.DataFrame(columns=["table", "severity", "problem", "rows"])
        return (
            f.groupby(["table", "severity", "problem"], sort=False).size().reset_index(name="rows")
        )

    @property
    def n_errors(self) -> int:
        return int(sum((r["severity"] == "error").sum() for r in self.rows))

    @property
    def n_warnings(self) -> int:
        return int(sum((r["severity"] == "warning").sum() for r in self.rows))

    def errors(self, limit: int | None = 20, *, positions: bool = False) -> list[FieldError]:
        """The first error rows as field errors.

        Fields read ``visits row 14: edss`` (a file's row), or with ``positions``
        ``visits[12].edss`` (the position in a list, as the API receives it).
        """
        if not self.n_errors:  # the usual case: nothing to sort or format
            return []
        f = self._sorted()
        f = f[f["severity"] == "error"]
        if limit is not None:
            f = f.head(limit)
        return [
            FieldError(
                f"{r.table}[{int(r.row) - 2}].{r.field}"
                if positions
                else f"{r.table} row {r.row}: {r.field}",
                f"{r.value!r} {r.reason}",
                None if pd.isna(r.allowed) else r.allowed,
            )
            for r in f.itertuples()
        ]

    def warnings(self) -> list[FieldError]:
        """Every warning, fields as list positions (``relapses[0].date``)."""
        if not self.n_warnings:
            return []
        f = self._sorted()
        return [
            FieldError(f"{r.table}[{int(r.row) - 2}].{r.field}", r.problem)
            for r in f[f["severity"] == "warning"].itertuples()
        ]


def _as_text(rows: pd.DataFrame) -> pd.DataFrame:
    """One check's rows as the report shows them: ids and values as text, plain columns."""
    out = rows.copy(deep=False)
    for column in ("patient_id", "value"):
        out[column] = out[column].astype(str).to_numpy()
    for column in _CONSTANT:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    return out


def read_csv(path: str | Path, table: Table) -> pd.DataFrame:
    """A CSV file as text columns; a missing file or missing column names the file."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise InvalidInput([FieldError(table, f"file {path} not found")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            [FieldError(table, f"{path} is not a readable CSV file ({exc})")]
        ) from None
    except (zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError, EOFError) as exc:
        # pandas takes the compression from the name (.zip, .tar, .xz...).
        raise InvalidInput(
            [
                FieldError(
                    table,
                    f"{path} is not a readable {path.suffix} file ({type(exc).__name__})",
                    "a CSV file, or one compressed as its name says",
                )
            ]
        ) from None
    except ImportError:  # .zst needs the optional zstandard package
        raise InvalidInput(
            [FieldError(table, f"{path}: {path.suffix} files cannot be read here", "a CSV file")]
        ) from None
    return frame


def read_csv_text(text: str, table: Table) -> pd.DataFrame:
    """CSV text (an upload, never written to disk) as text columns, as :func:`read_csv`
    reads a file; a text that is not CSV names the table."""
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(
            [FieldError(table, f"is not a readable CSV file ({str(exc)[:120]})", "a CSV file")]
        ) from None


def _check_columns(table: Table, frame: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        raise InvalidInput(
            [
                FieldError(
                    f"{table}.{name}",
                    "column is missing",
                    ", ".join(REQUIRED[table] + OPTIONAL.get(table, ())),
                )
                for name in missing
            ]
        )


def _prepare(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    _check_columns(table, frame)
    out = frame.copy(deep=False)  # columns are replaced, never written into
    out["_row"] = row_numbers(len(out))
    return out


#: Rows converted at a time, so a 20-million-row column needs no full-size temporaries.
_PIECE: Final = 1 << 20
_INT32: Final = np.iinfo(np.int32)


def _days(values: pd.Series) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.int32]]]:
    """Whole days since 1970-01-01 (int32), and which rows hold a date that can be read.

    A date more than 5.8 million years from 1970 does not fit and counts as unreadable.
    """
    if pd.api.types.is_datetime64_any_dtype(values) and not isinstance(
        values.dtype, pd.DatetimeTZDtype
    ):
        stamp = values.to_numpy()  # any unit; no copy to nanoseconds
    else:
        text = values.astype("string").str.strip()
        stamp = pd.to_datetime(text, format="ISO8601", errors="coerce").to_numpy(
            dtype="datetime64[ns]"
        )
    n = stamp.shape[0]
    out = np.zeros(n, dtype=np.int32)
    ok = np.empty(n, dtype=bool)
    for lo in range(0, n, _PIECE):
        days = stamp[lo : lo + _PIECE].astype("datetime64[D]")
        whole = days.view(np.int64)
        good = ~np.isnat(days) & (whole >= _INT32.min) & (whole <= _INT32.max)
        ok[lo : lo + _PIECE] = good
        out[lo : lo + _PIECE] = np.where(good, whole, 0)
    return ok, out


def _id_column(frame: pd.DataFrame) -> pd.Series:
    """Patient ids as given: whole numbers stay numbers, anything else is trimmed text."""
    ids = frame["patient_id"]
    if pd.api.types.is_integer_dtype(ids):
        return ids
    return ids.astype("string").str.strip()


def _ids_ok(table: Table, frame: pd.DataFrame, report: InputReport) -> np.ndarray[Any, Any]:
    ids = _id_column(frame)
    if pd.api.types.is_integer_dtype(ids):
        return np.ones(len(ids), dtype=bool)
    frame["patient_id"] = ids
    bad = (ids.isna() | (ids == "")).to_numpy(dtype=bool)
    report.add(table, frame, bad, "patient_id", "error", "is empty; every row needs a patient id")
    ok: np.ndarray[Any, Any] = ~bad
    return ok


def _date_ok(
    table: Table, frame: pd.DataFrame, column: str, report: InputReport
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.int32]]]:
    ok, days = _days(frame[column])
    report.add(table, frame, ~ok, column, "error", "is not a date", "YYYY-MM-DD")
    return ok, days


def _count(
    table: Table, frame: pd.DataFrame, column: str, report: InputReport
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Which rows hold a count (0, 1, 2...), and which hold more than 0."""
    raw = frame[column]
    if raw.dtype == np.int64:  # whole numbers already: no float copy
        numbers = raw.to_numpy()
        bad = numbers < 0
        positive = numbers > 0
    else:
        values = _numbers(raw)
        bad = np.isnan(values) | (values < 0) | (values != np.floor(values))
        positive = values > 0
    report.add(table, frame, bad, column, "error", "is not a count", "0, 1, 2, ...")
    return ~bad, positive


def _numbers(values: pd.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``pandas.to_numeric(values, errors="coerce")`` as float64 (NaN: not a number).

    A column of text is converted once per distinct text: an EDSS or lesion-count column
    of 210,000 rows holds a few dozen (32 ms to 4 ms). Any other column (numbers, or
    something unhashable in a cell) goes the plain way. One difference: an integer text of
    17 digits or more may differ from pandas's value by one unit in the last place (pandas
    parses it exactly or with its inexact fast parser, by what else the column holds).
    """
    if values.dtype == object:
        try:
            codes, uniques = pd.factorize(values.to_numpy())
        except TypeError:  # a list or a dict in a cell
            uniques = None
        if uniques is not None and all(isinstance(u, str) for u in uniques):
            converted = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
            table = np.append(converted.to_numpy(dtype=np.float64), np.nan)  # -1: missing
            out: np.ndarray[Any, np.dtype[np.float64]] = table[codes]
            return out
    given: np.ndarray[Any, np.dtype[np.float64]] = pd.to_numeric(values, errors="coerce").to_numpy(
        dtype=np.float64
    )
    return given


@dataclass(frozen=True, slots=True)
class Cohort:
    """Checked input as columns, sorted by patient then date, with per-patient offsets.

    ``v_off[p]:v_off[p+1]`` are patient ``p``'s visits (likewise relapses and MRI).
    Days count from 1970-01-01, as int32. EDSS values are float32 (every value on the EDSS
    grid is exact in it). Row numbers are int32 below 2^31 rows. ``t0`` is the transplant
    day, NaN when not given.
    """

    ids: np.ndarray[Any, Any]
    v_off: np.ndarray[Any, np.dtype[np.int64]]
    v_day: np.ndarray[Any, np.dtype[np.int32]]
    v_val: np.ndarray[Any, np.dtype[np.float32]]
    v_row: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    r_off: np.ndarray[Any, np.dtype[np.int64]]
    r_day: np.ndarray[Any, np.dtype[np.int32]]
    r_row: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    m_off: np.ndarray[Any, np.dtype[np.int64]]
    m_day: np.ndarray[Any, np.dtype[np.int32]]
    m_active: np.ndarray[Any, np.dtype[np.bool_]]
    m_bv: np.ndarray[Any, np.dtype[np.float64]]
    m_row: np.ndarray[Any, np.dtype[np.signedinteger[Any]]]
    t0: np.ndarray[Any, np.dtype[np.float64]]
    attributes: pd.DataFrame
    report: InputReport
    has_mri: bool
    has_brain_volume: bool

    @property
    def n_patients(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_visits(self) -> int:
        return int(self.v_day.shape[0])


def _codes(ids: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Patient codes 0, 1, 2... in id order (int32 below 2^31 rows), and the ids by code.

    Whole-number ids already in order take one compiled pass; others go through
    ``pandas.factorize`` (sorted).
    """
    if ids.dtype == np.int64 and ids.shape[0] < 2**31 - 1:
        done, codes, uniques = compiled.sorted_codes(ids)
        if done:
            return codes, uniques
    codes, uniques = pd.factorize(ids, sort=True)
    if codes.shape[0] < 2**31 - 1:
        codes = codes.astype(np.int32)
    return codes, np.asarray(uniques)


def build_cohort(  # noqa: PLR0915 - one pass over the four tables, in order
    visits: pd.DataFrame,
    relapses: pd.DataFrame | None = None,
    mri: pd.DataFrame | None = None,
    patients: pd.DataFrame | None = None,
    *,
    strict: bool = True,
) -> Cohort:
    """Check the tables and lay them out for the engine.

    With ``strict`` (the default) any error row raises :class:`InvalidInput` listing the
    first rows and the counts; otherwise error rows are left out and stay in the report.
    """
    report = InputReport()
    v = _prepare("visits", visits)
    ok_id = _ids_ok("visits", v, report)
    ok_date, v_day = _date_ok("visits", v, "date", report)
    values = _numbers(v["edss"])
    # One compiled pass: the grid check, and the values as float32 (exact on the grid).
    on_grid, v_val = compiled.edss_grid(values)
    del values
    report.add("visits", v, ~on_grid, "edss", "error", "is not on the EDSS grid", EDSS_ALLOWED)
    keep = ok_id & ok_date & on_grid
    del on_grid, ok_id, ok_date

    r = _prepare("relapses", relapses if relapses is not None else _empty("relapses"))
    ok_r = _ids_ok("relapses", r, report)
    ok_rd, r_day = _date_ok("relapses", r, "date", report)

    has_mri = mri is not None
    m = _prepare("mri", mri if mri is not None else _empty("mri"))
    ok_m = _ids_ok("mri", m, report)
    ok_md, m_day = _date_ok("mri", m, "date", report)
    ok_gd, gd_positive = _count("mri", m, "gd_enhancing", report)
    ok_t2, t2_positive = _count("mri", m, "new_t2", report)
    active = gd_positive | t2_positive
    del gd_positive, t2_positive
    has_bv = "brain_volume_change" in m.columns
    bv = _numbers(m["brain_volume_change"]) if has_bv else np.full(len(m), np.nan)
    if has_bv:
        text = m["brain_volume_change"]
        if pd.api.types.is_numeric_dtype(text):
            bad_bv = np.zeros(len(m), dtype=bool)
        else:
            given = text.notna().to_numpy() & (text.astype("string").str.strip() != "").to_numpy(
                dtype=bool, na_value=False
            )
            bad_bv = np.isnan(bv) & given
        report.add(
            "mri",
            m,
            bad_bv,
            "brain_volume_change",
            "error",
            "is not a number",
            "annualised % change, e.g. -0.6; empty when not measured",
        )
        ok_bv = ~bad_bv
    else:
        ok_bv = np.ones(len(m), dtype=bool)

    p = _prepare("patients", patients if patients is not None else _empty("patients"))
    ok_p = _ids_ok("patients", p, report)
    ok_pd, p_day = _date_ok("patients", p, "transplant_date", report)
    dup_p = p["patient_id"].duplicated(keep=False).to_numpy() & ok_p
    report.add("patients", p, dup_p, "patient_id", "error", "appears twice; one row per patient")

    if strict and report.n_errors:
        raise InvalidInput(report.errors())

    # Patients: everyone with at least one usable visit.
    v_codes, ids = _codes(_take(v["patient_id"].to_numpy(), keep))
    index = pd.Index(ids)
    n = ids.shape[0]

    def dropping(rows: np.ndarray[Any, Any]) -> None:
        dropped = np.zeros(len(v), dtype=bool)
        dropped[rows - 2] = True
        report.add("visits", v, dropped, "date", "warning", SAME_DAY)

    v_off, (v_day_s, v_row_s, v_val_s) = lay_out_visits(
        v_codes,
        n,
        _take(v_day, keep),
        _take(v["_row"].to_numpy(), keep),
        _take(v_val, keep),
        dropping=dropping,
    )
    del v_day, v_val, v_codes, keep

    def codes_for(frame: pd.DataFrame, ok: np.ndarray[Any, Any], table: Table) -> tuple[Any, Any]:
        raw = frame["patient_id"]
        if pd.api.types.is_integer_dtype(raw) != pd.api.types.is_integer_dtype(index):
            raw = raw.astype("string")
            lookup = pd.Index(index.astype("string"))
        else:
            lookup = index
        if raw.dtype == np.int64 and ids.dtype == np.int64:
            pos = compiled.lookup(ids, raw.to_numpy())  # one pass when the ids are in order
        elif len(raw):
            pos = lookup.get_indexer(raw).astype(np.int32)
        else:
            pos = np.zeros(0, dtype=np.int32)
        known = pos >= 0
        report.add(
            table,
            frame,
            ok & ~known,
            "patient_id",
            "warning",
            NO_VISIT,
        )
        np.maximum(pos, 0, out=pos)
        return ok & known, pos

    use_r, r_codes = codes_for(r, ok_r & ok_rd, "relapses")
    r_off, (r_day_s, r_row_s) = _grouped(
        _take(r_codes, use_r), n, _take(r_day, use_r), _take(r["_row"].to_numpy(), use_r)
    )
    use_m, m_codes = codes_for(m, ok_m & ok_md & ok_gd & ok_t2 & ok_bv, "mri")
    m_cols = [_take(a, use_m) for a in (m_codes, m_day, m["_row"].to_numpy(), active, bv)]
    m_off, (m_day_s, m_row_s, m_act_s, m_bv_s) = _grouped(m_cols[0], n, *m_cols[1:])
    del m_cols, active, bv
    use_p, p_codes = codes_for(p, ok_p & ok_pd & ~dup_p, "patients")
    t0 = np.full(n, np.nan)
    t0[p_codes[use_p]] = p_day[use_p]
    extra = [c for c in p.columns if c not in ("patient_id", "transplant_date", "_row")]
    attributes = pd.DataFrame(index=pd.Index(ids, name="patient_id"))
    for column in extra:
        attributes[column] = pd.Series(p[column].to_numpy()[use_p], index=ids[p_codes[use_p]])

    _report_before_time_zero(
        report,
        r,
        r_codes,
        use_r,
        r_day,
        t0,
        "relapses",
        BEFORE_TIME_ZERO,
    )
    _report_before_time_zero(
        report,
        m,
        m_codes,
        use_m,
        m_day,
        t0,
        "mri",
        "is before time zero (the transplant); a pre-transplant scan is not an outcome",
    )
    return Cohort(
        ids=ids,
        v_off=v_off,
        v_day=v_day_s,
        v_val=v_val_s,
        v_row=v_row_s,
        r_off=r_off,
        r_day=r_day_s,
        r_row=r_row_s,
        m_off=m_off,
        m_day=m_day_s,
        m_active=np.asarray(m_act_s, dtype=bool),
        m_bv=np.asarray(m_bv_s, dtype=np.float64),  # no copy when it is float64 already
        m_row=m_row_s,
        t0=t0,
        attributes=attributes,
        report=report,
        has_mri=has_mri,
        # NEDA-4 only when some scan has a value: an empty column is "not measured".
        has_brain_volume=has_bv and bool((~np.isnan(m_bv_s)).any()),
    )


def _report_before_time_zero(  # noqa: PLR0917
    report: InputReport,
    frame: pd.DataFrame,
    codes: np.ndarray[Any, Any],
    use: np.ndarray[Any, Any],
    days: np.ndarray[Any, Any],
    t0: np.ndarray[Any, Any],
    table: Table,
    problem: str,
) -> None:
    if t0.shape[0] == 0:
        return
    before = compiled.before_time_zero(use, codes, days, t0)
    report.add(table, frame, before, "date", "warning", problem)


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in REQUIRED[table]})


def history_frames(
    visits: Sequence[Mapping[str, Any]],
    relapses: Sequence[Mapping[str, Any]] = (),
    mri: Sequence[Mapping[str, Any]] | None = None,
    transplant_date: Any = None,
    *,
    patient_id: str | int = "me",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """One person's history (lists of records, as the API receives it) as the four tables.

    A whole-number ``patient_id`` skips the text checks of ids (one person: nothing to check).
    """

    def frame(records: Sequence[Mapping[str, Any]], table: Table) -> pd.DataFrame:
        out = pd.DataFrame.from_records(list(records)) if records else _empty(table)
        for column in REQUIRED[table]:
            if column not in out:
                out[column] = pd.Series([None] * len(out), dtype=object)
        out["patient_id"] = patient_id
        return out

    patients = (
        None
        if transplant_date is None
        else pd.DataFrame({"patient_id": [patient_id], "transplant_date": [str(transplant_date)]})
    )
    return (
        frame(visits, "visits"),
        frame(relapses, "relapses"),
        None if mri is None else frame(mri, "mri"),
        patients,
    )


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as YYYY-MM-DD, NaN and NaT as null, numpy as Python.

    Column by column (``Series.tolist``): a few times faster than ``to_dict`` on the small
    frames of one person's report, with the same values.
    """
    names = [str(c) for c in frame.columns]
    columns = [frame.iloc[:, i].tolist() for i in range(len(names))]
    return [
        {name: _plain(value) for name, value in zip(names, row, strict=True)}
        for row in zip(*columns, strict=True)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.date):  # pandas Timestamps are dates too
        return None if pd.isna(value) else value.isoformat()[:10]
    if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return value
