"""The per-patient event search, compiled with numba and run over a whole cohort at once.

The cohort arrives as flat columns sorted by patient then day, with offsets marking where
each patient starts (the CSR layout): no per-patient DataFrame is ever built. Each patient's
events are written into slots indexed by the onset visit, so patients are independent and
the outputs need no merging; a second event at the same onset replaces the first, which is
how the reference (pymsprog 1.0.7) resolves duplicates.

:func:`search_block` runs a contiguous block of patients and returns only its events, in
patient and onset order. Blocks share nothing but the read-only inputs and each writes its
own patients' ``start`` entries, so they can run on several threads at once (every function
here is compiled with ``nogil``) and their results, put back in block order, are the same
as one thread's. Days are whole numbers (int32) and EDSS values are on the half-point grid
(exact in float32); every comparison is made as in float64, so the results do not depend on
the storage types.

The search itself follows the reference's definitions step by step (its source is not
copied: pymsprog declares no licence). The steps are documented in
docs/user-guide/outcomes.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

# Event kinds, modes, baseline schemes and the time constants: numba reads them as constants.
from hsct.outcomes.compiled import (
    CDI,
    CDW,
    DAY_SECONDS,
    FIRST,
    FIRST_CDI,
    FIRST_CDW,
    FIRST_PIRA,
    FIRST_RAW,
    FIXED,
    MULTIPLE,
    NAT,
    NONE,
    PIRA,
    RAW,
    ROVING,
    ROVING_IMPR,
    ROVING_WORS,
)


def _numpy_support_without_scipy() -> None:
    """Load numba's numpy support with SciPy's linear algebra hidden, unless it is imported.

    When that support first loads (``numba.np.arraymath``, at the first compile or cache
    load) numba imports ``scipy.linalg`` to look for BLAS: about 0.1 s of every
    ``hsct outcomes`` process, for matrix products this kernel never uses. Hidden, numba
    notes that there is no BLAS and goes on; ``scipy.linalg`` stays importable for
    everything else (Kaplan-Meier curves import it through lifelines) once this returns.
    """
    if "scipy.linalg" in sys.modules or "numba.np.arraymath" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import numba.np.arraymath  # noqa: F401, PLC0415
    finally:
        del sys.modules["scipy.linalg"]


_numpy_support_without_scipy()


F = TypeVar("F", bound=Callable[..., Any])


def _jit(fn: F) -> F:
    """numba's ``njit`` (compiled once, cached on disk), typed for mypy."""
    return cast("F", numba.njit(cache=True, nogil=True)(fn))


@_jit
def _wors(x: float, b: float, wd: Any) -> bool:
    return bool(x - b >= wd[int(b * 2.0 + 0.5)])


@_jit
def _impr(x: float, b: float, idl: Any) -> bool:
    return bool(x - b <= -idl[int(b * 2.0 + 0.5)])


@_jit
def _held(y: Any, lo: int, hi: int, b: float, table: Any, worse: bool) -> bool:
    """Whether every visit lo..hi (inclusive) still shows the change from ``b``."""
    for k in range(lo, hi + 1):
        if worse:
            if not _wors(y[k], b, table):
                return False
        elif not _impr(y[k], b, table):
            return False
    return True


@_jit
def _first_lost(y: Any, lo: int, n: int, b: float, table: Any, worse: bool) -> int:
    """The first visit from ``lo`` on that no longer shows the change, or -1."""
    for k in range(lo, n):
        if worse:
            if not _wors(y[k], b, table):
                return k
        elif not _impr(y[k], b, table):
            return k
    return -1


@_jit
def _sustained(
    x: Any, y: Any, n: int, change: int, lost: int, b: float, table: Any, worse: bool, opt_f: Any
) -> bool:
    """The ``require_sust_days`` test (true when the option is 0)."""
    sust = opt_f[4]
    if sust == 0:
        return True
    if opt_f[5] > 0:  # check_intermediate
        return bool(lost < 0 or x[lost] - x[change] >= sust)
    sust_vis = n - 1
    if x[n - 1] - x[change] >= sust:
        for k in range(change + 1, n):
            if x[k] - x[change] >= sust:
                sust_vis = k
                break
    if worse:
        return _wors(y[sust_vis], b, table)
    return _impr(y[sust_vis], b, table)


