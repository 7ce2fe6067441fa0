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

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from hsct.common.edss_value import format_step
from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.outcomes import compiled
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
_KIND_EVENT: Final = np.array(["", "CDW", "CDW", "CDW", "CDI"], dtype=object)
_KIND_TYPE: Final = np.array(["", "undefined", "RAW", "PIRA", ""], dtype=object)
#: Most patients per call of the compiled search (the progress bar moves once per block);
#: a block of 16,384 patients (~350,000 visits) needs ~13 MB of working memory.
CHUNK: Final = 16_384
#: Fewest patients per block when several threads share the work (a block costs ~10 µs).
MIN_BLOCK: Final = 256
#: Blocks per thread: a thread that drew quick patients takes another block.
BLOCKS_PER_THREAD: Final = 4
#: What ``threads`` may be.
THREADS_ALLOWED: Final = "a whole number, 1 or more (1: one thread); none: every core"


def check_threads(threads: object) -> int:
    """How many threads to use: ``threads`` itself, or every core for ``None``.

    Every core is what numba counts (the cores this process may use, or the
    ``NUMBA_NUM_THREADS`` environment variable). Anything but a whole number of 1 or more
    raises :class:`InvalidInput` naming ``threads``.

    >>> check_threads(2)
    2
    """
    if threads is None:
        return compiled.cores()
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise InvalidInput(
            [FieldError("threads", f"{threads!r} is not a number of threads", THREADS_ALLOWED)]
        )
    return int(threads)


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


