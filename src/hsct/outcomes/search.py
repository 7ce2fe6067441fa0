"""The compiled event search over a cohort laid out as columns, and the events it finds as
columns: no pandas here, so that ``hsct outcomes progression`` on CSV files can run without
importing it (see :mod:`hsct.outcomes.quick`). :mod:`hsct.outcomes.progression` builds the
tables people see from these.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np

from hsct.common.errors import FieldError, InvalidInput
from hsct.outcomes import compiled
from hsct.outcomes.options import (
    BASELINE_SCHEMES,
    EVENT_MODES,
    PREC_TYPES,
    ProgressionOptions,
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


class Layout(Protocol):
    """What the search reads of a cohort (:class:`hsct.outcomes.tables.Cohort` has it)."""

    @property
    def ids(self) -> np.ndarray[Any, Any]: ...
    @property
    def v_off(self) -> np.ndarray[Any, np.dtype[np.int64]]: ...
    @property
    def v_day(self) -> np.ndarray[Any, np.dtype[np.int32]]: ...
    @property
    def v_val(self) -> np.ndarray[Any, np.dtype[np.float32]]: ...
    @property
    def r_off(self) -> np.ndarray[Any, np.dtype[np.int64]]: ...
    @property
    def r_day(self) -> np.ndarray[Any, np.dtype[np.int32]]: ...
    @property
    def t0(self) -> np.ndarray[Any, np.dtype[np.float64]]: ...
    @property
    def n_patients(self) -> int: ...
    @property
    def n_visits(self) -> int: ...


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


def search(
    layout: Layout,
    options: ProgressionOptions,
    *,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> tuple[list[np.ndarray[Any, Any]], np.ndarray[Any, np.dtype[np.int64]]]:
    """The compiled search over every patient of ``layout``: the events as the kernel's
    output columns (see :data:`_EVENTS`), and each patient's first visit used (-1: none).

    ``progress`` is called with the number of patients done after each block. ``threads``:
    how many threads search at once (``None``: every core when it pays, see
    :func:`compiled.parallel_pays`; 1: this thread only); the result is the same whatever
    the number.
    """
    n_threads = check_threads(threads)
    if threads is None and not compiled.parallel_pays(layout.n_visits):
        n_threads = 1  # loading numba for its threads would cost more than they save
    opt_i, opt_f, wd, idl, conf_win, indep = _option_arrays(options)
    blocks = _blocks(layout.n_patients, n_threads)
    # The ahead-of-time search holds the GIL: threads need numba's, which releases it.
    # Chosen here: worker threads do not see this thread's ``forced_jit()``.
    single = n_threads == 1 and not compiled.jit_forced()
    kernel = compiled.search_block if single else compiled.jit("search_block")
    start = np.full(layout.n_patients, -1, dtype=np.int64)
    arrays = (layout.v_off, layout.v_day, layout.v_val, layout.r_off, layout.r_day, layout.t0)
    options_arrays = (opt_i, opt_f, wd, idl, conf_win, indep)

    def run(lo: int, hi: int, scratch: _Scratch) -> int:
        count: int = kernel(*arrays, *options_arrays, lo, hi, start, scratch)
        return count

    # Global visit rows fit 32 bits below 2^31 visits: half the memory of int64.
    index = np.dtype(np.int32 if layout.n_visits < 2**31 - 1 else np.int64)
    sizes = layout.v_off[[hi for _, hi in blocks]] - layout.v_off[[lo for lo, _ in blocks]]
    rows = int(sizes.max()) if sizes.size else 0
    slots = _run_blocks(
        run, blocks, n_threads, lambda: _scratch(rows, len(conf_win), index), progress
    )
    return slots, start


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


@dataclass(frozen=True, slots=True)
class EventColumns:
    """The events as columns (the events table's, in its order), and per patient: time zero
    or the first visit used (day), counts of CDW, CDI, PIRA and RAW, and the first CDW day."""

    columns: dict[str, np.ndarray[Any, Any]]
    rows: np.ndarray[Any, Any]
    first_day: np.ndarray[Any, Any]
    counts: tuple[np.ndarray[Any, Any], ...]
    first_cdw: np.ndarray[Any, Any]


def event_columns(
    layout: Layout,
    options: ProgressionOptions,
    slots: list[np.ndarray[Any, Any]],
    start: np.ndarray[Any, Any],
) -> EventColumns:
    """The events table's columns from the kernel's events (``slots``, emptied here).

    ``slots`` are the outputs of :func:`kernel.search_block` joined over the blocks; each is
    let go as soon as it has been used, so the kernel's outputs and the events table are
    not all held at once.
    """
    rows, patient, k, bl, conf, conf_first, pconf_first, sust = slots
    slots.clear()
    day = layout.v_day
    first_day = np.where(np.isnan(layout.t0), day[np.maximum(start, 0)], layout.t0)
    cdw, cdi, pira, raw, first_cdw = compiled.patient_counts(
        patient, k, rows, day, layout.n_patients
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
            layout.v_off,
            day,
            layout.v_val,
            first_day,
        )
    )
    del bl, conf_first, pconf_first, sust
    seconds = "datetime64[s]"
    columns["patient_id"] = layout.ids[patient]
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
    return EventColumns(columns, rows, first_day, (cdw, cdi, pira, raw), first_cdw)
