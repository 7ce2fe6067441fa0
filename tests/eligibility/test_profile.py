"""``parse_profile``: every bad field is named with what it allows; nothing crashes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hsct.common.errors import InvalidInput
from hsct.eligibility import Interval, derive, evaluate, parse_profile
from hsct.knowledge import load_catalog


def problems(data: Any) -> dict[str, str]:
    """Field -> message for invalid data (fails the test when the data are valid)."""
    with pytest.raises(InvalidInput) as caught:
        parse_profile(data)
    return {e.field: str(e) for e in caught.value.errors}


def test_empty_profile_is_valid() -> None:
    """Every field may be missing."""
    profile = parse_profile({})

    assert profile.ms_type is None
    assert profile.relapses is None


def test_drug_brand_names_become_ids() -> None:
    """ "Ocrevus" and "LEMTRADA" are the drugs ocrelizumab and alemtuzumab."""
    profile = parse_profile(
        {"treatments": [{"drug": "Ocrevus"}, {"drug": "LEMTRADA"}, {"drug": "interferon beta"}]}
    )

    assert [t.drug for t in profile.treatments or ()] == [
        "ocrelizumab",
        "alemtuzumab",
        "interferon-beta",
    ]


def test_each_bad_field_is_named_with_what_is_allowed() -> None:
    """Type, EDSS value, date and unknown drug errors are all reported together."""
    found = problems(
        {
            "ms_type": "RMS",
            "edss": 4.3,
            "birth_date": "1980-13-01",
            "treatments": [{"drug": "aspirin"}],
        }
    )

    assert set(found) == {"ms_type", "edss", "birth_date", "treatments.0.drug"}
    assert found["ms_type"].endswith("(allowed: RRMS, SPMS, PPMS, CIS, RIS or suspected)")
    assert "(allowed: 0, 1.0, 1.5," in found["edss"]
    assert found["treatments.0.drug"] == (
        "treatments.0.drug: 'aspirin' is not a drug we know "
        "(allowed: an MS drug's name or brand, e.g. ocrelizumab or Ocrevus)"
    )


def test_unknown_field_is_named() -> None:
    """A typo in a field name is not silently dropped."""
    assert problems({"edds": 4.0}) == {"edds": "edds: is not a field of the profile"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"as_of": "2026-01-01", "relapses": [{"date": "2026-02-01"}]}, "relapses.0.date"),
        (
            {"treatments": [{"drug": "natalizumab", "start": "2024-01-01", "stop": "2023-01-01"}]},
            "treatments.0.stop",
        ),
        (
            {"treatments": [{"drug": "natalizumab", "reason_stopped": "ineffective"}]},
            "treatments.0.reason_stopped",
        ),
        ({"onset_date": "2020-01-01", "diagnosis_date": "2019-01-01"}, "onset_date"),
        ({"birth_date": "1980-06-01", "age": 30, "as_of": "2026-11-23"}, "age"),
        ({"edss": 4.0, "edss_inputs": {"pyramidal": 2}}, "edss_inputs"),
        ({"edss_inputs": {"pyramidal": 9}}, "edss_inputs.pyramidal"),
    ],
)
def test_facts_that_cannot_all_be_true(data: dict[str, Any], field: str) -> None:
    """Future dates, stops before starts, contradictions: the field is named."""
    assert field in problems(data)


def test_not_an_object() -> None:
    """A list instead of a profile is refused with a message, not a crash."""
    assert problems([1, 2]) == {"profile": "profile: is not an object (allowed: a JSON object)"}


def test_a_diagnosis_known_by_year_or_month_is_a_period() -> None:
    """Issue 19: "diagnosed in 2009" is accepted; the years since run over the whole year."""
    by_year = parse_profile({"diagnosis_date": "2009", "as_of": "2026-11-23"})
    assert (by_year.diagnosis_date, by_year.diagnosis_date_precision) == (
        dt.date(2009, 1, 1),
        "year",
    )
    assert by_year.span("diagnosis_date") == (dt.date(2009, 1, 1), dt.date(2009, 12, 31))
    by_month = parse_profile({"onset_date": "2008-02", "as_of": "2026-11-23"})
    assert by_month.span("onset_date") == (dt.date(2008, 2, 1), dt.date(2008, 2, 29))
    exact = parse_profile({"diagnosis_date": "2009-05-17", "as_of": "2026-11-23"})
    assert exact.span("diagnosis_date") == (dt.date(2009, 5, 17), dt.date(2009, 5, 17))


@pytest.mark.parametrize(
    ("onset", "diagnosis", "refused"),
    [
        ("2010", "2009-06-01", True),  # all of 2010 is after the diagnosis
        ("2009", "2009-06-01", False),  # onset may be January to June 2009
        ("2009-06-01", "2009", False),  # the diagnosis may be June to December 2009
        ("2009-06", "2009-05", True),
        ("1979", "1985", True),  # before the birth date below
    ],
)
def test_partial_dates_are_refused_only_when_no_day_of_them_fits(
    onset: str, diagnosis: str, refused: bool
) -> None:
    data = {
        "birth_date": "1980-03-01",
        "onset_date": onset,
        "diagnosis_date": diagnosis,
        "as_of": "2026-11-23",
    }
    if refused:
        with pytest.raises(InvalidInput):
            parse_profile(data)
    else:
        parse_profile(data)


def test_a_year_of_diagnosis_settles_a_limit_only_when_the_whole_year_does() -> None:
    """Under 10 years since diagnosis: 2015 (10.9 to 11.9 years) is not; 2017-01 is (9.8 to
    9.9 years); 2016 straddles 10 years and stays unknown, asking for the exact date."""
    catalog = load_catalog()

    def duration(diagnosis: str) -> str:
        profile = parse_profile(
            {"diagnosis_date": diagnosis, "ms_type": "RRMS", "as_of": "2026-11-23"}, catalog
        )
        result = next(
            r for r in evaluate(profile, catalog).guidelines if r.ruleset.id == "nmss-2021"
        )
        found = next(
            c for c in result.criteria if c.criterion.parameter == "disease_duration_years"
        )
        return str(found.status)

    assert duration("2015") == "not_met"
    assert duration("2017-01") == "met"
    assert duration("2016") == "unknown"
    facts = derive(parse_profile({"diagnosis_date": "2016", "as_of": "2026-11-23"}), catalog)
    assert facts["disease_duration_years"].value == Interval(9.89, 10.89)
    assert [n.field for n in facts["disease_duration_years"].needs] == ["diagnosis_date"]
