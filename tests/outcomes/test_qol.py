"""RAND-36 scoring against RAND's published Step 1 and Step 2 tables, with worked examples.

The tables below are typed in again from RAND's scoring instructions ("Scoring Rules for the
RAND 36-Item Health Survey (Version 1.0)"), independently of ``hsct.outcomes.qol``, so a slip
in the module's data shows up here as a disagreement.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from hypothesis import given
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.outcomes import qol
from hsct.outcomes.qol import (
    HEALTH_CHANGE_ITEM,
    PUBLISHED_QOL_REPORTS,
    QOL_LICENCES,
    RAND36_ITEMS,
    RAND36_SCALES,
    RAND36_SCORING_SOURCE,
    RAND36_SCORING_VERSION,
    RAND36_VERSION,
    Rand36Scores,
    rand36_score,
)

# RAND Step 1 (Table 1): items recoded alike -> value of pre-coded answers 1, 2, ..., k.
TABLE_1: dict[tuple[int, ...], tuple[int, ...]] = {
    (1, 2, 20, 22, 34, 36): (100, 75, 50, 25, 0),
    (3, 4, 5, 6, 7, 8, 9, 10, 11, 12): (0, 50, 100),
    (13, 14, 15, 16, 17, 18, 19): (0, 100),
    (21, 23, 26, 27, 30): (100, 80, 60, 40, 20, 0),
    (24, 25, 28, 29, 31): (0, 20, 40, 60, 80, 100),
    (32, 33, 35): (0, 25, 50, 75, 100),
}
RECODE: dict[int, tuple[int, ...]] = {n: values for items, values in TABLE_1.items() for n in items}

# RAND Step 2 (Table 2): the items averaged into each scale.
TABLE_2: dict[str, tuple[int, ...]] = {
    "physical_functioning": (3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    "role_limitations_physical": (13, 14, 15, 16),
    "role_limitations_emotional": (17, 18, 19),
    "energy_fatigue": (23, 27, 29, 31),
    "emotional_well_being": (24, 25, 26, 28, 30),
    "social_functioning": (20, 32),
    "pain": (21, 22),
    "general_health": (1, 33, 34, 35, 36),
}
SCALE_KEYS = tuple(TABLE_2)

# Items whose first printed answer is the best one (recoded 100): the "reversed" items.
FIRST_ANSWER_BEST = (1, 2, 20, 21, 22, 23, 26, 27, 30, 34, 36)


def best(n: int) -> int:
    """The pre-coded answer RAND recodes to 100 for item ``n``."""
    return RECODE[n].index(100) + 1


def worst(n: int) -> int:
    """The pre-coded answer RAND recodes to 0 for item ``n``."""
    return RECODE[n].index(0) + 1


def scale_scores(scores: Rand36Scores) -> dict[str, float | None]:
    return {key: scores.score(key) for key in SCALE_KEYS}


# ---------------------------------------------------------------- the data against RAND's tables


def test_table_1_names_every_item_once() -> None:
    """Guard on the test's own table: 36 items, none twice."""
    numbers = [n for items in TABLE_1 for n in items]

    assert sorted(numbers) == list(range(1, 37))


def test_items_are_numbered_1_to_36_in_order() -> None:
    assert [item.number for item in RAND36_ITEMS] == list(range(1, 37))


@pytest.mark.parametrize(
    ("number", "code", "value"),
    [(n, code, value) for n in range(1, 37) for code, value in enumerate(RECODE[n], start=1)],
)
def test_every_answer_recodes_as_rand_table_1(number: int, code: int, value: int) -> None:
    """Each pre-coded answer of each item, one by one (reversed items included)."""
    item = RAND36_ITEMS[number - 1]

    assert len(item.options) == len(RECODE[number])
    assert item.options[code - 1].code == code
    assert item.options[code - 1].value == value
    assert item.recode(code) == value


