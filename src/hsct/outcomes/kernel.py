"""The per-patient event search, compiled with numba and run over a whole cohort at once.

The cohort arrives as flat columns sorted by patient then day, with offsets marking where
each patient starts (the CSR layout): no per-patient DataFrame is ever built. Each patient's
events are written into slots indexed by the onset visit, so patients are independent and
the outputs need no merging; a second event at the same onset replaces the first, which is
how the reference (pymsprog 1.0.7) resolves duplicates.

The search itself follows the reference's definitions step by step (its source is not
copied: pymsprog declares no licence). The steps are documented in
docs/user-guide/outcomes.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

# Event kinds written to ``kind``.
NONE, CDW, RAW, PIRA, CDI = 0, 1, 2, 3, 4
# Modes (options.EVENT_MODES order) and baseline schemes (options.BASELINE_SCHEMES order).
FIRST_CDW, FIRST_CDI, FIRST, FIRST_PIRA, FIRST_RAW, MULTIPLE = 0, 1, 2, 3, 4, 5
FIXED, ROVING, ROVING_IMPR, ROVING_WORS = 0, 1, 2, 3

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
def search_cohort(
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
    start: Any,
    kind: Any,
    bl_out: Any,
    conf_out: Any,
    pconf_out: Any,
    sust_out: Any,
) -> None:
    """Run the search for every patient. ``start`` receives each patient's first used visit.

    Slot outputs are indexed by global visit row; local indices are made global here.
    """
    rbl_a = opt_f[0]
    for p in range(v_off.shape[0] - 1):
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
            kind[a:hi],
            bl_out[a:hi],
            conf_out[a:hi],
            pconf_out[a:hi],
            sust_out[a:hi],
            search0,
        )
        for k in range(a, hi):
            if kind[k] != NONE:
                bl_out[k] += a
                sust_out[k] += a
                for m in range(conf_out.shape[1]):
                    if conf_out[k, m] >= 0:
                        conf_out[k, m] += a
                    if pconf_out[k, m] >= 0:
                        pconf_out[k, m] += a
