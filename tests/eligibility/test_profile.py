"""``parse_profile``: every bad field is named with what it allows; nothing crashes."""

from __future__ import annotations

from typing import Any

import pytest

from hsct.common.errors import InvalidInput
from hsct.eligibility import parse_profile


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
