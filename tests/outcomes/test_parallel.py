"""Issue 17: the search runs over patients on several threads, with one thread's results.

The cohort mixes the synthetic generator's patients (relapses, MRI, a transplant date) with
edge cases: patients seen once, patients whose EDSS never moves (no events), patients whose
EDSS swings at every visit (many events), and patients without a transplant date. Blocks of
patients are small enough here (``MIN_BLOCK``) that three threads each get several.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hsct.common.errors import InvalidInput
from hsct.outcomes import (
    PRESETS,
    NedaOptions,
    ProgressionOptions,
    ProgressionResult,
    build_cohort,
    neda,
    parse_options,
    progression,
)
from hsct.outcomes.search import MIN_BLOCK, THREADS_ALLOWED
from hsct.outcomes.synthetic import generate
from hsct.outcomes.tables import Cohort

THREADS = (1, 2, 3, None)
OPTIONS: dict[str, ProgressionOptions] = {
    **{f"preset {name}": options for name, options in PRESETS.items()},
    "multiple, roving, PIRA/RAW": parse_options(
        {"event": "multiple", "baseline": "roving", "raw_pira": True}, preset="pymsprog-1.0.7"
    ),
    "three windows, imputed, sustained": parse_options(
        {
            "event": "multiple",
            "conf_days": [84, 168, 365],
            "impute_last_visit": 1,
            "require_sust_days": 180,
            "relapse_indep": "muller2023-specific",
            "raw_pira": True,
        }
    ),
    "firstPIRA, last_delta": parse_options(
        {"event": "firstPIRA", "relapse_indep": {"prec_type": "last_delta"}}
    ),
}


def _edge_patients() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Visits, relapses and MRI of the edge cases (ids from 900001, no transplant date)."""
    day0 = np.datetime64("2012-03-01", "s")
    year = np.timedelta64(365 * 86_400, "s")
    rows: list[tuple[int, np.datetime64, float]] = []
    for i in range(40):  # seen once
        rows.append((900_001 + i, day0, 2.0 + (i % 5)))
    for i in range(40):  # twelve visits, always the same EDSS: no event
        rows += [(901_001 + i, day0 + k * year // 2, 3.5) for k in range(12)]
    for i in range(25):  # sixty visits swinging 2.0 <-> 4.5: an event at nearly every visit
        rows += [(902_001 + i, day0 + k * year // 4, 2.0 if k % 4 < 2 else 4.5) for k in range(60)]
    visits = pd.DataFrame(rows, columns=["patient_id", "date", "edss"])
    relapses = pd.DataFrame(
        {"patient_id": [902_001, 902_002, 901_001], "date": [day0 + year, day0 + 2 * year, day0]}
    )
    mri = pd.DataFrame(
        {
            "patient_id": [900_001, 901_001, 902_001, 902_001],
            "date": [day0, day0 + year, day0 + year, day0 + 3 * year],
            "gd_enhancing": [0, 0, 1, 0],
            "new_t2": [0, 0, 0, 2],
            "brain_volume_change": [np.nan, -0.2, -0.7, -0.1],
        }
    )
    return visits, relapses, mri


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    data = generate(3000, seed=17)
    visits, relapses, mri = _edge_patients()
    return build_cohort(
        pd.concat([data.visits, visits], ignore_index=True),
        pd.concat([data.relapses, relapses], ignore_index=True),
        pd.concat([data.mri, mri], ignore_index=True),
        data.patients,
        strict=False,
    )


def _same(got: ProgressionResult, want: ProgressionResult) -> None:
    assert_frame_equal(got.events, want.events, check_exact=True)
    assert_frame_equal(got.summary, want.summary, check_exact=True)
    np.testing.assert_array_equal(got.onset_rows, want.onset_rows)
    np.testing.assert_array_equal(got.start_rows, want.start_rows)
    np.testing.assert_array_equal(got.first_cdw_day, want.first_cdw_day)


def test_the_cohort_has_the_edge_cases_and_several_blocks_per_thread(cohort: Cohort) -> None:
    visits = np.diff(cohort.v_off)
    assert (visits == 1).sum() >= 40
    assert cohort.n_patients > 3 * 3 * MIN_BLOCK
    blocks: list[int] = []
    progression(cohort, progress=blocks.append, threads=3)
    assert len(blocks) >= 3 * 3  # several blocks for each of the three threads
    result = progression(cohort, OPTIONS["multiple, roving, PIRA/RAW"], threads=1)
    counts = result.summary.set_index("patient_id")
    events = counts["cdw"] + counts["cdi"]
    assert events.loc[901_001:901_040].eq(0).all()  # flat: no event
    assert events.loc[902_001:902_025].min() >= 10  # swinging: many events
    assert counts["pira"].sum() > 0
    assert counts["raw"].sum() > 0
    assert len(result.events) > 5_000


@pytest.mark.parametrize("name", list(OPTIONS))
def test_progression_is_the_same_on_any_number_of_threads(cohort: Cohort, name: str) -> None:
    options = OPTIONS[name]
    one = progression(cohort, options, threads=1)
    assert len(one.events) > 0
    for threads in THREADS[1:]:
        _same(progression(cohort, options, threads=threads), one)


@pytest.mark.parametrize("name", ["preset default", "multiple, roving, PIRA/RAW"])
def test_neda_is_the_same_on_any_number_of_threads(cohort: Cohort, name: str) -> None:
    for neda_options in (
        NedaOptions(OPTIONS[name]),
        NedaOptions(OPTIONS[name], rebaseline=True),
    ):
        one = neda(cohort, neda_options, threads=1)
        assert one["neda3_lost"].any()
        assert not one["neda3_lost"].all()
        for threads in THREADS[1:]:
            assert_frame_equal(neda(cohort, neda_options, threads=threads), one, check_exact=True)


def test_progress_counts_every_patient_once_whatever_the_threads(cohort: Cohort) -> None:
    for threads in THREADS:
        done: list[int] = []
        progression(cohort, progress=done.append, threads=threads)
        assert sum(done) == cohort.n_patients


def test_calls_from_several_threads_at_once_agree(cohort: Cohort) -> None:
    """As the web server does: each request on its own worker thread, each with threads."""
    options = OPTIONS["multiple, roving, PIRA/RAW"]
    want = progression(cohort, options, threads=1)
    results: list[ProgressionResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(progression(cohort, options, threads=2))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(results) == 3
    for got in results:
        _same(got, want)


def test_an_empty_cohort_and_a_single_patient_run_on_any_threads() -> None:
    empty = build_cohort(pd.DataFrame({"patient_id": [], "date": [], "edss": []}), strict=False)
    one = build_cohort(
        pd.DataFrame(
            {
                "patient_id": ["a"] * 4,
                "date": ["2020-01-01", "2020-07-01", "2021-01-01", "2021-07-01"],
                "edss": [2.0, 3.0, 3.0, 3.0],
            }
        )
    )
    for threads in THREADS:
        assert progression(empty, threads=threads).events.empty
        assert progression(one, threads=threads).events["event"].tolist() == ["CDW"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, False, [2], np.float64(2.0)])
def test_a_bad_number_of_threads_is_refused_naming_the_field(cohort: Cohort, bad: Any) -> None:
    for call in (
        lambda: progression(cohort, threads=bad),
        lambda: neda(cohort, threads=bad),
    ):
        with pytest.raises(InvalidInput) as caught:
            call()
        (error,) = caught.value.errors
        assert error.field == "threads"
        assert repr(bad) in error.message
        assert error.allowed == THREADS_ALLOWED


def test_numpy_integers_are_numbers_of_threads(cohort: Cohort) -> None:
    want = progression(cohort, threads=1)
    _same(progression(cohort, threads=cast("int", np.int64(2))), want)
