"""Reproducible synthetic cohorts for tests and benchmarks. Not a clinical model.

The shape follows the benchmark cohorts described in the outcomes dossier (§3): about ten
years of follow-up, 15-25 scheduled visits with jitter, relapses at a per-patient rate
(mean 0.25 a year) with an unscheduled visit after half of them, and an EDSS path made of a
baseline, a drift, a step after some relapses, a bump for 60 days after each relapse and
noise, put on the EDSS grid. Yearly MRI scans are more often active near a relapse. Each
patient has a transplant date 30-120 days after the first visit, and a facility, regimen
and MS type for grouping. Everything is drawn with numpy in whole columns, so a million
patients take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

FACILITIES: Final = ("moscow-pirogov", "puebla-clinica-ruiz", "sheffield", "jerusalem-hadassah")
REGIMENS: Final = ("cy-atg", "beam-atg")
MS_TYPES: Final = ("RRMS", "SPMS", "PPMS")
_EPOCH: Final = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True, slots=True)
class SyntheticCohort:
    visits: pd.DataFrame
    relapses: pd.DataFrame
    mri: pd.DataFrame
    patients: pd.DataFrame


def _snap(latent: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Round to the EDSS grid: 0, 1.0 ... 9.5 (no 0.5, no 10)."""
    v = np.clip(np.round(latent * 2) / 2, 0.0, 9.5) + 0.0  # + 0.0 turns -0.0 into 0.0
    return np.where(v == 0.5, np.where(latent < 0.5, 0.0, 1.0), v)


def generate(n: int, seed: int = 1, *, dates: bool = True) -> SyntheticCohort:  # noqa: PLR0915
    """A cohort of ``n`` patients. ``dates=False`` keeps days since 1970 as numbers."""
    rng = np.random.default_rng(seed)
    pid = np.arange(1, n + 1, dtype=np.int64)
    years = rng.uniform(9.5, 10.5, n)
    n_sched = rng.integers(15, 26, n)
    start = rng.integers(
        (np.datetime64("2005-01-01", "D") - _EPOCH).astype(int),
        (np.datetime64("2014-12-31", "D") - _EPOCH).astype(int),
        n,
    )
    base = rng.choice(np.arange(0, 13) / 2, n)
    drift = rng.normal(0.12, 0.15, n)
    rate = rng.gamma(2.0, 0.125, n)

    # Scheduled visits, evenly spread with +/- 20 days of jitter (the first one on day 0).
    v_pat = np.repeat(np.arange(n), n_sched)
    first = np.repeat(np.cumsum(n_sched) - n_sched, n_sched)
    k = np.arange(v_pat.shape[0]) - first
    span = years * 365.25
    v_day = np.round(k * (span / (n_sched - 1))[v_pat] + rng.integers(-20, 21, v_pat.shape[0]))
    v_day[k == 0] = 0

    # Relapses: a Poisson number over follow-up, uniform in time.
    n_rel = rng.poisson(rate * years)
    r_pat = np.repeat(np.arange(n), n_rel)
    r_day = np.floor(rng.uniform(-60, span[r_pat]))
    step = rng.random(r_pat.shape[0]) < 0.4
    # Half the relapses bring an unscheduled visit 7-21 days later.
    extra = rng.random(r_pat.shape[0]) < 0.5
    u_pat, u_day = r_pat[extra], r_day[extra] + rng.integers(7, 22, int(extra.sum()))
    u_keep = u_day > 0
    v_pat = np.concatenate([v_pat, u_pat[u_keep]])
    v_day = np.concatenate([v_day, u_day[u_keep]])

    # Latent EDSS: baseline + drift + steps after 40% of relapses + a 60-day bump + noise.
    latent = base[v_pat] + drift[v_pat] * v_day / 365.25 + rng.normal(0, 0.35, v_pat.shape[0])
    order = np.lexsort((v_day, v_pat))
    v_pat, v_day, latent = v_pat[order], v_day[order], latent[order]
    r_order = np.lexsort((r_day, r_pat))
    r_pat, r_day, step = r_pat[r_order], r_day[r_order], step[r_order]
    r_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r_pat, minlength=n), out=r_off[1:])
    max_rel = int(n_rel.max()) if n else 0
    for j in range(max_rel):  # a patient's j-th relapse, for every patient at once
        has = (r_off[v_pat] + j) < r_off[v_pat + 1]
        idx = np.minimum(r_off[v_pat] + j, max(r_pat.shape[0] - 1, 0))
        if not has.any():
            break
        rd = r_day[idx]
        after = has & (v_day >= rd)
        latent += np.where(after & step[idx], 0.5, 0.0)
        latent += np.where(after & (v_day - rd <= 60), 1.0, 0.0)
    edss = _snap(latent)

    # Yearly MRI from year 0; active with 5%, or 50% within 90 days after a relapse.
    n_mri = np.floor(years).astype(np.int64) + 1
    m_pat = np.repeat(np.arange(n), n_mri)
    m_first = np.repeat(np.cumsum(n_mri) - n_mri, n_mri)
    m_day = (np.arange(m_pat.shape[0]) - m_first) * 365.0 + rng.integers(-15, 16, m_pat.shape[0])
    m_day[m_day < 0] = 0
    near = np.zeros(m_pat.shape[0], dtype=bool)
    for j in range(max_rel):
        has = (r_off[m_pat] + j) < r_off[m_pat + 1]
        idx = np.minimum(r_off[m_pat] + j, max(r_pat.shape[0] - 1, 0))
        gap = m_day - r_day[idx]
        near |= has & (gap >= 0) & (gap <= 90)
    p_active = np.where(near, 0.5, 0.05)
    active = rng.random(m_pat.shape[0]) < p_active
    gd = np.where(active, rng.integers(0, 3, m_pat.shape[0]), 0)
    t2 = np.where(active, rng.integers(0, 4, m_pat.shape[0]), 0)
    t2 = np.where(active & (gd == 0) & (t2 == 0), 1, t2)
    bv = np.round(rng.normal(-0.3, 0.3, m_pat.shape[0]), 2)

    t0 = rng.integers(30, 121, n)

    def day_col(d: np.ndarray[Any, Any], pat: np.ndarray[Any, Any]) -> Any:
        absolute = (start[pat] + d).astype(np.int64)
        return (_EPOCH + absolute).astype("datetime64[s]") if dates else absolute

    visits = pd.DataFrame({"patient_id": pid[v_pat], "date": day_col(v_day, v_pat), "edss": edss})
    relapses = pd.DataFrame({"patient_id": pid[r_pat], "date": day_col(r_day, r_pat)})
    mri = pd.DataFrame(
        {
            "patient_id": pid[m_pat],
            "date": day_col(m_day, m_pat),
            "gd_enhancing": gd,
            "new_t2": t2,
            "brain_volume_change": bv,
        }
    )
    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "transplant_date": day_col(t0.astype(np.float64), np.arange(n)),
            "facility": np.asarray(FACILITIES)[rng.integers(0, len(FACILITIES), n)],
            "regimen": np.asarray(REGIMENS)[rng.integers(0, len(REGIMENS), n)],
            "ms_type": np.asarray(MS_TYPES)[rng.choice(3, n, p=[0.7, 0.2, 0.1])],
        }
    )
    return SyntheticCohort(visits, relapses, mri, patients)
