"""The shipped knowledge base: complete, sourced, cross-referenced, as the sources say."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from hsct.knowledge import CatalogError, check, load_catalog, load_catalog_from
from hsct.knowledge.catalog import data_root

NAMED_FACILITIES = (
    "moscow-pirogov",
    "puebla-clinica-ruiz",
    "gurugram-artemis",
    "jerusalem-shaare-zedek",
    "chicago-northwestern",
)
RULE_SETS = (
    "ectrims-ebmt-2025",
    "ebmt-2020",
    "astct-2019",
    "nmss-2021",
    "nhs-london-2016",
    "heidelberg",
    "mist",
    "beat-ms",
    "ram-ms",
    "net-ms",
    "starms",
)


def test_every_listed_facility_and_rule_set_is_present() -> None:
    """At least 15 facilities including the five named ids, and all eleven rule sets."""
    catalog = load_catalog()

    assert len(catalog.facilities) >= 15
    assert set(NAMED_FACILITIES) <= set(catalog.facilities)
    assert set(RULE_SETS) <= set(catalog.rulesets)
    assert {catalog.rulesets[r].kind for r in RULE_SETS[:6]} == {"guideline"}
    assert {catalog.rulesets[r].kind for r in RULE_SETS[6:]} == {"trial"}


def test_closed_facilities_say_since_when() -> None:
    """Northwestern stopped taking new patients in September 2019."""
    status = load_catalog().facilities["chicago-northwestern"].status

    assert (status.value, status.as_of, status.src) == ("closed", "2019-09", "scientist-2019")


def test_facility_rule_sets_use_the_facility_id() -> None:
    """A facility's criteria are the rule set with its id, and inheritance resolves."""
    catalog = load_catalog()

    assert catalog.rulesets["moscow-pirogov"].kind == "facility"
    kings = [c.id for c in catalog.criteria("london-kings-college")]
    assert kings == [c.id for c in catalog.criteria("nhs-london-2016")]


@pytest.mark.parametrize(
    ("facility", "ms_types", "edss_max", "edss_soft_max", "age_min", "age_max"),
    [
        ("moscow-pirogov", ("RRMS", "SPMS", "PPMS"), 6.5, 6.0, 16.0, 70.0),
        ("puebla-clinica-ruiz", ("RRMS", "SPMS", "PPMS"), 8.0, 7.0, None, None),
        ("gurugram-artemis", ("RRMS", "SPMS", "PPMS"), 7.0, 6.5, 18.0, 65.0),
        ("chicago-northwestern", ("RRMS",), 6.0, None, 18.0, 55.0),
        ("jerusalem-shaare-zedek", None, None, None, None, None),
    ],
)
def test_limits_read_from_the_criteria(  # noqa: PLR0917
    facility: str,
    ms_types: tuple[str, ...] | None,
    edss_max: float | None,
    edss_soft_max: float | None,
    age_min: float | None,
    age_max: float | None,
) -> None:
    """The directory's limits come from the same criteria the assessment evaluates."""
    limits = load_catalog().limits(facility)

    assert (
        limits.ms_types,
        limits.edss_max,
        limits.edss_soft_max,
        limits.age_min,
        limits.age_max,
    ) == (ms_types, edss_max, edss_soft_max, age_min, age_max)


def test_washouts_as_the_clinics_publish_them() -> None:
    """Moscow: 6 months after alemtuzumab, 3 after fingolimod; Mexico: 3 months for all."""
    catalog = load_catalog()
    moscow = catalog.facilities["moscow-pirogov"].washout
    ruiz = catalog.facilities["puebla-clinica-ruiz"].washout.value

    assert moscow.value is not None
    assert (moscow.value.by_drug["alemtuzumab"], moscow.value.by_drug["fingolimod"]) == (6, 3)
    assert moscow.tag == "P"  # read from the page layout, as the dossier says
    assert ruiz is not None
    assert (ruiz.default_months, ruiz.by_drug) == (3, {})