def to_seconds(days: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Days since 1970-01-01 (NaN = none) as datetime64[s], the unit pandas keeps as is."""
    days = np.asarray(days)
    if days.dtype.kind in "iu":  # whole days: nothing is missing
        out = days.astype(np.int64)
        out *= compiled.DAY_SECONDS
    else:
        missing = np.isnan(days)
        with np.errstate(invalid="ignore"):  # NaN rows are replaced below
            out = days.astype(np.int64)
        out *= compiled.DAY_SECONDS
        out[missing] = compiled.NAT
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
    threads: int | None = None,
) -> ProgressionResult:
    """Find the events of every patient in ``cohort``.

    ``progress`` is called with the number of patients done after each block. ``threads``:
    how many threads search at once (``None``: every core when it pays, see
    :func:`compiled.parallel_pays`; 1: this thread only); the result is the same whatever
    the number.
    """
    n_threads = check_threads(threads)
    if threads is None and not compiled.parallel_pays(cohort.n_visits):
        n_threads = 1  # loading numba for its threads would cost more than they save
    options = options or ProgressionOptions()
    opt_i, opt_f, wd, idl, conf_win, indep = _option_arrays(options)
    blocks = _blocks(cohort.n_patients, n_threads)
    # The ahead-of-time search holds the GIL: threads need numba's, which releases it.
    # Chosen here: worker threads do not see this thread's ``forced_jit()``.
    single = n_threads == 1 and not compiled.jit_forced()
    search = compiled.search_block if single else compiled.jit("search_block")
    start = np.full(cohort.n_patients, -1, dtype=np.int64)
    arrays = (cohort.v_off, cohort.v_day, cohort.v_val, cohort.r_off, cohort.r_day, cohort.t0)
    options_arrays = (opt_i, opt_f, wd, idl, conf_win, indep)

    def run(lo: int, hi: int, scratch: _Scratch) -> int:
        count: int = search(*arrays, *options_arrays, lo, hi, start, scratch)
        return count

    # Global visit rows fit 32 bits below 2^31 visits: half the memory of int64.
    index = np.dtype(np.int32 if cohort.n_visits < 2**31 - 1 else np.int64)
    sizes = cohort.v_off[[hi for _, hi in blocks]] - cohort.v_off[[lo for lo, _ in blocks]]
    rows = int(sizes.max()) if sizes.size else 0
    slots = _run_blocks(
        run, blocks, n_threads, lambda: _scratch(rows, len(conf_win), index), progress
    )
    return _tables(cohort, options, slots, start)


#: One block's working memory, as :func:`kernel.search_block` takes it.
_Scratch = tuple[np.ndarray[Any, Any], ...]
#: Which scratch arrays hold the events, in the order :func:`_tables` takes them: rows,
#: patient, kind, baseline, confirmations, first confirmation, first PIRA confirmation, end.
_EVENTS: Final = (5, 6, 0, 1, 2, 7, 8, 4)


def _scratch(rows: int, windows: int, index: np.dtype[Any]) -> _Scratch:
    """Working memory for blocks of up to ``rows`` visits (untouched pages cost nothing)."""
    return (
        np.empty(rows, dtype=np.int8),
        np.empty(rows, dtype=index),
        np.empty((rows, windows), dtype=index),
        np.empty((rows, windows), dtype=index),
        np.empty(rows, dtype=index),
        np.empty(rows, dtype=np.int64),
        np.empty(rows, dtype=index),
        np.empty(rows, dtype=index),
        np.empty(rows, dtype=index),
    )


def _blocks(n: int, threads: int) -> list[tuple[int, int]]:
    """Contiguous blocks of patients: up to :data:`CHUNK`, smaller when threads share them."""
    size = CHUNK
    if threads > 1:
        size = min(CHUNK, max(MIN_BLOCK, -(-n // (threads * BLOCKS_PER_THREAD))))
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)] or [(0, 0)]


def _run_blocks(
    run: Callable[[int, int, _Scratch], int],
    blocks: list[tuple[int, int]],
    threads: int,
    scratch: Callable[[], _Scratch],
    progress: Callable[[int], None] | None,
) -> list[np.ndarray[Any, Any]]:
    """The events of every block, joined in block order, found on up to ``threads`` threads.

    The compiled search releases the GIL, so the threads run at once. They share nothing but
    the read-only cohort, each block's own ``start`` entries, and working memory lent to one
    block at a time; so the results do not depend on which thread ran which block. The
    events are copied out of the working memory by this thread: memory that worker threads
    allocate stays with their malloc arenas after it is freed, and would count at the peak.
    """
    workers = min(threads, len(blocks))
    free: queue.SimpleQueue[_Scratch] = queue.SimpleQueue()
    for _ in range(workers + 1 if workers > 1 else 1):
        free.put(scratch())
    pieces: list[list[np.ndarray[Any, Any]]] = [[] for _ in blocks]

    def work(lo: int, hi: int) -> tuple[_Scratch, int]:
        memory = free.get()
        try:
            return memory, run(lo, hi, memory)
        except BaseException:
            free.put(memory)
            raise

    def take(i: int, memory: _Scratch, count: int) -> None:
        pieces[i] = [memory[f][:count].copy() for f in _EVENTS]
        free.put(memory)
        lo, hi = blocks[i]
        if progress is not None and hi > lo:
            progress(hi - lo)

    if workers <= 1:
        for i, (lo, hi) in enumerate(blocks):
            take(i, *work(lo, hi))
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hsct-outcomes")
        try:
            futures = {pool.submit(work, lo, hi): i for i, (lo, hi) in enumerate(blocks)}
            for future in as_completed(futures):
                take(futures[future], *future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return _gather(pieces)


def _gather(pieces: list[list[np.ndarray[Any, Any]]]) -> list[np.ndarray[Any, Any]]:
    """The blocks' events joined field by field; each block's piece goes once it is copied."""
    if len(pieces) == 1:
        return pieces.pop()
    fields = [list(column) for column in zip(*pieces, strict=True)]
    pieces.clear()
    out = []
    for i, column in enumerate(fields):
        out.append(np.concatenate(column))
        fields[i] = []
    return out


def _tables(
    cohort: Cohort,
    options: ProgressionOptions,
    slots: list[np.ndarray[Any, Any]],
    start: np.ndarray[Any, Any],
) -> ProgressionResult:
    """The events table and the summary from the kernel's events (``slots``, emptied here).

    ``slots`` are the outputs of :func:`kernel.search_block` joined over the blocks; each is
    let go as soon as it has been used, so the kernel's outputs and the events table are
    not all held at once.
    """
    rows, patient, k, bl, conf, conf_first, pconf_first, sust = slots
    slots.clear()
    day = cohort.v_day
    first_day = np.where(np.isnan(cohort.t0), day[np.maximum(start, 0)], cohort.t0)
    cdw, cdi, pira, raw, first_cdw = compiled.patient_counts(
        patient, k, rows, day, cohort.n_patients
    )
    columns: dict[str, np.ndarray[Any, Any]] = {}
    imputed = conf[:, 0] == -2 if conf.shape[1] else np.zeros(rows.shape[0], dtype=bool)
    windows: dict[str, np.ndarray[Any, Any]] = {}
    if len(options.conf_days) > 1:
        for m, c in enumerate(options.conf_days):
            found = conf[:, m] >= 0
            windows[f"confirmation_{int(c)}d_date"] = to_seconds(
                np.where(found, day[np.maximum(conf[:, m], 0)], np.nan)
            )
    del conf
    onset, base, conf_day, pconf_day, edss, base_edss, conf_edss, from_t0, held, to_last = (
        compiled.event_columns(
            rows,
            patient,
            bl,
            conf_first,
            pconf_first,
            sust,
            cohort.v_off,
            day,
            cohort.v_val,
            first_day,
        )
    )
    del bl, conf_first, pconf_first, sust
    seconds = "datetime64[s]"
    columns["patient_id"] = cohort.ids[patient]
    del patient
    types = _KIND_TYPE[k] if options.labels_pira_raw else np.full(k.shape[0], "", dtype=object)
    columns |= {
        "event": _KIND_EVENT[k],
        "onset_date": onset.view(seconds),
        "edss": edss,
        "baseline_date": base.view(seconds),
        "baseline_edss": base_edss,
        "confirmation_date": conf_day.view(seconds),
        "type": np.where(k == compiled.CDI, "", types),
        "confirmation_edss": conf_edss,
        "pira_confirmation_date": pconf_day.view(seconds),
        "days_from_time_zero": from_t0,
        "sustained_days": held,
        "sustained_to_last_visit": to_last,
        "imputed_at_last_visit": imputed,
    }
    del onset, base, conf_day, pconf_day, edss, base_edss, conf_edss, from_t0, held, to_last
    del k, types
    columns |= windows
    del windows
    events = columns_frame(columns)
    del columns
    summary = _summary(cohort, start, first_day, (cdw, cdi, pira, raw), first_cdw)
    return ProgressionResult(events, summary, options, cohort, rows, start, first_cdw)


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
