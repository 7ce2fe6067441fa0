"""Derived facts: windows, failed drugs, intervals, EDSS from the calculator."""

from __future__ import annotations

import math
from typing import Any

from hsct.eligibility import Interval, derive, parse_profile
from hsct.eligibility.derive import Facts
from hsct.knowledge import load_catalog

DAY = "2026-11-23"


def facts(**data: Any) -> Facts:
    """Derived facts for a profile assessed on 23 November 2026."""
    return derive(parse_profile({"as_of": DAY, **data}), load_catalog())


def test_age_from_birth_date_is_completed_years() -> None:
    """Born 24 Nov 1980: 45 on 23 Nov 2026, 46 the next day."""
    assert facts(birth_date="1980-11-24")["age"].value == Interval.of(45)
    assert facts(birth_date="1980-11-23")["age"].value == Interval.of(46)


def test_relapse_windows_include_the_day_twelve_months_back_plus_one() -> None:
    """On 23 Nov 2026 the 12-month window starts on 24 Nov 2025."""
    found = facts(relapses=[{"date": "2025-11-23"}, {"date": "2025-11-24"}, {"date": "2024-12-01"}])

    assert found["relapses_last_12m"].value == Interval.of(1)
    assert found["relapses_last_24m"].value == Interval.of(3)


def test_unknown_relapses_are_unknown_and_say_what_is_needed() -> None:
    """No relapse list: not "none", but unknown, asking for relapses with dates."""
    derived = facts()["relapses_last_12m"]

    assert derived.value is None
    assert [n.field for n in derived.needs] == ["relapses"]


def test_empty_relapse_list_means_none() -> None:
    """An empty list is an answer: no relapses."""
    assert facts(relapses=[])["relapses_last_12m"].value == Interval.of(0)


def test_mri_without_a_recent_scan_is_unknown() -> None:
    """A 2023 scan says nothing about the last 12 months."""
    derived = facts(mri=[{"date": "2023-01-01", "gd_enhancing": 3}])["mri_activity_last_12m"]

    assert derived.value is None
    assert str(derived.needs[0].message) == "An MRI from the last 12 months, with its results."


def test_partly_known_lesion_counts_are_a_lower_bound() -> None:
    """Two enhancing lesions known, one scan's count missing: at least 2."""
    derived = facts(
        mri=[{"date": "2026-05-01", "gd_enhancing": 2}, {"date": "2026-09-01", "new_t2": 0}]
    )["gd_enhancing_lesions_last_12m"]

    assert derived.value == Interval(2, math.inf)


def test_failed_drugs() -> None:
    """Stopped as ineffective, or a relapse 6+ months into it: failed; planned stop: not."""
    found = facts(
        relapses=[{"date": "2024-03-01"}],
        mri=[],
        treatments=[
            {
                "drug": "interferon beta",
                "start": "2015-01-01",
                "stop": "2018-01-01",
                "reason_stopped": "ineffective",
            },
            {
                "drug": "natalizumab",
                "start": "2018-02-01",
                "stop": "2023-01-01",
                "reason_stopped": "side_effects",
            },
            {"drug": "ocrelizumab", "start": "2023-03-01"},
        ],
    )

    assert found["failed_dmts"].value == Interval.of(2)  # interferon; ocrelizumab (relapse)
    assert found["failed_high_efficacy_dmts"].value == Interval.of(1)
    assert found["treatment_naive"].value is False


def test_a_relapse_in_the_first_six_months_does_not_fail_a_drug() -> None:
    """Ocrelizumab started 1 Mar 2026, relapse on 1 May 2026: too early to call it failed."""
    found = facts(
        relapses=[{"date": "2026-05-01"}],
        mri=[],
        treatments=[{"drug": "ocrelizumab", "start": "2026-03-01"}],
    )

    assert found["failed_dmts"].value == Interval.of(0)


def test_stopped_without_a_reason_is_undetermined() -> None:
    """No reason and no activity known on it: could have failed or not."""
    derived = facts(
        relapses=[],
        mri=[],
        treatments=[{"drug": "fingolimod", "start": "2020-01-01", "stop": "2022-01-01"}],
    )["failed_dmts"]

    assert derived.value == Interval(0, 1)
    assert derived.needs[0].field == "treatments.0"


def test_edss_from_walking_is_a_range() -> None:
    """Walking 300 m unaided, not unrestricted: the calculator's range 4.5 to 5.0."""
    derived = facts(edss_inputs={"walking": {"unrestricted": False, "unaided_m": 300}})["edss"]

    assert derived.value == Interval(4.5, 5.0)


def test_worsening_from_edss_history() -> None:
    """4.0 to 5.0 within a year is worsening (a 1.0 rise from 5.5 or below)."""
    found = facts(edss=5.0, edss_history=[{"date": "2026-01-10", "edss": 4.0}])
    same = facts(edss=4.5, edss_history=[{"date": "2026-01-10", "edss": 4.0}])

    assert found["disability_worsening_last_12m"].value is True
    assert same["disability_worsening_last_12m"].value is False
    assert found["edss_increase_last_24m"].value == Interval.of(1.0)


def test_each_course_says_how_long_it_was_taken_and_how_long_ago_it_stopped() -> None:
    """Alemtuzumab 1 Jun 2021 to 23 Sep 2026: 1,940 days = 63.7 months.

    Stopped 61 days = 2.0 months before the assessment day.
    """
    found = facts(
        relapses=[],
        mri=[],
        treatments=[
            {
                "drug": "Lemtrada",
                "start": "2021-06-01",
                "stop": "2026-09-23",
                "reason_stopped": "ineffective",
            },
            {"drug": "ocrelizumab", "start": "2026-10-01"},
        ],
    )

    first, second = found.courses
    assert (first.drug, first.months_taken, first.months_since_stop, first.failed) == (
        "alemtuzumab",
        63.7,
        2.0,
        True,
    )
    assert (second.months_since_stop, second.failed, second.high_efficacy) == (None, False, True)
