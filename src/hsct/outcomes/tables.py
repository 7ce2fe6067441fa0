"""Input tables (visits, relapses, MRI, patients) checked row by row and laid out as columns.

Every row that cannot be used is reported with its table, row number, patient, field, value
and the reason, and counted; nothing is dropped silently. Rows that are usable but worth a
look (a second visit on the same day, a relapse before time zero) are reported as warnings.

Row numbers are the line numbers a spreadsheet shows for a CSV file with a header line
(the first data row is row 2); for a DataFrame they are the same, counted from its first row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput

Table = Literal["visits", "relapses", "mri", "patients"]
Severity = Literal["error", "warning"]

REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    "visits": ("patient_id", "date", "edss"),
    "relapses": ("patient_id", "date"),
    "mri": ("patient_id", "date", "gd_enhancing", "new_t2"),
    "patients": ("patient_id", "transplant_date"),
}
OPTIONAL: Final[Mapping[str, tuple[str, ...]]] = {"mri": ("brain_volume_change",)}
EDSS_ALLOWED: Final = "0, 1.0, 1.5, ... 9.5, 10 (half steps; 0.5 does not exist)"
_EPOCH: Final = np.datetime64("1970-01-01", "D")
REPORT_COLUMNS: Final = ("table", "row", "patient_id", "field", "value", "severity", "problem")


@dataclass(slots=True)
class InputReport:
    """Problems found in the input, one entry per row and field."""

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
        picked = frame.loc[mask]
        values = picked[field_name] if field_name in picked else pd.Series("", index=picked.index)
        self.rows.append(
            pd.DataFrame(
                {
                    "table": table,
                    "row": picked["_row"].to_numpy(),
                    "patient_id": picked["patient_id"].astype(str).to_numpy()
                    if "patient_id" in picked
                    else "",
                    "field": field_name,
                    "value": values.astype(str).to_numpy(),
                    "severity": severity,
                    "problem": problem if allowed is None else f"{problem} (allowed: {allowed})",
                    "reason": problem,
                    "allowed": allowed,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        """All problems, sorted by table order and row."""
        return self._sorted()[list(REPORT_COLUMNS)]

    def _sorted(self) -> pd.DataFrame:
        if not self.rows:
            columns = (*REPORT_COLUMNS, "reason", "allowed")
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        out = pd.concat(self.rows, ignore_index=True)
        order = {"visits": 0, "relapses": 1, "mri": 2, "patients": 3}
        out["_t"] = out["table"].map(order)
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
        f = self._sorted()
        return [
            FieldError(f"{r.table}[{int(r.row) - 2}].{r.field}", r.problem)
            for r in f[f["severity"] == "warning"].itertuples()
        ]


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
    return frame


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
    out["_row"] = np.arange(2, len(out) + 2, dtype=np.int32 if len(out) < 2**31 - 2 else np.int64)
    return out


def _days(values: pd.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Whole days since 1970-01-01 (NaN where the date cannot be read)."""
    if pd.api.types.is_datetime64_any_dtype(values) and not isinstance(
        values.dtype, pd.DatetimeTZDtype
    ):
        stamp = values.to_numpy()  # any unit; no copy to nanoseconds
    else:
        text = values.astype("string").str.strip()
        stamp = pd.to_datetime(text, format="ISO8601", errors="coerce").to_numpy(
            dtype="datetime64[ns]"
        )
    days = stamp.astype("datetime64[D]")
    missing = np.isnat(days)
    out: np.ndarray[Any, np.dtype[np.float64]] = days.view(np.int64).astype(np.float64)
    out[missing] = np.nan
    return out


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
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.float64]]]:
    days = _days(frame[column])
    bad = np.isnan(days)
    report.add(table, frame, bad, column, "error", "is not a date", "YYYY-MM-DD")
    return ~bad, days


def _count(
    table: Table, frame: pd.DataFrame, column: str, report: InputReport
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.float64]]]:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) | (values < 0) | (values != np.floor(values))
    report.add(table, frame, bad, column, "error", "is not a count", "0, 1, 2, ...")
    return ~bad, values


