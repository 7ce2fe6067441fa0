"""Confirmed disability worsening (CDW) and improvement (CDI), PIRA/RAW, for a whole cohort.

>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a"] * 4,
...     "date": ["2020-01-01", "2020-07-01", "2021-01-01", "2021-07-01"],
...     "edss": [2.0, 3.0, 3.0, 3.0]})
>>> result = progression(build_cohort(visits))
>>> result.events[["patient_id", "event", "onset_date", "edss", "confirmation_date"]]
  patient_id event onset_date  edss confirmation_date
0          a   CDW 2020-07-01   3.0        2021-01-01
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.edss_value import format_step
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.outcomes import kernel
from hsct.outcomes.options import (
    BASELINE_SCHEMES,
    EVENT_MODES,
    KAPPOS_2018,
    MONTOBBIO_2024,
    MULLER_2023,
    PREC_TYPES,
    ProgressionOptions,
)
from hsct.outcomes.tables import Cohort, build_cohort

__all__ = [
    "EVENT_COLUMNS",
    "ProgressionResult",
    "build_cohort",
    "explain",
    "explain_messages",
    "progression",
]

EVENT_COLUMNS: Final = (
    "patient_id",
    "event",
    "onset_date",
    "edss",
    "baseline_date",
    "baseline_edss",
    "confirmation_date",
    "type",
)
_KIND_EVENT: Final = np.array(["", "CDW", "CDW", "CDW", "CDI"], dtype=object)
_KIND_TYPE: Final = np.array(["", "undefined", "RAW", "PIRA", ""], dtype=object)
#: Patients per call of the compiled search (the progress bar moves once per chunk).
CHUNK: Final = 50_000


def to_seconds(days: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Days since 1970-01-01 (NaN = none) as datetime64[s], the unit pandas keeps as is."""
    out = np.full(days.shape, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    ok = ~np.isnan(days)
    out[ok] = days[ok].astype(np.int64) * 86_400
    return out.view("datetime64[s]")


def _option_arrays(options: ProgressionOptions) -> tuple[Any, ...]:
    opt_i = np.array(
        [
            EVENT_MODES.index(options.event),
            BASELINE_SCHEMES.index(options.baseline),
            0 if options.proceed_from == "firstconf" else 1,
            1 if options.labels_pira_raw else 0,
            PREC_TYPES.index(options.relapse_indep.prec_type),
        ],
        dtype=np.int64,
    )
    impute = options.impute_last_visit
    opt_f = np.array(
        [
            *options.relapse_to_bl,
            *options.relapse_to_event,
            options.require_sust_days,
            1.0 if options.check_intermediate else 0.0,
            *options.relapse_to_conf,
            *options.relapse_assoc,
            1.0 if impute > 0 else 0.0,
            impute if impute > 1 else np.inf,
        ],
        dtype=np.float64,
    )
    left, right = options.conf_tol_days
    # The reference takes the whole days of each period (int(c)) before adding tolerances.
    conf_win = np.array([[int(c) - left, int(c) + right] for c in options.conf_days])
    return (
        opt_i,
        opt_f,
        options.worsening_rule.worsening_table,
        options.improvement_table(),
        conf_win.astype(np.float64),
        options.relapse_indep.as_array(),
    )


@dataclass(frozen=True, slots=True)
class ProgressionResult:
    """Events (one row each), a summary per patient, and what was asked for."""

    events: pd.DataFrame
    summary: pd.DataFrame
    options: ProgressionOptions
    cohort: Cohort
    #: Global visit row of each event's onset and baseline, and the first visit used per patient.
    onset_rows: np.ndarray[Any, np.dtype[np.int64]]
    start_rows: np.ndarray[Any, np.dtype[np.int64]]
    #: Day (since 1970) of each patient's first CDW onset; NaN without one.
    first_cdw_day: np.ndarray[Any, np.dtype[np.float64]]

    def sources(self) -> list[Citation]:
        """Where the definitions come from."""
        out = [MONTOBBIO_2024, self.options.worsening_rule.source]
        if self.options.baseline != "fixed":
            out.append(KAPPOS_2018)
        if self.options.labels_pira_raw:
            out.append(MULLER_2023)
        return out


def progression(
    cohort: Cohort,
    options: ProgressionOptions | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> ProgressionResult:
    """Find the events of every patient in ``cohort``.

    ``progress`` is called with the number of patients done after each chunk.
    """
    options = options or ProgressionOptions()
    opt_i, opt_f, wd, idl, conf_win, indep = _option_arrays(options)
    n_vis, n_win = cohort.n_visits, len(options.conf_days)
    kind = np.zeros(n_vis, dtype=np.int8)
    # Visit rows fit 32 bits (checked in build_cohort); halves the memory of a 1M cohort.
    bl_out = np.zeros(n_vis, dtype=np.int32)
    conf_out = np.full((n_vis, n_win), -1, dtype=np.int32)
    pconf_out = np.full((n_vis, n_win), -1, dtype=np.int32)
    sust_out = np.zeros(n_vis, dtype=np.int32)
    start = np.full(cohort.n_patients, -1, dtype=np.int64)
    for lo in range(0, cohort.n_patients, CHUNK):
        hi = min(lo + CHUNK, cohort.n_patients)
        kernel.search_cohort(
            cohort.v_off[lo : hi + 1],
            cohort.v_day,
            cohort.v_val,
            cohort.r_off[lo : hi + 1],
            cohort.r_day,
            cohort.t0[lo:hi],
            opt_i,
            opt_f,
            wd,
            idl,
            conf_win,
            indep,
            start[lo:hi],
            kind,
            bl_out,
            conf_out,
            pconf_out,
            sust_out,
        )
        if progress is not None:
            progress(hi - lo)
    # Keep only the event rows, and let the visit-sized outputs go before building tables.
    rows = np.flatnonzero(kind)
    slots = _Slots(
        rows,
        kind[rows],
        bl_out[rows].astype(np.int64),
        conf_out[rows].astype(np.int64),
        pconf_out[rows].astype(np.int64),
        sust_out[rows].astype(np.int64),
    )
    del kind, bl_out, conf_out, pconf_out, sust_out
    return _tables(cohort, options, slots, start)


@dataclass(frozen=True, slots=True)
class _Slots:
    """The kernel's outputs at the event rows (global visit indices, int64)."""

    rows: np.ndarray[Any, Any]
    kind: np.ndarray[Any, Any]
    bl: np.ndarray[Any, Any]
    conf: np.ndarray[Any, Any]
    pconf: np.ndarray[Any, Any]
    sust: np.ndarray[Any, Any]


def _tables(
    cohort: Cohort, options: ProgressionOptions, slots: _Slots, start: np.ndarray[Any, Any]
) -> ProgressionResult:
    rows, k, bl, sust = slots.rows, slots.kind, slots.bl, slots.sust
    patient = np.searchsorted(cohort.v_off, rows, side="right") - 1
    day, val = cohort.v_day, cohort.v_val
    first_day = np.where(np.isnan(cohort.t0), day[np.maximum(start, 0)], cohort.t0)
    conf = slots.conf
    imputed = conf[:, 0] == -2 if conf.shape[1] else np.zeros(rows.shape[0], dtype=bool)
    big = np.iinfo(np.int64).max
    conf_any = np.where(conf >= 0, conf, big).min(axis=1)
    has_conf = conf_any != big
    conf_first = np.where(has_conf, conf_any, 0)
    pconf_any = np.where(slots.pconf >= 0, slots.pconf, big).min(axis=1)
    has_pconf = pconf_any != big

    def dates(idx: np.ndarray[Any, Any], present: np.ndarray[Any, Any] | None = None) -> Any:
        d = day[idx]
        if present is not None:
            d = np.where(present, d, np.nan)
        return to_seconds(d)

    types = _KIND_TYPE[k] if options.labels_pira_raw else np.full(k.shape[0], "", dtype=object)
    # Column by column: a DataFrame built from one dict copies every column into blocks.
    events = pd.DataFrame({"patient_id": cohort.ids[patient]})
    events["event"] = _KIND_EVENT[k]
    events["onset_date"] = dates(rows)
    events["edss"] = val[rows]
    events["baseline_date"] = dates(bl)
    events["baseline_edss"] = val[bl]
    events["confirmation_date"] = dates(conf_first, has_conf)
    events["type"] = np.where(k == kernel.CDI, "", types)
    events["confirmation_edss"] = np.where(has_conf, val[conf_first], np.nan)
    events["pira_confirmation_date"] = dates(np.where(has_pconf, pconf_any, 0), has_pconf)
    events["days_from_time_zero"] = day[rows] - first_day[patient]
    events["sustained_days"] = day[sust] - day[rows]
    events["sustained_to_last_visit"] = sust == cohort.v_off[patient + 1] - 1
    events["imputed_at_last_visit"] = imputed
    if len(options.conf_days) > 1:
        for m, c in enumerate(options.conf_days):
            events[f"confirmation_{int(c)}d_date"] = dates(
                np.maximum(conf[:, m], 0), conf[:, m] >= 0
            )
    first_cdw = _first_cdw(cohort, rows, k, patient)
    summary = _summary(cohort, k, patient, start, first_day, first_cdw)
    return ProgressionResult(events, summary, options, cohort, rows, start, first_cdw)


def _first_cdw(
    cohort: Cohort,
    onset_rows: np.ndarray[Any, Any],
    k: np.ndarray[Any, Any],
    patient: np.ndarray[Any, Any],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    cdw_mask = (k != kernel.CDI) & (k != kernel.NONE)
    first_cdw = np.full(cohort.n_patients, np.nan)
    onset_days = cohort.v_day[onset_rows[cdw_mask]]
    # Events come in patient, onset order: the first row of a patient is the earliest.
    pts, first_pos = np.unique(patient[cdw_mask], return_index=True)
    first_cdw[pts] = onset_days[first_pos]
    return first_cdw


def _summary(  # noqa: PLR0917
    cohort: Cohort,
    k: np.ndarray[Any, Any],
    patient: np.ndarray[Any, Any],
    start: np.ndarray[Any, Any],
    first_day: np.ndarray[Any, Any],
    first_cdw: np.ndarray[Any, Any],
) -> pd.DataFrame:
    n = cohort.n_patients
    last = cohort.v_off[1:] - 1
    used = start >= 0

    def count(mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.bincount(patient[mask], minlength=n)

    cdw_mask = (k != kernel.CDI) & (k != kernel.NONE)
    return pd.DataFrame(
        {
            "patient_id": cohort.ids,
            "time_zero": to_seconds(first_day),
            "baseline_date": to_seconds(np.where(used, cohort.v_day[np.maximum(start, 0)], np.nan)),
            "baseline_edss": np.where(used, cohort.v_val[np.maximum(start, 0)], np.nan),
            "last_visit_date": to_seconds(cohort.v_day[last]),
            "follow_up_days": cohort.v_day[last] - first_day,
            "visits": np.diff(cohort.v_off),
            "cdw": count(cdw_mask),
            "cdi": count(k == kernel.CDI),
            "pira": count(k == kernel.PIRA),
            "raw": count(k == kernel.RAW),
            "first_cdw_date": to_seconds(first_cdw),
        }
    )


def explain(result: ProgressionResult, index: int) -> list[str]:
    """Why event number ``index`` (a row of ``result.events``) counts, in plain English."""
    return [str(message) for message in explain_messages(result, index)]


def explain_messages(result: ProgressionResult, index: int) -> list[Message]:
    """The same explanation as translatable messages (``message.translate(gettext)``)."""
    ev = result.events.iloc[index]
    opts = result.options
    cohort = result.cohort
    p = int(np.searchsorted(cohort.v_off, result.onset_rows[index], side="right") - 1)
    rels = cohort.r_day[cohort.r_off[p] : cohort.r_off[p + 1]]
    onset = cohort.v_day[result.onset_rows[index]]
    worse = ev["event"] == "CDW"
    change = {
        "baseline": _edss(ev["baseline_edss"]),
        "baseline_date": _day(ev["baseline_date"]),
        "edss": _edss(ev["edss"]),
        "onset": _day(ev["onset_date"]),
        "change": f"{ev['edss'] - ev['baseline_edss']:+.1f}",
        "convention": opts.threshold,
    }
    lines = [
        Message(_WORSENING, {**change, "rule": opts.worsening_rule.worsening})
        if worse
        else Message(_IMPROVEMENT, {**change, "rule": opts.improvement_words()}),
        Message(_BASELINE, {"scheme": _SCHEMES[opts.baseline], "days": _n(opts.relapse_to_bl[0])}),
    ]
    if ev["imputed_at_last_visit"]:
        lines.append(Message(_IMPUTED, {"value": _n(opts.impute_last_visit)}))
    elif pd.notna(ev["confirmation_date"]):
        left, right = opts.conf_tol_days
        lines.append(
            Message(
                _CONFIRMED,
                {
                    "date": _day(ev["confirmation_date"]),
                    "edss": _edss(ev["confirmation_edss"]),
                    "gap": int((ev["confirmation_date"] - ev["onset_date"]).days),
                    "windows": ", ".join(
                        f"{_n(int(c) - left)}-{_n(int(c) + right)}" for c in opts.conf_days
                    ),
                    "held": _HELD if opts.check_intermediate else _NOT_CHECKED,
                    "days": _n(opts.relapse_to_conf[0]),
                },
            )
        )
    if ev["sustained_to_last_visit"]:
        lines.append(Message(_HELD_TO_LAST))
    else:
        lines.append(Message(_HELD_FOR, {"days": _n(ev["sustained_days"])}))
    if worse and opts.labels_pira_raw:
        lines.append(_pira_message(ev, rels, onset, opts))
    return lines


_WORSENING: Final = N_(
    "Worsening from EDSS {baseline} (baseline visit {baseline_date}) to {edss} on {onset}: a "
    "change of {change}. Minimum change under the {convention} convention: {rule}."
)
_IMPROVEMENT: Final = N_(
    "Improvement from EDSS {baseline} (baseline visit {baseline_date}) to {edss} on {onset}: a "
    "change of {change}. Minimum change under the {convention} convention: {rule}."
)
_BASELINE: Final = N_(
    "Measured from {scheme}; a baseline visit must be at least {days} days after a relapse."
)
_SCHEMES: Final = {
    "fixed": Message(N_("a fixed baseline (the first visit used)")),
    "roving": Message(N_("a roving baseline (moved to the confirmation visit after every event)")),
    "roving_impr": Message(N_("a baseline moved after confirmed improvement only")),
    "roving_wors": Message(N_("a baseline moved after confirmed worsening only")),
}
_IMPUTED: Final = N_(
    "Seen at the last visit only: counted because impute_last_visit is set ({value})."
)
_CONFIRMED: Final = N_(
    "Confirmed on {date} (EDSS {edss}), {gap} days after onset; the confirmation window is "
    "{windows} days after onset and {held}. A confirmation visit must be at least {days} days "
    "after a relapse."
)
_HELD: Final = Message(N_("every visit in between kept the change"))
_NOT_CHECKED: Final = Message(N_("visits in between were not checked (check_intermediate off)"))
_HELD_TO_LAST: Final = N_("The change held to the last visit.")
_HELD_FOR: Final = N_("The change held for {days} days after onset.")
_RAW_BEFORE: Final = N_(
    "RAW (relapse-associated worsening): relapse on {date}, {days} days before onset "
    "(window: {window} days before onset)."
)
_RAW_AFTER: Final = N_(
    "RAW (relapse-associated worsening): relapse on {date}, {days} days after onset "
    "(window: {window} days after onset)."
)
_PIRA: Final = N_(
    "PIRA (progression independent of relapse activity): no relapse from {event_before} days "
    "before to {event_after} days after onset, nor from {conf_before} days before to "
    "{conf_after} days after the confirmation visit {date} (Müller 2023)."
)
_PIRA_CUSTOM: Final = N_(
    "PIRA (progression independent of relapse activity): no relapse inside the chosen "
    "relapse-free windows (relapse_indep) around onset and the confirmation visit {date}."
)
_UNDEFINED: Final = N_(
    "Neither RAW nor PIRA (undefined): no relapse close enough before onset for RAW, but a "
    "relapse fell inside the relapse-free windows PIRA needs around every confirmation."
)


def _pira_message(
    ev: Any, rels: np.ndarray[Any, Any], onset: float, opts: ProgressionOptions
) -> Message:
    if ev["type"] == "RAW":
        before_window, after_window = opts.relapse_assoc
        gaps = onset - rels  # > 0: the relapse came before onset
        before = gaps[(gaps >= 0) & (gaps <= before_window)]
        if before.size:
            gap = float(before.min())
            template, window = _RAW_BEFORE, before_window
        else:  # only a relapse soon after onset made it relapse-associated
            gap = float(-gaps[(gaps <= 0) & (-gaps <= after_window)].max())
            template, window = _RAW_AFTER, after_window
        day = to_seconds(np.array([onset - gap if template is _RAW_BEFORE else onset + gap]))
        return Message(template, {"date": _day(day[0]), "days": _n(gap), "window": _n(window)})
    ind = opts.relapse_indep
    if ev["type"] == "PIRA":
        date = _day(ev["pira_confirmation_date"])
        windows = (*ind.event, *ind.conf)
        at_onset_only = ind.prec[0] == 0 and ind.prec[1] == 0  # no window before the baseline
        if at_onset_only and all(w is not None for w in windows):
            keys = ("event_before", "event_after", "conf_before", "conf_after")
            return Message(
                _PIRA, {"date": date} | {k: _n(w) for k, w in zip(keys, windows, strict=True)}
            )
        return Message(_PIRA_CUSTOM, {"date": date})
    return Message(_UNDEFINED)


def _n(value: Any) -> str:
    """A number of days as people write it: 30, 730.5."""
    return f"{float(value):g}"


def _edss(value: float) -> str:
    return format_step(float(value))


def _day(value: Any) -> str:
    """A date cell as YYYY-MM-DD."""
    return str(value)[:10]