@pytest.mark.parametrize(
    ("number", "code", "value"),
    [(n, code, value) for n in range(1, 37) for code, value in enumerate(RECODE[n], start=1)],
)
def test_one_answer_alone_is_its_scale_score(number: int, code: int, value: int) -> None:
    """With a single item answered, its scale's score is that item's recoded value."""
    scores = rand36_score(answers={str(number): code})

    if number == HEALTH_CHANGE_ITEM:
        assert scores.health_change == value
        assert set(scale_scores(scores).values()) == {None}
    else:
        key = next(k for k, items in TABLE_2.items() if number in items)
        assert scores.score(key) == value
        assert scores.answered[key] == 1
        assert scores.health_change is None


@pytest.mark.parametrize("number", range(1, 37))
def test_reversed_items_run_from_100_down(number: int) -> None:
    """Item 1 "Excellent" (answer 1) is 100; "Poor" (answer 5) is 0. Likewise 2, 20-23, 26,
    27, 30, 34, 36. Every other item runs the other way: answer 1 is 0."""
    item = RAND36_ITEMS[number - 1]
    first, last = item.recode(1), item.recode(len(item.options))

    if number in FIRST_ANSWER_BEST:
        assert (first, last) == (100, 0)
    else:
        assert (first, last) == (0, 100)


def test_labels_of_the_reversed_items() -> None:
    """The labels sit on the right values, e.g. "Excellent" = 100, "None of the time" = 0
    for "full of pep" but 100 for "very nervous"."""
    labels = {
        n: {o.label: o.value for o in RAND36_ITEMS[n - 1].options} for n in (1, 21, 23, 24, 33, 34)
    }

    assert labels[1] == {"Excellent": 100, "Very good": 75, "Good": 50, "Fair": 25, "Poor": 0}
    assert labels[21]["None"] == 100
    assert labels[21]["Very severe"] == 0
    assert labels[23]["None of the time"] == 0  # "Did you feel full of pep?"
    assert labels[24]["None of the time"] == 100  # "Have you been a very nervous person?"
    assert labels[33]["Definitely true"] == 0  # "I seem to get sick a little easier..."
    assert labels[34]["Definitely true"] == 100  # "I am as healthy as anybody I know"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "In general, would you say your health is:"),
        (2, "Compared to one year ago, how would you rate your health in general now?"),
        (12, "Bathing or dressing yourself"),
        (19, "Didn't do work or other activities as carefully as usual"),
        (25, "Have you felt so down in the dumps that nothing could cheer you up?"),
        (36, "My health is excellent"),
    ],
)
def test_item_text_is_rands(number: int, text: str) -> None:
    assert RAND36_ITEMS[number - 1].text == text


def test_scales_are_rands_step_2() -> None:
    assert {scale.key: scale.items for scale in RAND36_SCALES} == TABLE_2


def test_each_item_is_in_exactly_one_scale_except_item_2() -> None:
    memberships = {n: [s.key for s in RAND36_SCALES if n in s.items] for n in range(1, 37)}

    assert memberships.pop(HEALTH_CHANGE_ITEM) == []
    assert all(len(keys) == 1 for keys in memberships.values())
    assert all(RAND36_ITEMS[n - 1].scale == keys[0] for n, keys in memberships.items())
    assert RAND36_ITEMS[HEALTH_CHANGE_ITEM - 1].scale is None


# ---------------------------------------------------------------- worked examples


def test_all_best_answers_score_100_everywhere() -> None:
    """Best answer to every item: each recodes to 100 (Table 1), so each average is 100."""
    scores = rand36_score(answers={str(n): best(n) for n in range(1, 37)})

    assert scale_scores(scores) == dict.fromkeys(SCALE_KEYS, 100.0)
    assert scores.health_change == 100
    assert dict(scores.answered) == {key: len(items) for key, items in TABLE_2.items()}


