"""A clinic's publication reveals no group or count under the threshold, for any cohort.

The curves are checked against an independent reading of the raw times (events counted by
hand between the months shown, numbers at risk counted by hand) and their values against
lifelines fitted on the whole group; the count tables against a linear-programming attacker
(``tests/outcomes/test_disclosure.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from hsct.common.errors import InvalidInput
from hsct.outcomes.publication import (
    OTHER,
    landmarks,
    plain_reading,
    pool_groups,
    public_km,
    publication_tables,
)
from tests.outcomes.test_disclosure import _attacker_range

THRESHOLD = 11

#: A cohort: per patient a group (skewed sizes), a time in years, an event, two flags.
PATIENT = st.tuples(
    st.sampled_from(["a", "a", "a", "a", "b", "b", "c", "d"]),
    # half the times fall exactly on a month's end, where "at risk" and "events up to the
    # month" must not disagree
    st.one_of(
        st.floats(0.0, 8.0, allow_nan=False).map(lambda y: round(y, 3)),
        st.integers(0, 96).map(lambda m: m / 12),
    ),
    st.booleans(),
    st.booleans(),
    st.integers(0, 9),
)
COHORT = st.lists(PATIENT, min_size=0, max_size=160)


def _events_between(months: np.ndarray, events: np.ndarray, after: float, upto: float) -> int:
    return int(((months > after) & (months <= upto) & events).sum())


@settings(max_examples=250, deadline=None)
@given(cohort=COHORT, rare=st.booleans())
def test_no_published_curve_shows_a_small_step_or_few_at_risk(
    cohort: list[tuple[str, float, bool, bool, int]], rare: bool
) -> None:
    years = np.array([p[1] for p in cohort], dtype=float)
    # half the cohorts have few events (1 in 10), where follow-up ending dominates the steps
    events = np.array([p[2] and (not rare or p[4] == 0) for p in cohort], dtype=bool)
    points = public_km(years, events, threshold=THRESHOLD)
    months = years * 12
    if len(cohort) < THRESHOLD:
        assert points == []
        return
    fitter = KaplanMeierFitter().fit(months, events)
    previous = -math.inf
    for month, estimate, low, high, at_risk in points:
        assert isinstance(month, int)
        assert month > previous
        # the number still followed after the month, counted by hand: the threshold or more
        assert at_risk == int((months > month).sum()) >= THRESHOLD
        # no step holds a small number of events
        step = _events_between(months, events, previous, month)
        assert step == 0 or step >= THRESHOLD
        gone = int(((months > previous) & (months <= month)).sum())  # left the risk set
        assert gone == 0 or gone >= THRESHOLD
        # so the number at risk and the events shown never disagree: whoever had an event
        # by the month has left the number at risk
        assert step <= gone or previous == -math.inf
        # the value is the whole group's Kaplan-Meier estimate at that month
        assert estimate == pytest.approx(float(fitter.predict(month)), abs=1e-4)
        assert low <= estimate <= high
        previous = month
    # the curve ends at the first month with too few at risk, or earlier
    if points:
        last = points[-1][0]
        assert all(int((months > m).sum()) >= THRESHOLD for m in range(int(last) + 1))


CATEGORIES = ("related", "other", "seen", "lost")


@settings(max_examples=120, deadline=None)
@given(cohort=COHORT)
def test_no_publication_reveals_a_group_or_count_under_the_threshold(
    cohort: list[tuple[str, float, bool, bool, int]],
) -> None:
    groups = [p[0] for p in cohort]
    years = [p[1] for p in cohort]
    events = [p[2] for p in cohort]
    outcome = [CATEGORIES[p[4] % 4] if p[3] else "seen" for p in cohort]
    serious = ["yes" if p[4] < 2 else "no" for p in cohort]
    tables = {"outcome": (outcome, CATEGORIES), "serious": (serious, ("yes", "no"))}
    if len(cohort) < THRESHOLD:
        with pytest.raises(InvalidInput) as refused:
            publication_tables(groups=groups, endpoints={}, tables=tables, follow_up_years=years)
        assert refused.value.errors[0].field == "cohort"
        return
    published = publication_tables(
        groups=groups,
        endpoints={"neda3": (groups, years, events)},
        tables=tables,
        follow_up_years=years,
    )
    # every group shown has enough patients, and the groups add up to the cohort
    sizes = [g["n"] for g in published["groups"]]
    assert all(n >= THRESHOLD for n in sizes)
    assert sum(sizes) == len(cohort) == published["patients"]
    members = [m for g in published["groups"] for m in g["members"]]
    assert sorted(members) == sorted(set(groups))
    into = {m: g["group"] for g in published["groups"] for m in g["members"]}
    for name, (values, columns) in tables.items():
        table = published["counts"][name]
        order = [row["group"] for row in table["rows"]]
        # the group sizes and the cohort are published with the groups: never hidden here,
        # so the attacker below knows them
        assert [row["total"] for row in table["rows"]] == sizes
        assert table["total"]["total"] == len(cohort)
        truth = [
            [
                sum(1 for g, v in zip(groups, values, strict=True) if into[g] == group and v == c)
                for c in columns
            ]
            for group in order
        ]
        grid: list[list[int | None]] = [
            [*(row["cells"][c] for c in columns), row["total"]] for row in table["rows"]
        ]
        grid.append([*(table["total"]["cells"][c] for c in columns), table["total"]["total"]])
        extended = [[*row, sum(row)] for row in truth]
        extended.append([sum(column) for column in zip(*extended, strict=True)])
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if value is None:
                    # a suppressed entry cannot be worked out from the rest
                    if 0 < extended[i][j] < THRESHOLD:
                        low, high = _attacker_range(grid, extended, (i, j))
                        assert high - low >= 1
                else:
                    assert value == extended[i][j]
                    assert value == 0 or value >= THRESHOLD
    # each group's curve obeys the curve rules (checked above) and only counts its patients
    for curve in published["curves"]["neda3"]:
        n = sum(1 for g in groups if into[g] == curve["group"])
        if curve["points"]:
            assert curve["points"][0][4] <= n


def test_small_groups_are_pooled_until_the_pool_is_big_enough() -> None:
    assert pool_groups(["a"] * 30 + ["b"] * 7 + ["c"] * 4) == {"a": "a", "b": OTHER, "c": OTHER}
    # one group of 30 and a pool of 9: nothing but the whole cohort can be shown
    assert pool_groups(["a"] * 30 + ["b"] * 5 + ["c"] * 4) == {"a": OTHER, "b": OTHER, "c": OTHER}
    # the pool (9) is too small: the smallest named group (12) joins it
    assert pool_groups(["a"] * 30 + ["b"] * 12 + ["c"] * 5 + ["d"] * 4) == {
        "a": "a",
        "b": OTHER,
        "c": OTHER,
        "d": OTHER,
    }
    assert pool_groups(["all"] * 11) == {"all": "all"}


def test_a_step_of_fewer_than_eleven_events_waits_for_enough() -> None:
    # 40 patients followed 5 years; 6 events at 6 months and 6 more at 18 months: the first
    # month with 11 or more events since the start, and 11 or more gone from the risk set,
    # is month 18 (those with an event at 18 have left it after month 18)
    years = [5.0] * 28 + [0.5] * 6 + [1.5] * 6
    events = [False] * 28 + [True] * 12
    points = public_km(years, events, threshold=THRESHOLD)
    months = [p[0] for p in points]
    assert months[:6] == [0, 1, 2, 3, 4, 5]
    assert 6 not in months
    assert 17 not in months
    assert 18 in months
    at_18 = next(p for p in points if p[0] == 18)
    assert at_18[1] == pytest.approx(28 / 34 * 34 / 40, abs=1e-4)  # (34/40) x (28/34)
    assert at_18[4] == 28
    # the curve ends before fewer than 11 remain: all 28 are followed to month 60
    assert months[-1] == 59  # after month 60 nobody is followed
    # 3 years: month 36 is shown
    assert landmarks(points)[2] == {
        "years": 3,
        "month": 36,
        "estimate": 0.7,
        "low": at_18[2],
        "high": at_18[3],
        "at_risk": 28,
    }


def test_a_landmark_too_far_from_a_shown_month_is_not_known() -> None:
    points = [[0, 1.0, 1.0, 1.0, 20], [5, 0.5, 0.3, 0.7, 12]]
    assert landmarks(points)[0] == {"years": 1, "month": None}


def test_the_plain_reading_sets_the_trial_beside_the_same_landmark() -> None:
    content = {
        "options": {"by": "ms_type"},
        "endpoints": [
            {
                "endpoint": "neda3",
                "benchmarks": [
                    {
                        "study": "atkins-2016",
                        "label": "Atkins",
                        "population": "all",
                        "years": 3.0,
                        "percent": 69.6,
                    },
                    {
                        "study": "m",
                        "label": "M",
                        "population": "SPMS",
                        "years": 3.0,
                        "percent": 80.0,
                    },
                    {
                        "study": "b",
                        "label": "B",
                        "population": "all",
                        "years": 5.0,
                        "percent": 68.0,
                    },
                ],
            }
        ],
        "curves": {
            "neda3": [
                {
                    "group": "RRMS",
                    "landmarks": [
                        {
                            "years": 1,
                            "month": 12,
                            "estimate": 0.9,
                            "low": 0.8,
                            "high": 0.95,
                            "at_risk": 40,
                        },
                        {
                            "years": 3,
                            "month": 34,
                            "estimate": 0.714,
                            "low": 0.6,
                            "high": 0.8,
                            "at_risk": 20,
                        },
                        {"years": 5, "month": None},
                    ],
                },
                {"group": "SPMS", "landmarks": [{"years": 3, "month": None}]},
            ]
        },
    }
    # SPMS has no landmark, so RRMS is read at its latest
    (reading,) = plain_reading(content, "neda3")
    assert reading["per100"] == 71
    assert (reading["years"], reading["month"]) == (3, 34)
    assert (reading["low"], reading["high"]) == (60, 80)
    # the SPMS study is not set beside RRMS; the 5-year study is not set beside 3 years
    assert [b["study"] for b in reading["benchmarks"]] == ["atkins-2016"]
    assert reading["benchmarks"][0]["per100"] == 70
    assert plain_reading(content, "neda3", years=5) == []


def test_groups_are_read_at_the_latest_landmark_they_share() -> None:
    def curve(group: str, years: list[int]) -> dict[str, object]:
        return {
            "group": group,
            "landmarks": [
                {
                    "years": y,
                    "month": y * 12,
                    "estimate": 0.5,
                    "low": 0.4,
                    "high": 0.6,
                    "at_risk": 20,
                }
                for y in years
            ],
        }

    content = {
        "options": {"by": "regimen"},
        "endpoints": [],
        "curves": {"neda3": [curve("a", [1, 2, 3, 5]), curve("b", [1, 2, 3]), curve("c", [1, 2])]},
    }
    assert [(r["group"], r["years"]) for r in plain_reading(content, "neda3")] == [
        ("a", 2),
        ("b", 2),
        ("c", 2),
    ]
