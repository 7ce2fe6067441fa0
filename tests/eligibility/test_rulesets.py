"""Each guideline and trial rule set against a hand-written profile for its key criteria.

The expected verdicts were worked out by hand from the sources' wording, as encoded in
``knowledge/data/rulesets/`` and explained in ``docs/user-guide/criteria.md``. Trials that
no longer recruit (MIST completed, RAM-MS active but not recruiting, StarMS closed) are
checked criterion by criterion, since their verdict says that they are not an option.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hsct.eligibility import RuleSetResult, derive, evaluate_ruleset, parse_profile
from hsct.knowledge import load_catalog

DAY = "2026-11-23"
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide" / "criteria.md"

#: Interferon beta since 2022 with a relapse in June 2026: a drug that failed, not high-efficacy.
INTERFERON = [{"drug": "interferon-beta", "start": "2022-01-01"}]
#: Interferon beta stopped as ineffective, then ocrelizumab: one high-efficacy drug failed
#: when activity follows on ocrelizumab.
INTERFERON_THEN_OCRELIZUMAB = [
    {
        "drug": "interferon-beta",
        "start": "2019-01-01",
        "stop": "2021-12-01",
        "reason_stopped": "ineffective",
    },
    {"drug": "ocrelizumab", "start": "2022-01-01"},
]
ACTIVE = {
    "relapses": [{"date": "2026-06-15"}],
    "mri": [{"date": "2026-07-01", "gd_enhancing": 1, "new_t2": 2}],
}
#: EDSS 6.5 from walking facts alone: 25 m with two aids, not 1 m without or with one.
TWO_AIDS_25_M = {
    "walking": {"unrestricted": False, "unaided_m": 0, "one_aid_m": 0, "two_aids_m": 25}
}


def judged(ruleset_id: str, **data: Any) -> RuleSetResult:
    """One rule set judged against a profile assessed on 23 November 2026."""
    catalog = load_catalog()
    profile = parse_profile({"as_of": DAY, **data})
    return evaluate_ruleset(
        catalog.rulesets[ruleset_id], derive(profile, catalog), catalog, profile
    )


def statuses(result: RuleSetResult) -> dict[str, str]:
    """Criterion id to status, top level."""
    return {c.id: c.status for c in result.criteria}


def reason(result: RuleSetResult, criterion: str) -> str:
    """The reason given for one criterion."""
    return str(next(c for c in result.criteria if c.id == criterion).reason)


# ---------------------------------------------------------------- ASTCT 2019


def test_astct_prefers_a_failed_high_efficacy_drug() -> None:
    """Active RRMS on interferon only: required criteria met, 'especially' high-efficacy not."""
    result = judged("astct-2019", ms_type="RRMS", age=36, edss=3.0, treatments=INTERFERON, **ACTIVE)

    assert result.verdict == "needs_review"
    assert statuses(result) == {
        "confirmed-ms": "met",
        "relapsing-forms": "met",
        "progressive-with-activity": "not_applicable",
        "activity-despite-treatment": "met",
        "on-treatment": "met",
        "especially-high-efficacy": "not_met",
        "high-risk-prognosis": "clinic",
    }


def test_astct_asks_for_confirmed_ms() -> None:
    """A clinically isolated syndrome is not MS."""
    result = judged("astct-2019", ms_type="CIS", age=36, edss=3.0, treatments=INTERFERON, **ACTIVE)

    assert result.verdict == "does_not_meet"
    assert reason(result, "confirmed-ms") == (
        "MS diagnosis confirmed (McDonald criteria): no; this rule asks for yes."
    )


# ---------------------------------------------------------------- NMDP referral guide

NMDP = {
    "ms_type": "RRMS",
    "relapses": [{"date": "2024-10-01"}, {"date": "2026-06-15"}],
    "treatments": INTERFERON,
}


@pytest.mark.parametrize(
    ("walking", "verdict"),
    [
        ({"edss": 6.0}, "meets"),
        ({"edss_inputs": {"walking": {"one_aid_m": 120}}}, "meets"),
        ({"edss": 6.5}, "does_not_meet"),
        ({"edss_inputs": TWO_AIDS_25_M}, "does_not_meet"),
    ],
    ids=["edss-6.0", "120-m-with-one-cane", "edss-6.5", "25-m-with-two-aids"],
)
def test_nmdp_refers_while_100_m_can_be_walked_with_one_sided_help(
    walking: dict[str, Any], verdict: str
) -> None:
    """Two relapses in 3 years on interferon; walking decides (EDSS 6.0 at most)."""
    result = judged("nmdp-referral", **NMDP, **walking)

    assert result.verdict == verdict
    assert statuses(result)["walking-100m"] == ("met" if verdict == "meets" else "not_met")


def test_nmdp_relapses_must_happen_on_treatment() -> None:
    """Two relapses in 3 years, never treated: not the referral the guide describes."""
    result = judged("nmdp-referral", **{**NMDP, "treatments": []}, edss=4.0)

    assert result.verdict == "does_not_meet"
    assert statuses(result) == {
        "confirmed-ms": "met",
        "two-relapses-in-3-years": "met",
        "relapses-on-dmt": "not_met",
        "walking-100m": "met",
    }


# ---------------------------------------------------------------- BEAT-MS, recruiting

BEAT = {
    "ms_type": "RRMS",
    "birth_date": "1994-02-10",
    "edss": 3.0,
    "relapses": [{"date": "2025-03-01"}, {"date": "2026-06-15"}],
    "mri": [{"date": "2026-07-01", "gd_enhancing": 2, "new_t2": 3}],
}


def test_beat_ms_needs_activity_on_an_approved_drug() -> None:
    """Three episodes in 36 months but never treated: not 'treatment-resistant'."""
    result = judged("beat-ms", **BEAT, treatments=[])

    assert result.verdict == "does_not_meet"
    assert statuses(result)["activity-episodes"] == "met"
    assert statuses(result)["activity-on-approved-drug"] == "not_met"


def test_beat_ms_activity_on_teriflunomide_meets() -> None:
    """The same episodes on teriflunomide: every checkable criterion met, three for the site."""
    result = judged(
        "beat-ms", **BEAT, treatments=[{"drug": "teriflunomide", "start": "2023-01-01"}]
    )

    assert result.verdict == "meets"
    assert statuses(result) == {
        "confirmed-ms": "met",
        "relapsing": "met",
        "age": "met",
        "edss": "met",
        "activity-episodes": "met",
        "activity-on-approved-drug": "met",
        "episode-rules": "clinic",
        "mri-dissemination": "clinic",
        "vaccinations": "clinic",
    }


# ---------------------------------------------------------------- EBMT 2020

EBMT = {
    "age": 36,
    "edss": 3.0,
    "diagnosis_date": "2021-01-01",
    "treatments": INTERFERON_THEN_OCRELIZUMAB,
    "relapses": [{"date": "2026-03-01"}, {"date": "2026-06-15"}],
    "mri": [{"date": "2026-07-01", "gd_enhancing": 1, "new_t2": 2}],
}


@pytest.mark.parametrize(
    ("ms_type", "verdict", "diagnosis"),
    [("RRMS", "meets", "met"), ("suspected", "does_not_meet", "not_met")],
)
def test_ebmt_2020_asks_for_confirmed_ms(ms_type: str, verdict: str, diagnosis: str) -> None:
    """Active relapsing MS after ocrelizumab failed meets; suspected MS does not."""
    result = judged("ebmt-2020", ms_type=ms_type, **EBMT)

    assert result.verdict == verdict
    assert statuses(result)["confirmed-ms"] == diagnosis


# ---------------------------------------------------------------- ECTRIMS-EBMT 2025

SPMS = {
    "ms_type": "SPMS",
    "age": 42,
    "edss": 5.0,
    "diagnosis_date": "2018-01-01",
    "treatments": INTERFERON_THEN_OCRELIZUMAB,
    "mri": [{"date": "2026-07-01", "gd_enhancing": 1, "new_t2": 2}],
}


def test_ectrims_progressive_ms_needs_clinical_and_mri_activity() -> None:
    """SPMS with an enhancing lesion but no relapse: MRI activity alone is not enough."""
    result = judged("ectrims-ebmt-2025", **SPMS, relapses=[])

    assert result.verdict == "does_not_meet"
    assert statuses(result)["progressive-clinical-activity"] == "not_met"
    assert statuses(result)["progressive-mri-activity"] == "met"
    assert reason(result, "progressive-clinical-activity") == (
        "Relapses in the last 24 months: 0, fewer than the 1 asked for."
    )


def test_ectrims_progressive_ms_with_both_kinds_of_activity_meets() -> None:
    """The same person with a relapse in February 2026 meets every criterion."""
    result = judged("ectrims-ebmt-2025", **SPMS, relapses=[{"date": "2026-02-01"}])

    assert result.verdict == "meets"
    assert set(statuses(result).values()) == {"met"}


def test_ectrims_first_line_ahsct_only_in_trials() -> None:
    """Never treated, aggressive: outside the guideline's routine indication."""
    result = judged(
        "ectrims-ebmt-2025",
        ms_type="RRMS",
        age=28,
        edss=4.5,
        diagnosis_date="2026-05-01",
        treatments=[],
        relapses=[{"date": "2026-02-01"}, {"date": "2026-06-20"}, {"date": "2026-10-01"}],
        mri=[{"date": "2026-10-10", "gd_enhancing": 4, "new_t2": 6}],
    )

    assert result.verdict == "does_not_meet"
    assert statuses(result)["highly-active"] == "met"
    assert statuses(result)["first-line-only-in-trials"] == "not_met"
    assert reason(result, "first-line-only-in-trials") == (
        "Never treated with an MS drug: yes; this rule asks for no."
    )


