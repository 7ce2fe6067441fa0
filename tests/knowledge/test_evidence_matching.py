"""People like me: which studies included someone with the person's MS type, EDSS and age.

The rules (hsct.knowledge.evidence): the study must include the MS type; it must report an
EDSS range holding the person's EDSS (no range: not a match); its age range, where it reports
one, must hold the person's age; a value the person did not give is not compared.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hsct.common.errors import InvalidInput
from hsct.knowledge import load_catalog, match_studies, population_for
from hsct.knowledge.evidence import StudyMatches, matches_dict

EVERY_STUDY = 17
PROGRESSIVE_STUDIES = [
    "atkins-2016",
    "burt-2015",
    "muraro-2017",
    "sormani-2017",
    "boffa-2021",
    "nabizadeh-2022",
    "burman-2014",
    "shevchenko-2015",
    "melnichenko-2022",
    "burt-2021",
    "ruiz-2019",
]


def match(
    ms_type: str | None = None,
    edss: float | None = None,
    age: float | None = None,
    intensity: str | None = None,
) -> StudyMatches:
    """Studies for these values, from the shipped knowledge base."""
    return match_studies(load_catalog(), ms_type=ms_type, edss=edss, age=age, intensity=intensity)


def reasons(matches: StudyMatches, study_id: str) -> list[str]:
    """Why a study is among the others, in English."""
    found = next(m for m in matches.other if m.study.id == study_id)
    return [str(r) for r in found.reasons]


def test_relapsing_ms_edss_3_age_35_matches_mist_and_ottawa() -> None:
    """MIST (RRMS, EDSS 2.0-6.0) and Atkins (RRMS/SPMS, EDSS 3.0-6.0, age 18-50) match."""
    found = match("RRMS", 3.0, 35)

    assert [m.study.id for m in found.matching] == ["atkins-2016", "mist-2019"]
    mist = found.matching[1]
    assert (mist.edss_range_reported, mist.age_range_reported, mist.matches) == (
        True,
        False,
        True,
    )
    assert [str(h) for h in mist.headlines] == [
        (
            "Out of 100 people (all patients), about 6 had confirmed disability progression "
            "during the study's follow-up (median 2 years (mean 2.8); 23 followed to 5 years)."
        )
    ]
    assert str(mist.citation.doi) == "10.1001/jama.2018.18743"
    assert len(found.other) == EVERY_STUDY - 2
    assert [str(m) for m in found.not_compared] == []


def test_primary_progressive_edss_6_5_is_not_like_mist() -> None:
    """PPMS at EDSS 6.5: MIST is among the others, with both reasons; nothing matches."""
    found = match("PPMS", 6.5)

    assert found.matching == ()
    assert reasons(found, "mist-2019") == [
        "It did not include people with primary-progressive MS.",
        "Its EDSS range was 2.0 to 6.0; yours is 6.5.",
    ]
    assert reasons(found, "muraro-2017") == [
        "It did not report an EDSS range, so it cannot be compared with your EDSS."
    ]
    assert [str(m) for m in found.not_compared] == [
        "Your age was not given, so the studies were not compared by age."
    ]
    assert found.populations == ("all", "progressive", "PPMS")


def test_age_outside_a_reported_range_and_ends_included() -> None:
    """Age 55 is over Ottawa's 50; EDSS 6.0 is MIST's upper end and still matches."""
    older = match("RRMS", 3.0, 55)
    upper_end = match("RRMS", 6.0)

    assert [m.study.id for m in older.matching] == ["mist-2019"]
    assert reasons(older, "atkins-2016") == ["Its age range was 18 to 50; you are 55."]
    assert [m.study.id for m in upper_end.matching] == ["atkins-2016", "mist-2019"]


def test_a_study_without_an_edss_range_does_not_match_an_edss() -> None:
    """EDSS alone: only the two studies that report an EDSS range can match."""
    found = match(edss=6.0)

    assert [m.study.id for m in found.matching] == ["atkins-2016", "mist-2019"]
    assert reasons(found, "silfverberg-2024") == [
        "It did not report an EDSS range, so it cannot be compared with your EDSS."
    ]


def test_no_age_range_does_not_exclude_and_reported_ranges_do() -> None:
    """SPMS aged 70: out of Ottawa (18-50) and Northwestern 2015 (18-60) only."""
    found = match("SPMS", age=70)

    assert [m.study.id for m in found.matching] == [
        "muraro-2017",
        "sormani-2017",
        "boffa-2021",
        "nabizadeh-2022",
        "burman-2014",
        "shevchenko-2015",
        "melnichenko-2022",
        "burt-2021",
        "ruiz-2019",
    ]
    assert reasons(found, "burt-2015") == ["Its age range was 18 to 60; you are 70."]
    assert reasons(found, "halt-ms-2017") == [
        "It did not include people with secondary-progressive MS."
    ]


def test_nothing_given_every_study_matches_and_says_what_was_not_compared() -> None:
    """No values: all 17 studies, and three sentences saying nothing was compared."""
    found = match()

    assert len(found.matching) == EVERY_STUDY
    assert found.other == ()
    assert [str(m) for m in found.not_compared] == [
        "Your MS type was not given, so the studies were not compared by MS type.",
        "Your EDSS was not given, so the studies were not compared by EDSS.",
        "Your age was not given, so the studies were not compared by age.",
    ]


def test_progressive_means_either_progressive_type() -> None:
    """'progressive' keeps the 11 studies that included SPMS or PPMS."""
    found = match("progressive")

    assert [m.study.id for m in found.matching] == PROGRESSIVE_STUDIES
    assert reasons(found, "mist-2019") == ["It did not include people with progressive MS."]


def test_intensity_is_a_reason_too() -> None:
    """PPMS and low intensity: the meta-analyses, Moscow 2015 and Puebla."""
    found = match("PPMS", intensity="low")

    assert [m.study.id for m in found.matching] == [
        "sormani-2017",
        "nabizadeh-2022",
        "shevchenko-2015",
        "ruiz-2019",
    ]
    assert reasons(found, "atkins-2016") == [
        "It did not include people with primary-progressive MS.",
        "It did not use low-intensity regimens.",
    ]


def test_figures_shown_are_for_the_person_population() -> None:
    """CIS: no study included it, and only whole-study figures are shown (Boffa has none)."""
    found = match("CIS")
    boffa = next(m for m in found.other if m.study.id == "boffa-2021")

    assert found.matching == ()
    assert boffa.headlines == ()
    assert [str(r) for r in boffa.reasons] == [
        "It did not include people with clinically isolated syndrome."
    ]


@pytest.mark.parametrize(
    ("ms_type", "populations"),
    [
        (None, ("all", "RRMS", "progressive", "SPMS", "PPMS")),
        ("RRMS", ("all", "RRMS")),
        ("SPMS", ("all", "progressive", "SPMS")),
        ("PPMS", ("all", "progressive", "PPMS")),
        ("progressive", ("all", "progressive", "SPMS", "PPMS")),
        ("RIS", ("all",)),
    ],
)
def test_population_for(ms_type: str | None, populations: tuple[str, ...]) -> None:
    """Outcome populations that speak for each MS type."""
    assert population_for(ms_type) == populations


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"ms_type": "XX"}, ["ms_type"]),
        ({"edss": 0.5}, ["edss"]),
        ({"age": 0}, ["age"]),
        ({"edss": 11.0, "age": 121}, ["edss", "age"]),
        ({"intensity": "extreme"}, ["intensity"]),
    ],
)
def test_values_that_cannot_be_used_are_named(values: dict[str, object], fields: list[str]) -> None:
    """Every bad value is reported with its field."""
    person = {"ms_type": None, "edss": None, "age": None, "intensity": None, **values}
    with pytest.raises(InvalidInput) as raised:
        match_studies(load_catalog(), **person)  # type: ignore[arg-type]

    assert [e.field for e in raised.value.errors] == fields


def test_plain_data_for_json() -> None:
    """The JSON form keeps ids, ranges, reasons with templates, and sources."""
    data = matches_dict(match("PPMS", 6.5))
    mist = next(m for m in data["other"] if m["id"] == "mist-2019")

    assert data["matching"] == []
    assert (mist["edss"], mist["age"], mist["edss_range_reported"]) == (
        {"min": 2.0, "max": 6.0},
        None,
        True,
    )
    assert mist["reasons"][1] == {
        "text": "Its EDSS range was 2.0 to 6.0; yours is 6.5.",
        "template": "Its EDSS range was {low} to {high}; yours is {edss}.",
        "params": {"low": "2.0", "high": "6.0", "edss": "6.5"},
    }
    assert mist["source"]["url"] == "https://doi.org/10.1001/jama.2018.18743"


def test_api_serves_the_same_matches(client: TestClient) -> None:
    """/api/v1/studies/matches: MIST among the others for PPMS at 6.5, with its reasons."""
    body = client.get("/api/v1/studies/matches?ms_type=PPMS&edss=6.5").json()
    bad = client.get("/api/v1/studies/matches?edss=0.5")

    assert body["matching"] == []
    mist = next(m for m in body["other"] if m["id"] == "mist-2019")
    assert [r["text"] for r in mist["reasons"]] == [
        "It did not include people with primary-progressive MS.",
        "Its EDSS range was 2.0 to 6.0; yours is 6.5.",
    ]
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "edss"]


def test_evidence_page_shows_people_like_me_and_the_others(client: TestClient) -> None:
    """With an EDSS, the page lists the matching studies, then the others with why."""
    html = client.get("/evidence?population=RRMS&edss=3&age=35").text
    like_me, others = html.split("Other studies, different population")

    assert "Studies of people like you" in like_me
    assert 'id="study-mist-2019"' in like_me
    assert 'id="study-burt-2021"' in others
    assert "It did not report an EDSS range, so it cannot be compared with your EDSS." in others
