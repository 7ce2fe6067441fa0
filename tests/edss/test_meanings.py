"""Every grade and every EDSS step has plain words, from a named and dated source."""

from __future__ import annotations

import pytest

from hsct.edss import (
    BED_LEVELS,
    FS_GRADE_MEANINGS,
    FS_MAX,
    GRADE_SOURCES,
    LEGAL_VALUES,
    STEP_MEANINGS,
    grade_meaning,
    step_meaning,
)


def test_every_grade_of_every_system_is_described() -> None:
    """One description per raw grade, 0 to the system's maximum, none empty."""
    counts = {system: len(texts) for system, texts in FS_GRADE_MEANINGS.items()}

    assert counts == {system: top + 1 for system, top in FS_MAX.items()}
    assert all(text.strip() for texts in FS_GRADE_MEANINGS.values() for text in texts)


def test_grade_descriptions_follow_kurtzke_and_neurostatus() -> None:
    """Pyramidal 3 and 6, cerebral 1 (where the two sources differ) read as the sources say."""
    assert grade_meaning("pyramidal", 3) == (
        "Mild or moderate weakness of one side of the body or of both legs (usually strength "
        "4 of 5 in more than two muscle groups, or 3 of 5 in one or two), or severe weakness "
        "of one limb (strength 2 of 5 or less in one muscle group)."
    )
    assert grade_meaning("pyramidal", 6) == "All four limbs paralysed (tetraplegia)."
    assert grade_meaning("cerebral", 1) == (
        "Signs only: slightly slower thinking or mild fatigue (Neurostatus). Kurtzke defined "
        "grade 1 as a change of mood only and did not count it."
    )
    assert grade_meaning("visual", 0) == "Normal."


def test_grade_sources_are_kurtzke_and_the_neurostatus_labels_with_dates() -> None:
    """Each description's source is named and dated."""
    assert [(source.label[:10], source.date) for source in GRADE_SOURCES] == [
        ("Kurtzke JF", "1983-11"),
        ("adobrasino", "2026-11"),
    ]


def test_a_grade_out_of_range_has_no_description() -> None:
    """Brainstem stops at 5."""
    with pytest.raises(IndexError, match="brainstem grade 6 is out of range 0 to 5"):
        grade_meaning("brainstem", 6)


def test_every_edss_value_has_a_meaning_from_kurtzke() -> None:
    """0, 1.0 ... 9.5, 10: each with words and Kurtzke 1983 as its source."""
    assert sorted(STEP_MEANINGS) == list(LEGAL_VALUES)
    assert {m.source.doi for m in STEP_MEANINGS.values()} == {"10.1212/WNL.33.11.1444"}
    assert all(m.text.strip() for m in STEP_MEANINGS.values())


@pytest.mark.parametrize(
    ("value", "display", "text"),
    [
        (0.0, "0", "Normal neurological examination: no signs in any functional system."),
        (
            6.0,
            "6.0",
            (
                "Needs a stick, crutch or brace on one side, now and then or all the time, to "
                "walk about 100 m, with or without resting."
            ),
        ),
        (
            6.5,
            "6.5",
            "Needs two sticks, crutches or braces all the time to walk about 20 m without resting.",
        ),
        (10.0, "10", "Death due to MS"),
    ],
    ids=["0", "6.0", "6.5", "10"],
)
def test_step_meaning_in_plain_words(value: float, display: str, text: str) -> None:
    """The walking steps say what the person needs, as Kurtzke defined them."""
    meaning = step_meaning(value)

    assert (meaning.display, meaning.text) == (display, text)


def test_steps_8_to_10_reuse_the_bed_status_words() -> None:
    """One wording for 8.0 to 10, wherever the calculator shows them."""
    assert {level.step: level.label for level in BED_LEVELS.values()} == {
        step: STEP_MEANINGS[step].text for step in (8.0, 8.5, 9.0, 9.5, 10.0)
    }


def test_a_value_off_the_grid_has_no_meaning() -> None:
    """0.5 is not an EDSS value."""
    with pytest.raises(KeyError):
        step_meaning(0.5)