def test_all_worst_answers_score_0_everywhere() -> None:
    """Worst answer to every item: each recodes to 0, so each average is 0 (not None)."""
    scores = rand36_score(answers={str(n): worst(n) for n in range(1, 37)})

    assert scale_scores(scores) == dict.fromkeys(SCALE_KEYS, 0.0)
    assert scores.health_change == 0


# A person with MS a year after transplant: some walking limits, tired, in good spirits.
MIXED = {
    "1": 3,  # Good -> 50
    "2": 2,  # Somewhat better now than one year ago -> 75
    # Physical functioning, 3-12 (1 limited a lot -> 0, 2 a little -> 50, 3 not at all -> 100)
    "3": 1,  # vigorous -> 0
    "4": 2,  # moderate -> 50
    "5": 3,  # groceries -> 100
    "6": 1,  # several flights -> 0
    "7": 2,  # one flight -> 50
    "8": 2,  # bending -> 50
    "9": 1,  # more than a mile -> 0
    "10": 2,  # several blocks -> 50
    "11": 3,  # one block -> 100
    "12": 3,  # bathing -> 100
    # Role physical, 13-16 (1 yes -> 0, 2 no -> 100)
    "13": 1,
    "14": 1,
    "15": 2,
    "16": 1,
    # Role emotional, 17-19
    "17": 2,
    "18": 2,
    "19": 1,
    "20": 2,  # Slightly -> 75
    "21": 3,  # Mild -> 60
    "22": 2,  # A little bit -> 75
    "23": 4,  # pep: Some of the time -> 40
    "24": 5,  # nervous: A little of the time -> 80
    "25": 6,  # down in the dumps: None of the time -> 100
    "26": 3,  # calm: A good bit of the time -> 60
    "27": 4,  # energy: Some of the time -> 40
    "28": 5,  # downhearted: A little of the time -> 80
    "29": 3,  # worn out: A good bit of the time -> 40
    "30": 2,  # happy: Most of the time -> 80
    "31": 2,  # tired: Most of the time -> 20
    "32": 4,  # social activities: A little of the time -> 75
    "33": 2,  # sick easier: Mostly true -> 25
    "34": 4,  # as healthy as anybody: Mostly false -> 25
    "35": 3,  # expect worse: Don't know -> 50
    "36": 4,  # health excellent: Mostly false -> 25
}


def test_mixed_realistic_person() -> None:
    scores = rand36_score(answers=MIXED)

    # PF: (0 + 50 + 100 + 0 + 50 + 50 + 0 + 50 + 100 + 100) / 10 = 500 / 10 = 50
    assert scores.physical_functioning == 50.0
    # Role physical, items 13-16: 0 + 0 + 100 + 0 = 100, over 4 items = 25
    assert scores.role_limitations_physical == 25.0
    # Role emotional, items 17-19: 100 + 100 + 0 = 200, over 3 items = 66.67
    assert scores.role_limitations_emotional == 200 / 3
    # EF (23, 27, 29, 31): (40 + 40 + 40 + 20) / 4 = 140 / 4 = 35
    assert scores.energy_fatigue == 35.0
    # EWB (24, 25, 26, 28, 30): (80 + 100 + 60 + 80 + 80) / 5 = 400 / 5 = 80
    assert scores.emotional_well_being == 80.0
    # SF (20, 32): (75 + 75) / 2 = 75
    assert scores.social_functioning == 75.0
    # Pain (21, 22): (60 + 75) / 2 = 67.5
    assert scores.pain == 67.5
    # GH (1, 33, 34, 35, 36): (50 + 25 + 25 + 50 + 25) / 5 = 175 / 5 = 35
    assert scores.general_health == 35.0
    # Item 2 alone: Somewhat better -> 75
    assert scores.health_change == 75
    assert dict(scores.answered) == {key: len(items) for key, items in TABLE_2.items()}


