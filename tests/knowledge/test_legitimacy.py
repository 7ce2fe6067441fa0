"""Red and green flags: a clinic without chemotherapy is not aHSCT, with the reasons."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsct.common.errors import InvalidInput
from hsct.knowledge import QUESTIONS, Catalog, load_catalog, rate, rate_facility
from hsct.knowledge.legitimacy import (
    CAUTION_IDS,
    REGULATORS,
    country_check,
    documented_prices,
    facility_cautions,
    guideline_limit,
    parse_price,
    patient_guide,
    price_currencies,
    report_routes,
)
from hsct.knowledge.schema import Fact, RuleSet

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
    assert rating.red[1].flag.hard
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


def test_a_treatment_of_hours_or_days_is_decisive() -> None:
    """Everything else reassuring, but over in hours or days: not aHSCT (no weeks of aplasia)."""
    rating = rate({**LEGITIMATE, "duration": "hours_or_days"}, load_catalog())

    assert rating.verdict == "not_ahsct"
    assert [(r.flag.id, r.flag.hard) for r in rating.red] == [("too_short", True)]
    assert str(rating.red[0].message) == (
        "A treatment that lasts hours or a few days. aHSCT takes weeks: stem cells are "
        "collected, chemotherapy is given, and blood counts then stay very low, in isolation, "
        'until they recover. A "stem cell" treatment this short is not aHSCT.'
    )
    assert [s.label.split(":")[0].split(",")[0] for s in rating.red[0].sources] == [
        "Sharrack B",
        "Jessop H",
        "MS Society (UK)",
        "MS Society (UK) community blog",
    ]


def test_marketing_a_cure_for_ms_is_a_warning_sign() -> None:
    """ "Cures all types of MS": a red flag (not decisive on its own), with its sources."""
    rating = rate({**LEGITIMATE, "cure_claim": "yes"}, load_catalog())

    assert rating.verdict == "some_concerns"
    assert [(r.flag.id, r.flag.hard) for r in rating.red] == [("cure_claim", False)]
    assert str(rating.red[0].message) == (
        "The clinic markets a cure for MS, or one treatment for all types of MS. No treatment "
        "is proven to cure MS; aHSCT helps mainly active relapsing MS, and progressive MS only "
        "when there are signs of inflammation."
    )
    assert [s.date for s in rating.red[0].sources] == [
        "2026-11",
        "2021-06-03",
        "2026-11",
        "2025-01-15",
    ]
    assert rating.red[0].sources[0].label.startswith("National MS Society (US)")
    assert rating.red[0].sources[1].label.startswith("U.S. FDA")
    assert rate({**LEGITIMATE, "cure_claim": "no"}, load_catalog()).verdict == (
        "consistent_with_ahsct"
    )


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


RED_YES = (
    "pressure",
    "many_diseases",
    "cure_claim",
    "claims",
    "pay_for_trial",
    "registration_badge",
)


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


# ---------------------------------------------------------------- cautions on clinic pages


@pytest.mark.parametrize(
    ("facility", "expected"),
    [
        ("puebla-clinica-ruiz", ["no_transplant_accreditation", "edss_beyond_guidelines"]),
        ("moscow-pirogov", ["no_transplant_accreditation", "age_beyond_guidelines"]),
        ("sheffield-royal-hallamshire", []),
        ("london-bridge-hca", []),
        ("gurugram-artemis", ["no_transplant_accreditation", "edss_beyond_guidelines"]),
        ("gurugram-fortis", ["no_transplant_accreditation", "edss_beyond_guidelines"]),
        ("chicago-northwestern", ["status_closed", "no_transplant_accreditation"]),
        ("hamburg-uke", ["status_closed", "no_transplant_accreditation"]),
        ("thessaloniki-papanicolaou", ["status_historical", "no_transplant_accreditation"]),
        ("jerusalem-hadassah", ["status_not_confirmed", "no_transplant_accreditation"]),
        ("london-hammersmith", ["no_transplant_accreditation"]),
    ],
)
def test_listed_facilities_get_their_cautions(facility: str, expected: list[str]) -> None:
    """Status, accreditation and limits beyond every guideline, most important first."""
    catalog = load_catalog()

    cautions = facility_cautions(catalog.facilities[facility], catalog)

    assert [c.id for c in cautions] == expected


def test_every_caution_is_known_and_cites_a_source() -> None:
    """No caution without a source; ids come from the documented list."""
    catalog = load_catalog()
    cautions = [c for f in catalog.facilities.values() for c in facility_cautions(f, catalog)]

    assert {c.id for c in cautions} == set(CAUTION_IDS)
    assert all(c.citations for c in cautions)


def test_the_most_permissive_guideline_limits() -> None:
    """NHS London 2016 is the most permissive guideline: EDSS up to 6.5, age up to 65."""
    catalog = load_catalog()
    edss = guideline_limit(catalog, "edss")
    age = guideline_limit(catalog, "age")

    assert edss is not None
    assert age is not None
    assert (edss.value, edss.ruleset.id, edss.src) == (6.5, "nhs-london-2016", "london-2016")
    assert (age.value, age.ruleset.id, age.src) == (65.0, "nhs-london-2016", "london-2016")


def test_clinica_ruiz_edss_caution_names_both_limits() -> None:
    """Up to 8.0 (7.0 usually) against the 6.5 of NHS London 2016, with both sources."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities["puebla-clinica-ruiz"], catalog)[1]

    assert str(caution.message) == (
        "Accepts people with an EDSS up to 8.0 (usually up to 7.0; higher case by case), "
        "higher than any guideline allows (the most permissive, NHS London 2016, stops at "
        "6.5). The best evidence for aHSCT is at an EDSS of 5.5 or less: ask the clinic what "
        "benefit it expects at your EDSS."
    )
    assert caution.sources[0].label.startswith("London MS-AHSCT Collaborative Group")
    assert [e.label for e in caution.evidence] == ["HSCT-México (Clínica Ruiz): inclusion criteria"]


