"""The directory: filters keep what a person's situation allows; unknowns are not "no"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.eligibility import PatientProfile, evaluate
from hsct.eligibility.directory import directory_search
from hsct.knowledge import Criterion, DirectoryQuery, compare, load_catalog


def ids(query: DirectoryQuery) -> list[str]:
    return [e.facility.id for e in directory_search(load_catalog(), query)]


def test_primary_progressive_with_edss_7() -> None:
    """Who states that they accept PPMS at EDSS 7.0? Mexico, and India case by case."""
    found = directory_search(
        load_catalog(), DirectoryQuery(ms_type="PPMS", edss=7.0, hide_unknown=True)
    )

    assert [(e.facility.id, e.matches["edss"]) for e in found] == [
        ("gurugram-artemis", "case_by_case"),
        ("puebla-clinica-ruiz", "yes"),
    ]


def test_edss_7_is_above_the_moscow_limit() -> None:
    """Refused by Moscow at EDSS 7.0: Moscow is not listed, other clinics are."""
    found = ids(DirectoryQuery(edss=7.0, hide_unknown=True))

    assert "moscow-pirogov" not in found
    assert "puebla-clinica-ruiz" in found


def test_unknown_limits_are_kept_and_marked() -> None:
    """A clinic that states no EDSS limit stays, marked "not stated"."""
    found = {e.facility.id: e for e in directory_search(load_catalog(), DirectoryQuery(edss=7.0))}

    assert found["jerusalem-shaare-zedek"].matches == {"edss": "not_stated"}
    assert list(found)[:2] == ["gurugram-artemis", "gurugram-fortis"]  # known matches first


def test_age_filter() -> None:
    """At 53, London (18-65) accepts; Haukeland (RAM-MS, 18-50) does not."""
    found = ids(DirectoryQuery(age=53, hide_unknown=True))

    assert "london-kings-college" in found
    assert "bergen-haukeland" not in found


def test_price_filter_converts_to_the_chosen_currency() -> None:
    """US$30,000 is about EUR 28,024 at the bundled rates; the caregiver fee is not a price.

    St Luke's quotes PHP 1.6-2 million for HSCT in general, about EUR 25,575.
    """
    found = directory_search(
        load_catalog(), DirectoryQuery(max_price=50000, currency="EUR", hide_unknown=True)
    )

    assert [(e.facility.id, round(e.converted_price or 0)) for e in found] == [
        ("gurugram-artemis", 28024),
        ("taguig-st-lukes", 25575),
        ("moscow-pirogov", 42036),
    ]


def test_sort_by_price() -> None:
    """Cheapest known treatment price first."""
    found = ids(DirectoryQuery(sort="price", hide_unknown=True, max_price=10**7))

    assert found[:4] == [
        "taguig-st-lukes",
        "gurugram-artemis",
        "moscow-pirogov",
        "puebla-clinica-ruiz",
    ]


def test_bad_filters_are_named() -> None:
    """Every unusable filter is reported, with what is allowed."""
    with pytest.raises(InvalidInput) as caught:
        directory_search(
            load_catalog(), DirectoryQuery(ms_type="RMS", edss=11, currency="KZT", country="Mexico")
        )

    assert caught.value.fields == ("ms_type", "edss", "currency", "country")


@pytest.mark.parametrize(
    "chosen", [["moscow-pirogov"], ["a", "b"], ["moscow-pirogov"] * 2, list("abcde")]
)
def test_compare_needs_two_to_four_known_facilities(chosen: list[str]) -> None:
    """One, five, duplicates or unknown ids are refused."""
    with pytest.raises(InvalidInput):
        compare(load_catalog(), chosen)


def test_compare_keeps_the_order_given() -> None:
    """Side by side, as chosen."""
    chosen = compare(load_catalog(), ["puebla-clinica-ruiz", "moscow-pirogov"])

    assert [f.id for f in chosen] == ["puebla-clinica-ruiz", "moscow-pirogov"]


def test_default_order_puts_open_clinics_with_criteria_first() -> None:
    """Issue 19: accepting patients first, then national-only, trial-only, then clinics that
    take no one; within each, published criteria first, then country, city and name."""
    catalog = load_catalog()
    found = directory_search(catalog, DirectoryQuery())
    statuses = [e.facility.status.value for e in found]
    ranks = [
        ("accepting_patients", "national_patients_only", "trial_only").index(s)
        if s in ("accepting_patients", "national_patients_only", "trial_only")
        else 3
        for s in statuses
    ]
    assert ranks == sorted(ranks)
    assert statuses[0] == "accepting_patients"
    assert statuses[-1] not in ("accepting_patients", "national_patients_only", "trial_only")
    for rank in set(ranks):
        group = [e.facility for e, r in zip(found, ranks, strict=True) if r == rank]
        published = [catalog.facility_ruleset(f.id) is not None for f in group]
        assert published == sorted(published, reverse=True)
    # Zurich (national patients, no published criteria) follows Sheffield (same status,
    # criteria published), though by country (CH before GB) it comes first.
    order = [e.facility.id for e in found]
    assert order.index("sheffield-royal-hallamshire") < order.index("zurich-university-hospital")
    by_country = ids(DirectoryQuery(sort="country"))
    assert by_country.index("zurich-university-hospital") < by_country.index(
        "sheffield-royal-hallamshire"
    )


MS_TYPES = ("RRMS", "SPMS", "PPMS", "CIS")
EDSS_STEPS = (0.0, 2.0, 3.5, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0)


@settings(max_examples=60, deadline=None)
@given(
    ms_type=st.sampled_from(MS_TYPES),
    edss=st.sampled_from(EDSS_STEPS),
    age=st.integers(min_value=16, max_value=75),
)
def test_the_directory_and_the_candidate_results_never_disagree(
    ms_type: str, edss: float, age: int
) -> None:
    """Issue 19: for the same MS type, EDSS and age, a clinic the directory leaves out is one
    the candidate results say the person does not meet, and a clinic the directory lists
    as fitting ("yes" on every asked filter) has no criterion the candidate results count
    against the person on those answers."""
    catalog = load_catalog()
    listed = {
        e.facility.id: e.matches
        for e in directory_search(catalog, DirectoryQuery(ms_type=ms_type, edss=edss, age=age))
    }
    profile = PatientProfile.model_validate(
        {"ms_type": ms_type, "edss": edss, "age": age, "as_of": "2026-12-01"}
    )
    for result in evaluate(profile, catalog).facilities:
        facility_id = result.ruleset.id
        failed = [r for r in result.criteria if r.status == "not_met"]
        person = [r for r in failed if _on_person(r.criterion)]
        if facility_id not in listed:
            assert result.criteria_verdict == "does_not_meet", facility_id
            assert any(r.strength == "hard" for r in person), facility_id
        elif set(listed[facility_id].values()) == {"yes"}:
            assert person == [], (facility_id, [r.criterion.id for r in person])


def _on_person(criterion: Criterion) -> bool:
    """A criterion on the MS type (or the diagnosis), EDSS or age, or a composite of them."""
    parts = (*(criterion.any_of or ()), *(criterion.all_of or ()))
    if parts:
        return any(_on_person(part) for part in parts)
    return criterion.parameter in ("ms_type", "edss", "age", "confirmed_ms_diagnosis")