@_jit
def _last_delta(y: Any, change: int, conf0: int, wd: Any, check_int: bool) -> int:
    """The last visit before onset from which the onset value is still a full worsening."""
    iref = change
    while iref > 1:
        iref -= 1
        ref = y[iref]
        if not _wors(y[change], ref, wd):
            continue
        if check_int:
            ok = _held(y, change + 1, conf0, ref, wd, True)
        else:
            ok = _wors(y[conf0], ref, wd)
        if ok:
            return iref
    return 0


@_jit
def _relapse_free(
    rels: Any, t_prec: float, t_event: float, t_conf: float, win: Any, t0: float
) -> Any:
    """Whether no relapse falls in the PIRA windows around reference, onset and confirmation.

    Returns (free, carried start). A window with an open start begins where the previous one
    did; the start carries over between confirmation visits, as in the reference.
    """
    points = (t_prec, t_event, t_conf)
    free = True
    for p in range(3):
        t = points[p]
        if not np.isnan(win[p, 0]):
            t0 = t - win[p, 0]
        if not np.isnan(win[p, 1]):
            t1 = t + win[p, 1]
            if t1 > t0:
                for r in range(rels.shape[0]):
                    if t0 <= rels[r] <= t1:
                        free = False
    return free, t0


@_jit
def _relapse_distances(x: Any, rels: Any) -> Any:
    """Days from each visit back to the nearest relapse on or before it, and on to the next."""
    n = x.shape[0]
    before = np.full(n, np.inf)
    after = np.full(n, np.inf)
    for i in range(n):
        for r in range(rels.shape[0]):
            d = x[i] - rels[r]
            if d >= 0:
                before[i] = min(before[i], d)
            if d <= 0:
                after[i] = min(after[i], -d)
    return before, after