def test_ectrims_asks_for_highly_active_ms() -> None:
    """Two high-efficacy drugs tried, but no relapse, new lesion or worsening in a year."""
    result = judged(
        "ectrims-ebmt-2025",
        ms_type="RRMS",
        age=36,
        edss=3.0,
        diagnosis_date="2019-01-01",
        treatments=[
            {
                "drug": "natalizumab",
                "start": "2020-01-01",
                "stop": "2023-01-01",
                "reason_stopped": "ineffective",
            },
            {"drug": "ocrelizumab", "start": "2023-02-01"},
        ],
        relapses=[{"date": "2022-10-01"}],
        mri=[{"date": "2026-07-01", "gd_enhancing": 0, "new_t2": 0}],
        disability_worsening_12m=False,
    )

    assert result.verdict == "does_not_meet"
    assert statuses(result)["highly-active"] == "not_met"
    assert statuses(result)["failed-high-efficacy"] == "met"


# ---------------------------------------------------------------- Heidelberg

HEIDELBERG = {
    "age": 33,
    "onset_date": "2019-01-01",
    "edss": 4.0,
    "edss_history": [{"date": "2025-01-15", "edss": 2.5}],
    "treatments": [
        {
            "drug": "interferon-beta",
            "start": "2022-01-01",
            "stop": "2023-06-01",
            "reason_stopped": "ineffective",
        },
        {"drug": "fingolimod", "start": "2023-07-01"},
    ],
    "relapses": [{"date": "2026-06-15"}],
    "mri": [{"date": "2026-07-01", "gd_enhancing": 1, "new_t2": 4}],
}


