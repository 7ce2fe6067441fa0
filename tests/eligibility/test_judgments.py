"""Judgments made once and shared: they give what judging each criterion alone gives.

The engine judges each catalogue criterion with a function made once (``judgment``) and
shares one person's leaf tests between rule sets, across kinds of rule set unless the
reason names the kind (hazard H-077). These tests hold the shortcuts to the plain rules.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, get_args

import pytest
from hypothesis import given, settings

from hsct.eligibility import RuleSetResult, evaluate, parse_profile
from hsct.eligibility.criteria import (
    _KIND_WORDED,
    _REASONS,
    CriterionResult,
    LeafMemo,
    judge,
)
from hsct.eligibility.derive import derive
from hsct.eligibility.engine import DIAGNOSIS_CRITERION, _substantive, tally_of, verdict_of
from hsct.eligibility.timing import window
from hsct.knowledge import load_catalog
from hsct.knowledge.schema import Criterion, RuleSetKind
from tests.eligibility.test_properties import profiles

CATALOG = load_catalog()
KINDS: tuple[RuleSetKind, ...] = get_args(RuleSetKind)


def _criteria() -> list[tuple[Criterion, RuleSetKind]]:
    found: list[tuple[Criterion, RuleSetKind]] = [(DIAGNOSIS_CRITERION, "facility")]
    for ruleset in CATALOG.rulesets.values():
        found += [(c, ruleset.kind) for c in CATALOG.criteria(ruleset.id)]
    return found


CRITERIA = _criteria()
#: Some reason, for results made up below (the verdict does not read it).
REASON = judge(
    DIAGNOSIS_CRITERION, derive(parse_profile({}, CATALOG), CATALOG), CATALOG, "facility"
).reason


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_shared_judgments_equal_each_criterion_judged_alone(data: dict[str, Any]) -> None:
    """One leaf memo for all rule sets (as ``evaluate`` shares it) changes no result."""
    profile = parse_profile(data, CATALOG)
    facts = derive(profile, CATALOG)
    shared: LeafMemo = {}
    for criterion, kind in CRITERIA:
        together = judge(criterion, facts, CATALOG, kind, leaves=shared)
        alone = judge(criterion, facts, CATALOG, kind)
        assert together == alone, (criterion.id, kind)
        # The same test in a rule set of each other kind reads as it would alone, too.
        for other in KINDS:
            assert judge(criterion, facts, CATALOG, other, leaves=shared) == judge(
                criterion, facts, CATALOG, other
            ), (criterion.id, other)


def test_only_the_kind_worded_operators_name_the_kind() -> None:
    """Every other operator's reasons are the same sentence for every kind of rule set."""
    assert {operator for operator, _ in _REASONS} - _KIND_WORDED == {
        "<",
        ">",
        ">=",
        "==",
        "in",
        "is_true",
        "is_false",
    }
    for (operator, met), template in _REASONS.items():
        if operator not in _KIND_WORDED:
            for kind in ("clinic", "guideline", "trial"):
                assert kind not in template, (operator, met)


def _reference_verdict(results: tuple[CriterionResult, ...]) -> str:
    """The verdict rules as the engine's docstring states them, written plainly."""
    judged = [r for r in results if r.status in ("met", "not_met", "unknown")]
    if not judged:
        return "no_checkable_criteria"
    hard = [r for r in judged if r.strength == "hard"]
    soft = [r for r in judged if r.strength != "hard"]
    if any(r.status == "not_met" for r in hard):
        return "does_not_meet"
    if any(r.status == "unknown" for r in hard):
        return "insufficient_information"
    if any(r.status == "not_met" for r in soft):
        return "needs_review"
    if any(r.status == "unknown" for r in soft):
        return "insufficient_information"
    return "meets"


def test_verdict_from_the_tally_follows_the_rules_for_every_mix() -> None:
    statuses = ("met", "not_met", "unknown", "clinic", "not_applicable")
    strengths = ("hard", "soft", "case_by_case")
    kinds = list(itertools.product(statuses, strengths))
    criterion = CRITERIA[1][0]
    for size in range(4):
        for mix in itertools.product(kinds, repeat=size):
            results = tuple(
                CriterionResult(criterion, status, strength, REASON, None)  # type: ignore[arg-type]
                for status, strength in mix
            )
            verdict, _ = verdict_of(results)
            assert verdict == _reference_verdict(results), mix
            assert verdict_of(results, tally_of(results))[0] == verdict


@settings(max_examples=40, deadline=None)
@given(profiles())
def test_checked_and_tally_kept_on_a_result_are_what_its_criteria_give(
    data: dict[str, Any],
) -> None:
    """``checked`` and ``tally`` are counted once while judging and kept: they equal a count
    over the result's criteria as they stand (an unchecked diagnosis dropped or not)."""
    for result in evaluate(parse_profile(data, CATALOG), CATALOG).results:
        assert result.checked == _substantive(result.criteria), result.ruleset.id
        assert dict(result.tally) == tally_of(result.criteria), result.ruleset.id
        # Results made with tuple.__new__ have every field, in order.
        pending = list(result.criteria)
        while pending:
            judged = pending.pop()
            assert len(judged) == len(CriterionResult._fields)
            assert judged == CriterionResult(*judged)
            assert isinstance(judged.parts, tuple)
            assert all(isinstance(part, CriterionResult) for part in judged.parts)
            pending.extend(judged.parts)


@settings(max_examples=40, deadline=None)
@given(profiles())
def test_shared_washouts_give_each_clinic_the_window_it_has_alone(data: dict[str, Any]) -> None:
    """The clinics without a washout rule share one person's washouts within an assessment;
    each clinic's window equals the one computed for it alone, and the sharing happens."""
    profile = parse_profile(data, CATALOG)
    assessment = evaluate(profile, CATALOG)
    no_rule_items = set()
    for result in assessment.facilities:
        assert result.facility is not None
        assert result.window is not None
        alone = window(profile, assessment.facts, result.criteria, result.facility, CATALOG)
        assert result.window == alone, result.ruleset.id
        if result.facility.washout.value is None:
            no_rule_items.add(id(result.window.washouts))
    assert len(no_rule_items) <= 1


def test_rule_set_result_written_out_init_keeps_the_frozen_dataclass() -> None:
    """RuleSetResult's own __init__ (one write of its dictionary) keeps what the generated
    one gave: every field set, defaults, equality, ``replace`` and no assignment."""
    result = evaluate(parse_profile({"edss": 6.0, "as_of": "2026-11-23"}, CATALOG), CATALOG)
    first = result.facilities[0]
    names = [f.name for f in dataclasses.fields(first)]
    assert names == [
        "ruleset", "verdict", "summary", "criteria", "needs", "citation",
        "facility", "window", "criteria_verdict", "cautions",
    ]  # fmt: skip
    bare = RuleSetResult(
        ruleset=first.ruleset,
        verdict="meets",
        summary=first.summary,
        criteria=(),
        needs=(),
        citation=first.citation,
    )
    assert (bare.facility, bare.window, bare.criteria_verdict, bare.cautions) == (
        None, None, None, ()
    )  # fmt: skip
    changed = dataclasses.replace(first, verdict="unavailable")
    assert changed.verdict == "unavailable"
    assert changed != first
    assert dataclasses.replace(changed, verdict=first.verdict) == first
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.verdict = "meets"  # type: ignore[misc]