@_jit
def _search_patient(
    x: Any,
    y: Any,
    rels: Any,
    opt_i: Any,
    opt_f: Any,
    wd: Any,
    idl: Any,
    conf_win: Any,
    indep: Any,
    kind: Any,
    bl_out: Any,
    conf_out: Any,
    pconf_out: Any,
    sust_out: Any,
    search0: int,
) -> None:
    """Find the events of one patient; outputs are this patient's slices (index = onset).

    ``search0`` is the first visit an onset may fall on (after time zero), normally 1.
    """
    n = x.shape[0]
    if n == 0:
        return
    mode, scheme, from_event, rawpira = opt_i[0], opt_i[1], opt_i[2] == 1, opt_i[3] == 1
    prec_type = opt_i[4]
    rbl_a, rbl_b, rev_a, rev_b = opt_f[0], opt_f[1], opt_f[2], opt_f[3]
    check_int = opt_f[5] > 0
    rconf_a, rconf_b, assoc_a, assoc_b = opt_f[6], opt_f[7], opt_f[8], opt_f[9]
    impute, impute_max_fu = opt_f[10], opt_f[11]
    n_win = conf_win.shape[0]

    before, after = _relapse_distances(x, rels)

    cand = np.zeros(n, dtype=np.int32)  # bit m set: visit is a candidate for window m
    conf = np.empty(n, dtype=np.int64)
    pconf = np.empty(n, dtype=np.int64)
    bl, search, proceed = 0, max(search0, 1), True
    found_cdw, found_cdi, found_pira, found_raw = False, False, False, False
    while proceed:
        while proceed and (before[bl] < rbl_a or after[bl] < rbl_b):
            bl += 1
            if bl > n - 2:
                proceed = False
        if search <= bl:
            search = bl + 1
        if bl > n - 1:
            bl = n - 1
            proceed = False
        b = y[bl]

        change = -1
        for k in range(search, n):
            v = y[k]
            if (_wors(v, b, wd) or _impr(v, b, idl)) and before[k] >= rev_a and after[k] >= rev_b:
                change = k
                break
        if change < 0:
            break

        n_conf = 0
        for k in range(change + 1, n):
            mask = 0
            if before[k] >= rconf_a and after[k] >= rconf_b:
                gap = x[k] - x[change]
                for m in range(n_win):
                    if conf_win[m, 0] <= gap <= conf_win[m, 1]:
                        mask |= 1 << m
            cand[k] = mask
            if mask:
                conf[n_conf] = k
                n_conf += 1

        is_impr = _impr(y[change], b, idl)
        is_wors = _wors(y[change], b, wd)
        imputed = False
        if n_conf > 0 and is_impr:
            confirmed = (
                _held(y, change + 1, conf[0], b, idl, False)
                if check_int
                else _impr(y[conf[0]], b, idl)
            )
        elif is_wors:
            confirmed = n_conf > 0 and (
                _held(y, change + 1, conf[0], b, wd, True)
                if check_int
                else _wors(y[conf[0]], b, wd)
            )
            if not confirmed and change == n - 1 and impute > 0:
                if x[change] - x[0] <= impute_max_fu:
                    confirmed = True
                    imputed = True
                    conf[0] = n - 1
                    n_conf = 1
                    cand[n - 1] = 0
        else:
            confirmed = False
        if not confirmed:
            search = change + 1
            continue

        improvement = n_conf > 0 and is_impr and not imputed
        table = idl if improvement else wd
        lost = _first_lost(y, conf[0] + 1, n, b, table, not improvement)
        while n_conf > 0 and lost >= 0 and conf[n_conf - 1] >= lost:
            n_conf -= 1
        valid = _sustained(x, y, n, change, lost, b, table, not improvement, opt_f)

        # The earliest confirmation in each window; the first window that has one leads.
        first_conf = -1
        for m in range(n_win):
            best = -1
            for j in range(n_conf):
                if cand[conf[j]] & (1 << m):
                    best = conf[j]
                    break
            if best >= 0 and first_conf < 0:
                first_conf = best

        include = False
        ev_kind = NONE
        n_pconf = 0
        if valid and improvement:
            ev_kind = CDI
            include = True
        elif valid:
            include = True
            ev_kind = CDW
            near_relapse = before[change] <= assoc_a or after[change] <= assoc_b
            if rawpira and near_relapse:
                ev_kind = RAW
                if mode == FIRST_PIRA and (scheme == FIXED or scheme == ROVING_IMPR):
                    include = False
            elif rawpira:
                if mode == FIRST_RAW and (scheme == FIXED or scheme == ROVING_IMPR):
                    include = False
                else:
                    if prec_type == 0:
                        t_prec = x[bl]
                    elif prec_type == 1:
                        t_prec = x[change - 1]
                    else:
                        t_prec = x[_last_delta(y, change, conf[0], wd, check_int)]
                    t0 = np.nan
                    for j in range(n_conf):
                        free, t0 = _relapse_free(rels, t_prec, x[change], x[conf[j]], indep, t0)
                        if free:
                            pconf[n_pconf] = conf[j]
                            n_pconf += 1
                    if n_pconf > 0:
                        ev_kind = PIRA
                    elif mode == FIRST_PIRA and (scheme == FIXED or scheme == ROVING_IMPR):
                        include = False

        if include:
            wanted = (
                mode == MULTIPLE
                or (mode == FIRST and not (found_cdw or found_cdi))
                or (mode == FIRST_CDW and ev_kind != CDI and not found_cdw)
                or (mode == FIRST_CDI and ev_kind == CDI and not found_cdi)
                or (mode == FIRST_PIRA and ev_kind == PIRA and not found_pira)
                or (mode == FIRST_RAW and ev_kind == RAW and not found_raw)
            )
            if wanted:
                kind[change] = ev_kind
                bl_out[change] = bl
                sust_out[change] = n - 1 if lost < 0 else lost - 1
                for m in range(n_win):
                    conf_out[change, m] = -1
                    pconf_out[change, m] = -1
                    for j in range(n_conf):
                        if cand[conf[j]] & (1 << m):
                            conf_out[change, m] = conf[j]
                            break
                    for j in range(n_pconf):
                        if cand[pconf[j]] & (1 << m):
                            pconf_out[change, m] = pconf[j]
                            break
                if imputed:
                    conf_out[change, 0] = -2  # marks "imputed at the last visit"
            if ev_kind == CDI:
                found_cdi = True
            else:
                found_cdw = True
                found_pira = found_pira or ev_kind == PIRA
                found_raw = found_raw or ev_kind == RAW

        if first_conf >= 0:
            moves = (
                scheme == ROVING
                or (improvement and scheme == ROVING_IMPR)
                or (not improvement and scheme == ROVING_WORS)
            )
            newref = change if from_event else first_conf
            if moves:
                bl = newref
            elif not (include and valid):
                newref = change
            search = newref + 1
        else:
            search = change + 1

        if (
            (mode == FIRST and (found_cdw or found_cdi))
            or (mode == FIRST_CDW and found_cdw)
            or (mode == FIRST_CDI and found_cdi)
            or (mode == FIRST_PIRA and found_pira)
            or (mode == FIRST_RAW and found_raw)
        ):
            proceed = False