def test_fortis_edss_caution_without_a_usual_limit() -> None:
    """A single published ceiling (7.0): no "usually" part."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities["gurugram-fortis"], catalog)[1]

    assert str(caution.message).startswith(
        "Accepts people with an EDSS up to 7.0, higher than any guideline allows (the most "
        "permissive, NHS London 2016, stops at 6.5)."
    )
    assert caution.evidence[0].label.startswith("Dayama A, Bhargava R")


def test_moscow_age_caution() -> None:
    """Ages 16 to 70 in the 2017 guide: above the 65 of NHS London 2016."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities["moscow-pirogov"], catalog)[1]

    assert str(caution.message) == (
        "Accepts people up to age 70, older than any guideline allows (the most permissive, "
        "NHS London 2016, stops at 65). The best evidence for aHSCT is in people under 45: ask "
        "the clinic how it weighs the risks at your age."
    )
    assert [(e.label[:13], e.date) for e in caution.evidence] == [("Fedorenko D. ", "2017-01-30")]


@pytest.mark.parametrize(
    ("facility", "text"),
    [
        (
            "moscow-pirogov",
            (
                "No JACIE or FACT accreditation of the transplant unit was found. JACIE and FACT "
                "inspect transplant units against international standards, and the EBMT advises "
                "having aHSCT in an accredited centre: ask the clinic, and check their lists of "
                "accredited centres."
            ),
        ),
        (
            "gurugram-artemis",
            (
                "Accredited as JCI, which is general hospital accreditation; no JACIE or FACT "
                "accreditation of the transplant unit was found. JACIE and FACT inspect transplant "
                "units against international standards, and the EBMT advises having aHSCT in an "
                "accredited centre: ask the clinic, and check their lists of accredited centres."
            ),
        ),
        (
            "london-hammersmith",
            (
                "We have no record of JACIE or FACT accreditation for this transplant unit. JACIE "
                "and FACT inspect transplant units against international standards, and the EBMT "
                "advises having aHSCT in an accredited centre: ask the clinic, and check their "
                "lists of accredited centres."
            ),
        ),
    ],
)
def test_accreditation_caution_says_what_was_found(facility: str, text: str) -> None:
    """Looked for and not found, another label only (JCI), or simply not recorded."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities[facility], catalog)[0]

    assert caution.id == "no_transplant_accreditation"
    assert str(caution.message) == text
    assert [s.label.split(":")[0].split(" (")[0] for s in caution.sources] == [
        (
            "Jessop H, Farge D, Saccardi R, et al. General information for patients and carers "
            "considering haematopoietic stem cell transplantation"
        ),
        "National MS Society",
        "MS Society",
        "JACIE",
    ]


@pytest.mark.parametrize(
    ("facility", "text", "evidence"),
    [
        (
            "chicago-northwestern",
            "Closed to new patients (as of 2019-09): this is not a programme to apply to.",
            ("The Scientist", "2019-09"),
        ),
        (
            "thessaloniki-papanicolaou",
            (
                "This programme treated people with MS in the past (source dated 2000); no current "
                "programme was found."
            ),
            ("Encephalos", "2000"),
        ),
        (
            "pretoria-netcare",
            (
                "No current aHSCT programme for MS could be confirmed at this hospital; the latest "
                "source found is dated 2010-08-05. Ask the hospital whether it treats MS before "
                "planning anything."
            ),
            ("News24", "2010-08-05"),
        ),
    ],
)
def test_status_caution_gives_the_date_and_source(
    facility: str, text: str, evidence: tuple[str, str]
) -> None:
    """Closed, historical or unconfirmed: the status date in the text, its source as evidence."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities[facility], catalog)[0]

    assert str(caution.message) == text
    assert caution.sources == ()
    assert [(e.label.split(":")[0], e.date) for e in caution.evidence] == [evidence]


