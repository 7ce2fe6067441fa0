"""Hand-written profiles for each clinical-safety behaviour, with expected verdicts and texts.

Each case was worked out by hand from the rule sets, the facility statuses and the drug
data in the knowledge base (assessment day 23 November 2026).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hsct.common.errors import InvalidInput
from hsct.eligibility import Assessment, evaluate, parse_profile
from hsct.eligibility.export import assessment_dict
from hsct.journey import plan
from hsct.knowledge import load_catalog

CATALOG = load_catalog()
DAY = "2026-11-23"


def assess(**fields: Any) -> Assessment:
    """The assessment of a profile given as keyword fields, on the fixed day."""
    return evaluate(parse_profile({"as_of": DAY, **fields}, CATALOG), CATALOG)


def by_id(assessment: Assessment) -> dict[str, Any]:
    return {r.ruleset.id: r for r in assessment.results}


#: Active RRMS that fits most clinics: 35, EDSS 3.0, two relapses and an active scan.
ACTIVE_RRMS: dict[str, Any] = {
    "age": 35,
    "ms_type": "RRMS",
    "edss": 3.0,
    "diagnosis_date": "2020-01-01",
    "onset_date": "2019-06-01",
    "relapses": [{"date": "2026-03-01"}, {"date": "2026-09-01"}],
    "mri": [{"date": "2026-09-15", "gd_enhancing": 2, "new_t2": 3}],
}


def test_a_clinically_isolated_syndrome_meets_no_clinic() -> None:
    """CIS with an otherwise fitting profile: every clinic is "not met" or not available."""
    assessment = assess(**{**ACTIVE_RRMS, "ms_type": "CIS"})

    assert assessment.fits == ()
    assert {r.verdict for r in assessment.facilities} <= {"does_not_meet", "unavailable"}
    puebla = by_id(assessment)["puebla-clinica-ruiz"]
    diagnosis = puebla.criteria[0]
    assert (diagnosis.id, diagnosis.status) == ("confirmed-ms-diagnosis", "not_met")
    assert str(diagnosis.reason) == (
        "MS diagnosis confirmed (McDonald criteria): no; this rule asks for yes."
    )
    assert [s.src for s in assessment.advice] == ["thompson-2018", "thompson-2018"]
    assert str(assessment.advice[0].message).startswith(
        "Your answers do not describe confirmed MS (clinically isolated syndrome)."
    )
    assert "neuromyelitis optica spectrum disorder" in str(assessment.advice[1].message)
    assert assessment.benefit_applies is False


@pytest.mark.parametrize("ms_type", ["RIS", "suspected"])
def test_radiologically_isolated_or_suspected_ms_meets_no_clinic(ms_type: str) -> None:
    """The other two unconfirmed diagnoses behave as CIS does."""
    assessment = assess(**{**ACTIVE_RRMS, "ms_type": ms_type})

    assert assessment.fits == ()
    assert all(r.verdict != "meets" for r in assessment.results)


def test_clinics_with_only_clinic_checks_are_listed_apart_and_never_fit() -> None:
    """Shaare Zedek and Varna publish no criteria a profile can answer."""
    assessment = assess(**ACTIVE_RRMS)
    unchecked = [r.ruleset.id for r in assessment.unchecked_facilities]

    assert unchecked == ["jerusalem-shaare-zedek", "varna-st-marina"]
    assert not set(unchecked) & {r.ruleset.id for r in assessment.fits}
    assert str(by_id(assessment)["varna-st-marina"].summary) == (
        "Publishes no criteria we can check against your answers: ask them directly."
    )
    order = [r.ruleset.id for r in assessment.facilities]
    last_checked = max(order.index(r.ruleset.id) for r in assessment.checked_facilities)
    assert all(order.index(i) > last_checked for i in unchecked)


def test_a_closed_clinic_never_meets_ranks_last_and_names_its_status() -> None:
    """Northwestern closed in September 2019: unavailable, after every other clinic."""
    assessment = assess(**ACTIVE_RRMS)
    northwestern = by_id(assessment)["chicago-northwestern"]

    assert northwestern.verdict == "unavailable"
    assert str(northwestern.summary) == (
        "Not an option now: Closed to new patients (as of 2019-09, source: The Scientist: "
        "Northwestern University stem cell therapy clinic closes abruptly (6 September 2019))."
    )
    tail = [r.verdict for r in assessment.facilities][-len(assessment.unavailable_facilities) :]
    assert set(tail) == {"unavailable"}
    assert "chicago-northwestern" not in {r.ruleset.id for r in assessment.fits}


def test_completed_and_closed_trials_are_unavailable_whatever_their_criteria() -> None:
    """MIST is completed, StarMS closed, RAM-MS not recruiting; BEAT-MS still recruits."""
    assessment = assess(**ACTIVE_RRMS)
    verdicts = {r.ruleset.id: r.verdict for r in assessment.trials}

    assert verdicts["mist"] == verdicts["starms"] == verdicts["ram-ms"] == "unavailable"
    assert verdicts["beat-ms"] != "unavailable"
    assert [r.verdict for r in assessment.trials][-3:] == ["unavailable"] * 3


def test_the_journey_planner_refuses_a_closed_clinic() -> None:
    """No plan at a closed clinic: a named error on the facility."""
    with pytest.raises(InvalidInput) as caught:
        plan("chicago-northwestern", today=dt.date(2026, 11, 23))

    error = caught.value.errors[0]
    assert error.field == "facility"
    assert error.message.startswith("Northwestern University, Division of Immunotherapy")
    assert "does not take new patients: Closed to new patients (as of 2019-09" in error.message


def test_a_plan_at_an_unconfirmed_programme_starts_with_a_warning() -> None:
    """Netcare Pretoria: the MS programme is not confirmed."""
    timeline = plan("pretoria-netcare", today=dt.date(2026, 11, 23))

    assert str(timeline.warnings[0]).startswith("MS programme not confirmed (as of 2010-08-05")
    assert str(timeline.warnings[0]).endswith(
        "Confirm with the clinic that it treats MS before you plan, pay or travel."
    )


def test_a_criterion_that_lapses_before_the_washout_ends_is_not_meets() -> None:
    """Moscow asks for a relapse in the previous year; the only relapse (15 Jan 2026) stops
    counting on 14 Jan 2027, before teriflunomide's 6-month washout ends on 23 May 2027."""
    assessment = assess(
        age=35,
        ms_type="RRMS",
        edss=3.0,
        relapses=[{"date": "2026-01-15"}],
        disability_worsening_12m=False,
        treatments=[{"drug": "teriflunomide", "start": "2023-01-01"}],
    )
    moscow = by_id(assessment)["moscow-pirogov"]

    assert moscow.criteria_verdict == "meets"
    assert moscow.verdict == "does_not_meet"
    assert str(moscow.summary) == (
        "By the time the washout ends (2027-05-23), a criterion you meet now will no longer "
        "be met (last day 2027-01-14)."
    )