@_jit
def start_index(x: Any, rels: Any, t0: float, rbl_a: float, rbl_b: float) -> int:
    """The visit the search starts from when time zero (the transplant) is given.

    The last visit on or before time zero that lies outside the baseline relapse window;
    failing that, the first visit after time zero; -1 when there is none.
    """
    n = x.shape[0]
    before, after = _relapse_distances(x, rels)
    best = -1
    for i in range(n):
        if x[i] > t0:
            break
        if before[i] >= rbl_a and after[i] >= rbl_b:
            best = i
    if best >= 0:
        return best
    for i in range(n):
        if x[i] > t0:
            return i
    return -1


@_jit
def search_block(
    v_off: Any,
    v_day: Any,
    v_val: Any,
    r_off: Any,
    r_day: Any,
    t0: Any,
    opt_i: Any,
    opt_f: Any,
    wd: Any,
    idl: Any,
    conf_win: Any,
    indep: Any,
    p_lo: int,
    p_hi: int,
    start: Any,
    scratch: Any,
) -> int:
    """Run the search for patients ``p_lo`` to ``p_hi - 1``; returns how many events.

    ``start[p]`` receives each patient's first used visit (a global row, -1 when none).
    ``scratch`` is ``(kind, bl, conf, pconf, sust, rows, patient, conf_first, pconf_first)``,
    each with at least as many rows as the block has visits: the caller's memory, so a
    thread running this allocates nothing that outlives a patient. On return the first
    ``count`` rows of all but ``pconf`` hold the events in patient and onset order: ``rows``
    the onset's global visit row; ``bl``, ``sust`` and ``conf`` (one column per confirmation
    window; -1 none, -2 in column 0: imputed at the last visit) global rows too;
    ``conf_first``/``pconf_first`` the earliest confirmation (PIRA confirmation) in any
    window, -1 when none.
    """
    kind, bl_out, conf_out, pconf_out, sust_out, rows, patient, conf_first, pconf_first = scratch
    n_win = conf_win.shape[0]
    base = v_off[p_lo]
    for k in range(v_off[p_hi] - base):
        kind[k] = NONE
    rbl_a = opt_f[0]
    j = 0  # events so far; they are moved to the front as each patient is done
    for p in range(p_lo, p_hi):
        lo, hi = v_off[p], v_off[p + 1]
        rels_all = r_day[r_off[p] : r_off[p + 1]]
        s = 0
        search0 = 1
        if not np.isnan(t0[p]):
            s = start_index(v_day[lo:hi], rels_all, t0[p], rbl_a, opt_f[1])
            if s < 0:
                start[p] = -1
                continue
            # Onsets count only after time zero (a pre-transplant visit is never an event).
            search0 = hi - lo - s
            for i in range(lo + s, hi):
                if v_day[i] > t0[p]:
                    search0 = i - lo - s
                    break
        start[p] = lo + s
        a = lo + s
        x = v_day[a:hi]
        keep = rels_all >= x[0] - rbl_a if x.shape[0] > 0 else rels_all >= 0
        rels = rels_all[keep]
        la, lh = a - base, hi - base
        _search_patient(
            x,
            v_val[a:hi],
            rels,
            opt_i,
            opt_f,
            wd,
            idl,
            conf_win,
            indep,
            kind[la:lh],
            bl_out[la:lh],
            conf_out[la:lh],
            pconf_out[la:lh],
            sust_out[la:lh],
            search0,
        )
        # Slot k (this patient's visit k - la) moves to row j <= k: rows before k are done
        # with, and the next patient's slots start after k. Local indices + a = global rows.
        for k in range(la, lh):
            if kind[k] == NONE:
                continue
            first, pfirst = -1, -1
            for m in range(n_win):
                c = conf_out[k, m]
                if c >= 0:
                    if first < 0 or c < first:
                        first = c
                    c += a
                conf_out[j, m] = c
                c = pconf_out[k, m]
                if c >= 0 and (pfirst < 0 or c < pfirst):
                    pfirst = c
            kind[j] = kind[k]
            bl_out[j] = bl_out[k] + a
            sust_out[j] = sust_out[k] + a
            conf_first[j] = first + a if first >= 0 else -1
            pconf_first[j] = pfirst + a if pfirst >= 0 else -1
            rows[j] = base + k
            patient[j] = p
            j += 1
    return j


# ---- Column helpers: one pass each, no temporaries the size of a table. -------------------


