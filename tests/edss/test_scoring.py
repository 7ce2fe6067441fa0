"""Scoring behaviour beyond the golden vectors: partial input, modes, bed status, warnings,
validation, explanations."""

from __future__ import annotations

import pytest

from hsct.common.errors import InvalidInput
from hsct.common.text import Message
from hsct.edss import BedStatus, WalkingFacts, score

COMPLETE = {
    "visual": 2,
    "brainstem": 1,
    "pyramidal": 3,
    "cerebellar": 2,
    "sensory": 1,
    "bowel_bladder": 1,
    "cerebral": 0,
}


def test_complete_input_explains_each_step() -> None:
    """Conversions, the pattern rule, walking and the combination are all spelled out."""
    result = score(
        visual=5,
        brainstem=1,
        pyramidal=3,
        cerebellar=2,
        sensory=1,
        bowel_bladder=4,
        cerebral=0,
        ambulation_score=1,
    )

    assert [str(step) for step in result.explanation] == [
        "Visual grade 5 counts as grade 3 for the EDSS step.",
        "Bowel and bladder grade 4 counts as grade 3 for the EDSS step.",
        "Three or four functional systems are at grade 3: step 4.0.",
        "Ambulation score 1: Fully ambulatory but not unrestricted; walks 500 m or more. Step 2.0.",
        "The EDSS is the higher of the two: 4.0.",
    ]
    assert (result.value, result.fs_step, result.ambulation_step) == (4.0, 4.0, 2.0)
    assert (result.decided_by, result.rule_id) == ("functional_systems", "fs.three_grade3")
    assert [g.counted for g in result.grades] == [3, 1, 3, 2, 1, 3, 0]


def test_every_result_names_its_sources_with_dates() -> None:
    """Kurtzke 1983 and the Neurostatus table encoding are always cited, with a date."""
    result = score(**COMPLETE, ambulation_score=0)
    labels = [source.label for source in result.sources]

    assert any(label.startswith("Kurtzke JF.") for label in labels)
    assert any("Neurostatus" in label for label in labels)
    assert all(source.date for source in result.sources)


def test_walking_decides_above_five() -> None:
    """With AS 4 the functional systems cannot matter: 5.5 even if none is known."""
    result = score(ambulation_score=4)

    assert (result.value, result.decided_by, result.fs_step) == (5.5, "ambulation", None)


def test_unknown_functional_systems_give_a_range() -> None:
    """Unknown systems count from grade 0 to their maximum."""
    result = score(pyramidal=2, ambulation_score=0)

    assert (result.value, result.low, result.high, result.display) == (None, 2.0, 5.0, "2.0 to 5.0")
    assert result.decided_by == "range"
    assert str(result.rule) == "Some facts are missing, so the EDSS is between 2.0 and 5.0."


def test_unknown_walking_gives_up_to_9_5_but_never_death() -> None:
    """Without walking facts the EDSS can be anything from the FS step up to 9.5."""
    result = score(**COMPLETE)

    assert (result.low, result.high) == (3.5, 9.5)


def test_nothing_known() -> None:
    """An empty input is a valid question with the widest answer."""
    result = score()

    assert (result.low, result.high, result.contested, result.warnings) == (0.0, 9.5, False, ())


@pytest.mark.parametrize(
    ("status", "value"),
    [
        (BedStatus.BED_OR_CHAIR, 8.0),
        (BedStatus.BED_MUCH_OF_DAY, 8.5),
        (BedStatus.HELPLESS_IN_BED, 9.0),
        (BedStatus.TOTALLY_HELPLESS, 9.5),
        (BedStatus.DEATH_DUE_TO_MS, 10.0),
    ],
)
def test_bed_status_steps(status: BedStatus, value: float) -> None:
    """Kurtzke's 8.0-10 descriptors, with or without AS 12, as enum or string."""
    assert score(bed_status=status).value == value
    assert score(ambulation_score=12, bed_status=status.value).value == value


def test_as_12_alone_is_8_0() -> None:
    """AS 12 without a finer descriptor is 8.0."""
    assert score(ambulation_score=12).value == 8.0


def test_kurtzke_mode_differences() -> None:
    """Kurtzke mode ignores cerebral grade 1 and puts AS 1 at 4.0; nothing else changes."""
    cerebral_only = {**dict.fromkeys(COMPLETE, 0), "cerebral": 1}

    assert score(**cerebral_only, ambulation_score=0).value == 1.0
    assert score(**cerebral_only, ambulation_score=0, mode="kurtzke").value == 0.0
    assert score(**cerebral_only, ambulation_score=1, mode="kurtzke").value == 4.0
    assert score(**COMPLETE, ambulation_score=3, mode="kurtzke").value == 5.0
    kurtzke = score(**cerebral_only, ambulation_score=0, mode="kurtzke")
    assert str(kurtzke.explanation[0]) == (
        "Cerebral grade 1 (mood alteration only) does not count, as Kurtzke defined."
    )
    assert [alt.reading for alt in kurtzke.alternatives] == ["neurostatus", "mspectrum"]