@dataclass(frozen=True, slots=True)
class Cohort:
    """Checked input as columns, sorted by patient then date, with per-patient offsets.

    ``v_off[p]:v_off[p+1]`` are patient ``p``'s visits (likewise relapses and MRI).
    Days count from 1970-01-01. ``t0`` is the transplant day, NaN when not given.
    """

    ids: np.ndarray[Any, Any]
    v_off: np.ndarray[Any, np.dtype[np.int64]]
    v_day: np.ndarray[Any, np.dtype[np.float64]]
    v_val: np.ndarray[Any, np.dtype[np.float64]]
    v_row: np.ndarray[Any, np.dtype[np.int64]]
    r_off: np.ndarray[Any, np.dtype[np.int64]]
    r_day: np.ndarray[Any, np.dtype[np.float64]]
    r_row: np.ndarray[Any, np.dtype[np.int64]]
    m_off: np.ndarray[Any, np.dtype[np.int64]]
    m_day: np.ndarray[Any, np.dtype[np.float64]]
    m_active: np.ndarray[Any, np.dtype[np.bool_]]
    m_bv: np.ndarray[Any, np.dtype[np.float64]]
    m_row: np.ndarray[Any, np.dtype[np.int64]]
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


def _order(
    codes: np.ndarray[Any, Any], day: np.ndarray[Any, Any], row: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any] | None:
    """The sort order by (patient, day, row); cheap when the table is already in that order.

    The three keys are packed into one 64-bit number when they fit (patients < 2^20, days
    within 2^17 of 1970 on either side... 1791-2148, rows < 2^26); otherwise lexsort.
    """
    n = codes.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = day.min(), day.max()
    fits = codes.max() < (1 << 20) and row.max() < (1 << 26)
    if fits and lo + (1 << 16) >= 0 and hi + (1 << 16) < (1 << 17):
        # Built in place: a 20M-row table needs two 64-bit columns at most, not five.
        key = codes.astype(np.int64)
        key <<= 43
        part = day.astype(np.int64)
        part += 1 << 16
        part <<= 26
        key |= part
        del part
        key |= row
        if np.all(key[1:] >= key[:-1]):
            return None  # already in order
        return np.argsort(key, kind="stable")
    return np.lexsort((row, day, codes))


