"""Compile (or load from numba's disk cache) the outcomes kernel before anyone waits for it.

The first call of the compiled search in a process costs about 5 s when numba compiles it
and about 0.3 s when it loads it from the on-disk cache. The web app calls
:func:`start_warm_up` at start-up, so the first outcomes request does not pay for it, and
its readiness check asks :func:`kernel_status`.

The warm-up runs one tiny synthetic history through the public path the API takes
(:func:`history_frames`, :func:`build_cohort`, :func:`progression`, :func:`neda` with and
without the MRI re-baseline), so the kernel is compiled for exactly the argument types real
requests use; then a tiny cohort the way the command line and the benchmarks give it
(whole-number ids, dates as datetime64, in patient order, two visits on one day), searched
on two threads. It runs twice: with numba's functions (searches on several threads need
them), then with the ones built ahead of time (:mod:`hsct.outcomes.compiled`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Final, Literal

import numpy as np
import pandas as pd

from hsct.outcomes import compiled
from hsct.outcomes.neda import NedaOptions, neda
from hsct.outcomes.progression import progression
from hsct.outcomes.tables import build_cohort, history_frames

__all__ = ["KernelStatus", "kernel_status", "start_warm_up", "warm_up"]

KernelStatus = Literal["not started", "compiling", "ok", "failed"]

_LOG: Final = logging.getLogger(__name__)
_LOCK: Final = threading.Lock()
_state: KernelStatus = "not started"
_thread: threading.Thread | None = None

# A worsening confirmed six months later, after a transplant, with a relapse before it.
_VISITS: Final = (
    {"date": "2020-01-10", "edss": 3.0},
    {"date": "2020-08-01", "edss": 4.0},
    {"date": "2021-02-01", "edss": 4.0},
    {"date": "2021-08-01", "edss": 4.0},
)
_RELAPSES: Final = ({"date": "2019-06-01"},)
# Scans before and after the transplant, one active, brain volume given on some.
_MRI: Final = (
    {"date": "2020-01-05", "gd_enhancing": 1, "new_t2": 0, "brain_volume_change": None},
    {"date": "2020-08-01", "gd_enhancing": 0, "new_t2": 0, "brain_volume_change": -0.2},
    {"date": "2021-08-01", "gd_enhancing": 0, "new_t2": 2, "brain_volume_change": -0.6},
)


def _run_once() -> None:
    """The API's path, then the command line's (numbers and datetime64 columns)."""
    cohort = build_cohort(
        *history_frames(list(_VISITS), list(_RELAPSES), list(_MRI), "2020-02-01"),
        strict=False,
    )
    result = progression(cohort)
    neda(cohort, NedaOptions(), result=result)
    neda(cohort, NedaOptions(rebaseline=True), result=result)
    days = np.datetime64("2020-01-10") + np.array([0, 200, 390, 570])
    stamps = days.astype("datetime64[s]")
    visits = pd.DataFrame(
        {
            "patient_id": np.repeat(np.arange(1, 601, dtype=np.int64), 4),
            "date": np.tile(stamps, 600),
            "edss": np.tile([3.0, 4.0, 4.0, 4.0], 600),
        }
    )
    visits = visits.iloc[np.r_[0:4, 3, 4 : len(visits)]]  # two visits on one day, in order
    first = pd.DataFrame({"patient_id": np.arange(1, 601, dtype=np.int64), "date": stamps[0]})
    mri = first.assign(gd_enhancing=np.int64(1), new_t2=np.int64(0), brain_volume_change=-0.5)
    patients = first.rename(columns={"date": "transplant_date"})
    cohort = build_cohort(visits, first, mri, patients, strict=False)
    neda(cohort, NedaOptions(rebaseline=True), threads=2)


def kernel_status() -> KernelStatus:
    """Where this process's warm-up stands; ``"ok"`` once the kernel is compiled or loaded."""
    return _state


def warm_up() -> float:
    """Compile or load the kernel now, in this thread; returns the seconds it took.

    Safe to call more than once and from several threads: later calls find it done.
    """
    global _state  # noqa: PLW0603 - one process-wide flag, guarded by _LOCK
    started = time.perf_counter()
    with _LOCK:
        if _state == "ok":
            return 0.0
        _state = "compiling"
        try:
            with compiled.forced_jit():
                _run_once()  # numba's functions: a search on several threads needs them
            _run_once()  # the ones built ahead of time, where they are (hsct.outcomes.aot)
        except BaseException:
            _state = "failed"
            raise
        _state = "ok"
    return time.perf_counter() - started


def _warm_up_logged() -> None:
    try:
        seconds = warm_up()
    except Exception:
        _LOG.exception("outcomes kernel warm-up failed; /readyz reports it")
        return
    _LOG.info("outcomes kernel ready in %.2f s", seconds)


def start_warm_up() -> threading.Thread | None:
    """Start :func:`warm_up` in a daemon thread, once per process.

    Returns the thread, or ``None`` when the kernel is ready or a warm-up already runs.
    """
    global _state, _thread  # noqa: PLW0603 - one warm-up thread per process
    with _LOCK:
        if _state == "ok" or (_thread is not None and _thread.is_alive()):
            return None
        _state = "compiling"
        _thread = threading.Thread(
            target=_warm_up_logged, name="hsct-outcomes-warm-up", daemon=True
        )
        _thread.start()
        return _thread