def test_other_fs_is_recorded_but_never_changes_the_step() -> None:
    """Kurtzke's "Other" system is accepted (0/1) and ignored for the step."""
    assert score(**COMPLETE, ambulation_score=0, other=1).value == 3.5


def test_contested_result_says_who_disagrees_and_why() -> None:
    """One grade 4 with two grade 2: jirimotyl says 4.0, MSpectrum 5.0 (dossier A3)."""
    result = score(
        visual=0,
        brainstem=0,
        pyramidal=4,
        cerebellar=2,
        sensory=2,
        bowel_bladder=0,
        cerebral=0,
        ambulation_score=0,
    )

    assert result.contested
    assert [(alt.reading, alt.value) for alt in result.alternatives] == [
        ("jirimotyl", 4.0),
        ("mspectrum", 5.0),
    ]
    assert str(result.alternatives[0].reason) == (
        "Published calculators disagree when one system is at grade 4 and others are at "
        "grade 2 or 3."
    )


def test_settled_result_is_not_contested() -> None:
    """Grades up to 3 with unrestricted walking: every reading agrees."""
    result = score(**COMPLETE, ambulation_score=0)

    assert (result.value, result.contested, result.alternatives) == (3.5, False, ())


@pytest.mark.parametrize(
    ("inputs", "warning"),
    [
        ({"pyramidal": 5, "ambulation_score": 0}, "pyramidal_high_walks_freely"),
        ({"cerebellar": 5, "ambulation_score": 1}, "cerebellar_high_walks_freely"),
        ({**dict.fromkeys(COMPLETE, 1), "ambulation_score": 5}, "walking_limited_fs_normal"),
        ({"pyramidal": 2, "ambulation_score": 10}, "wheelchair_mild_pyramidal"),
        ({"sensory": 6, "ambulation_score": 3}, "sensory_grade6_walks"),
    ],
)
def test_consistency_warnings(inputs: dict[str, int], warning: str) -> None:
    """Unusual combinations are flagged, not silently changed (dossier §4, A8)."""
    result = score(**inputs)

    assert warning in [finding.id for finding in result.warnings]


def test_no_warning_for_consistent_input() -> None:
    """A plausible record raises nothing."""
    assert score(**COMPLETE, ambulation_score=1).warnings == ()


def test_every_bad_field_is_named_with_what_is_allowed() -> None:
    """All problems are reported at once, each with its allowed values."""
    with pytest.raises(InvalidInput) as caught:
        score(
            visual=7,
            brainstem=2.5,
            pyramidal=True,
            cerebral="2",
            ambulation_score=13,  # type: ignore[arg-type]
            mode="imed",
            bed_status="asleep",
            other=2,
        )  # type: ignore[arg-type]

    assert caught.value.fields == (
        "visual",
        "brainstem",
        "pyramidal",
        "cerebral",
        "ambulation_score",
        "other",
        "mode",
        "bed_status",
    )
    assert str(caught.value.errors[0]) == "visual: 7 is out of range (allowed: 0, 1, 2, 3, 4, 5, 6)"
    assert str(caught.value.errors[1]) == (
        "brainstem: must be a whole number, not 2.5 (allowed: 0, 1, 2, 3, 4, 5)"
    )
    assert str(caught.value.errors[-1]).startswith("bed_status: unknown bed status 'asleep'")


def test_bed_status_needs_as_12() -> None:
    """A bed status with a walking score is a contradiction."""
    with pytest.raises(InvalidInput, match="bed_status: needs ambulation score 12, not 5"):
        score(ambulation_score=5, bed_status=BedStatus.BED_OR_CHAIR)


def test_to_dict_is_json_ready() -> None:
    """The dict form carries the value, trace and sources as plain data."""
    data = score(**COMPLETE, walking=WalkingFacts(unaided_m=700, unrestricted=False)).to_dict()

    assert data["value"] == 3.5
    assert data["ambulation_score"] == 1
    assert data["walking_used"] is True
    assert data["rule"]["text"] == (
        "One functional system is at grade 3 and one or two are at grade 2: step 3.5."
    )
    assert data["explanation"][1]["template"].startswith("From the walking facts")
    assert data["sources"][0]["url"] == "https://doi.org/10.1212/WNL.33.11.1444"


def test_messages_need_their_values() -> None:
    """A template with a placeholder and no value is a programming error."""
    with pytest.raises(ValueError, match="lacks values"):
        Message("step {step}")