def test_natalizumab_warns_of_rebound_and_names_the_pml_check() -> None:
    """Results and plan: rebound, the team's decision, the PML check; never "stop by"."""
    profile = {
        **ACTIVE_RRMS,
        "treatments": [{"drug": "natalizumab", "start": "2024-01-01", "last_dose": "2026-11-01"}],
    }
    assessment = assess(**profile)
    (timing,) = assessment.drug_timing

    assert [str(w.message) for w in timing.warnings] == [
        (
            "Stopping natalizumab can bring MS activity back, sometimes worse than before it was "
            "started (rebound). When to stop it, and whether to bridge the gap with another "
            "treatment, are your treating team's decision."
        ),
        (
            "After natalizumab, the team checks for PML (progressive multifocal "
            "leukoencephalopathy, a brain infection) before the next treatment, usually with an "
            "MRI and a JC virus test."
        ),
    ]
    assert str(timing.answer[1]) == (
        "Ask your neurologist when and how to stop natalizumab; never stop an MS drug on your own."
    )
    timeline = plan(
        "moscow-pirogov",
        profile=parse_profile({"as_of": DAY, **profile}, CATALOG),
        today=dt.date(2026, 11, 23),
    )
    assert str(timeline.stopping[0]).startswith("Stopping natalizumab can bring MS activity back")
    assert not [m for m in timeline.milestones if str(m.title).startswith("Stop ")]


@pytest.mark.parametrize("drug", ["fingolimod", "siponimod", "ozanimod", "ponesimod"])
def test_every_s1p_modulator_warns_of_rebound(drug: str) -> None:
    """Stopping an S1P modulator: the rebound warning, with its source."""
    assessment = assess(**{**ACTIVE_RRMS, "treatments": [{"drug": drug, "start": "2023-01-01"}]})
    (timing,) = assessment.drug_timing

    assert any("(rebound)" in str(w.message) for w in timing.warnings)
    assert all(w.citation.label for w in timing.warnings)


