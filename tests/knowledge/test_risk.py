"""The risk summary: dying from the treatment, what raises it, the harms that are not fatal.

Every figure comes from risks.yaml (deaths from studies.yaml) with its source; the sentences
are natural frequencies, rounded half up.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hsct.common.errors import InvalidInput
from hsct.knowledge import CatalogError, load_catalog, load_catalog_from, risk_summary
from hsct.knowledge.catalog import data_root
from hsct.knowledge.risk import (
    Frequency,
    RiskSummary,
    natural_frequency,
    risk_dict,
    round_half_up,
)

HARMS = {
    "febrile-neutropenia-sweden": "Out of 100 people, about 68 had fever while their white "
    "blood cells were very low (febrile neutropenia).",
    "febrile-neutropenia-beam": "Out of 100 people (with BEAM + ATG), about 88 had fever while "
    "their white blood cells were very low (febrile neutropenia).",
    "febrile-neutropenia-moscow": "Out of 100 people (low-intensity regimens in Moscow), about "
    "32 had fever while their white blood cells were very low (febrile neutropenia).",
    "sepsis-moscow": "Out of 100 people (low-intensity regimens in Moscow), about 3 had a blood "
    "infection (sepsis).",
    "zoster": "Out of 100 people, about 15 had shingles (herpes zoster).",
    "hypothyroidism": "Out of 100 people, about 4 had an underactive thyroid.",
    "hyperthyroidism": "Out of 100 people, about 3 had an overactive thyroid (including "
    "Graves' disease).",
    "itp": "Out of 100 people (with regimens without alemtuzumab), up to about 3 had a low "
    "platelet count caused by the immune system (ITP).",
    "itp-alemtuzumab": "Out of 100 people (with alemtuzumab in the regimen), about 14 had a low "
    "platelet count caused by the immune system (ITP).",
    "periods-back": "Out of 100 women, about 70 had their periods back after the treatment; "
    "about 30 did not.",
    "periods-back-up-to-32": "Women aged 32 or younger: all had their periods back after the "
    "treatment.",
    "periods-back-33-to-41": "Out of 100 women aged 33 to 41, about 38 had their periods back "
    "after the treatment; about 62 did not.",
    "neurological-worsening": "Out of 100 people (low-intensity regimens in Moscow), about 27 "
    "had a temporary worsening of their MS symptoms.",
}
HARM_SOURCES = {
    "febrile-neutropenia-sweden": ("silfverberg-2024-jnnp", 68.0),
    "febrile-neutropenia-beam": ("silfverberg-2024-bmt", 88.0),
    "febrile-neutropenia-moscow": ("katjas-chance-moscow", 31.6),
    "sepsis-moscow": ("katjas-chance-moscow", 3.2),
    "zoster": ("burman-2014", 15.0),
    "hypothyroidism": ("burt-2021", 3.5),
    "hyperthyroidism": ("burt-2021", 3.3),
    "itp": ("burt-2021", 2.8),
    "itp-alemtuzumab": ("burt-2021", 14.0),
    "periods-back": ("massarotti-2021", 70.0),
    "periods-back-up-to-32": ("menses-online-2016", 100.0),
    "periods-back-33-to-41": ("menses-online-2016", 38.0),
    "neurological-worsening": ("katjas-chance-moscow", 27.4),
}


def summary(
    ms_type: str | None = None, edss: float | None = None, age: float | None = None
) -> RiskSummary:
    """The risk summary from the shipped knowledge base."""
    return risk_summary(load_catalog(), ms_type=ms_type, edss=edss, age=age)


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (2.1, Frequency(2, 100)),
        (2.5, Frequency(3, 100)),
        (0.19, Frequency(2, 1000)),
        (0.49, Frequency(5, 1000)),
        (0.0, Frequency(0, 100)),
        (68.0, Frequency(68, 100)),
    ],
)
def test_natural_frequencies_round_half_up(percent: float, expected: Frequency) -> None:
    """Out of 100; out of 1,000 when that would round to none in 100."""
    assert natural_frequency(percent) == expected
    assert round_half_up(4.5) == 5


def test_pooled_risk_of_dying_as_natural_frequencies() -> None:
    """Sormani 2017: 2.1% (1.3-3.4) is about 2 in 100 (1 to 3), about 21 in 1,000."""
    pooled = summary().pooled

    assert (pooled.percent, pooled.ci_low, pooled.ci_high) == (2.1, 1.3, 3.4)
    assert (pooled.frequency, pooled.interval, pooled.per_1000) == (Frequency(2, 100), (1, 3), 21)
    assert str(pooled.headline) == (
        "Risk of dying from the treatment: about 2 in 100 people (between 1 and 3)."
    )
    assert str(pooled.per_1000_text) == (
        "Out of 1,000 people treated, about 21 died of causes related to the treatment."
    )
    assert str(pooled.basis) == "Pooled from 15 studies with 764 people treated from 1995 to 2016."
    assert (pooled.src, pooled.citation.doi, pooled.citation.date, pooled.tag) == (
        "sormani-2017",
        "10.1212/WNL.0000000000003987",
        "2017-05-30",
        "V",
    )


def test_the_risk_fell_over_time() -> None:
    """Older registry cohort 8 of 281; recent cohorts 1 of 507, 0 of 55, 0 of 174."""
    risks = summary()

    assert [str(f.message) for f in risks.era_findings] == [
        (
            "In a meta-analysis of the published studies, deaths from the treatment were more "
            "common in the older studies."
        )
    ]
    rows = [
        (c.study.id, c.deaths, c.patients, str(c.period), str(c.message))
        for c in (*risks.older, *risks.recent)
    ]
    assert rows == [
        (
            "muraro-2017",
            8,
            281,
            "treated 1995 to 2006",
            "8 of 281 people died of causes related to the treatment (about 3 in 100).",
        ),
        (
            "burt-2021",
            1,
            507,
            "treated 2003 to 2019",
            "1 of 507 people died of causes related to the treatment (about 2 in 1,000).",
        ),
        (
            "mist-2019",
            0,
            55,
            "treated 2005 to 2016",
            "None of 55 people died of causes related to the treatment.",
        ),
        (
            "silfverberg-2024",
            0,
            174,
            "treated up to 2019",
            "None of 174 people died of causes related to the treatment.",
        ),
    ]
    mist, sweden = risks.recent[1:]
    assert str(mist.upper_text) == (
        "With no deaths among 55 people, the risk could still be up to about 5 in 100."
    )
    assert str(sweden.upper_text) == (
        "With no deaths among 174 people, the risk could still be up to about 2 in 100."
    )
    assert mist.upper_citation is not None
    assert mist.upper_citation.doi == "10.1136/bmj.311.7005.619"
    assert risks.older[0].upper is None


def test_risk_by_regimen_intensity() -> None:
    """High intensity first (Ottawa, 1 of 24), then intermediate, then low."""
    risks = summary()

    assert [(c.intensity, c.study.id, c.deaths, c.patients) for c in risks.by_intensity] == [
        ("high", "atkins-2016", 1, 24),
        ("intermediate", "mist-2019", 0, 55),
        ("intermediate", "burt-2021", 1, 507),
        ("intermediate", "boffa-2021", 3, 210),
        ("intermediate", "silfverberg-2024", 0, 174),
        ("low", "melnichenko-2021", 0, 258),
        ("low", "ruiz-2019", 0, 617),
    ]
    assert str(risks.by_intensity[0].message) == (
        "1 of 24 people died of causes related to the treatment (about 4 in 100)."
    )
    assert str(risks.by_intensity[-1].upper_text) == (
        "With no deaths among 617 people, the risk could still be up to about 5 in 1,000."
    )
    assert [(s.src, s.tag) for s in risks.intensity_findings] == [("silfverberg-2024-bmt", "V")]


def test_own_factors_are_marked() -> None:
    """PPMS, EDSS 6.5, age 50: older age, progressive MS and EDSS all apply."""
    risks = summary("PPMS", 6.5, 50)

    assert [(f.id, f.applies, str(f.reason)) for f in risks.factors] == [
        ("age", "yes", "You are 50; the recommendations' ideal age is under 45."),
        ("progressive_ms", "yes", "You have primary-progressive MS."),
        ("edss", "yes", "Your EDSS is 6.5; the ideal is under 6.0."),
        (
            "centre_volume",
            "ask_centre",
            (
                "This depends on the centre: ask how many people with MS it has treated with "
                "aHSCT, and whether it is accredited (JACIE)."
            ),
        ),
    ]
    assert [f.id for f in risks.your_factors] == ["age", "progressive_ms", "edss"]


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (
            ("RRMS", 3.0, 35),
            [
                ("no", "You are 35, under 45."),
                ("no", "You have relapsing-remitting MS, which is not progressive."),
                ("no", "Your EDSS is 3.0, under 6.0."),
            ],
        ),
        (
            (None, None, None),
            [
                ("unknown", "Your age was not given."),
                ("unknown", "Your MS type was not given."),
                ("unknown", "Your EDSS was not given."),
            ],
        ),
        (
            ("progressive", 6.0, 45),
            [
                ("yes", "You are 45; the recommendations' ideal age is under 45."),
                ("yes", "You have progressive MS."),
                ("yes", "Your EDSS is 6.0; the ideal is under 6.0."),
            ],
        ),
    ],
)
def test_factors_for_other_people(
    person: tuple[str | None, float | None, float | None], expected: list[tuple[str, str]]
) -> None:
    """Factors that do not apply, or cannot be judged, say so."""
    risks = summary(*person)

    assert [(f.applies, str(f.reason)) for f in risks.factors[:3]] == expected


def test_what_raises_the_risk_with_sources() -> None:
    """Sormani (EDSS, fewer relapsing patients), ECTRIMS-EBMT thresholds, centre volume."""
    factors = {f.id: f for f in summary().factors}

    assert [(str(s.message), s.src, s.tag) for s in factors["edss"].evidence] == [
        (
            "Deaths were also more common in studies whose patients had higher EDSS scores.",
            "sormani-2017",
            "V",
        ),
        (
            (
                "The same recommendations see an EDSS under 6.0 as ideal; a higher score can be "
                "acceptable when a recent relapse caused it."
            ),
            "ean-summary-2025",
            "V",
        ),
    ]
    assert [str(s.message) for s in factors["centre_volume"].evidence] == [
        (
            "In transplants for autoimmune diseases in North and South America, the risk of death "
            "was higher at centres that had done few of them."
        ),
        (
            "Centres that had done fewer than 5 such transplants: about 3.5 times the risk of "
            "death at centres that had done more than 15 (95% CI: 1.1 to 11.1)."
        ),
        ("Centres that had done 5 to 15: about 4.2 times that risk (95% CI: 1.5 to 11.7)."),
        (
            "In the European registry, results were better at centres that had done at least 23 "
            "transplants for autoimmune diseases, and at accredited (JACIE) centres."
        ),
    ]
    assert [s.src for s in factors["centre_volume"].evidence] == [
        "cibmtr-autoimmune-2012",
        "cibmtr-autoimmune-2012",
        "cibmtr-autoimmune-2012",
        "snowden-2017-ebmt-autoimmune",
    ]
    assert {s.tag for s in factors["centre_volume"].evidence} == {"P"}
    assert (factors["age"].threshold, factors["edss"].threshold) == (45, 6.0)


def test_harms_as_natural_frequencies_with_sources() -> None:
    """Each harm: its sentence, its source and the published percentage."""
    harms = summary().harms

    assert {h.harm.id: str(h.message) for h in harms} == HARMS
    assert {h.harm.id: (h.harm.src, h.harm.percent) for h in harms} == HARM_SOURCES
    assert [str(h.kind) for h in harms][:1] == ["Serious infection"]
    assert all(h.citation.date for h in harms)


def test_every_cited_source_is_listed_once() -> None:
    """18 sources, each with a link and a date."""
    citations = summary().citations

    assert len(citations) == len({c.label for c in citations}) == 18
    assert all(c.link and c.date for c in citations)


def test_values_that_cannot_be_used() -> None:
    """An unknown MS type and an EDSS that is not a step are both reported."""
    with pytest.raises(InvalidInput) as raised:
        summary("XX", 0.5, 40)

    assert [e.field for e in raised.value.errors] == ["ms_type", "edss"]


def test_plain_data_for_json() -> None:
    """JSON keeps numbers, sentences with their templates, and sources."""
    data = risk_dict(summary("RRMS", 3.0, 35))

    assert data["pooled"]["text"] == {
        "text": "Risk of dying from the treatment: about 2 in 100 people (between 1 and 3).",
        "template": "Risk of dying from the treatment: about {n} in 100 people (between {low} "
        "and {high}).",
        "params": {"n": 2, "low": 1, "high": 3},
    }
    assert [f["applies"] for f in data["factors"]] == ["no", "no", "no", "ask_centre"]
    assert data["era"]["recent"][1]["upper"]["count"] == 5
    assert data["harms"][0]["source"]["url"] == "https://doi.org/10.1136/jnnp-2023-331864"


def test_api_and_evidence_page(client: TestClient) -> None:
    """/api/v1/risks and the evidence page give the same pooled risk and own factors."""
    body = client.get("/api/v1/risks?ms_type=PPMS&edss=6.5&age=50").json()
    html = client.get("/evidence?population=PPMS&edss=6.5&age=50").text

    assert body["pooled"]["text"]["text"] == (
        "Risk of dying from the treatment: about 2 in 100 people (between 1 and 3)."
    )
    assert [f["applies"] for f in body["factors"]] == ["yes", "yes", "yes", "ask_centre"]
    assert "about 2 in 100 people (between 1 and 3)" in html
    assert html.count("Applies to you") == 3
    assert client.get("/api/v1/risks?age=0").status_code == 422


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root)
    return root


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "{study: mist-2019, treated_from: 2005",
            "{study: no-such-study, treated_from: 2005",
            "risks.yaml:era.recent: unknown study 'no-such-study'",
        ),
        (
            "    - {study: atkins-2016, src: atkins-2016}",
            "    - {study: muraro-2017, src: atkins-2016}",
            "risks.yaml:intensity.cohorts: study 'muraro-2017' needs exactly one intensity",
        ),
        (
            "    src: massarotti-2021",
            "    src: no-such-source",
            "unknown source 'no-such-source'",
        ),
        ("    percent: 27.4", "    percent: 127.4", "risks.yaml: harms.12.percent"),
    ],
)
def test_invalid_risk_data_is_reported(tmp_path: Path, old: str, new: str, problem: str) -> None:
    """A broken risks.yaml is named with the place and the problem."""
    root = _copy(tmp_path)
    path = root / "risks.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")

    with pytest.raises(CatalogError) as raised:
        load_catalog_from(root)

    assert any(problem in p for p in raised.value.problems), raised.value.problems
