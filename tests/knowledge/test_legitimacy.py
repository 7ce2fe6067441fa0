"""Red and green flags: a clinic without chemotherapy is not aHSCT, with the reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.knowledge import QUESTIONS, load_catalog, rate, rate_facility

ORDER = [
    "consistent_with_ahsct",
    "check_more",
    "unclear",
    "some_concerns",
    "serious_concerns",
    "not_ahsct",
]
LEGITIMATE = {
    "chemotherapy": "yes",
    "cells": "own_blood_stem_cells",
    "duration": "weeks",
    "criteria": "yes",
    "accreditation": "yes",
    "registry": "yes",
    "published_results": "yes",
    "named_team": "yes",
    "follow_up": "yes",
    "risks_explained": "yes",
}


def test_stem_cell_infusions_without_chemotherapy_are_not_ahsct() -> None:
    """The EUR 15,500 offer: cells infused over days, no chemotherapy."""
    rating = rate(
        {"chemotherapy": "no", "duration": "hours_or_days", "cells": "unsure"}, load_catalog()
    )

    assert rating.verdict == "not_ahsct"
    assert [r.flag.id for r in rating.red] == ["no_chemotherapy", "too_short"]
    assert rating.red[0].flag.hard
    assert str(rating.red[0].message).startswith("No chemotherapy before the cells are given.")
    labels = [s.label for s in rating.red[0].sources]
    assert any(label.startswith("U.S. FDA") for label in labels)
    assert any(label.startswith("Sharrack B") for label in labels)


@pytest.mark.parametrize("product", ["mesenchymal", "fat", "cord", "exosomes"])
def test_non_haematopoietic_products_are_decisive(product: str) -> None:
    """Even with chemotherapy, a mesenchymal, fat, cord or exosome product is not aHSCT."""
    rating = rate({"chemotherapy": "yes", "cells": product}, load_catalog())

    assert rating.verdict == "not_ahsct"
    assert "non_haematopoietic_product" in [r.flag.id for r in rating.red]


def test_hard_sell_without_criteria_is_decisive() -> None:
    """Pressure to pay plus no published criteria."""
    rating = rate({**LEGITIMATE, "pressure": "yes", "criteria": "no"}, load_catalog())

    assert rating.verdict == "not_ahsct"
    assert "hard_sell_without_criteria" in [r.flag.id for r in rating.red]


def test_full_safeguards_are_consistent_with_ahsct() -> None:
    """Chemotherapy, own cells and several safeguards, no warning signs."""
    rating = rate(LEGITIMATE, load_catalog())

    assert rating.verdict == "consistent_with_ahsct"
    assert rating.red == ()


def test_nothing_known_is_unclear_with_every_question_to_ask() -> None:
    """No answers: no verdict either way, and the whole questionnaire to take to the clinic."""
    rating = rate({}, load_catalog())

    assert rating.verdict == "unclear"
    assert len(rating.unanswered) == len(QUESTIONS)


def test_bad_answers_are_named() -> None:
    """Unknown questions and answers are refused with what is allowed."""
    with pytest.raises(InvalidInput) as caught:
        rate({"chemotherapy": "maybe", "colour": "red"}, load_catalog())

    assert caught.value.fields == ("chemotherapy", "colour")
    assert caught.value.errors[0].allowed == "no, unsure, yes"


@pytest.mark.parametrize(
    ("facility", "verdict"),
    [
        ("moscow-pirogov", "consistent_with_ahsct"),
        ("puebla-clinica-ruiz", "consistent_with_ahsct"),
        ("sheffield-royal-hallamshire", "consistent_with_ahsct"),
        ("chicago-northwestern", "some_concerns"),
        ("jerusalem-hadassah", "unclear"),
    ],
)
def test_listed_facilities_are_rated_from_their_facts(facility: str, verdict: str) -> None:
    """Answers come from sourced facts; what the facts do not show stays unknown."""
    catalog = load_catalog()
    rating = rate_facility(catalog.facilities[facility], catalog)

    assert rating.verdict == verdict
    assert all(reason.sources for reason in (*rating.red, *rating.green))


def test_northwestern_warning_cites_its_evidence() -> None:
    """The FDA warning letter is a soft red flag with the news source as evidence."""
    catalog = load_catalog()
    rating = rate_facility(catalog.facilities["chicago-northwestern"], catalog)
    warning = next(r for r in rating.red if r.flag.id == "regulator_warning")

    assert warning.evidence is not None
    assert warning.evidence.label.startswith("The Niche (ipscell.com)")


def test_no_listed_facility_is_called_not_ahsct() -> None:
    """Every facility in the directory is an aHSCT programme; none has a decisive red flag."""
    catalog = load_catalog()

    assert [
        f.id
        for f in catalog.facilities.values()
        if rate_facility(f, catalog).verdict == "not_ahsct"
    ] == []


RED_YES = ("pressure", "many_diseases", "claims", "pay_for_trial", "registration_badge")


@given(
    st.fixed_dictionaries(
        {}, optional={q.id: st.sampled_from([c.value for c in q.choices]) for q in QUESTIONS}
    ),
    st.sampled_from(RED_YES),
)
def test_a_new_warning_sign_never_improves_the_verdict(answers: dict[str, str], red: str) -> None:
    """Answering "yes" to a warning-sign question can only keep or worsen the verdict."""
    catalog = load_catalog()
    before = rate(answers, catalog).verdict
    after = rate({**answers, red: "yes"}, catalog).verdict

    assert ORDER.index(after) >= ORDER.index(before) or after == "unclear"