def test_heidelberg_meets_and_lists_what_the_neurologist_confirms() -> None:
    """Interferon then fingolimod failed, EDSS 2.5 to 4.0 in 2 years, new lesions."""
    result = judged("heidelberg", ms_type="RRMS", **HEIDELBERG)

    assert result.verdict == "meets"
    assert {k for k, v in statuses(result).items() if v == "clinic"} == {
        "drug-sequence",
        "neurologist-statement",
        "no-contraindications",
    }


def test_heidelberg_asks_for_confirmed_ms() -> None:
    """The same history as a clinically isolated syndrome does not meet."""
    result = judged("heidelberg", ms_type="CIS", **HEIDELBERG)

    assert result.verdict == "does_not_meet"
    assert statuses(result)["confirmed-ms"] == "not_met"


# ---------------------------------------------------------------- MIST, completed


def test_mist_excludes_a_previous_transplant() -> None:
    """Two relapses on interferon in the past year, but aHSCT before."""
    result = judged(
        "mist",
        ms_type="RRMS",
        age=40,
        edss=4.0,
        prior_hsct=True,
        treatments=INTERFERON,
        relapses=[{"date": "2026-01-10"}, {"date": "2026-08-01"}],
    )

    assert statuses(result) == {
        "confirmed-ms": "met",
        "rrms": "met",
        "two-relapses-on-treatment": "met",
        "edss": "met",
        "age": "met",
        "no-prior-hsct": "not_met",
        "no-prior-mitoxantrone": "clinic",
    }


