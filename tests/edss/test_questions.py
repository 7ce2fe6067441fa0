"""The walking question that narrows a range most: chosen by the calculator's own results."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsct.edss import (
    DOES_NOT_APPLY,
    WALKING_ANSWERS,
    BedStatus,
    WalkingFacts,
    WalkingQuestion,
    Wheelchair,
    answer_step,
    next_question,
    score,
)
from hsct.edss._ambulation import walking_errors
from tests.edss.strategies import partial_grades


def _outcomes(
    facts: WalkingFacts, **grades: int | None
) -> tuple[str, list[tuple[str, float, float]]]:
    found = next_question(facts, grades=grades)
    assert found is not None
    return found.question.value, [(o.answer, o.low, o.high) for o in found.outcomes]


def test_walking_5_to_49_m_with_one_stick_asks_about_walking_without_aid() -> None:
    """4.5 to 6.5 with the systems known: the unaided distance settles all but one answer."""
    grades = dict.fromkeys(
        ("visual", "brainstem", "pyramidal", "cerebellar", "sensory", "bowel_bladder"), 0
    )
    facts = WalkingFacts(one_aid_m=20)

    assert _outcomes(facts, **grades, cerebral=4) == (
        "unaided",
        [
            ("500", 4.0, 4.0),
            ("300", 4.5, 4.5),
            ("200", 5.0, 5.0),
            ("100", 5.5, 5.5),
            ("5", 6.0, 6.0),
            ("0", 6.0, 6.5),
        ],
    )


def test_nothing_known_asks_the_unaided_distance_first() -> None:
    """From 0 to 9.5, walking without aid splits the range best."""
    assert _outcomes(WalkingFacts()) == (
        "unaided",
        [
            ("500", 0.0, 5.0),
            ("300", 4.5, 5.0),
            ("200", 5.0, 5.0),
            ("100", 5.5, 5.5),
            ("5", 6.0, 6.0),
            ("0", 6.0, 9.5),
        ],
    )


def test_someone_who_cannot_walk_5_m_unaided_is_asked_about_wheelchair_and_bed() -> None:
    """Each wheelchair or bed answer settles the EDSS; 'does not apply' leaves 6.0 to 6.5."""
    assert _outcomes(WalkingFacts(unaided_m=0)) == (
        "not_walking",
        [
            ("wheelchair_independent", 7.0, 7.0),
            ("wheelchair_with_help", 7.5, 7.5),
            ("bed_or_chair", 8.0, 8.0),
            ("bed_much_of_day", 8.5, 8.5),
            ("helpless_in_bed", 9.0, 9.0),
            ("totally_helpless", 9.5, 9.5),
            (DOES_NOT_APPLY, 6.0, 6.5),
        ],
    )


def test_answers_that_would_contradict_are_not_offered() -> None:
    """Under 5 m in every way: 'does not apply' would contradict, so it is left out."""
    facts = WalkingFacts(unaided_m=0, one_aid_m=0, two_aids_m=0)

    question, outcomes = _outcomes(facts)

    assert question == "not_walking"
    assert DOES_NOT_APPLY not in [answer for answer, _, _ in outcomes]


def test_500_m_without_aid_asks_whether_walking_is_unrestricted() -> None:
    """Unrestricted walking is the one open walking fact that still moves the low end."""
    assert _outcomes(WalkingFacts(unaided_m=500)) == (
        "unrestricted",
        [("yes", 0.0, 5.0), ("no", 2.0, 5.0)],
    )


@pytest.mark.parametrize(
    "facts",
    [
        WalkingFacts(unaided_m=250),  # exactly 5.0
        WalkingFacts(unaided_m=400),  # 4.5 to 5.0: the rest is the functional systems
        WalkingFacts(unrestricted=True),
        WalkingFacts(wheelchair=Wheelchair.WITH_HELP),
    ],
    ids=["settled", "systems-left", "unrestricted", "wheelchair"],
)
def test_no_question_when_walking_can_narrow_nothing(facts: WalkingFacts) -> None:
    """A settled EDSS, or a range left only by the functional systems, asks nothing."""
    assert next_question(facts) is None


ANSWER_STEPS = {
    ("unrestricted", "yes"): (0, 0.0),
    ("unrestricted", "no"): None,
    ("unaided", "500"): (1, 2.0),
    ("unaided", "300"): (2, 4.5),
    ("unaided", "200"): (3, 5.0),
    ("unaided", "100"): (4, 5.5),
    ("unaided", "5"): (5, 6.0),
    ("unaided", "0"): None,
    ("one_aid", "50"): (6, 6.0),
    ("one_aid", "5"): (8, 6.5),
    ("one_aid", "0"): None,
    ("two_aids", "120"): (7, 6.0),
    ("two_aids", "5"): (9, 6.5),
    ("two_aids", "0"): None,
    ("not_walking", "wheelchair_independent"): (10, 7.0),
    ("not_walking", "wheelchair_with_help"): (11, 7.5),
    ("not_walking", "bed_or_chair"): (12, 8.0),
    ("not_walking", "bed_much_of_day"): (12, 8.5),
    ("not_walking", "helpless_in_bed"): (12, 9.0),
    ("not_walking", "totally_helpless"): (12, 9.5),
}


def test_each_answer_counts_as_the_neurostatus_ambulation_score() -> None:
    """Every answer the form offers, with the score and step it stands for on its own."""
    found = {
        (question.value, answer): answer_step(question, answer)
        for question, answers in WALKING_ANSWERS.items()
        for answer, _ in answers
    }

    assert found == ANSWER_STEPS


def test_kurtzke_mode_counts_500_m_as_4_0() -> None:
    """'Fully ambulatory' is 4.0 when Kurtzke is read as written."""
    assert answer_step(WalkingQuestion.UNAIDED, "500", mode="kurtzke") == (1, 4.0)


def _open_facts() -> st.SearchStrategy[WalkingFacts]:
    """Walking facts as the form can give them (any question may be open), no contradiction."""
    facts = st.builds(
        WalkingFacts,
        unrestricted=st.sampled_from([None, True, False]),
        unaided_m=st.sampled_from([None, 500.0, 300.0, 200.0, 100.0, 5.0, 0.0]),
        one_aid_m=st.sampled_from([None, 50.0, 5.0, 0.0]),
        two_aids_m=st.sampled_from([None, 120.0, 5.0, 0.0]),
        wheelchair=st.sampled_from([None, *Wheelchair]),
        bed_status=st.sampled_from(
            [None, *(s for s in BedStatus if s is not BedStatus.DEATH_DUE_TO_MS)]
        ),
    )
    return facts.filter(lambda f: not walking_errors(f))


def _completions(facts: WalkingFacts) -> list[WalkingFacts]:
    """Every way the open distance questions (and unrestricted) could still be answered."""
    options = {
        "unrestricted": [True, False],
        "unaided_m": [500.0, 300.0, 200.0, 100.0, 5.0, 0.0],
        "one_aid_m": [50.0, 5.0, 0.0],
        "two_aids_m": [120.0, 5.0, 0.0],
    }
    open_ = {name: values for name, values in options.items() if getattr(facts, name) is None}
    found = []
    for combination in product(*open_.values()):
        candidate = replace(facts, **dict(zip(open_, combination, strict=True)))
        if not walking_errors(candidate):
            found.append(candidate)
    return found


@given(_open_facts(), partial_grades())
def test_each_outcome_is_exactly_what_the_calculator_gives_after_that_answer(
    facts: WalkingFacts, grades: dict[str, int | None]
) -> None:
    """Outcomes are inside the current range, narrower somewhere, and equal to score()."""
    current = score(**grades, walking=facts)  # type: ignore[arg-type]
    found = next_question(facts, grades=grades)
    if found is None:
        return
    adds = dict(WALKING_ANSWERS[found.question])
    for outcome in found.outcomes:
        assert current.low <= outcome.low <= outcome.high <= current.high
        if outcome.answer == DOES_NOT_APPLY:
            walks = [
                score(**grades, walking=c)  # type: ignore[arg-type]
                for c in _completions(facts)
                if c.unrestricted or any(d >= 5 for d in (c.unaided_m, c.one_aid_m, c.two_aids_m))
            ]
            expected = (min(r.low for r in walks), max(r.high for r in walks))
        else:
            after = score(**grades, walking=replace(facts, **adds[outcome.answer]))  # type: ignore[arg-type]
            expected = (after.low, after.high)
        assert (outcome.low, outcome.high) == expected
    assert any((o.low, o.high) != (current.low, current.high) for o in found.outcomes)


@given(_open_facts(), partial_grades())
def test_no_other_open_question_leaves_a_narrower_worst_case(
    facts: WalkingFacts, grades: dict[str, int | None]
) -> None:
    """The question asked is the best in the worst case among the questions that narrow."""
    found = next_question(facts, grades=grades)
    if found is None:
        return
    for question in WalkingQuestion:
        if question is found.question or question is WalkingQuestion.NOT_WALKING:
            continue
        names = {
            WalkingQuestion.UNRESTRICTED: "unrestricted",
            WalkingQuestion.UNAIDED: "unaided_m",
            WalkingQuestion.ONE_AID: "one_aid_m",
            WalkingQuestion.TWO_AIDS: "two_aids_m",
        }
        if getattr(facts, names[question]) is not None:
            continue
        widths = [
            score(**grades, walking=replace(facts, **update)).high  # type: ignore[arg-type]
            - score(**grades, walking=replace(facts, **update)).low  # type: ignore[arg-type]
            for _, update in WALKING_ANSWERS[question]
            if not walking_errors(replace(facts, **update))
        ]
        if widths:
            assert found.widest <= max(widths)
