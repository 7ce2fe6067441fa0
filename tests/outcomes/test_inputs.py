"""Bad rows are reported per row with counts; strict mode refuses them; nothing is lost."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.outcomes import build_cohort, tables


def visits(*rows: tuple[str, str, object]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["patient_id", "date", "edss"])


def test_each_bad_row_is_named_with_its_reason() -> None:
    frame = visits(
        ("a", "2020-01-01", "3.0"),
        ("a", "2020-02-30", "3.0"),  # no such date
        ("a", "2020-03-01", "3.25"),  # off the grid
        ("a", "2020-04-01", "0.5"),  # not on the Kurtzke scale
        ("a", "2020-05-01", "11"),
        ("", "2020-06-01", "2.0"),
        ("b", "2020-01-01", "x"),
    )
    cohort = build_cohort(frame, strict=False)
    report = cohort.report.frame()
    assert list(zip(report["row"], report["field"], strict=True)) == [
        (3, "date"),
        (4, "edss"),
        (5, "edss"),
        (6, "edss"),
        (7, "patient_id"),
        (8, "edss"),
    ]
    assert cohort.n_visits == 1  # only the first row is usable
    counts = cohort.report.counts().set_index("problem")["rows"].to_dict()
    grid = "is not on the EDSS grid (allowed: 0, 1.0, 1.5, ... 9.5, 10 (half steps; "
    assert counts[grid + "0.5 does not exist))"] == 4


def test_strict_mode_raises_with_row_and_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        build_cohort(visits(("a", "2020-01-01", "3.0"), ("a", "2020-01-02", "12")))
    assert caught.value.fields == ("visits row 3: edss",)


def test_missing_column_names_the_table_and_what_is_needed() -> None:
    with pytest.raises(InvalidInput) as caught:
        build_cohort(pd.DataFrame({"patient_id": ["a"], "edss": [2.0]}))
    assert caught.value.fields == ("visits.date",)
    assert "patient_id, date, edss" in str(caught.value)


def test_duplicate_visit_keeps_the_later_row_and_says_so() -> None:
    cohort = build_cohort(
        visits(("a", "2020-01-01", "3.0"), ("a", "2020-01-01", "4.0"), ("a", "2020-06-01", "4.0"))
    )
    assert list(cohort.v_val) == [4.0, 4.0]
    warning = cohort.report.frame()
    assert list(warning["row"]) == [2]
    assert warning["severity"].tolist() == ["warning"]


def test_events_before_time_zero_and_unknown_patients_are_reported() -> None:
    cohort = build_cohort(
        visits(("a", "2020-01-01", "3.0"), ("a", "2020-06-01", "3.0")),
        pd.DataFrame(
            {"patient_id": ["a", "a", "zz"], "date": ["2019-12-01", "2020-03-01", "2020-03-01"]}
        ),
        pd.DataFrame(
            {
                "patient_id": ["a", "a"],
                "date": ["2019-12-20", "2020-05-01"],
                "gd_enhancing": ["0", "-1"],
                "new_t2": ["0", "0"],
            }
        ),
        pd.DataFrame({"patient_id": ["a"], "transplant_date": ["2020-02-01"]}),
        strict=False,
    )
    report = cohort.report.frame()
    rows = {(r.table, r.row, r.severity) for r in report.itertuples()}
    assert rows == {
        ("relapses", 2, "warning"),  # before the transplant
        ("relapses", 4, "warning"),  # patient zz has no visits
        ("mri", 2, "warning"),  # pre-transplant scan
        ("mri", 3, "error"),  # -1 lesions
    }
    assert cohort.report.n_errors == 1
    assert cohort.report.n_warnings == 3


def test_all_good_input_has_an_empty_report() -> None:
    cohort = build_cohort(visits(("a", "2020-01-01", 3), ("b", "2020-01-01", 10)))
    assert cohort.report.frame().empty
    assert list(cohort.ids) == ["a", "b"]


_TEXTS = (
    "3.0", "3", " 3.5 ", "3.50", "1e0", "inf", "-inf", "nan", "NaN", "", " ", "3,5", "0x10",
    "１", "٣", "18446744073709551616", "-0", "+2", "x", "2.", ".5", "1_0", "\t4\n",
    "880353240361996767", "-3845681687967431596", "9007199254740993",
)  # fmt: skip
_OTHERS = (None, float("nan"), pd.NA, 1, 1.0, True, 2.5, -3, [1])


@given(
    st.lists(st.sampled_from(_TEXTS), max_size=40),
    st.lists(st.sampled_from(_OTHERS), max_size=3),
    st.randoms(use_true_random=False),
)
@settings(max_examples=300, deadline=None)
def test_numbers_are_read_as_pandas_reads_them(
    texts: list[str], others: list[object], rng: random.Random
) -> None:
    """The per-distinct-text conversion gives what ``pandas.to_numeric`` gives the column,
    with missing values and non-text values mixed in (those go the plain way).

    One known difference: an integer of 17 or more digits. pandas parses it exactly when
    every text of the column is an integer, else with its fast float parser, which is not
    correctly rounded (880353240361996767 gives 880353240361996700, not ...6800); converted
    among the column's distinct texts only, it may get the other one of the two. No EDSS or
    lesion count is such a number (the range checks refuse it either way).
    """
    values = [*texts, *others]
    rng.shuffle(values)
    column = pd.Series(values, dtype=object)
    try:
        expected = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    except TypeError as error:  # a list in a cell: the same refusal
        with pytest.raises(TypeError, match=re.escape(str(error))):
            tables._numbers(column)
        return
    got = tables._numbers(column)
    long_integer = np.array(
        [isinstance(v, str) and v.strip().lstrip("+-").isdigit() and len(v) > 16 for v in values],
        dtype=bool,
    )
    np.testing.assert_array_equal(got[~long_integer], expected[~long_integer])
    exact = np.array(
        [float(v) for v, long in zip(values, long_integer, strict=True) if long], dtype=np.float64
    )
    assert np.all((got[long_integer] == expected[long_integer]) | (got[long_integer] == exact))