def test_fact_accreditation_counts_and_an_undated_status_says_so() -> None:
    """FACT is transplant accreditation too; a status without source or date is named so."""
    catalog = load_catalog()
    closed = catalog.facilities["chicago-northwestern"].model_copy(
        update={
            "status": Fact[str](value="closed"),
            "accreditation": Fact[tuple[str, ...]](value=("FACT",), src="scientist-2019"),
        }
    )

    cautions = facility_cautions(closed, catalog)

    assert [(c.id, str(c.message)) for c in cautions] == [
        (
            "status_closed",
            "Closed to new patients (as of date not stated): this is not a programme to apply to.",
        )
    ]
    assert cautions[0].evidence == ()


def _with_guideline(catalog: Catalog, edss_max: float) -> Catalog:
    """The catalogue plus one guideline accepting an EDSS up to ``edss_max``."""
    extra = RuleSet.model_validate(
        {
            "id": "permissive-guideline",
            "kind": "guideline",
            "title": "A guideline accepting a high EDSS",
            "short_title": "Permissive",
            "published": "2026",
            "src": "london-2016",
            "status": {"value": "current", "src": "london-2016"},
            "criteria": [
                {"id": "edss", "parameter": "edss", "operator": "<=", "threshold": edss_max}
            ],
        }
    )
    rulesets = MappingProxyType({**catalog.rulesets, extra.id: extra})
    return dataclasses.replace(catalog, rulesets=rulesets)


@pytest.mark.parametrize(("edss_max", "cautioned"), [(7.5, True), (8.0, False), (9.0, False)])
def test_edss_caution_only_above_every_guideline(edss_max: float, cautioned: bool) -> None:
    """Clínica Ruiz's 8.0 is cautioned only while every guideline stops below 8.0."""
    catalog = _with_guideline(load_catalog(), edss_max)

    ids = [c.id for c in facility_cautions(catalog.facilities["puebla-clinica-ruiz"], catalog)]

    assert ("edss_beyond_guidelines" in ids) is cautioned


def test_caution_as_plain_data() -> None:
    """The JSON form: id, the English message, the rule's sources and the fact's source."""
    catalog = load_catalog()
    caution = facility_cautions(catalog.facilities["chicago-northwestern"], catalog)[0]

    assert caution.to_dict() == {
        "id": "status_closed",
        "message": "Closed to new patients (as of 2019-09): this is not a programme to apply to.",
        "sources": [],
        "evidence": [
            {
                "label": "The Scientist: Northwestern University stem cell therapy clinic closes "
                "abruptly (6 September 2019)",
                "date": "2019-09",
                "url": "https://www.the-scientist.com/northwestern-university-stem-cell-therapy-"
                "clinic-closes-abruptly--66401",
                "doi": None,
            }
        ],
    }


# ---------------------------------------------------------------- price and country (issue 19)

LOWEST_EUROS = 1_600_000 / 62.560  # St. Luke's, PHP 1.6-2.0 million, at the ECB's PHP rate
OUT_OF_RANGE = (
    "The amount must be more than 0 and less than 10 billion; leave it empty if you pay nothing."
)


def test_the_lowest_documented_price_is_st_lukes() -> None:
    """Every sourced treatment price is compared; St. Luke's PHP 1.6 million is the lowest."""
    quotes = documented_prices(load_catalog())

    assert [(q.facility_id, q.quote.amount, q.quote.currency) for q in quotes[:2]] == [
        ("taguig-st-lukes", 1_600_000, "PHP"),
        ("gurugram-artemis", 30_000, "USD"),
    ]
    assert quotes[0].in_euros == pytest.approx(LOWEST_EUROS)
    assert quotes[0].source.label.startswith("Inquirer Global Nation")
    assert all(q.quote.kind == "treatment" for q in quotes)


