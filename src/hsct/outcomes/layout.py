"""Rows laid out for the engine: sorted by patient, day and row, with per-patient offsets.

No pandas here: :mod:`hsct.outcomes.tables` (pandas tables in) and :mod:`hsct.outcomes.quick`
(CSV files in, without pandas) lay out their columns with the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np

from hsct.outcomes import compiled

_Array = np.ndarray[Any, Any]
#: The warning for a second visit of a patient on one day (the later row is used).
SAME_DAY: Final = "is a second visit on the same day for this patient; the later row is used"
#: The warning for a relapse or scan of a patient with no usable visit.
NO_VISIT: Final = "has no usable EDSS visit; the row is not used"
#: The warning for a relapse on or before its patient's time zero.
BEFORE_TIME_ZERO: Final = (
    "is before time zero (the transplant); it only counts for the baseline relapse window, "
    "not as an outcome"
)


def sort_order(
    codes: np.ndarray[Any, Any], day: np.ndarray[Any, Any], row: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any] | None:
    """The sort order by (patient, day, row), or ``None`` when the rows are in it already.

    The check is one compiled pass without temporaries. Otherwise the three keys are packed
    into one 64-bit number when they fit (patients < 2^20, days within 2^16 of 1970 on either
    side... 1791-2149, rows < 2^26) and sorted once; failing that, lexsort.
    """
    n = codes.shape[0]
    if n == 0 or compiled.is_sorted(codes, day, row):
        return None
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
        return np.argsort(key, kind="stable")
    return np.lexsort((row, day, codes))


def take(values: np.ndarray[Any, Any], keep: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``values[keep]``, without a copy when every row is kept."""
    return values if keep.all() else values[keep]


def grouped(
    codes: np.ndarray[Any, Any],
    n: int,
    day: np.ndarray[Any, Any],
    row: np.ndarray[Any, Any],
    *others: np.ndarray[Any, Any],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], list[np.ndarray[Any, Any]]]:
    """Offsets per patient code, and (day, row, *others) sorted by patient, day, row."""
    order = sort_order(codes, day, row)
    if order is None:
        return off_for(codes, n), [day, row, *others]
    return off_for(codes, n), [day[order], row[order], *(c[order] for c in others)]


def off_for(codes: np.ndarray[Any, Any], n: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Where each patient's rows start, for rows sorted by patient code."""
    off: np.ndarray[Any, np.dtype[np.int64]] = compiled.offsets(codes, n)
    return off


def lay_out_visits(
    codes: np.ndarray[Any, Any],
    n: int,
    day: np.ndarray[Any, Any],
    row: np.ndarray[Any, Any],
    value: np.ndarray[Any, Any],
    *,
    dropping: Callable[[np.ndarray[Any, Any]], None],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], tuple[_Array, _Array, _Array]]:
    """Visits by patient, day and row: offsets, days, rows and values. Of two visits of a
    patient on one day the later row is used, as the reference tool does: ``dropping`` is
    called with the rows left out (:data:`SAME_DAY`), when there are any, before ``day``,
    ``row`` and ``value`` are compacted in place (the caller's to give: a 20-million-row
    table keeps one copy). ``codes`` are patient codes 0..n-1.
    """
    off, (day_s, row_s, codes_s, value_s) = grouped(codes, n, day, row, codes, value)
    same, n_same = compiled.same_day(codes_s, day_s)
    if n_same:
        dropping(row_s[same])
        if not row_s.flags.writeable:  # pandas hands out columns read-only under copy-on-write
            row_s = row_s.copy()
        kept = 0
        for column in (day_s, codes_s, value_s, row_s):
            kept = compiled.compact(column, same)
        day_s, codes_s, value_s, row_s = (a[:kept] for a in (day_s, codes_s, value_s, row_s))
        off = off_for(codes_s, n)
    return off, (day_s, row_s, value_s)
