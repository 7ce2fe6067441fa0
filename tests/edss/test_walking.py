"""Ambulation score from walking facts: half-open boundaries, best performance, AFO."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hsct.common.errors import InvalidInput
from hsct.edss import BedStatus, WalkingFacts, Wheelchair, score

VECTORS = Path(__file__).parent / "data" / "walking_vectors.csv"


def _facts(row: dict[str, str]) -> WalkingFacts:
    def metres(name: str) -> float | None:
        return float(row[name]) if row[name] else None

    return WalkingFacts(
        unrestricted={"true": True, "false": False, "": None}[row["unrestricted"]],
        unaided_m=metres("unaided_m"),
        one_aid_m=metres("one_aid_m"),
        two_aids_m=metres("two_aids_m"),
        wheelchair=Wheelchair(row["wheelchair"]) if row["wheelchair"] else None,
        bed_status=BedStatus(row["bed_status"]) if row["bed_status"] else None,
    )


with VECTORS.open(encoding="utf-8") as handle:
    ROWS = list(csv.DictReader(handle))


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_walking_vector(row: dict[str, str]) -> None:
    """Each observation gives the published ambulation score and its EDSS floor."""
    result = score(walking=_facts(row))

    assert (result.ambulation_score, result.ambulation_step) == (
        int(row["expected_as"]),
        float(row["expected_step"]),
    )
    assert result.low == float(row["expected_step"])
    assert result.walking_used


def test_250_m_unaided_is_exactly_5_0_even_without_any_fs() -> None:
    """The functional systems cannot exceed 5.0 and AS 3 is at least 5.0: no range left."""
    result = score(walking=WalkingFacts(unaided_m=250))

    assert (result.value, result.decided_by) == (5.0, "ambulation")


@pytest.mark.parametrize(
    ("facts", "low", "high"),
    [
        pytest.param(WalkingFacts(unaided_m=400), 4.5, 5.0, id="300-499m"),
        pytest.param(WalkingFacts(unaided_m=600, unrestricted=False), 2.0, 5.0, id="600m-not-free"),
        pytest.param(WalkingFacts(unaided_m=600), 0.0, 5.0, id="600m-free-unknown"),
        pytest.param(WalkingFacts(unaided_m=150), 5.5, 5.5, id="150m"),
        pytest.param(WalkingFacts(unaided_m=2), 6.0, 9.5, id="not-walking-unaided"),
        pytest.param(WalkingFacts(one_aid_m=60), 0.0, 6.0, id="only-aided-known"),
        pytest.param(WalkingFacts(unaided_m=0, one_aid_m=0, two_aids_m=0), 7.0, 9.5, id="no-walk"),
    ],
)
def test_partial_walking_facts_give_the_range_they_imply(
    facts: WalkingFacts, low: float, high: float
) -> None:
    """Someone who only knows how far they walk gets the range their walking implies."""
    result = score(walking=facts)

    assert (result.low, result.high) == (low, high)
    assert result.value == (low if low == high else None)


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        pytest.param(
            WalkingFacts(unrestricted=True, unaided_m=300), "walking.unaided_m", id="free-300"
        ),
        pytest.param(
            WalkingFacts(unaided_m=100, wheelchair=Wheelchair.INDEPENDENT),
            "walking.wheelchair",
            id="walks-and-wheelchair",
        ),
        pytest.param(
            WalkingFacts(two_aids_m=30, bed_status=BedStatus.HELPLESS_IN_BED),
            "walking.bed_status",
            id="walks-and-bed",
        ),
        pytest.param(
            WalkingFacts(wheelchair=Wheelchair.WITH_HELP, bed_status=BedStatus.BED_OR_CHAIR),
            "walking.wheelchair",
            id="wheelchair-and-bed",
        ),
        pytest.param(WalkingFacts(unaided_m=-5), "walking.unaided_m", id="negative"),
        pytest.param(WalkingFacts(one_aid_m=float("nan")), "walking.one_aid_m", id="nan"),
        pytest.param(
            WalkingFacts(unrestricted=True, wheelchair=Wheelchair.WITH_HELP),
            "walking.wheelchair",
            id="free-and-wheelchair",
        ),
    ],
)
def test_contradictory_or_impossible_walking_facts_are_refused(
    facts: WalkingFacts, field: str
) -> None:
    """Facts that cannot all be true are named, not silently resolved."""
    with pytest.raises(InvalidInput) as caught:
        score(walking=facts)

    assert field in caught.value.fields


def test_ambulation_score_must_agree_with_walking_facts() -> None:
    """Giving both is fine only when they agree."""
    agreeing = score(ambulation_score=2, walking=WalkingFacts(unaided_m=350))

    with pytest.raises(InvalidInput) as caught:
        score(ambulation_score=3, walking=WalkingFacts(unaided_m=350))

    assert (agreeing.ambulation_score, agreeing.low, agreeing.high) == (2, 4.5, 5.0)
    assert str(caught.value) == (
        "ambulation_score: 3 contradicts the walking facts, which give 2 (allowed: 2)"
    )


def test_ankle_foot_orthosis_is_no_assistance() -> None:
    """An AFO walker is scored on the unaided distance; one cane with an AFO is one-sided."""
    afo_only = score(walking=WalkingFacts(unaided_m=350))
    afo_and_cane = score(walking=WalkingFacts(unaided_m=0, one_aid_m=60))

    assert (afo_only.ambulation_score, afo_and_cane.ambulation_score) == (2, 6)