@pytest.mark.parametrize(
    ("price", "status"),
    [
        ("9000 USD", "far_below"),
        ("12787 EUR", "far_below"),  # just under half of EUR 25,575
        ("12788 EUR", "below_lowest"),
        ("20000 USD", "below_lowest"),
        ("25576 EUR", "not_below"),
        ("250000 USD", "not_below"),
        ("1000000 RUB", "far_below"),  # about EUR 10,990 at the Bank of Russia's rate
        ("3000000 RUB", "not_below"),
    ],
)
def test_a_price_is_placed_among_the_documented_prices(price: str, status: str) -> None:
    """Far below (less than half the lowest), below the lowest, not below, or not comparable."""
    rating = rate({"price_asked": price}, load_catalog())

    assert rating.price is not None
    assert rating.price.status == status
    assert rating.price.lowest is not None
    assert rating.price.lowest.facility_id == "taguig-st-lukes"


def test_a_price_far_below_is_one_soft_warning_sign_with_its_evidence() -> None:
    """USD 9,000: a warning sign to clear up, not a decisive one; the lowest quote is the fact."""
    rating = rate({"price_asked": "9000 USD"}, load_catalog())

    assert rating.verdict == "some_concerns"
    assert [(r.flag.id, r.flag.hard) for r in rating.red] == [("price_far_below", False)]
    assert rating.red[0].evidence is not None
    assert rating.red[0].evidence.label.startswith("Inquirer Global Nation")
    assert [s.label.split(",")[0].split(":")[0] for s in rating.red[0].sources] == [
        "Sharrack B",
        "MS Society (UK)",
    ]
    assert rating.price is not None
    assert rating.price.in_euros == pytest.approx(9000 / 1.0705)
    assert rating.price.rates.date == "2024-06-28"


@pytest.mark.parametrize("price", ["20000 USD", "60000 USD", "3000000 RUB"])
def test_a_price_not_far_below_raises_no_flag(price: str) -> None:
    """Below the lowest but not by half, within the range, or not comparable: no sign."""
    rating = rate({"price_asked": price}, load_catalog())

    assert rating.red == ()
    assert rating.verdict == "unclear"


def test_paying_for_cells_is_a_soft_warning_sign() -> None:
    """A price for "stem cells" by the dose: a warning sign citing EBMT, FDA and StemGenex."""
    rating = rate({"price_covers": "cells"}, load_catalog())

    assert rating.verdict == "some_concerns"
    assert [(r.flag.id, r.flag.hard) for r in rating.red] == [("pay_for_cells", False)]
    assert [s.label.split(" ")[0] for s in rating.red[0].sources] == ["Sharrack", "U.S.", "Los"]


def test_unknown_price_and_country_stay_unknown_and_are_asked() -> None:
    """'I don't know' is no verdict either way: the questions go to the list to ask."""
    rating = rate(
        {"price_asked": "unsure", "price_covers": "unsure", "country": "unsure"}, load_catalog()
    )

    assert rating.verdict == "unclear"
    assert (rating.red, rating.green, rating.price, rating.country) == ((), (), None, None)
    assert {"price_asked", "price_covers", "country"} <= {q.id for q in rating.unanswered}
    assert rating.answered == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15000 USD", (15000.0, "USD")),
        ("15,000 usd", (15000.0, "USD")),
        ("15.000 EUR", (15000.0, "EUR")),
        ("15 000,50 EUR", (15000.5, "EUR")),
        ("1'234'567 CHF", (1234567.0, "CHF")),
        ("12\u00a0345 RUB", (12345.0, "RUB")),
        ("15000usd", (15000.0, "USD")),
    ],
)
def test_prices_are_read_as_people_write_them(text: str, expected: tuple[float, str]) -> None:
    """Thousands separators of each language; a final comma or dot with 1-2 digits is decimal."""
    assert parse_price(text, price_currencies(load_catalog())) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not an amount: write it in figures, for example 15000."),
        ("1.2.3 EUR", "'1.2.3' is not an amount: write it in figures, for example 15000."),
        ("-5 EUR", "'-5' is not an amount: write it in figures, for example 15000."),
        ("15000", "Choose the currency of the price."),
        ("15000 XYZ", "XYZ is not a currency on the list."),
        ("0 EUR", OUT_OF_RANGE),
        ("10000000000 EUR", OUT_OF_RANGE),
    ],
)
def test_a_bad_price_is_named_with_what_to_write(text: str, message: str) -> None:
    """Each problem names the price question and says what to write instead."""
    with pytest.raises(InvalidInput) as caught:
        rate({"price_asked": text}, load_catalog())

    assert caught.value.fields == ("price_asked",)
    assert caught.value.errors[0].message == message
    assert caught.value.errors[0].message_text is not None


def test_a_very_long_price_is_refused_quickly() -> None:
    """A megabyte of digits is not matched, only named in a short excerpt."""
    with pytest.raises(InvalidInput) as caught:
        rate({"price_asked": "1" * 1_000_000 + " USD"}, load_catalog())

    assert "(1000004 characters)" in caught.value.errors[0].message


