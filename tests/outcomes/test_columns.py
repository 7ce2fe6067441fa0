"""Issue 17: the cohort's columns are compact, and the results do not depend on it.

Days are int32, EDSS values float32 (exact on the grid), sorted input is used as it is, the
same-day duplicates are removed in place: none of this may change a result, touch the
caller's tables, or depend on pandas' copy-on-write mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hsct.outcomes import NedaOptions, build_cohort, neda, parse_options, progression
from hsct.outcomes.synthetic import generate
from hsct.outcomes.tables import Cohort

OPTIONS = parse_options({"event": "multiple", "raw_pira": True, "baseline": "roving"})


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d = generate(600, seed=23)
    visits = pd.concat([d.visits, d.visits.iloc[100:130]], ignore_index=True)  # same-day rows
    return visits, d.relapses, d.mri, d.patients


def _results(cohort: Cohort) -> list[pd.DataFrame]:
    result = progression(cohort, OPTIONS, threads=2)
    return [result.events, result.summary, neda(cohort, NedaOptions(OPTIONS), result=result)]


def test_storage_types(data: tuple[pd.DataFrame, ...]) -> None:
    cohort = build_cohort(*data, strict=False)
    assert cohort.v_day.dtype == np.int32
    assert cohort.r_day.dtype == np.int32
    assert cohort.m_day.dtype == np.int32
    assert cohort.v_val.dtype == np.float32
    assert cohort.v_row.dtype == np.int32
    result = progression(cohort, OPTIONS)
    # The tables keep their float64 and datetime64 columns.
    assert result.events["edss"].dtype == np.float64
    assert result.events["sustained_days"].dtype == np.float64
    assert result.events["onset_date"].dtype == "datetime64[s]"
    assert result.summary["baseline_edss"].dtype == np.float64
    grid = np.arange(0, 21) / 2
    assert np.array_equal(grid.astype(np.float32).astype(np.float64), grid)


def test_the_callers_tables_are_not_changed(data: tuple[pd.DataFrame, ...]) -> None:
    copies = [frame.copy(deep=True) for frame in data]
    build_cohort(*data, strict=False)
    for frame, copy in zip(data, copies, strict=True):
        assert_frame_equal(frame, copy, check_exact=True)


def test_shuffled_rows_give_the_sorted_rows_results(data: tuple[pd.DataFrame, ...]) -> None:
    visits, relapses, mri, patients = data
    # Patients in reverse order, each one's visits in order: of two visits on one day the
    # later row is used, so their order must stay. Relapses and scans shuffled.
    backwards = np.argsort(-visits["patient_id"].to_numpy(), kind="stable")
    got = build_cohort(
        visits.iloc[backwards].reset_index(drop=True),
        relapses.sample(frac=1.0, random_state=1).reset_index(drop=True),
        mri.sample(frac=1.0, random_state=2).reset_index(drop=True),
        patients,
        strict=False,
    )
    want = build_cohort(visits, relapses, mri, patients, strict=False)
    for name in ("v_off", "v_day", "v_val", "r_off", "r_day", "m_off", "m_day", "m_active"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    for got_frame, want_frame in zip(_results(got), _results(want), strict=True):
        assert_frame_equal(got_frame, want_frame, check_exact=True)


def test_copy_on_write_gives_the_same_results(data: tuple[pd.DataFrame, ...]) -> None:
    want = _results(build_cohort(*data, strict=False))
    with pd.option_context("mode.copy_on_write", True):
        cohort = build_cohort(*data, strict=False)
        report = cohort.report.frame()
        got = _results(cohort)
    assert (report["problem"].str.contains("second visit on the same day")).sum() >= 30
    for got_frame, want_frame in zip(got, want, strict=True):
        assert_frame_equal(got_frame, want_frame, check_exact=True)


def test_a_date_too_far_for_whole_days_is_not_a_date() -> None:
    far = np.datetime64("1970-01-01", "s") + np.timedelta64(2**31 * 86_400, "s")
    visits = pd.DataFrame(
        {
            "patient_id": [1, 1, 1],
            "date": np.array(["2020-01-01", "2020-07-01", "2021-01-01"], dtype="datetime64[s]"),
            "edss": [2.0, 3.0, 3.0],
        }
    )
    visits.loc[2, "date"] = far
    cohort = build_cohort(visits, strict=False)
    errors = cohort.report.frame()
    assert errors[["row", "field", "problem"]].to_numpy().tolist() == [
        [4, "date", "is not a date (allowed: YYYY-MM-DD)"]
    ]
    assert cohort.n_visits == 2
