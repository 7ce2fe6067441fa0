"""Washout dates, windows for time-dependent criteria, protocol guidance, similar studies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hsct.eligibility import RuleSetResult, evaluate, parse_profile
from hsct.eligibility.guidance import BY_MS_TYPE, _guidance_for
from hsct.knowledge import load_catalog

DAY = "2026-11-23"


def facility(facility_id: str, **data: Any) -> RuleSetResult:
    """One facility's result for a profile assessed on 23 November 2026."""
    assessment = evaluate(parse_profile({"as_of": DAY, **data}), load_catalog())
    return next(r for r in assessment.facilities if r.ruleset.id == facility_id)


def test_a_current_drug_washout_counts_from_today() -> None:
    """Teriflunomide taken now, Moscow asks 6 months: earliest 23 May 2027, if stopped today."""
    result = facility(
        "moscow-pirogov", treatments=[{"drug": "teriflunomide", "start": "2022-01-01"}]
    )

    assert result.window is not None
    assert result.window.earliest == dt.date(2027, 5, 23)
    assert str(result.window.reasons[0]) == (
        "Washout of teriflunomide would end on 2027-05-23 if you stopped it today."
    )


def test_a_course_drug_washout_counts_from_the_last_infusion() -> None:
    """Ocrelizumab every 6 months, last infusion 1 Aug 2026: Moscow's 6 months end 1 Feb 2027."""
    result = facility(
        "moscow-pirogov",
        treatments=[{"drug": "ocrelizumab", "start": "2022-01-01", "last_dose": "2026-08-01"}],
    )

    assert result.window is not None
    assert result.window.earliest == dt.date(2027, 2, 1)
    assert str(result.window.reasons[0]) == (
        "Washout of ocrelizumab ends on 2027-02-01 (counted from the last dose)."
    )


def test_a_course_drug_without_its_last_dose_has_no_earliest_date() -> None:
    """Never "earliest: today": without the last infusion the washout cannot be dated."""
    result = facility("moscow-pirogov", treatments=[{"drug": "ocrelizumab", "start": "2022-01-01"}])

    assert result.window is not None
    assert result.window.earliest is None
    assert [w.drug for w in result.window.unknown] == ["ocrelizumab"]
    assert str(result.window.reasons[0]) == (
        "ocrelizumab: give the date of the last dose to date the washout."
    )


def test_an_unpublished_washout_is_ask_the_clinic_never_today() -> None:
    """Sheffield publishes no washout: natalizumab taken now leaves the date to the clinic."""
    result = facility(
        "sheffield-royal-hallamshire",
        ms_type="RRMS",
        treatments=[{"drug": "natalizumab", "start": "2022-01-01", "last_dose": "2026-11-01"}],
    )

    assert result.window is not None
    assert result.window.earliest is None
    assert str(result.window.reasons[0]) == (
        "natalizumab: this clinic publishes no washout; ask it how long to wait."
    )


def test_age_limit_gives_a_last_date() -> None:
    """RAM-MS (Haukeland) takes people up to 50: born 10 Feb 1977, the last day is 9 Feb 2028."""
    result = facility("bergen-haukeland", birth_date="1977-02-10", ms_type="RRMS")

    assert result.window is not None
    assert result.window.until == dt.date(2028, 2, 9)


def test_a_recent_relapse_keeps_a_criterion_met_for_12_months() -> None:
    """Moscow asks for a relapse (or worsening) in the last year.

    A relapse on 1 Mar 2026 counts until 28 Feb 2027.
    """
    result = facility("moscow-pirogov", relapses=[{"date": "2026-03-01"}])

    assert result.window is not None
    assert result.window.until == dt.date(2027, 2, 28)


def test_minimum_age_is_reached_on_a_birthday() -> None:
    """Moscow's minimum age is 16: born 5 Jan 2011, reached on 5 Jan 2027."""
    result = facility("moscow-pirogov", birth_date="2011-01-05")

    assert result.window is not None
    assert result.window.earliest == dt.date(2027, 1, 5)


def test_guidance_for_progressive_ms_cites_its_sources() -> None:
    """PPMS: the statements on progressive MS and the NHS oligoclonal-band rule, with sources."""
    guidance = evaluate(parse_profile({"ms_type": "PPMS", "as_of": DAY}), load_catalog()).guidance

    texts = [str(s.message) for s in guidance.for_ms_type]
    assert any("oligoclonal bands" in t for t in texts)
    assert all(s.citation.date for s in guidance.for_ms_type)
    beam = next(r for r in guidance.regimens if r.regimen.id == "beam-atg")
    assert "jerusalem-shaare-zedek" in {f.id for f in beam.facilities}


def test_guidance_is_made_once_per_catalogue_and_ms_type_and_shared() -> None:
    """The guidance depends only on the catalogue and the MS type: two people with the same
    type share one (immutable) object, and it is what building it afresh gives."""
    catalog = load_catalog()
    for ms_type in (None, *BY_MS_TYPE):
        answers: dict[str, Any] = {"as_of": DAY} if ms_type is None else {"ms_type": ms_type}
        first = evaluate(parse_profile({**answers, "edss": 3.0}), catalog).guidance
        second = evaluate(parse_profile({**answers, "age": 50}), catalog).guidance
        assert first is second
        assert first == _guidance_for(ms_type, catalog)
    unknown = evaluate(parse_profile({"as_of": DAY}), catalog).guidance
    assert len(unknown.for_ms_type) == len(
        {text for pairs in BY_MS_TYPE.values() for text, _ in pairs}
    )


def test_people_like_me_match_type_age_and_edss() -> None:
    """RRMS at 30 with EDSS 7.5: Atkins 2016 (EDSS 3.0-6.0) and MIST (2.0-6.0) are other
    populations; a study that reports no EDSS range is not counted as "like you" either."""
    assessment = evaluate(
        parse_profile({"ms_type": "RRMS", "age": 30, "edss": 7.5, "as_of": DAY}), load_catalog()
    )
    other = {m.study.id: m for m in assessment.studies.other}

    assert assessment.studies.matching == ()
    assert {"atkins-2016", "mist-2019", "burt-2015"} <= set(other)
    assert all(m.reasons for m in other.values())


def test_people_like_me_at_edss_3() -> None:
    """RRMS at 35 with EDSS 3.0: MIST and Atkins 2016 report ranges that include them."""
    assessment = evaluate(
        parse_profile({"ms_type": "RRMS", "age": 35, "edss": 3.0, "as_of": DAY}), load_catalog()
    )

    assert {m.study.id for m in assessment.studies.matching} == {"atkins-2016", "mist-2019"}