def test_published_energy_example_with_a_blank_item() -> None:
    """The energy/fatigue example printed with RAND's tables: 4 to item 23, 3 to 27, 3 to 29
    and item 31 blank -> 40, 60, 40 -> (40 + 60 + 40) / 3 = 140 / 3 = 46.7 (not / 4)."""
    scores = rand36_score(answers={"23": 4, "27": 3, "29": 3})

    assert scores.energy_fatigue == 140 / 3
    assert round(scores.energy_fatigue, 1) == 46.7
    assert scores.answered["energy_fatigue"] == 3


def test_missing_items_average_only_what_was_answered() -> None:
    """Physical functioning from 3 of 10 items: (0 + 50 + 100) / 3 = 50; general health from
    item 1 only ("Fair" -> 25); no role, energy or pain item answered -> None, not 0."""
    scores = rand36_score(answers={"3": 1, "4": 2, "5": 3, "1": 4, "20": None})

    assert scores.physical_functioning == 50.0
    assert scores.answered["physical_functioning"] == 3
    assert scores.general_health == 25.0
    assert scores.answered["general_health"] == 1
    for key in SCALE_KEYS[1:7]:
        assert scores.score(key) is None
        assert scores.answered[key] == 0
    assert scores.health_change is None


def test_nothing_answered_is_unknown_everywhere() -> None:
    scores = rand36_score(answers={})

    assert set(scale_scores(scores).values()) == {None}
    assert set(scores.answered.values()) == {0}
    assert scores.health_change is None


def test_result_names_its_versions_and_serialises() -> None:
    scores = rand36_score(answers={"21": 6, "22": 5})
    data = scores.to_dict()

    assert scores.instrument_version == RAND36_VERSION == "RAND-36 1.0"
    assert scores.scoring_version == RAND36_SCORING_VERSION
    assert data["scales"]["pain"] == {"score": 0.0, "answered": 2, "items": 2}
    assert data["scales"]["physical_functioning"] == {"score": None, "answered": 0, "items": 10}
    assert data["instrument_version"] == "RAND-36 1.0"
    with pytest.raises(KeyError):
        scores.score("vitality")


# ---------------------------------------------------------------- property


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, int]:
    """Any subset of the 36 items, each with any of its allowed answers."""
    answers: dict[str, int] = {}
    for n in range(1, 37):
        if draw(st.booleans()):
            answers[str(n)] = draw(st.integers(min_value=1, max_value=len(RECODE[n])))
    return answers


@given(answer_sets())
def test_every_scale_is_the_mean_of_its_answered_recoded_items(answers: dict[str, int]) -> None:
    scores = rand36_score(answers=answers)

    for key, items in TABLE_2.items():
        values = [RECODE[n][answers[str(n)] - 1] for n in items if str(n) in answers]
        score = scores.score(key)
        assert scores.answered[key] == len(values)
        if values:
            assert score is not None
            assert 0 <= score <= 100
            assert score == pytest.approx(sum(values) / len(values))
        else:
            assert score is None
    change = answers.get(str(HEALTH_CHANGE_ITEM))
    assert scores.health_change == (None if change is None else RECODE[2][change - 1])


# ---------------------------------------------------------------- bad input


def test_bad_answers_give_one_field_error_per_item() -> None:
    answers: dict[str, object] = {
        "x": 1,  # not an item
        "1": 6,  # item 1 has 5 answers
        "13": 3,  # yes/no item
        "3": 0,  # below 1
        "37": 1,  # not an item
        "21": True,  # a truth value is not an answer number
        "22": 2.0,  # nor is a float
        "24": "3",  # nor text
        "25": 4,  # fine
    }

    with pytest.raises(InvalidInput) as caught:
        rand36_score(answers=answers)  # type: ignore[arg-type]

    errors = caught.value.errors
    assert caught.value.fields == (
        "answers.1",
        "answers.3",
        "answers.13",
        "answers.21",
        "answers.22",
        "answers.24",
        "answers.x",
        "answers.37",
    )
    by_field = {error.field: error for error in errors}
    assert by_field["answers.1"].allowed == "a whole number from 1 to 5"
    assert by_field["answers.13"].allowed == "a whole number from 1 to 2"
    assert by_field["answers.21"].allowed == "a whole number from 1 to 6"
    assert by_field["answers.x"].message == "this is not an item of the RAND-36."
    for error in errors:
        assert error.message_text is not None
        assert error.allowed_text is not None
        assert error.translate(lambda text: text) == f"{error.message} (allowed: {error.allowed})"


