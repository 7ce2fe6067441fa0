"""NEDA-3, NEDA-4, durable remission and the single endpoints, one row per patient.

Definitions (docs/user-guide/outcomes.md has them in full, with sources):

* Time zero is the transplant date when given, otherwise the baseline visit.
* NEDA-3 is lost at the first of: a relapse after time zero; an MRI after time zero (or
  after the re-baseline scan) with a new or enlarging T2 lesion or an enhancing lesion; the
  onset of confirmed disability worsening (CDW). Giovannoni et al. 2015.
* Without an event, a patient is censored at the last date all three were assessed: the
  earlier of the last EDSS visit and the last MRI. Someone without MRI after time zero is
  censored at time zero, so they never look event-free by default.
* NEDA-4 adds annualised brain-volume loss of more than 0.4% (Kappos et al., as quoted by
  Guevara et al. 2019), when ``brain_volume_change`` is given.
* Durable remission: NEDA-3 held for at least five years (yes / no / not yet known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.text import Citation
from hsct.outcomes.options import ProgressionOptions
from hsct.outcomes.progression import ProgressionResult, progression, to_seconds
from hsct.outcomes.tables import Cohort

YEAR_DAYS: Final = 365.25
MONTH_DAYS: Final = YEAR_DAYS / 12
#: "Durable remission" is NEDA-3 kept at least this long. aHSCT studies report NEDA at
#: 2 and 5 years (Sormani et al., Neurology 2017;88(22):2115-2122,
#: doi:10.1212/WNL.0000000000003987: 83% and 67%); five years is the later landmark.
DURABLE_YEARS: Final = 5.0
#: Annualised brain-volume change below this (a loss of more than 0.4% a year) ends NEDA-4.
BRAIN_VOLUME_LIMIT: Final = -0.4

GIOVANNONI_2015: Final = Citation(
    "Giovannoni G et al. Is it time to target no evident disease activity (NEDA) in multiple "
    "sclerosis? Mult Scler Relat Disord 2015;4(4):329-333",
    "2015",
    doi="10.1016/j.msard.2015.04.006",
)
GUEVARA_2019: Final = Citation(
    "Guevara C et al. Front Neurol 2019 (NEDA-4: NEDA-3 plus annualised brain volume loss "
    "of at most 0.4%, after Kappos et al. 2016)",
    "2019",
    doi="10.3389/fneur.2019.00788",
)


@dataclass(frozen=True, slots=True)
class NedaOptions:
    """Options for NEDA: the progression options for its CDW part and the MRI re-baseline."""

    progression: ProgressionOptions = field(default_factory=ProgressionOptions)
    #: Months after time zero of the re-baseline MRI; activity counts only on later scans.
    rebaseline_months: float | None = None


def neda_sources(*, brain_volume: bool) -> list[Citation]:
    """Where the NEDA definitions come from (NEDA-4 only when brain volume was given)."""
    return [GIOVANNONI_2015, GUEVARA_2019] if brain_volume else [GIOVANNONI_2015]


def _pick(
    off: np.ndarray[Any, Any],
    day: np.ndarray[Any, Any],
    mask: np.ndarray[Any, Any],
    n: int,
    *,
    last: bool,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per patient, the first (or last) ``day`` where ``mask`` holds; rows sorted by day."""
    out = np.full(n, -np.inf if last else np.inf)
    idx = np.flatnonzero(mask)
    if idx.size:
        pat = np.searchsorted(off, idx, side="right") - 1
        edge = np.ones(idx.size, dtype=bool)
        if last:
            edge[:-1] = pat[:-1] != pat[1:]
        else:
            edge[1:] = pat[1:] != pat[:-1]
        out[pat[edge]] = day[idx[edge]]
    return out