def test_a_current_drug_in_the_plan_says_ask_your_neurologist() -> None:
    """Teriflunomide taken now at Moscow: the step names the neurologist, not a deadline."""
    profile = parse_profile(
        {"as_of": DAY, "treatments": [{"drug": "teriflunomide", "start": "2022-01-01"}]}, CATALOG
    )
    timeline = plan(
        "moscow-pirogov",
        admission_date=dt.date(2027, 9, 1),
        profile=profile,
        today=dt.date(2026, 11, 23),
    )
    (step,) = [m for m in timeline.milestones if m.id == "washout-teriflunomide"]

    assert str(step.title) == "Ask your neurologist when to stop teriflunomide"
    assert step.start == dt.date(2027, 3, 1)
    assert "are your neurologist's decision" in str(step.description)


def test_course_drugs_show_no_months_taken() -> None:
    """Ocrelizumab is given in infusions: months since the last dose, not months taken."""
    assessment = assess(
        **{
            **ACTIVE_RRMS,
            "treatments": [
                {"drug": "ocrelizumab", "start": "2022-01-01", "last_dose": "2026-08-01"}
            ],
        }
    )
    (course,) = assessment_dict(assessment, CATALOG)["treatments"]

    assert course["course_based"] is True
    assert course["months_taken"] is None
    assert course["months_since_last_dose"] == pytest.approx(3.7, abs=0.05)


def test_no_high_efficacy_drug_tried_says_guidelines_advise_one_first() -> None:
    """Relapsing MS on interferon only: a high-efficacy drug comes first (ECTRIMS-EBMT)."""
    assessment = assess(
        **{**ACTIVE_RRMS, "treatments": [{"drug": "interferon-beta", "start": "2021-01-01"}]}
    )

    assert [s.src for s in assessment.advice] == ["muraro-2025"]
    assert str(assessment.advice[0].message).startswith(
        "You have not had a high-efficacy MS drug yet. Guidelines advise trying one"
    )


def test_a_drug_started_three_months_ago_may_not_have_worked_yet() -> None:
    """Ocrelizumab since 20 August 2026: about 3 months."""
    assessment = assess(
        **{**ACTIVE_RRMS, "treatments": [{"drug": "ocrelizumab", "start": "2026-08-20"}]}
    )

    assert [str(s.message) for s in assessment.advice] == [
        (
            "You started ocrelizumab about 3 months ago. A drug can take around 6 months to work "
            "fully, so activity now does not yet mean it has failed."
        )
    ]


def test_progressive_ms_without_activity_is_told_what_else_helps() -> None:
    """SPMS, no relapses and a quiet scan: no relapsing-MS figures as the person's own."""
    assessment = assess(
        age=52,
        ms_type="SPMS",
        edss=6.0,
        relapses=[],
        mri=[{"date": "2026-06-01", "gd_enhancing": 0, "new_t2": 0}],
    )

    assert assessment.benefit_applies is False
    assert [s.src for s in assessment.advice] == ["muraro-2025", "amatya-2019", "montalban-2018"]
    timeline = plan(
        "moscow-pirogov",
        profile=parse_profile({"as_of": DAY, "ms_type": "SPMS"}, CATALOG),
        today=dt.date(2026, 11, 23),
    )
    improvement = next(m for m in timeline.milestones if m.id == "improvement")
    assert str(improvement.title) == "What studies report for progressive MS"
    assert "54 of 100" not in str(improvement.description)


def test_json_counts_only_met_clinics_as_fits() -> None:
    """The API's counts agree with the verdicts: no unavailable or unchecked clinic fits."""
    found = assessment_dict(assess(**ACTIVE_RRMS), CATALOG)
    fits = [f["id"] for f in found["facilities"] if f["verdict"] == "meets"]

    assert found["counts"]["clinics_fit"] == len(fits)
    assert "chicago-northwestern" not in fits
    assert "jerusalem-shaare-zedek" not in fits


def test_every_assessment_states_the_risk_of_death_near_the_top() -> None:
    """The pooled risk with its interval, the person's own risk factors, and the harms."""
    assessment = assess(age=52, ms_type="SPMS", edss=6.5)
    risk = assessment.risk
    found = assessment_dict(assessment, CATALOG)["risk"]

    assert str(risk.pooled.headline) == (
        "Risk of dying from the treatment: about 2 in 100 people (between 1 and 3)."
    )
    assert {f.id for f in risk.factors if f.applies == "yes"} == {
        "age",
        "progressive_ms",
        "edss",
    }
    assert {h.harm.kind for h in risk.harms} == {
        "infection",
        "autoimmunity",
        "fertility",
        "neurological",
    }
    assert (found["pooled"]["percent"], found["pooled"]["ci_low"]) == (2.1, 1.3)
