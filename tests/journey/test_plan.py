"""The journey planner: facility schedules, washouts, vaccines and MRI, errors, calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hsct.common.errors import InvalidInput
from hsct.eligibility import parse_profile
from hsct.journey import Milestone, Timeline, plan

TODAY = dt.date(2026, 11, 23)
ADMISSION = dt.date(2027, 3, 1)


def at(facility: str, **options: Any) -> Timeline:
    """A plan at ``facility`` made on 23 November 2026."""
    options.setdefault("admission_date", ADMISSION)
    return plan(facility, today=TODAY, **options)


def item(timeline: Timeline, key: str) -> Milestone:
    """The milestone with this id."""
    return next(m for m in timeline.milestones if m.id == key)


def test_moscow_schedule_follows_the_clinic() -> None:
    """hsct-russia.com: conditioning days 9-12, reinfusion day 13, discharge days 29-30."""
    timeline = at("moscow-pirogov")

    assert timeline.day0 == dt.date(2027, 3, 13)
    assert (item(timeline, "conditioning").start, item(timeline, "conditioning").end) == (
        dt.date(2027, 3, 9),
        dt.date(2027, 3, 12),
    )
    discharge = item(timeline, "discharge")
    assert (discharge.start, discharge.end, discharge.basis) == (
        dt.date(2027, 3, 29),
        dt.date(2027, 3, 30),
        "facility",
    )
    assert discharge.sources[0].url == "https://www.hsct-russia.com/stages-of-treatment"
    assert item(timeline, "aplasia").end == dt.date(2027, 3, 27)  # isolation to day 27


def test_gurugram_tests_then_33_days() -> None:
    """Artemis: 4 days of tests, then 33 days: discharge on day 37; day 0 is generic."""
    timeline = at("gurugram-artemis")

    assert item(timeline, "evaluation").end == dt.date(2027, 3, 4)
    assert timeline.discharge == dt.date(2027, 4, 6)
    assert item(timeline, "day0").basis == "generic"


def test_jerusalem_discharge_home_and_engraftment() -> None:
    """Shaare Zedek: about 4 weeks inpatient, home after about 6 weeks, engraftment 2-3 weeks."""
    timeline = at("jerusalem-shaare-zedek")
    engraftment = item(timeline, "engraftment")

    assert timeline.discharge == dt.date(2027, 3, 28)
    assert timeline.home == dt.date(2027, 4, 11)
    assert (engraftment.start - timeline.day0).days == 14
    assert (engraftment.end - timeline.day0).days == 21
    assert engraftment.basis == "facility"
    assert timeline.warnings  # the generic phases do not fit the stated stay: said so


def test_puebla_stay_and_engraftment_window() -> None:
    """Clínica Ruiz: 28 days; granulocytes back by day 8 (2-14); day 0 is not published."""
    timeline = at("puebla-clinica-ruiz")
    engraftment = item(timeline, "engraftment")

    assert timeline.discharge == dt.date(2027, 3, 28)
    assert ((engraftment.start - timeline.day0).days, (engraftment.end - timeline.day0).days) == (
        2,
        14,
    )
    assert "PMC6857075" in engraftment.sources[0].label
    assert item(timeline, "day0").basis == "generic"


def test_working_back_from_a_wished_for_day_0() -> None:
    """Day 0 on 13 March 2027 in Moscow means admission on 1 March."""
    assert (
        at("moscow-pirogov", admission_date=None, transplant_date=dt.date(2027, 3, 13)).admission
        == ADMISSION
    )


def test_washout_of_a_current_drug_differs_by_clinic() -> None:
    """Ocrelizumab taken now: stop by 1 Dec 2026 for Moscow (6 months), 1 Mar 2027 for Puebla."""
    profile = parse_profile({"treatments": [{"drug": "Ocrevus", "start": "2022-01-01"}]})
    june = dt.date(2027, 6, 1)

    moscow = at("moscow-pirogov", admission_date=june, profile=profile)
    puebla = at("puebla-clinica-ruiz", admission_date=june, profile=profile)

    assert item(moscow, "washout-ocrelizumab").start == dt.date(2026, 12, 1)
    assert item(puebla, "washout-ocrelizumab").start == dt.date(2027, 3, 1)
    assert item(moscow, "washout-ocrelizumab").basis == "profile"


def test_admission_before_a_washout_ends_is_refused() -> None:
    """Alemtuzumab stopped 23 Sep 2026: Moscow's 6 months end on 23 Mar 2027."""
    profile = parse_profile(
        {"treatments": [{"drug": "alemtuzumab", "start": "2021-06-01", "stop": "2026-09-23"}]}
    )

    with pytest.raises(InvalidInput) as caught:
        at("moscow-pirogov", profile=profile)

    error = caught.value.errors[0]
    assert error.field == "admission_date"
    assert "before the alemtuzumab washout ends on 2027-03-23" in error.message
    assert error.allowed == "on or after 2027-03-23"


