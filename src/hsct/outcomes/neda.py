"""NEDA-3, NEDA-4, durable remission and the single endpoints, one row per patient.

Definitions (docs/user-guide/outcomes.md has them in full, with sources):

* Time zero is the transplant date when given, otherwise the baseline visit.
* NEDA-3 is lost at the first of: a relapse after time zero; an MRI after time zero (or
  after the re-baseline scan) with a new or enlarging T2 lesion or an enhancing lesion; the
  onset of confirmed disability worsening (CDW). Giovannoni et al. 2015.
* MRI re-baseline (off unless asked for): the last scan inside a window after time zero
  (3 to 9 months by default, Das et al. 2021), or else the first scan after the window, is
  the new reference. Activity on it and on earlier scans does not count; activity on every
  later scan does. ``_rebaseline`` has the rules and why.
* Without an event, a patient is censored at the last date all three were assessed: the
  earlier of the last EDSS visit and the last MRI after time zero (re-baseline or not).
  Someone without MRI after time zero is censored at time zero, so they never look
  event-free by default.
* NEDA-4 adds annualised brain-volume loss of more than 0.4% (Kappos et al., as quoted by
  Guevara et al. 2019), when ``brain_volume_change`` is given.
* Durable remission: NEDA-3 held for at least five years (yes / no / not yet known).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.text import Citation
from hsct.outcomes import compiled
from hsct.outcomes.options import ProgressionOptions
from hsct.outcomes.progression import ProgressionResult, columns_frame, progression
from hsct.outcomes.search import check_threads, to_seconds
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
#: Knowledge-base source ``das-2021`` (src/hsct/knowledge/data/sources.yaml), the same
#: abstract copy; the DOI was not confirmed, so none is given.
DAS_2021: Final = Citation(
    "Das J, Snowden JA, Burman J, et al. Autologous haematopoietic stem cell transplantation "
    "as a first-line disease-modifying therapy in patients with 'aggressive' multiple "
    "sclerosis. Mult Scler 2021 (3 of 20 had residual MRI activity in the first 6 months "
    "after aHSCT and no new or enhancing lesions on later scans)",
    "2021-02-10",
    url="https://forums.activemsers.org/forum/activemsers-org-forums/dave-s-sct-journey/"
    "17502-ahsct-as-a-first-line-disease-modifying-therapy-in-patients-with-aggressive-ms"
    "?view=stream",
)
#: Knowledge-base source ``mri-followup-italy-2026``: brain MRI at 6 and 12 months, then yearly.
MRI_FOLLOWUP_ITALY_2026: Final = Citation(
    "Italian single-centre aHSCT cohort 2001-2025: brain MRI at 6 and 12 months after "
    "aHSCT, then yearly. Mult Scler J Exp Transl Clin 2026",
    "2026",
    doi="10.1177/20552173261437600",
)

#: Where the re-baseline scan is looked for, in months after time zero (both ends included),
#: when re-baselining is on without a window of its own.
#: * Centre, 6 months: residual MRI activity after aHSCT was seen only in the first 6 months,
#:   with no new or enhancing lesions on later scans (Das et al., Mult Scler 2021, source
#:   ``das-2021``), so a scan at about 6 months is the new reference; the patient journey's
#:   "MRI: new baseline" step (src/hsct/journey/steps.py, ``mri-6``) uses the same sources.
#: * Width, 3 to 9 months: follow-up brain MRI is scheduled at 6 and 12 months, then yearly
#:   (``mri-followup-italy-2026``); 3 and 9 months are half-way to time zero and to the
#:   12-month scan, so the window takes the scans that stand for the 6-month scan.
#:   [Our inference from that schedule, not a published window.]
REBASELINE_WINDOW_MONTHS: Final = (3.0, 9.0)


@dataclass(frozen=True, slots=True)
class NedaOptions:
    """Options for NEDA: the progression options for its CDW part and the MRI re-baseline.

    Re-baselining is on when ``rebaseline`` is true (window :data:`REBASELINE_WINDOW_MONTHS`)
    or when ``rebaseline_window_months`` is given. ``rebaseline_months`` is the older form,
    kept so existing calls (``NedaOptions(options, 6)``) still work: the re-baseline scan is
    the first scan on or after that many months, i.e. the window ``(N, N)``.
    """

    progression: ProgressionOptions = field(default_factory=ProgressionOptions)
    #: Older form of the window: ``N`` means ``rebaseline_window_months=(N, N)``.
    rebaseline_months: float | None = None
    #: Re-baseline the MRI part of NEDA, with the default window unless one is given.
    rebaseline: bool = False
    #: Months after time zero (start, end), both included, where the re-baseline scan is.
    rebaseline_window_months: tuple[float, float] | None = None

    def window_months(self) -> tuple[float, float] | None:
        """The re-baseline window in use (months), or ``None`` when re-baselining is off.

        Raises :class:`InvalidInput` naming the option when the window cannot be used.

        >>> NedaOptions(rebaseline=True).window_months()
        (3.0, 9.0)
        >>> NedaOptions(rebaseline_months=6).window_months()
        (6.0, 6.0)
        >>> NedaOptions().window_months() is None
        True
        """
        window = self.rebaseline_window_months
        if self.rebaseline_months is not None:
            if self.rebaseline or window is not None:
                raise InvalidInput(
                    [
                        FieldError(
                            "rebaseline_months",
                            "is the older form of rebaseline_window_months; give one of them",
                            "rebaseline_window_months START,END (or rebaseline_months alone)",
                        )
                    ]
                )
            window = (self.rebaseline_months, self.rebaseline_months)
            name = "rebaseline_months"
        elif window is None:
            return REBASELINE_WINDOW_MONTHS if self.rebaseline else None
        else:
            name = "rebaseline_window_months"
        return _checked_window(name, window)


def _checked_window(name: str, window: Any) -> tuple[float, float]:
    allowed = "months after time zero, 0 <= START <= END, e.g. 3,9"
    if not isinstance(window, list | tuple) or len(window) != 2:
        raise InvalidInput([FieldError(name, "must be two numbers, START and END", allowed)])
    numbers = [
        float(v)
        for v in window
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
    if len(numbers) != 2 or not 0 <= numbers[0] <= numbers[1]:
        shown = ",".join(str(v) for v in window)
        raise InvalidInput([FieldError(name, f"{shown} is not a window of months", allowed)])
    return numbers[0], numbers[1]


def neda_sources(*, brain_volume: bool, rebaseline: bool = False) -> list[Citation]:
    """Where the NEDA definitions come from.

    NEDA-4 only when brain volume was given; the re-baseline window only when it was used.
    """
    out = [GIOVANNONI_2015, GUEVARA_2019] if brain_volume else [GIOVANNONI_2015]
    if rebaseline:
        out += [DAS_2021, MRI_FOLLOWUP_ITALY_2026]
    return out


def neda(
    cohort: Cohort,
    options: NedaOptions | None = None,
    *,
    result: ProgressionResult | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """One row per patient: NEDA-3 (and NEDA-4), durable remission and single endpoints.

    ``result`` reuses a progression run (its first CDW per patient); otherwise one is made,
    on ``threads`` threads (``None``: every core; see :func:`progression`).
    """
    check_threads(threads)  # named before any work
    options = options or NedaOptions()
    if not cohort.has_mri:
        raise InvalidInput(
            [FieldError("mri", "NEDA-3 needs the MRI table", "patient_id,date,gd_enhancing,new_t2")]
        )
    window = options.window_months()
    result = result or progression(cohort, options.progression, threads=threads)
    base_day = np.where(
        result.start_rows >= 0, cohort.v_day[np.maximum(result.start_rows, 0)], np.nan
    )
    t0 = np.where(np.isnan(cohort.t0), base_day, cohort.t0)
    del base_day

    relapse = compiled.first_relapse(cohort.r_off, cohort.r_day, t0)
    # Every scan after time zero is an assessment (censoring); activity counts only on the
    # scans after the reference: time zero, or the re-baseline scan. One compiled pass per
    # table, patient by patient: no per-row temporaries.
    ref, ref_kind = (t0, None) if window is None else _rebaseline(cohort, t0, window)
    mri, last_mri, shrink, last_bv = compiled.mri_days(
        cohort.m_off, cohort.m_day, cohort.m_active, cohort.m_bv, t0, ref, BRAIN_VOLUME_LIMIT
    )

    cdw = result.first_cdw_day
    cdw_day = np.where(~np.isnan(cdw) & (cdw > t0), cdw, np.inf)
    last_visit = cohort.v_day[cohort.v_off[1:] - 1]

    out: dict[str, np.ndarray[Any, Any]] = {
        "patient_id": cohort.ids.copy(),  # the frame takes its columns without a copy
        "time_zero": to_seconds(t0),
    }
    if ref_kind is not None:
        out["mri_rebaseline_date"] = to_seconds(np.where(np.isfinite(ref), ref, np.nan))
        out["mri_rebaseline_scan"] = ref_kind
    censor3 = np.maximum(np.minimum(last_visit, last_mri), t0)
    _composite(out, "neda3", t0, censor3, {"relapse": relapse, "mri": mri, "cdw": cdw_day})
    lost_years = out["neda3_years"]
    lost = out["neda3_lost"]
    durable = np.where(lost_years >= DURABLE_YEARS, 0, np.where(lost, 1, 2))
    out["durable_remission"] = _DURABLE[durable]  # text as objects: no fixed-width copy
    if cohort.has_brain_volume:
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
    return columns_frame(out)


_DURABLE: Final = np.array(["yes", "no", "not yet known"], dtype=object)

#: What ``mri_rebaseline_scan`` says about each patient's re-baseline scan.
REBASELINE_KINDS: Final = ("in window", "after window", "none")


def _rebaseline(
    cohort: Cohort,
    t0: np.ndarray[Any, np.dtype[np.float64]],
    window: tuple[float, float],
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, Any]]:
    """Per patient, the re-baseline scan's day (``inf`` when none) and which rule found it.

    1. The **last** scan inside the window ``[t0 + start, t0 + end]`` (months of 30.44 days,
       both ends included). The last rather than the first: residual activity settles over
       the first 6 months (Das et al. 2021), so the latest scan in the window is the least
       touched by it. Where patients are seen at 3, 6 and 12 months (Moscow, source
       ``hsct-russia-outcomes``) the first would make the 3-month scan the reference and
       count residual activity on the 6-month scan as lost NEDA. The cost: activity on an
       extra scan between the 6-month scan and the window's end is not counted; the end of
       the window bounds this, and ``mri_rebaseline_date`` shows which scan was used.
    2. No scan inside the window: the **first scan after it**, the earliest scan that is not
       before the window (a scan before it would make residual activity count). Its own
       activity is not counted, as for any re-baseline scan; every later scan counts.
    3. No scan inside or after the window: no re-baseline scan. Scans before the window are
       not activity (they fall in the period the re-baseline is there to discount); they
       still count as assessments, so the patient is censored at the last of them.
    """
    lo = t0 + window[0] * MONTH_DAYS
    hi = t0 + window[1] * MONTH_DAYS
    inside, later = compiled.rebaseline_scans(cohort.m_off, cohort.m_day, t0, lo, hi)
    found = np.isfinite(inside)
    ref = np.where(found, inside, later)
    kind = np.where(found, 0, np.where(np.isfinite(later), 1, 2))
    return ref, np.array(REBASELINE_KINDS, dtype=object)[kind]


def _composite(
    out: dict[str, np.ndarray[Any, Any]],
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