# ---------------------------------------------------------------- NET-MS, recruiting


@pytest.mark.parametrize(("ms_type", "verdict"), [("RRMS", "meets"), ("RIS", "does_not_meet")])
def test_net_ms_relapsing_ms_after_a_failed_drug(ms_type: str, verdict: str) -> None:
    """Active on interferon, age 40, EDSS 3.0: RRMS meets; RIS (not MS) does not."""
    result = judged("net-ms", ms_type=ms_type, age=40, edss=3.0, treatments=INTERFERON, **ACTIVE)

    assert result.verdict == verdict
    assert statuses(result)["confirmed-ms"] == ("met" if ms_type == "RRMS" else "not_met")
    assert statuses(result)["aggressive-ms"] == "clinic"


# ---------------------------------------------------------------- NHS London 2016

LONDON = {
    "age": 50,
    "diagnosis_date": "2014-06-01",
    "edss": 6.0,
    "treatments": INTERFERON,
    **ACTIVE,
}


def test_london_spms_without_a_high_efficacy_drug_is_for_review() -> None:
    """SPMS with an enhancing lesion, interferon only: the 'for RMS' rule is case by case."""
    result = judged("nhs-london-2016", ms_type="SPMS", **LONDON)

    assert result.verdict == "needs_review"
    assert statuses(result)["spms-failed-high-efficacy"] == "not_met"
    assert statuses(result)["relapsing-failed-high-efficacy"] == "not_applicable"
    assert statuses(result)["mcdonald"] == "met"


def test_london_rrms_needs_a_failed_high_efficacy_drug() -> None:
    """The same as relapsing-remitting MS does not meet."""
    result = judged("nhs-london-2016", ms_type="RRMS", **LONDON)

    assert result.verdict == "does_not_meet"
    assert statuses(result)["relapsing-failed-high-efficacy"] == "not_met"
    assert statuses(result)["relapsing-six-months-on-high-efficacy"] == "not_met"


@pytest.mark.parametrize(
    ("walking", "status"),
    [({"edss_inputs": TWO_AIDS_25_M}, "met"), ({"edss": 7.0}, "not_met")],
    ids=["25-m-with-two-aids", "edss-7.0"],
)
def test_london_walking_20_m_with_help_on_both_sides(walking: dict[str, Any], status: str) -> None:
    """Walking 20 m with two aids is EDSS 6.5, within the limit; EDSS 7.0 is not."""
    result = judged("nhs-london-2016", ms_type="SPMS", **{**LONDON, "edss": None, **walking})

    assert statuses(result)["walking"] == status
    assert result.verdict == ("needs_review" if status == "met" else "does_not_meet")


# ---------------------------------------------------------------- US NMSS 2021


def test_nmss_untreated_active_ms_is_for_review() -> None:
    """Active RRMS never treated: no failed high-efficacy drug, but a contraindication may apply."""
    result = judged(
        "nmss-2021",
        ms_type="RRMS",
        age=30,
        diagnosis_date="2025-01-01",
        treatments=[],
        relapses=[{"date": "2026-03-01"}],
        mri=[{"date": "2026-07-01", "gd_enhancing": 2, "new_t2": 3}],
    )

    assert result.verdict == "needs_review"
    assert statuses(result)["breakthrough-activity"] == "met"
    assert statuses(result)["breakthrough-on-high-efficacy"] == "not_met"
    assert statuses(result)["contraindication-to-high-efficacy"] == "clinic"


