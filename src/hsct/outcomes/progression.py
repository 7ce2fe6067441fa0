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
from hsct.outcomes.options import (
    KAPPOS_2018,
    MONTOBBIO_2024,
    MULLER_2023,
    ProgressionOptions,
)
from hsct.outcomes.search import (
    THREADS_ALLOWED,
    check_threads,
    event_columns,
    search,
    to_seconds,
)
from hsct.outcomes.tables import Cohort, build_cohort

__all__ = [
    "EVENT_COLUMNS",
    "THREADS_ALLOWED",
    "ProgressionResult",
    "build_cohort",
    "check_threads",
    "columns_frame",
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


def columns_frame(columns: dict[str, np.ndarray[Any, Any]]) -> pd.DataFrame:
    """A DataFrame that takes ``columns`` as they are (every one must be a new array).

    No copy, and no type inference on text (object) columns, which would allocate about 41
    bytes a row while it looks for dates among the strings.
    """
    return pd.DataFrame(
        {
            name: pd.Series(column, dtype=object, copy=False) if column.dtype == object else column
            for name, column in columns.items()
        },
        copy=False,
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
    threads: int | None = None,
) -> ProgressionResult:
    """Find the events of every patient in ``cohort``.

    ``progress`` is called with the number of patients done after each block. ``threads``:
    how many threads search at once (``None``: every core when it pays, see
    :func:`compiled.parallel_pays`; 1: this thread only); the result is the same whatever
    the number.
    """
    options = options or ProgressionOptions()
    slots, start = search(cohort, options, progress=progress, threads=threads)
    found = event_columns(cohort, options, slots, start)  # empties ``slots``
    events = columns_frame(found.columns)
    found.columns.clear()
    summary = _summary(cohort, start, found.first_day, found.counts, found.first_cdw)
    return ProgressionResult(events, summary, options, cohort, found.rows, start, found.first_cdw)


def _summary(
    cohort: Cohort,
    start: np.ndarray[Any, Any],
    first_day: np.ndarray[Any, Any],
    counts: tuple[np.ndarray[Any, Any], ...],
    first_cdw: np.ndarray[Any, Any],
) -> pd.DataFrame:
    last = cohort.v_off[1:] - 1
    used = start >= 0
    first = np.maximum(start, 0)
    cdw, cdi, pira, raw = counts
    columns = {
        "patient_id": cohort.ids.copy(),  # the frame takes its columns without a copy
        "time_zero": to_seconds(first_day),
        "baseline_date": to_seconds(np.where(used, cohort.v_day[first], np.nan)),
        "baseline_edss": np.where(used, cohort.v_val[first].astype(np.float64), np.nan),
        "last_visit_date": to_seconds(cohort.v_day[last]),
        "follow_up_days": cohort.v_day[last] - first_day,
        "visits": np.diff(cohort.v_off),
        "cdw": cdw,
        "cdi": cdi,
        "pira": pira,
        "raw": raw,
        "first_cdw_date": to_seconds(first_cdw),
    }
    return columns_frame(columns)


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
