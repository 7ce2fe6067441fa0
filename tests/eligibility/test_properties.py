"""Invariants of the engine, for any profile.

- Adding an unmet required criterion never improves a verdict.
- A rule set with no checkable criterion never "meets".
- Closing a clinic or a trial never improves its verdict.
- Giving a fact that fails a required criterion never improves a verdict.
- Filling in a missing fact with a complete answer removes it from every rule set's list of
  missing facts, so no verdict stays ``insufficient_information`` for that reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hsct.eligibility import VERDICTS, evaluate, evaluate_ruleset, parse_profile
from hsct.eligibility.derive import derive
from hsct.knowledge import Catalog, load_catalog
from hsct.knowledge.schema import Criterion, Fact, RuleSet

DAY = dt.date(2026, 11, 23)
#: How close a verdict is to a fit; the last three never count as one.
FIT = {verdict: min(index, 3) for index, verdict in enumerate(VERDICTS)}
CATALOG = load_catalog()
DRUGS = sorted(d for d, drug in CATALOG.drugs.items() if drug.high_efficacy.value is not None)
EDSS = [0.0, *(x / 2 for x in range(2, 20))]


def recent(max_days: int) -> st.SearchStrategy[str]:
    """A date within ``max_days`` before the assessment day."""
    return st.integers(0, max_days).map(lambda d: (DAY - dt.timedelta(days=d)).isoformat())


course = st.builds(
    lambda drug, start, length, stopped, reason: {
        "drug": drug,
        "start": (DAY - dt.timedelta(days=start)).isoformat(),
        **(
            {
                "stop": (DAY - dt.timedelta(days=max(start - length, 0))).isoformat(),
                "reason_stopped": reason,
            }
            if stopped
            else {}
        ),
    },
    st.sampled_from(DRUGS),
    st.integers(30, 6000),
    st.integers(0, 3000),
    st.booleans(),
    st.sampled_from(["ineffective", "side_effects", "planned", "pregnancy", "other"]),
)

#: For each field, a strategy giving a complete answer.
COMPLETE: dict[str, st.SearchStrategy[Any]] = {
    "birth_date": st.integers(16 * 366, 75 * 365).map(
        lambda d: (DAY - dt.timedelta(days=d)).isoformat()
    ),
    "ms_type": st.sampled_from(["RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected"]),
    "ms_activity": st.sampled_from(["active", "not_active"]),
    "diagnosis_date": recent(12000),
    "onset_date": st.just("1990-01-01"),
    "edss": st.sampled_from(EDSS),
    "relapses": st.lists(st.builds(lambda d: {"date": d}, recent(2000)), max_size=4),
    "mri": st.lists(
        st.builds(
            lambda d, g, t: {"date": d, "gd_enhancing": g, "new_t2": t},
            recent(1500),
            st.integers(0, 4),
            st.integers(0, 6),
        ),
        max_size=3,
    ).flatmap(
        lambda scans: st.builds(
            lambda d, g, t: [*scans, {"date": d, "gd_enhancing": g, "new_t2": t}],
            recent(80),
            st.integers(0, 3),
            st.integers(0, 3),
        )
    ),
    "treatments": st.lists(course, max_size=3),
    "csf_oligoclonal_bands": st.booleans(),
    "prior_hsct": st.booleans(),
    "disability_worsening_12m": st.booleans(),
    "edss_history": st.builds(
        lambda d, e: [{"date": d, "edss": e}],
        recent(300).filter(lambda d: d != DAY.isoformat()),
        st.sampled_from(EDSS),
    ),
}


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A profile with a random subset of fields answered completely."""
    chosen = draw(st.sets(st.sampled_from(sorted(COMPLETE))))
    data = {field: draw(COMPLETE[field]) for field in chosen}
    if "onset_date" in data and "diagnosis_date" in data:
        data["onset_date"] = min(data["onset_date"], data["diagnosis_date"])
    if "birth_date" in data:
        for field in ("diagnosis_date", "onset_date"):
            if field in data and data[field] < data["birth_date"]:
                data[field] = data["birth_date"]
    return {"as_of": DAY.isoformat(), **data}


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_an_unmet_required_criterion_never_improves_a_verdict(data: dict[str, Any]) -> None:
    """Add "EDSS under 0" (never met once EDSS is known) to every rule set."""
    data = {**data, "edss": data.get("edss", 4.0)}
    profile = parse_profile(data)
    facts = derive(profile, CATALOG)
    impossible = Criterion(id="impossible", parameter="edss", operator="<", threshold=0)
    for ruleset in CATALOG.rulesets.values():
        if ruleset.kind == "facility" and ruleset.id not in CATALOG.facilities:
            continue
        before = evaluate_ruleset(ruleset, facts, CATALOG, profile).verdict
        harder = ruleset.model_copy(update={"criteria": (*ruleset.criteria, impossible)})
        catalog = dataclasses.replace(
            CATALOG, rulesets=MappingProxyType({**CATALOG.rulesets, ruleset.id: harder})
        )
        result = evaluate_ruleset(harder, facts, catalog, profile)
        after = result.verdict
        assert FIT[after] >= FIT[before]
        assert after in ("does_not_meet", "unavailable")
        assert result.criteria_verdict == "does_not_meet"


