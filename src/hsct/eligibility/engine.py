"""``evaluate(profile, catalog)``: every guideline, trial and clinic, criterion by criterion.

Verdict per rule set, from its criteria that apply to the person (top level):

1. a required (hard) criterion not met: ``does_not_meet``;
2. else a required criterion unknown: ``insufficient_information``;
3. else a preferred or case-by-case criterion not met: ``needs_review``;
4. else a preferred or case-by-case criterion unknown: ``insufficient_information``;
5. else ``meets``.

Criteria only the clinic can check (organ function, infections) never decide a verdict;
they are listed. The verdict says whose published criteria are met; the treating team decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Literal

from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.eligibility.criteria import CriterionResult, judge, merge_needs
from hsct.eligibility.derive import Facts, Need, derive
from hsct.eligibility.guidance import Guidance, StudyMatch, guidance, similar_studies
from hsct.eligibility.profile import PatientProfile
from hsct.eligibility.timing import Window, window
from hsct.knowledge import Catalog, Facility
from hsct.knowledge.schema import RuleSet

Verdict = Literal["meets", "needs_review", "insufficient_information", "does_not_meet"]
VERDICTS: Final[tuple[Verdict, ...]] = (
    "meets",
    "needs_review",
    "insufficient_information",
    "does_not_meet",
)
VERDICT_TEXT: Final = {
    "meets": N_(
        "Your answers meet every criterion of this rule set that they can be checked against."
    ),
    "needs_review": N_(
        "Required criteria are met, but some preferred or case-by-case criteria are not: "
        "a team might still consider you."
    ),
    "insufficient_information": N_("More information is needed before this can be judged."),
    "does_not_meet": N_("Your answers do not meet at least one required criterion."),
}
DISCLAIMER: Final = N_(
    "This compares your answers with published criteria. It is not medical advice and not a "
    "decision: the treating team decides whom it treats."
)
OPEN_STATUSES: Final = ("accepting_patients", "national_patients_only", "trial_only")


@dataclass(frozen=True)
class RuleSetResult:
    """One guideline, trial or clinic: verdict, each criterion, what is missing, when."""

    ruleset: RuleSet
    verdict: Verdict
    summary: Message
    criteria: tuple[CriterionResult, ...]
    needs: tuple[Need, ...]
    citation: Citation
    facility: Facility | None = None
    window: Window | None = None

    @cached_property
    def _counts(self) -> dict[tuple[str, bool], int]:
        counts: dict[tuple[str, bool], int] = {}
        for c in self.criteria:
            key = (c.status, c.strength == "hard")
            counts[key] = counts.get(key, 0) + 1
        return counts

    def count(self, status: str, *, hard: bool) -> int:
        """How many top-level criteria have this status, required (hard) or not."""
        return self._counts.get((status, hard), 0)

    @property
    def is_open(self) -> bool:
        """For a facility: whether it takes patients in some way now."""
        if self.facility is None:
            return self.ruleset.status.value in ("current", "recruiting")
        return self.facility.status.value in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything the engine found for one profile on one day."""

    day: dt.date
    profile: PatientProfile
    facts: Facts
    guidelines: tuple[RuleSetResult, ...]
    trials: tuple[RuleSetResult, ...]
    facilities: tuple[RuleSetResult, ...]
    unassessed: tuple[Facility, ...]
    guidance: Guidance
    studies: tuple[StudyMatch, ...]
    disclaimer: Message

    @property
    def results(self) -> tuple[RuleSetResult, ...]:
        """All rule sets: guidelines, trials, then facilities as ranked."""
        return self.guidelines + self.trials + self.facilities


def verdict_of(results: tuple[CriterionResult, ...]) -> tuple[Verdict, tuple[Need, ...]]:
    """The verdict from top-level results, and the facts that could change it."""
    judged = [r for r in results if r.status in ("met", "not_met", "unknown")]
    hard = [r for r in judged if r.strength == "hard"]
    soft = [r for r in judged if r.strength != "hard"]
    unknown = [r for r in judged if r.status == "unknown"]
    if any(r.status == "not_met" for r in hard):
        return "does_not_meet", ()
    if any(r.status == "unknown" for r in hard):
        return "insufficient_information", merge_needs(*(r.needs for r in unknown))
    if any(r.status == "not_met" for r in soft):
        return "needs_review", ()
    if unknown:
        return "insufficient_information", merge_needs(*(r.needs for r in unknown))
    return "meets", ()


def evaluate_ruleset(
    ruleset: RuleSet,
    facts: Facts,
    catalog: Catalog,
    profile: PatientProfile,
) -> RuleSetResult:
    """One rule set judged against the facts."""
    results = tuple(
        judge(criterion, facts, catalog, ruleset.kind) for criterion in catalog.criteria(ruleset.id)
    )
    verdict, needs = verdict_of(results)
    facility = catalog.facilities.get(ruleset.id) if ruleset.kind == "facility" else None
    when = window(profile, facts, results, facility, catalog) if facility else None
    return RuleSetResult(
        ruleset=ruleset,
        verdict=verdict,
        summary=Message(VERDICT_TEXT[verdict]),
        criteria=results,
        needs=needs,
        citation=catalog.citation(ruleset.src),
        facility=facility,
        window=when,
    )


def rank_key(result: RuleSetResult) -> tuple[int, int, int, int, int, str]:
    """Best match first: verdict, then met required criteria, then met preferred ones."""
    return (
        VERDICTS.index(result.verdict),
        0 if result.is_open else 1,
        -result.count("met", hard=True),
        -result.count("met", hard=False),
        result.count("unknown", hard=True) + result.count("unknown", hard=False),
        result.ruleset.short_title.casefold(),
    )


def evaluate(profile: PatientProfile, catalog: Catalog) -> Assessment:
    """Every rule set in the catalogue judged against the profile.

    Examples
    --------
    >>> from hsct.knowledge import load_catalog
    >>> from hsct.eligibility.profile import parse_profile
    >>> profile = parse_profile({"edss": 7.0, "ms_type": "SPMS", "as_of": "2026-11-23"})
    >>> moscow = next(r for r in evaluate(profile, load_catalog()).facilities
    ...               if r.ruleset.id == "moscow-pirogov")
    >>> moscow.verdict
    'does_not_meet'
    """
    facts = derive(profile, catalog)
    by_kind: dict[str, list[RuleSetResult]] = {"guideline": [], "trial": [], "facility": []}
    for ruleset in catalog.rulesets.values():
        if ruleset.kind == "facility" and ruleset.id not in catalog.facilities:
            continue
        by_kind[ruleset.kind].append(evaluate_ruleset(ruleset, facts, catalog, profile))
    unassessed = tuple(
        sorted(
            (f for f in catalog.facilities.values() if f.id not in catalog.rulesets),
            key=lambda f: f.name,
        )
    )
    return Assessment(
        day=facts.day,
        profile=profile,
        facts=facts,
        guidelines=tuple(sorted(by_kind["guideline"], key=rank_key)),
        trials=tuple(sorted(by_kind["trial"], key=rank_key)),
        facilities=tuple(sorted(by_kind["facility"], key=rank_key)),
        unassessed=unassessed,
        guidance=guidance(profile, catalog),
        studies=similar_studies(profile, facts, catalog),
        disclaimer=Message(DISCLAIMER),
    )