def test_the_country_names_its_regulator_and_listed_programmes_without_a_flag() -> None:
    """Mexico: COFEPRIS with its 2015 action, Clínica Ruiz as the listed programme, no sign."""
    rating = rate({"country": "MX"}, load_catalog())

    assert rating.verdict == "unclear"
    assert (rating.red, rating.green) == ((), ())
    assert rating.country is not None
    assert rating.country.regulator is not None
    assert rating.country.regulator.regulator.id == "cofepris"
    assert rating.country.regulator.report is None  # no reporting page confirmed
    assert [s.label.split(":")[0] for s in rating.country.regulator.warning_sources] == [
        "La Jornada (Mexico)"
    ]
    assert [f.id for f in rating.country.listed] == ["puebla-clinica-ruiz"]


@pytest.mark.parametrize(
    ("country", "regulator", "listed"),
    [
        ("US", "fda", ["chicago-northwestern"]),
        (
            "GB",
            "mhra",
            [
                "london-bridge-hca",
                "london-hammersmith",
                "london-kings-college",
                "sheffield-royal-hallamshire",
            ],
        ),
        ("DE", "eu_national", ["hamburg-uke", "heidelberg-university-hospital"]),
        ("NO", "eu_national", ["bergen-haukeland"]),
        ("RU", "roszdravnadzor", ["moscow-pirogov"]),
        ("IN", None, ["gurugram-artemis", "gurugram-fortis"]),
        ("other", None, []),
    ],
)
def test_each_country_gets_its_regulator(
    country: str, regulator: str | None, listed: list[str]
) -> None:
    """EU and EEA countries share the national-authority entry; others have none listed."""
    check = country_check(country, load_catalog())

    assert (check.regulator.regulator.id if check.regulator else None) == regulator
    assert sorted(f.id for f in check.listed) == listed


def test_every_listed_programme_country_can_be_chosen() -> None:
    """The country question offers the country of every listed facility and regulator."""
    catalog = load_catalog()
    country = next(q for q in QUESTIONS if q.id == "country")
    offered = {c.value for c in country.choices}

    assert {f.country for f in catalog.facilities.values()} <= offered
    assert {c for r in REGULATORS for c in r.countries} <= offered
    assert {"other", "unsure"} <= offered


def test_every_regulator_is_sourced_and_links_only_a_confirmed_page() -> None:
    """Each regulator has sources; FDA, MHRA and the EU entry link a page, the others none."""
    catalog = load_catalog()
    routes = {r.regulator.id: r for r in report_routes(catalog)}

    assert all(route.sources for route in routes.values())
    assert {k: (r.report.url if r.report else None) for k, r in routes.items()} == {
        "fda": "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
        "reporting-adverse-events-related-stem-cells-exosomes-or-other-products-marketed-"
        "regenerative",
        "mhra": "https://yellowcard.mhra.gov.uk/",
        "eu_national": "http://ema.europa.eu/en/partners-networks/eu-partners/eu-member-states",
        "roszdravnadzor": None,
        "cofepris": None,
    }
    assert all(r.warning_sources for r in routes.values() if r.regulator.warning)
    assert patient_guide(catalog).url == "http://www.closerlookatstemcells.org/What_to_Ask.html"


def test_the_clinic_country_regulator_is_listed_first() -> None:
    """Reporting lists every regulator, the one for the clinic's country first."""
    catalog = load_catalog()

    assert [r.regulator.id for r in report_routes(catalog)] == [
        "fda",
        "mhra",
        "eu_national",
        "roszdravnadzor",
        "cofepris",
    ]
    assert [r.regulator.id for r in report_routes(catalog, "RU")][:2] == ["roszdravnadzor", "fda"]
    assert next(r.regulator.id for r in report_routes(catalog, "IT")) == "eu_national"


@given(
    st.fixed_dictionaries(
        {}, optional={q.id: st.sampled_from([c.value for c in q.choices]) for q in QUESTIONS}
    ),
    st.sampled_from(["9000 USD", "20000 USD", "60000 USD", "1000000 RUB"]),
)
def test_a_price_or_paying_for_cells_never_improves_the_verdict(
    answers: dict[str, str], price: str
) -> None:
    """Neither a price nor a price for cells can make a clinic look better."""
    catalog = load_catalog()
    before = rate(answers, catalog).verdict
    after = rate({**answers, "price_asked": price, "price_covers": "cells"}, catalog).verdict

    assert ORDER.index(after) >= ORDER.index(before) or after == "unclear"