@_jit
def event_columns(
    rows: Any,
    patient: Any,
    bl: Any,
    conf_first: Any,
    pconf_first: Any,
    sust: Any,
    v_off: Any,
    v_day: Any,
    v_val: Any,
    first_day: Any,
) -> Any:
    """The numeric columns of the events table (dates in seconds since 1970, NaT = int64 min).

    Returns onset, baseline, confirmation and PIRA confirmation dates; EDSS at onset, baseline
    and confirmation (NaN without one); days from time zero; days sustained; whether the
    change held to the last visit.
    """
    n = rows.shape[0]
    onset = np.empty(n, dtype=np.int64)
    base = np.empty(n, dtype=np.int64)
    conf = np.empty(n, dtype=np.int64)
    pconf = np.empty(n, dtype=np.int64)
    edss = np.empty(n, dtype=np.float64)
    base_edss = np.empty(n, dtype=np.float64)
    conf_edss = np.empty(n, dtype=np.float64)
    from_t0 = np.empty(n, dtype=np.float64)
    sustained = np.empty(n, dtype=np.float64)
    to_last = np.empty(n, dtype=np.bool_)
    for j in range(n):
        r, p, b, s = rows[j], patient[j], bl[j], sust[j]
        onset[j] = np.int64(v_day[r]) * DAY_SECONDS
        base[j] = np.int64(v_day[b]) * DAY_SECONDS
        edss[j] = np.float64(v_val[r])
        base_edss[j] = np.float64(v_val[b])
        c = conf_first[j]
        if c >= 0:
            conf[j] = np.int64(v_day[c]) * DAY_SECONDS
            conf_edss[j] = np.float64(v_val[c])
        else:
            conf[j] = NAT
            conf_edss[j] = np.nan
        c = pconf_first[j]
        pconf[j] = np.int64(v_day[c]) * DAY_SECONDS if c >= 0 else NAT
        from_t0[j] = np.float64(v_day[r]) - first_day[p]
        sustained[j] = np.float64(v_day[s]) - np.float64(v_day[r])
        to_last[j] = s == v_off[p + 1] - 1
    return onset, base, conf, pconf, edss, base_edss, conf_edss, from_t0, sustained, to_last


@_jit
def patient_counts(patient: Any, kind: Any, rows: Any, v_day: Any, n: int) -> Any:
    """Per patient: CDW, CDI, PIRA and RAW counts, and the day of the first CDW (NaN: none)."""
    cdw = np.zeros(n, dtype=np.int64)
    cdi = np.zeros(n, dtype=np.int64)
    pira = np.zeros(n, dtype=np.int64)
    raw = np.zeros(n, dtype=np.int64)
    first = np.full(n, np.nan)
    for j in range(patient.shape[0]):
        p, k = patient[j], kind[j]
        if k == CDI:
            cdi[p] += 1
        elif k != NONE:
            if cdw[p] == 0:
                first[p] = v_day[rows[j]]  # events come in onset order
            cdw[p] += 1
            if k == PIRA:
                pira[p] += 1
            elif k == RAW:
                raw[p] += 1
    return cdw, cdi, pira, raw, first


@_jit
def edss_grid(values: Any) -> Any:
    """Which values are on the EDSS grid (0, 1.0, 1.5 ... 10), and the values as float32.

    Off-grid values become 0 in the copy (their rows are not used).
    """
    n = values.shape[0]
    ok = np.empty(n, dtype=np.bool_)
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        v = values[i]
        good = v >= 0 and v <= 10 and v != 0.5  # NaN fails every comparison
        if good:
            twice = v * 2.0
            good = twice == np.floor(twice)
        ok[i] = good
        out[i] = v if good else 0.0
    return ok, out


@_jit
def is_sorted(codes: Any, day: Any, row: Any) -> bool:
    """Whether rows are in (patient code, day, row) order."""
    for i in range(1, codes.shape[0]):
        if codes[i] != codes[i - 1]:
            if codes[i] < codes[i - 1]:
                return False
        elif day[i] != day[i - 1]:
            if day[i] < day[i - 1]:
                return False
        elif row[i] < row[i - 1]:
            return False
    return True


@_jit
def sorted_codes(ids: Any) -> Any:
    """Codes 0, 1, 2... for ids that never decrease, and the distinct ids; None if unsorted."""
    n = ids.shape[0]
    codes = np.empty(n, dtype=np.int32)
    k = 0
    for i in range(n):
        if i > 0 and ids[i] != ids[i - 1]:
            if ids[i] < ids[i - 1]:
                return False, codes, ids[:0].copy()
            k += 1
        codes[i] = k
    uniques = np.empty(k + 1 if n else 0, dtype=ids.dtype)
    for i in range(n):
        uniques[codes[i]] = ids[i]
    return True, codes, uniques