def test_a_transplant_date_too_early_for_the_washout_names_the_transplant_date() -> None:
    """Working backwards, the allowed day 0 is shifted by the days before day 0."""
    profile = parse_profile(
        {"treatments": [{"drug": "alemtuzumab", "start": "2021-06-01", "stop": "2026-09-23"}]}
    )

    with pytest.raises(InvalidInput) as caught:
        at(
            "moscow-pirogov",
            admission_date=None,
            transplant_date=dt.date(2027, 3, 13),
            profile=profile,
        )

    assert caught.value.errors[0].field == "transplant_date"
    assert caught.value.errors[0].allowed == "on or after 2027-04-04"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"admission_date": dt.date(2026, 11, 1)}, "admission_date"),
        ({"admission_date": ADMISSION, "transplant_date": dt.date(2027, 3, 13)}, "transplant_date"),
    ],
)
def test_dates_that_cannot_work(options: dict[str, Any], field: str) -> None:
    """A past admission, or both dates at once: the field is named."""
    with pytest.raises(InvalidInput) as caught:
        plan("moscow-pirogov", today=TODAY, **options)

    assert caught.value.errors[0].field == field


def test_unknown_facility() -> None:
    """A wrong id is named."""
    with pytest.raises(InvalidInput) as caught:
        at("nowhere")

    assert caught.value.errors[0].field == "facility"


def test_vaccines_and_mri_relative_to_day_0() -> None:
    """Shingrix 50-70 days; pneumococcal 3-6 months; DTaP at 6, 8, 12; live at 24; MRI 6 and 12."""
    timeline = at("moscow-pirogov")
    day0 = timeline.day0

    shingrix = item(timeline, "vaccine-shingrix")
    assert ((shingrix.start - day0).days, (shingrix.end - day0).days) == (50, 70)
    assert (
        item(timeline, "vaccine-pneumococcal").start,
        item(timeline, "vaccine-pneumococcal").end,
    ) == (
        dt.date(2027, 6, 13),
        dt.date(2027, 9, 13),
    )
    assert [item(timeline, f"vaccine-childhood-{n}").start for n in (1, 2, 3)] == [
        dt.date(2027, 9, 13),
        dt.date(2027, 11, 13),
        dt.date(2028, 3, 13),
    ]
    assert item(timeline, "vaccine-live").start == dt.date(2029, 3, 13)
    assert [item(timeline, k).start for k in ("mri-6", "mri-12")] == [
        dt.date(2027, 9, 13),
        dt.date(2028, 3, 13),
    ]
    assert item(timeline, "five-years").start == dt.date(2032, 3, 13)


@pytest.mark.parametrize(
    ("facility", "unsourced"),
    [
        ("moscow-pirogov", ["travel-documents", "travel"]),
        ("puebla-clinica-ruiz", ["travel-documents", "travel"]),
        ("gurugram-artemis", ["records", "screening", "travel-documents", "travel"]),
        ("london-hammersmith", ["records", "screening", "travel"]),
    ],
)
def test_every_dated_step_is_ordered_and_sourced(facility: str, unsourced: list[str]) -> None:
    """Milestones are in date order; only practical suggestions lack a source.

    Records and the clinic's review cite the clinic's records page where the data hold one;
    a clinic for its own country's patients gets no travel documents step.
    """
    timeline = at(facility)

    starts = [m.start for m in timeline.milestones]
    assert starts == sorted(starts)
    assert [m.id for m in timeline.milestones if not m.sources] == unsourced
    assert all(m.start <= m.end for m in timeline.milestones)