def _without(ruleset: RuleSet) -> tuple[RuleSet, Catalog]:
    clinic_only = Criterion(id="clinic-only", assessed_by="clinic", text="Organ function.")
    bare = ruleset.model_copy(update={"criteria": (clinic_only,), "inherits": ()})
    catalog = dataclasses.replace(
        CATALOG, rulesets=MappingProxyType({**CATALOG.rulesets, ruleset.id: bare})
    )
    return bare, catalog


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_a_rule_set_with_no_checkable_criterion_never_meets(data: dict[str, Any]) -> None:
    """Only "checked by the clinic" items: never "meets", never counted as a fit."""
    profile = parse_profile(data)
    facts = derive(profile, CATALOG)
    for ruleset in CATALOG.rulesets.values():
        if ruleset.kind == "facility" and ruleset.id not in CATALOG.facilities:
            continue
        bare, catalog = _without(ruleset)
        result = evaluate_ruleset(bare, facts, catalog, profile)
        assert result.verdict != "meets"
        assert result.verdict in ("no_checkable_criteria", "unavailable", "does_not_meet")
        if result.verdict == "does_not_meet":  # only an unconfirmed diagnosis does that
            assert profile.ms_type in ("CIS", "RIS", "suspected")


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_closing_a_clinic_or_trial_never_improves_its_verdict(data: dict[str, Any]) -> None:
    """A closed clinic or a completed trial ranks last, whatever its criteria say."""
    profile = parse_profile(data)
    facts = derive(profile, CATALOG)
    for ruleset in CATALOG.rulesets.values():
        if ruleset.kind == "guideline" or ruleset.id not in CATALOG.facilities | {
            r: None for r in CATALOG.rulesets if CATALOG.rulesets[r].kind == "trial"
        }:
            continue
        before = evaluate_ruleset(ruleset, facts, CATALOG, profile).verdict
        if ruleset.kind == "trial":
            changed = ruleset.model_copy(
                update={"status": Fact(value="completed", src=ruleset.src)}
            )
            catalog = dataclasses.replace(
                CATALOG, rulesets=MappingProxyType({**CATALOG.rulesets, ruleset.id: changed})
            )
        else:
            changed = ruleset
            facility = CATALOG.facilities[ruleset.id]
            closed = facility.model_copy(update={"status": Fact(value="closed", src=ruleset.src)})
            catalog = dataclasses.replace(
                CATALOG, facilities=MappingProxyType({**CATALOG.facilities, facility.id: closed})
            )
        after = evaluate_ruleset(changed, facts, catalog, profile).verdict
        assert VERDICTS.index(after) >= VERDICTS.index(before)
        assert after == "unavailable"


def _failing_edss(criterion: Criterion) -> float | None:
    """An EDSS that fails this top-level EDSS limit, if one exists on the scale."""
    if criterion.parameter != "edss" or criterion.when is not None:
        return None
    if criterion.operator in ("<", "<=") and criterion.threshold < 9.5:
        return 9.5
    if criterion.operator == "between":
        low, high = criterion.threshold
        return 9.5 if high < 9.5 else (0.0 if low > 0 else None)
    return None


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_a_fact_failing_a_required_criterion_never_improves_a_verdict(
    data: dict[str, Any],
) -> None:
    """Giving an EDSS outside a rule set's required EDSS range never improves its verdict."""
    for ruleset in CATALOG.rulesets.values():
        if ruleset.kind == "facility" and ruleset.id not in CATALOG.facilities:
            continue
        failing = [
            value
            for c in CATALOG.criteria(ruleset.id)
            if c.strength == "hard" and (value := _failing_edss(c)) is not None
        ]
        if not failing:
            continue
        before_profile = parse_profile(data)
        before = evaluate_ruleset(
            ruleset, derive(before_profile, CATALOG), CATALOG, before_profile
        ).verdict
        worse = parse_profile(
            {**{k: v for k, v in data.items() if k != "edss"}, "edss": failing[0]}
        )
        after = evaluate_ruleset(ruleset, derive(worse, CATALOG), CATALOG, worse)
        if before != "unavailable" and data.get("edss") not in (None, failing[0]):
            assert FIT[after.verdict] >= FIT[before]
        assert after.verdict in ("does_not_meet", "unavailable")


@settings(max_examples=80, deadline=None)
@given(profiles(), st.data())
def test_filling_a_missing_fact_removes_it_from_every_list(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    """Whatever the complete answer, the field is no longer asked for."""
    missing = sorted(set(COMPLETE) - set(data))
    assume(missing)
    field = draw.draw(st.sampled_from(missing))
    filled = {**data, field: draw.draw(COMPLETE[field])}
    if field in ("onset_date", "diagnosis_date", "birth_date"):
        assume(_consistent(filled))
    assessment = evaluate(parse_profile(filled), CATALOG)

    for result in assessment.results:
        asked = {need.field.split(".")[0] for need in result.needs}
        assert field not in asked, (result.ruleset.id, result.verdict)


def _consistent(data: dict[str, Any]) -> bool:
    born, onset, diagnosis = (
        data.get("birth_date"),
        data.get("onset_date"),
        data.get("diagnosis_date"),
    )
    if onset and diagnosis and onset > diagnosis:
        return False
    return not (born and any(d and d < born for d in (onset, diagnosis)))