@_jit
def lookup(uniques: Any, ids: Any) -> Any:
    """Position of each id in the sorted distinct ``uniques`` (int32), -1 when absent.

    Walks forward while the ids keep increasing (sorted input costs one pass) and searches
    afresh when one is smaller than the last.
    """
    n = uniques.shape[0]
    out = np.empty(ids.shape[0], dtype=np.int32)
    j = 0
    for i in range(ids.shape[0]):
        v = ids[i]
        if i == 0 or v < ids[i - 1]:
            lo, hi = 0, n
            while lo < hi:
                mid = (lo + hi) // 2
                if uniques[mid] < v:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
        else:
            while j < n and uniques[j] < v:
                j += 1
        out[i] = j if j < n and uniques[j] == v else -1
    return out


@_jit
def offsets(codes: Any, n: int) -> Any:
    """Where each code's rows start, for rows sorted by code (``n + 1`` entries, int64).

    As ``cumsum(bincount(codes))`` but without bincount's int64 copy of the codes.
    """
    off = np.zeros(n + 1, dtype=np.int64)
    for i in range(codes.shape[0]):
        off[codes[i] + 1] += 1
    for p in range(n):
        off[p + 1] += off[p]
    return off


@_jit
def same_day(codes: Any, day: Any) -> Any:
    """Rows followed by a row of the same patient on the same day, and how many there are."""
    n = codes.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    count = 0
    for i in range(n - 1):
        if codes[i] == codes[i + 1] and day[i] == day[i + 1]:
            out[i] = True
            count += 1
    return out, count


@_jit
def compact(values: Any, drop: Any) -> int:
    """Move the rows not in ``drop`` to the front of ``values`` (in place); their number."""
    j = 0
    for i in range(values.shape[0]):
        if not drop[i]:
            values[j] = values[i]
            j += 1
    return j


@_jit
def before_time_zero(use: Any, codes: Any, days: Any, t0: Any) -> Any:
    """Rows in use dated on or before their patient's time zero (never when it is NaN)."""
    out = np.zeros(use.shape[0], dtype=np.bool_)
    for i in range(use.shape[0]):
        if use[i]:
            out[i] = days[i] <= t0[codes[i]]
    return out


@_jit
def first_relapse(r_off: Any, r_day: Any, t0: Any) -> Any:
    """Per patient, the day of the first relapse after time zero (inf: none)."""
    n = t0.shape[0]
    out = np.full(n, np.inf)
    for p in range(n):
        for i in range(r_off[p], r_off[p + 1]):
            if r_day[i] > t0[p]:
                out[p] = r_day[i]
                break
    return out


@_jit
def rebaseline_scans(m_off: Any, m_day: Any, t0: Any, lo: Any, hi: Any) -> Any:
    """Per patient, the last scan after time zero inside [lo, hi] (-inf: none) and the first
    one after ``hi`` (inf: none)."""
    n = t0.shape[0]
    inside = np.full(n, -np.inf)
    later = np.full(n, np.inf)
    for p in range(n):
        for i in range(m_off[p], m_off[p + 1]):
            d = m_day[i]
            if d > t0[p]:
                if lo[p] <= d <= hi[p]:
                    inside[p] = d
                elif d > hi[p] and later[p] == np.inf:
                    later[p] = d
    return inside, later


@_jit
def mri_days(
    m_off: Any, m_day: Any, m_active: Any, m_bv: Any, t0: Any, ref: Any, bv_limit: float
) -> Any:
    """Per patient, from the scans after time zero: the first active scan after ``ref`` (inf:
    none), the last scan (-inf: none), the first scan after ``ref`` with a brain-volume change
    below ``bv_limit`` (inf: none) and the last scan with a brain-volume value (-inf: none).
    """
    n = t0.shape[0]
    active = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    shrink = np.full(n, np.inf)
    last_bv = np.full(n, -np.inf)
    for p in range(n):
        for i in range(m_off[p], m_off[p + 1]):
            d = m_day[i]
            if not d > t0[p]:
                continue
            last[p] = d
            counted = d > ref[p]
            if counted and m_active[i] and active[p] == np.inf:
                active[p] = d
            bv = m_bv[i]
            if not np.isnan(bv):
                last_bv[p] = d
                if counted and bv < bv_limit and shrink[p] == np.inf:
                    shrink[p] = d
    return active, last, shrink, last_bv