def _first_after(
    off: np.ndarray[Any, Any], day: np.ndarray[Any, Any], mask: np.ndarray[Any, Any], n: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    return _pick(off, day, mask, n, last=False)


def _last_where(
    off: np.ndarray[Any, Any], day: np.ndarray[Any, Any], mask: np.ndarray[Any, Any], n: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    return _pick(off, day, mask, n, last=True)


def neda(
    cohort: Cohort,
    options: NedaOptions | None = None,
    *,
    result: ProgressionResult | None = None,
) -> pd.DataFrame:
    """One row per patient: NEDA-3 (and NEDA-4), durable remission and single endpoints.

    ``result`` reuses a progression run (its first CDW per patient); otherwise one is made.
    """
    options = options or NedaOptions()
    if not cohort.has_mri:
        raise InvalidInput(
            [FieldError("mri", "NEDA-3 needs the MRI table", "patient_id,date,gd_enhancing,new_t2")]
        )
    if options.rebaseline_months is not None and not options.rebaseline_months >= 0:
        raise InvalidInput([FieldError("rebaseline_months", "must be 0 or more", "months")])
    result = result or progression(cohort, options.progression)
    n = cohort.n_patients
    base_day = np.where(
        result.start_rows >= 0, cohort.v_day[np.maximum(result.start_rows, 0)], np.nan
    )
    t0 = np.where(np.isnan(cohort.t0), base_day, cohort.t0)

    r_pat = np.repeat(np.arange(n), np.diff(cohort.r_off))
    relapse = _first_after(cohort.r_off, cohort.r_day, cohort.r_day > t0[r_pat], n)

    m_pat = np.repeat(np.arange(n), np.diff(cohort.m_off))
    after = cohort.m_day > t0[m_pat]
    if options.rebaseline_months is not None:
        due = t0 + options.rebaseline_months * MONTH_DAYS
        ref = _first_after(cohort.m_off, cohort.m_day, cohort.m_day >= due[m_pat], n)
        after = cohort.m_day > ref[m_pat]
    mri = _first_after(cohort.m_off, cohort.m_day, after & cohort.m_active, n)
    last_mri = _last_where(cohort.m_off, cohort.m_day, after, n)

    cdw = result.first_cdw_day
    cdw_day = np.where(~np.isnan(cdw) & (cdw > t0), cdw, np.inf)
    last_visit = cohort.v_day[cohort.v_off[1:] - 1]

    out = pd.DataFrame({"patient_id": cohort.ids, "time_zero": to_seconds(t0)})
    censor3 = np.maximum(np.minimum(last_visit, last_mri), t0)
    _composite(out, "neda3", t0, censor3, {"relapse": relapse, "mri": mri, "cdw": cdw_day})
    lost_years = out["neda3_years"].to_numpy()
    lost = out["neda3_lost"].to_numpy()
    durable = np.where(lost_years >= DURABLE_YEARS, "yes", np.where(lost, "no", "not yet known"))
    out["durable_remission"] = durable
    if cohort.has_brain_volume:
        measured = after & ~np.isnan(cohort.m_bv)
        shrink = _first_after(
            cohort.m_off, cohort.m_day, measured & (cohort.m_bv < BRAIN_VOLUME_LIMIT), n
        )
        last_bv = _last_where(cohort.m_off, cohort.m_day, measured, n)
        censor4 = np.maximum(np.minimum(censor3, last_bv), t0)
        _composite(
            out,
            "neda4",
            t0,
            censor4,
            {"relapse": relapse, "mri": mri, "cdw": cdw_day, "brain_volume": shrink},
        )
    # Single endpoints, each censored at its own last assessment.
    for name, event, censor in (
        ("relapse", relapse, last_visit),
        ("cdw", cdw_day, last_visit),
        ("mri", mri, np.maximum(last_mri, t0)),
    ):
        hit = np.isfinite(event)
        out[f"{name}_event"] = hit
        out[f"{name}_years"] = (np.where(hit, event, np.maximum(censor, t0)) - t0) / YEAR_DAYS
    return out


def _composite(
    out: pd.DataFrame,
    name: str,
    t0: np.ndarray[Any, Any],
    censor: np.ndarray[Any, Any],
    parts: dict[str, np.ndarray[Any, Any]],
) -> None:
    stack = np.vstack(list(parts.values()))
    first = stack.min(axis=0)
    lost = np.isfinite(first)
    # Which parts happened on the event date, as a bit mask, then as "relapse+mri" text.
    labels = list(parts)
    bits = np.zeros(first.shape[0], dtype=np.int64)
    for i in range(len(labels)):
        bits |= ((stack[i] == first) & lost).astype(np.int64) << i
    names = np.array(
        [
            "+".join(label for i, label in enumerate(labels) if code >> i & 1)
            for code in range(1 << len(labels))
        ],
        dtype=object,
    )
    which = names[bits]
    out[f"{name}_lost"] = lost
    out[f"{name}_event_date"] = to_seconds(np.where(lost, first, np.nan))
    out[f"{name}_component"] = which
    out[f"{name}_censor_date"] = to_seconds(np.where(lost, np.nan, censor))
    out[f"{name}_years"] = (np.where(lost, first, censor) - t0) / YEAR_DAYS
