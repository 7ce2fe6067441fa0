"""Drug timing in the knowledge base: how each drug is given, its general wait, stopping risks.

The values are the ones read in the sources (sources/drugs.yaml); a change here is a change
of clinical data and needs a source.
"""

from __future__ import annotations

import pytest
import yaml

from hsct.knowledge import load_catalog
from hsct.knowledge.catalog import data_root
from hsct.knowledge.schema import Drug

COURSE = {
    "alemtuzumab",
    "cladribine",
    "cyclophosphamide",
    "daclizumab",
    "mitoxantrone",
    "natalizumab",
    "ocrelizumab",
    "ofatumumab",
    "rituximab",
    "ublituximab",
}
CONTINUOUS = {
    "azathioprine",
    "dimethyl-fumarate",
    "diroximel-fumarate",
    "fingolimod",
    "glatiramer-acetate",
    "ibudilast",
    "interferon-beta",
    "laquinimod",
    "methotrexate",
    "mycophenolate",
    "ozanimod",
    "ponesimod",
    "siponimod",
    "teriflunomide",
}
#: Months from the last dose (min, max) as the labels state them; every other drug: unknown.
GENERAL_WAITS = {
    "fingolimod": (1.0, 2.0),
    "natalizumab": (None, 3.7),
    "ponesimod": (0.2, 0.5),
    "siponimod": (0.7, 1.0),
    "teriflunomide": (8.0, 24.0),
}
S1P_MODULATORS = {"fingolimod", "ozanimod", "ponesimod", "siponimod"}
STOPPING_RISKS = {
    "fingolimod": ("rebound",),
    "natalizumab": ("rebound", "pml_check"),
    "ozanimod": ("rebound",),
    "ponesimod": ("rebound",),
    "siponimod": ("rebound",),
}
#: What a general wait may rest on; the note says which.
BASES = ("label:", "guideline:", "centre consensus:")


@pytest.fixture(scope="module")
def drugs() -> dict[str, Drug]:
    return dict(load_catalog().drugs)


def test_every_drug_is_either_course_or_continuous(drugs: dict[str, Drug]) -> None:
    """Each drug's dosing is known, and the two groups cover the whole list."""
    assert set(drugs) == COURSE | CONTINUOUS
    assert {d.id for d in drugs.values() if d.dosing.value == "course"} == COURSE
    assert {d.id for d in drugs.values() if d.dosing.value == "continuous"} == CONTINUOUS


def test_course_based_follows_dosing(drugs: dict[str, Drug]) -> None:
    assert {d.id for d in drugs.values() if d.course_based} == COURSE


def test_anti_cd20_antibodies_and_pulsed_drugs_are_courses(drugs: dict[str, Drug]) -> None:
    """Monthly ofatumumab counts from the last injection, like the other anti-CD20 drugs."""
    anti_cd20 = {d.id for d in drugs.values() if d.drug_class == "anti-CD20"}

    assert anti_cd20 == {"ocrelizumab", "ofatumumab", "rituximab", "ublituximab"}
    assert all(drugs[i].course_based for i in anti_cd20)
    assert "decision" in (drugs["ofatumumab"].dosing.note or "")


def test_general_waits_are_the_label_figures(drugs: dict[str, Drug]) -> None:
    found = {
        d.id: (d.general_wait.value.min, d.general_wait.value.max)
        for d in drugs.values()
        if d.general_wait.value is not None
    }

    assert found == GENERAL_WAITS


def test_natalizumab_general_wait(drugs: dict[str, Drug]) -> None:
    """Within 16 weeks of the last infusion (3.7 months), from the label."""
    wait = drugs["natalizumab"].general_wait

    assert wait.value is not None
    assert (wait.value.min, wait.value.max, wait.src) == (None, 3.7, "tysabri-hcp-residual")
    assert "16 weeks" in (wait.note or "")


def test_general_waits_say_what_they_rest_on(drugs: dict[str, Drug]) -> None:
    """A known wait names its basis; an unknown one is a gap with a note, never a guess."""
    for drug in drugs.values():
        wait = drug.general_wait
        if wait.known:
            assert (wait.note or "").startswith(BASES), drug.id
            assert wait.tag in ("V", "P"), drug.id
        else:
            assert wait.src is None, drug.id
            assert wait.tag == "GAP", drug.id
            assert wait.note, drug.id


def test_general_wait_ranges_are_ordered(drugs: dict[str, Drug]) -> None:
    for drug in drugs.values():
        wait = drug.general_wait.value
        if wait is not None:
            assert wait.max is not None, drug.id
            assert wait.max > 0, drug.id
            assert wait.min is None or 0 < wait.min <= wait.max, drug.id


def test_every_timing_value_has_a_source(drugs: dict[str, Drug]) -> None:
    sources = load_catalog().sources
    for drug in drugs.values():
        for fact in (drug.dosing, drug.general_wait, drug.stopping_risks):
            if fact.known:
                assert fact.src, drug.id
                assert fact.src in sources, (drug.id, fact.src)


def test_timing_sources_come_from_the_drug_sources_file(drugs: dict[str, Drug]) -> None:
    """The new sources live in sources/drugs.yaml and do not collide with older ids."""
    own = yaml.safe_load((data_root() / "sources" / "drugs.yaml").read_text(encoding="utf-8"))
    older = yaml.safe_load((data_root() / "sources.yaml").read_text(encoding="utf-8"))
    cited = {
        fact.src
        for drug in drugs.values()
        for fact in (drug.dosing, drug.general_wait, drug.stopping_risks)
        if fact.src
    }

    assert not set(own) & set(older)
    assert cited <= set(own)
    assert set(own) <= set(load_catalog().sources)


def test_stopping_risks(drugs: dict[str, Drug]) -> None:
    found = {d.id: d.stopping_risks.value for d in drugs.values() if d.stopping_risks.known}

    assert found == STOPPING_RISKS


def test_natalizumab_needs_rebound_and_pml_check(drugs: dict[str, Drug]) -> None:
    risks = drugs["natalizumab"].stopping_risks

    assert set(risks.value or ()) == {"rebound", "pml_check"}
    assert risks.src


def test_every_s1p_modulator_can_rebound(drugs: dict[str, Drug]) -> None:
    s1p = {d.id for d in drugs.values() if d.drug_class == "S1P receptor modulator"}

    assert s1p == S1P_MODULATORS
    for drug_id in s1p:
        risks = drugs[drug_id].stopping_risks
        assert "rebound" in (risks.value or ()), drug_id
        assert risks.src, drug_id


def test_lab_conditions_after_depleting_drugs(drugs: dict[str, Drug]) -> None:
    """Giovannoni: neutrophils 1000 and lymphocytes 800/mm3; after cladribine lymphocytes 800."""

    def counts(drug_id: str) -> list[tuple[str, int]]:
        return [(c.test, c.minimum_per_mm3) for c in drugs[drug_id].lab_conditions]

    assert counts("alemtuzumab") == [("neutrophils", 1000), ("lymphocytes", 800)]
    assert counts("mitoxantrone") == [("neutrophils", 1000), ("lymphocytes", 800)]
    assert counts("cladribine") == [("lymphocytes", 800)]
    assert counts("fingolimod") == []
    assert all(c.src for d in drugs.values() for c in d.lab_conditions)