def test_nmss_needs_breakthrough_activity() -> None:
    """High-efficacy drugs failed years ago, quiet for the last year: no breakthrough now."""
    result = judged(
        "nmss-2021",
        ms_type="RRMS",
        age=30,
        diagnosis_date="2020-01-01",
        treatments=[
            {
                "drug": "natalizumab",
                "start": "2020-03-01",
                "stop": "2023-01-01",
                "reason_stopped": "ineffective",
            },
            {"drug": "ocrelizumab", "start": "2023-02-01"},
        ],
        relapses=[{"date": "2022-10-01"}],
        mri=[{"date": "2026-07-01", "gd_enhancing": 0, "new_t2": 0}],
    )

    assert result.verdict == "does_not_meet"
    assert reason(result, "breakthrough-activity") == (
        "MS active (relapses or new MRI lesions in the last 12 months): no; this rule asks for yes."
    )


# ---------------------------------------------------------------- RAM-MS, not recruiting


def test_ram_ms_relapse_with_enhancing_lesion_on_interferon() -> None:
    """Every checkable criterion met; the steroid-treated relapse and referral for the trial."""
    result = judged(
        "ram-ms",
        ms_type="RRMS",
        age=30,
        edss=3.0,
        treatments=INTERFERON,
        relapses=[{"date": "2026-06-15"}],
        mri=[{"date": "2026-07-01", "gd_enhancing": 1, "new_t2": 1}],
    )

    assert statuses(result) == {
        "confirmed-ms": "met",
        "rrms": "met",
        "age": "met",
        "edss": "met",
        "activity-on-treatment": "met",
        "on-treatment": "met",
        "relapse-details": "clinic",
        "referral-country": "clinic",
    }


# ---------------------------------------------------------------- StarMS, closed


@pytest.mark.parametrize(("ms_type", "diagnosis"), [("RRMS", "met"), ("suspected", "not_met")])
def test_starms_treatment_naive_rapidly_evolving(ms_type: str, diagnosis: str) -> None:
    """Two relapses and enhancing lesions within a year, never treated."""
    result = judged(
        "starms",
        ms_type=ms_type,
        age=24,
        treatments=[],
        relapses=[{"date": "2026-02-01"}, {"date": "2026-06-20"}],
        mri=[{"date": "2026-07-10", "gd_enhancing": 2, "new_t2": 4}],
    )

    found = statuses(result)
    assert found["confirmed-ms"] == diagnosis
    assert found["active-or-rapidly-evolving"] == "met"
    assert found["central-review"] == "clinic"


# ---------------------------------------------------------------- every rule set


def guideline_and_trial_ids() -> list[str]:
    """Every guideline and trial rule set in the catalogue."""
    return sorted(r.id for r in load_catalog().rulesets.values() if r.kind != "facility")


@pytest.mark.parametrize("ruleset_id", guideline_and_trial_ids())
def test_every_rule_set_asks_for_a_confirmed_diagnosis(ruleset_id: str) -> None:
    """Every source is about MS: each rule set checks the diagnosis (McDonald 2017)."""
    criteria = load_catalog().criteria(ruleset_id)

    assert any(c.parameter == "confirmed_ms_diagnosis" for c in criteria)


@pytest.mark.parametrize("ruleset_id", guideline_and_trial_ids())
def test_the_user_guide_has_a_row_for_every_criterion(ruleset_id: str) -> None:
    """docs/user-guide/criteria.md has a section per rule set naming each criterion id."""
    text = GUIDE.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    section = next((s for s in sections if f"`{ruleset_id}`" in s.splitlines()[0]), None)

    assert section is not None, f"no section for {ruleset_id}"
    for criterion in load_catalog().criteria(ruleset_id):
        assert f"`{criterion.id}`" in section, f"{ruleset_id}/{criterion.id} not in the guide"