def test_item_numbers_must_be_text() -> None:
    """``{1: 3}`` is refused rather than guessed: the API and forms send text keys."""
    with pytest.raises(InvalidInput) as caught:
        rand36_score(answers={1: 3})  # type: ignore[dict-item]

    assert caught.value.fields == ("answers.1",)


def test_error_messages_translate() -> None:
    """Both halves of the error come from the catalogue, with the count filled in after."""
    catalogue = {
        qol.BAD_ANSWER: "pas une réponse de cette question.",
        qol.BAD_ANSWER_ALLOWED: "un nombre entier de 1 à {count}",
        "{problem} (allowed: {allowed})": "{problem} (permis : {allowed})",
    }
    with pytest.raises(InvalidInput) as caught:
        rand36_score(answers={"21": 9})
    error = caught.value.errors[0]

    translated = error.translate(lambda text: catalogue.get(text, text))
    assert translated == "pas une réponse de cette question. (permis : un nombre entier de 1 à 6)"


# ---------------------------------------------------------------- text, licences and sources


def _marked_messages() -> set[str]:
    path = Path(qol.__file__)
    return {
        message if isinstance(message, str) else message[0]
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"N_": None}
        )
    }


def test_item_text_is_never_marked_for_translation() -> None:
    """RAND's wording must not reach the ru/es catalogues (no unvalidated translations)."""
    marked = _marked_messages()
    rand_text = {item.text for item in RAND36_ITEMS} | {
        option.label for item in RAND36_ITEMS for option in item.options
    }
    rand_text |= {item.stem for item in RAND36_ITEMS if item.stem}

    assert marked & rand_text == set()
    assert {scale.label for scale in RAND36_SCALES} <= marked
    assert {report.finding for report in PUBLISHED_QOL_REPORTS} <= marked


def test_scoring_source_is_rand_retrieved_on_the_day() -> None:
    assert RAND36_SCORING_SOURCE.date == "2026-12-02"
    assert RAND36_SCORING_SOURCE.url is not None
    assert RAND36_SCORING_SOURCE.url.startswith("https://www.rand.org/")


def test_licence_decisions() -> None:
    licences = {licence.instrument: licence for licence in QOL_LICENCES}

    assert licences["RAND-36 1.0"].ships_items is True
    assert "clearly identified" in licences["RAND-36 1.0"].terms
    assert licences["MSQOL-54"].ships_items is False
    assert all(licence.sources for licence in QOL_LICENCES)


def test_published_reports_are_sourced_and_honest() -> None:
    keys = [report.key for report in PUBLISHED_QOL_REPORTS]

    assert 3 <= len(PUBLISHED_QOL_REPORTS) <= 5
    assert len(set(keys)) == len(keys)
    for report in PUBLISHED_QOL_REPORTS:
        assert report.source.link is not None
        assert report.source.date
        if report.months is not None:
            first, last = report.months
            assert 0 < first <= last
        if not report.verified:
            assert report.note
        if report.direction == "not verified":
            assert not report.verified
    vilnius = next(r for r in PUBLISHED_QOL_REPORTS if r.key == "vilnius-2022")
    assert (vilnius.months, vilnius.direction, vilnius.verified) == ((3, 24), "improved", True)
    assert vilnius.source.doi == "10.1038/s41598-022-19748-7"