def _take(values: np.ndarray[Any, Any], keep: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``values[keep]``, without a copy when every row is kept."""
    return values if keep.all() else values[keep]


def _grouped(
    codes: np.ndarray[Any, Any],
    n: int,
    day: np.ndarray[Any, Any],
    row: np.ndarray[Any, Any],
    *others: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[np.ndarray[Any, Any]]]:
    """Offsets per patient code, and (day, row, *others) sorted by patient, day, row."""
    order = _order(codes, day, row)
    if order is None:
        return off_for(codes, n), [day, row, *others]
    return off_for(codes, n), [day[order], row[order], *(c[order] for c in others)]


def off_for(codes: np.ndarray[Any, Any], n: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Where each patient's rows start, for rows sorted by patient code."""
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=n), out=off[1:])
    return off


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
    values = pd.to_numeric(v["edss"], errors="coerce").to_numpy(dtype=np.float64)
    # Range first: doubling a huge value (1e308) would overflow before it was refused.
    in_range = (values >= 0) & (values <= 10) & (values != 0.5)
    twice = np.where(in_range, values, 0.0) * 2
    on_grid = in_range & (twice == np.round(twice))
    report.add("visits", v, ~on_grid, "edss", "error", "is not on the EDSS grid", EDSS_ALLOWED)
    keep = ok_id & ok_date & on_grid
    del twice, in_range, on_grid, ok_id, ok_date

    r = _prepare("relapses", relapses if relapses is not None else _empty("relapses"))
    ok_r = _ids_ok("relapses", r, report)
    ok_rd, r_day = _date_ok("relapses", r, "date", report)

    has_mri = mri is not None
    m = _prepare("mri", mri if mri is not None else _empty("mri"))
    ok_m = _ids_ok("mri", m, report)
    ok_md, m_day = _date_ok("mri", m, "date", report)
    ok_gd, gd = _count("mri", m, "gd_enhancing", report)
    ok_t2, t2 = _count("mri", m, "new_t2", report)
    has_bv = "brain_volume_change" in m.columns
    bv = (
        pd.to_numeric(m["brain_volume_change"], errors="coerce").to_numpy(dtype=np.float64)
        if has_bv
        else np.full(len(m), np.nan)
    )
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
    v_codes, uniques = pd.factorize(_take(v["patient_id"].to_numpy(), keep), sort=True)
    index = pd.Index(uniques)
    ids = index.to_numpy()
    n = ids.shape[0]
    v_off, (v_day_s, v_row_s, v_codes_s, v_val_s) = _grouped(
        v_codes,
        n,
        _take(v_day, keep),
        _take(v["_row"].to_numpy(), keep),
        v_codes,
        _take(values, keep),
    )
    del v_day, values, v_codes  # a 1M-patient cohort has 20M visits: keep one copy only
    # Two visits on one day: the later row is used (as the reference tool does).
    same = np.zeros(v_day_s.shape[0], dtype=bool)
    if v_day_s.shape[0] > 1:
        same[:-1] = (v_codes_s[:-1] == v_codes_s[1:]) & (v_day_s[:-1] == v_day_s[1:])
    if same.any():
        dropped = np.zeros(len(v), dtype=bool)
        dropped[v_row_s[same] - 2] = True
        report.add(
            "visits",
            v,
            dropped,
            "date",
            "warning",
            "is a second visit on the same day for this patient; the later row is used",
        )
        kept = ~same
        v_day_s, v_codes_s, v_val_s, v_row_s = (
            a[kept] for a in (v_day_s, v_codes_s, v_val_s, v_row_s)
        )
        v_off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(v_codes_s, minlength=n), out=v_off[1:])

    def codes_for(frame: pd.DataFrame, ok: np.ndarray[Any, Any], table: Table) -> tuple[Any, Any]:
        raw = frame["patient_id"]
        if pd.api.types.is_integer_dtype(raw) != pd.api.types.is_integer_dtype(index):
            raw = raw.astype("string")
            lookup = pd.Index(index.astype("string"))
        else:
            lookup = index
        pos = lookup.get_indexer(raw) if len(raw) else np.zeros(0, dtype=np.int64)
        known = pos >= 0
        report.add(
            table,
            frame,
            ok & ~known,
            "patient_id",
            "warning",
            "has no usable EDSS visit; the row is not used",
        )
        return ok & known, np.maximum(pos, 0)

    use_r, r_codes = codes_for(r, ok_r & ok_rd, "relapses")
    r_off, (r_day_s, r_row_s) = _grouped(
        r_codes[use_r], n, r_day[use_r], r["_row"].to_numpy()[use_r]
    )
    use_m, m_codes = codes_for(m, ok_m & ok_md & ok_gd & ok_t2 & ok_bv, "mri")
    active = (gd > 0) | (t2 > 0)
    m_cols = [_take(a, use_m) for a in (m_codes, m_day, m["_row"].to_numpy(), active, bv)]
    m_off, (m_day_s, m_row_s, m_act_s, m_bv_s) = _grouped(m_cols[0], n, *m_cols[1:])
    del m_cols, gd, t2, active
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
        "is before time zero (the transplant); it only counts for the "
        "baseline relapse window, not as an outcome",
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
        m_active=m_act_s.astype(bool),
        m_bv=m_bv_s.astype(np.float64),
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
    before = use & (days <= t0[codes])
    report.add(table, frame, before, "date", "warning", problem)


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in REQUIRED[table]})


def history_frames(
    visits: Sequence[Mapping[str, Any]],
    relapses: Sequence[Mapping[str, Any]] = (),
    mri: Sequence[Mapping[str, Any]] | None = None,
    transplant_date: Any = None,
    *,
    patient_id: str = "me",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """One person's history (lists of records, as the API receives it) as the four tables."""

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
    """Rows as JSON-ready dicts: dates as YYYY-MM-DD, NaN and NaT as null, numpy as Python."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


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