def test_drug_classes() -> None:
    """High-efficacy and cell-depleting flags, unknown where the sources disagree."""
    drugs = load_catalog().drugs

    assert drugs["alemtuzumab"].high_efficacy.value is True
    assert drugs["alemtuzumab"].cell_depleting.value is True
    assert drugs["interferon-beta"].high_efficacy.value is False
    assert drugs["fingolimod"].high_efficacy.value is None
    assert [c.minimum_per_mm3 for c in drugs["alemtuzumab"].lab_conditions] == [1000, 800]


def test_regimens_know_their_facilities() -> None:
    """Which facilities use a regimen is derived from the facility files."""
    catalog = load_catalog()

    assert "jerusalem-shaare-zedek" in [f.id for f in catalog.facilities_using("beam-atg")]
    assert [f.id for f in catalog.facilities_using("cy-rituximab-outpatient")] == [
        "puebla-clinica-ruiz"
    ]
    assert catalog.regimens["bu-cy-atg"].intensity.value == "high"


def test_studies_keep_the_published_figures() -> None:
    """Sormani 2017: NEDA 83% at 2 years and 67% at 5; mortality 2.1% (1.3-3.4)."""
    sormani = load_catalog().studies["sormani-2017"]
    neda = {(o.years, o.percent) for o in sormani.outcomes if o.measure == "NEDA"}

    assert neda == {(2, 83), (5, 67)}
    assert sormani.mortality is not None
    assert (sormani.mortality.percent, sormani.mortality.ci_low, sormani.mortality.ci_high) == (
        2.1,
        1.3,
        3.4,
    )


def test_every_known_fact_has_a_source() -> None:
    """No shipped fact lacks a source; unknowns carry no value."""
    report = check(load_catalog(), dt.date(2026, 11, 23))

    assert report.unsourced == ()
    assert report.facts > 500


def test_staleness_is_judged_from_the_given_day() -> None:
    """A 2016 price is stale in 2026; a November 2026 page is not."""
    report = check(load_catalog(), dt.date(2026, 11, 23))
    stale = {r.path for r in report.stale}

    assert "facilities/moscow-pirogov.costs[0]" in stale
    assert "facilities/moscow-pirogov.contact_url" not in stale


def _broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root)
    return root


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        pytest.param(
            "facilities/moscow-pirogov.yaml",
            "src: msnt-2016-moscow",
            "src: no-such-source",
            "unknown source 'no-such-source'",
            id="source",
        ),
        pytest.param(
            "facilities/moscow-pirogov.yaml",
            "regimens: {value: [reduced-beam]",
            "regimens: {value: [beam-lite]",
            "unknown regimen 'beam-lite'",
            id="regimen",
        ),
        pytest.param(
            "facilities/moscow-pirogov.yaml",
            "        fingolimod: 3",
            "        fingolimodd: 3",
            "washout for unknown drug 'fingolimodd'",
            id="drug",
        ),
        pytest.param(
            "rulesets/mist.yaml",
            "published: 2019-01-15",
            "published: 15.01.2019",
            "published: String should match pattern",
            id="date",
        ),
        pytest.param(
            "rulesets/mist.yaml",
            "status: {value: completed",
            "statuss: {value: completed",
            "statuss: Extra inputs are not permitted",
            id="typo",
        ),
        pytest.param(
            "rulesets/mist.yaml",
            "operator: between\n    threshold: [2.0, 6.0]",
            "operator: between\n    threshold: [6.0, 2.0]",
            "'between' needs low <= high",
            id="threshold",
        ),
        pytest.param(
            "facilities/london-kings-college.yaml",
            "inherits: [nhs-london-2016]",
            "inherits: [london-kings-college]",
            "inheritance cycle",
            id="cycle",
        ),
        pytest.param(
            "studies.yaml",
            "- id: atkins-2016",
            "- id: atkins-2016\n  : :",
            "not valid YAML",
            id="yaml",
        ),
    ],
)
def test_invalid_data_is_reported_with_file_and_place(
    tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    """A bad file fails loudly, naming the file and the problem."""
    root = _broken_copy(tmp_path)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(CatalogError) as caught:
        load_catalog_from(root)

    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert any(Path(file).stem in p for p in caught.value.problems)
