"""The directory: filters keep what a person's situation allows; unknowns are not "no"."""

from __future__ import annotations

import pytest

from hsct.common.errors import InvalidInput
from hsct.knowledge import DirectoryQuery, compare, load_catalog, search


def ids(query: DirectoryQuery) -> list[str]:
    return [e.facility.id for e in search(load_catalog(), query)]


def test_primary_progressive_with_edss_7() -> None:
    """Who states that they accept PPMS at EDSS 7.0? Mexico, and India case by case."""
    found = search(load_catalog(), DirectoryQuery(ms_type="PPMS", edss=7.0, hide_unknown=True))

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
    found = {e.facility.id: e for e in search(load_catalog(), DirectoryQuery(edss=7.0))}

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
    found = search(
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
        search(
            load_catalog(), DirectoryQuery(ms_type="RMS", edss=11, currency="RUB", country="Mexico")
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
