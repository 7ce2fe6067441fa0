"""``evaluate(profile, catalog)``: every guideline, trial and clinic, criterion by criterion.

Verdict per rule set, from its criteria that apply to the person (top level):

0. a clinic that is closed, historical or whose MS programme is not confirmed, or a trial
   that is completed, terminated, closed or not recruiting: ``unavailable`` (whatever its
   criteria say; the status, its date and source are named);
1. no criterion could be checked against the answers (none published, only "the clinic
   checks this", or none applies to the person): ``no_checkable_criteria``, never "meets";
2. a required (hard) criterion not met: ``does_not_meet``;
3. else a required criterion unknown: ``insufficient_information``;
4. else a preferred or case-by-case criterion not met: ``needs_review``;
5. else a preferred or case-by-case criterion unknown: ``insufficient_information``;
6. else ``meets``.

A clinic's verdict is capped when time undoes it: a required criterion that stops being
met before the washout ends gives ``does_not_meet``, a preferred one ``needs_review``.
Every clinic also asks for a confirmed MS diagnosis (McDonald 2017), checked first.

Criteria only the clinic can check (organ function, infections) never decide a verdict;
they are listed. The verdict says whose published criteria are met; the treating team decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity, ByIdentityPair
from hsct.common.text import Citation, Message
from hsct.eligibility.advice import DrugTiming, advice, benefit_applies, drug_timing
from hsct.eligibility.criteria import CriterionResult, Judgment, LeafMemo, judgment, merge_needs
from hsct.eligibility.derive import Facts, Need, derive
from hsct.eligibility.guidance import Guidance, Statement, exact, guidance, similar_studies
from hsct.eligibility.profile import PatientProfile
from hsct.eligibility.timing import Window, WindowShare, window
from hsct.knowledge import Catalog, Facility
from hsct.knowledge.evidence import StudyMatches
from hsct.knowledge.labels import RULESET_STATUS_LABELS, STATUS_LABELS
from hsct.knowledge.legitimacy import Caution, facility_cautions
from hsct.knowledge.risk import RiskSummary, risk_summary
from hsct.knowledge.schema import Criterion, Fact, RuleSet

Verdict = Literal[
    "meets",
    "needs_review",
    "insufficient_information",
    "does_not_meet",
    "no_checkable_criteria",
    "unavailable",
]
#: Best first; the rank order of results (the order of the literal above).
VERDICTS: Final[tuple[Verdict, ...]] = get_args(Verdict)
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
    "no_checkable_criteria": N_(
        "Publishes no criteria we can check against your answers: ask them directly."
    ),
    "unavailable": N_("Not an option now: {status} (as of {date}, source: {source})."),
}
#: The verdict summaries without values, made once (a message is immutable).
_VERDICT_MESSAGES: Final = {
    verdict: Message(text) for verdict, text in VERDICT_TEXT.items() if verdict != "unavailable"
}
TIME_CAPPED: Final = N_(
    "By the time the washout ends ({earliest}), a criterion you meet now will no longer be "
    "met (last day {until})."
)
DISCLAIMER: Final = N_(
    "This compares your answers with published criteria. It is not medical advice and not a "
    "decision: the treating team decides whom it treats."
)
_DISCLAIMER_MESSAGE: Final = Message(DISCLAIMER)
OPEN_STATUSES: Final = ("accepting_patients", "national_patients_only", "trial_only")
#: Facility and trial statuses under which a rule set never "meets".
UNAVAILABLE_FACILITY: Final = ("closed", "historical", "programme_not_confirmed")
UNAVAILABLE_TRIAL: Final = ("completed", "terminated", "closed", "active_not_recruiting")
#: Every clinic treats MS: a confirmed diagnosis comes first. Source: the 2017 McDonald
#: criteria (Thompson et al., Lancet Neurol 2018); CIS, RIS and suspected MS are not MS.
DIAGNOSIS_CRITERION: Final = Criterion(
    id="confirmed-ms-diagnosis",
    parameter="confirmed_ms_diagnosis",
    operator="is_true",
    src="thompson-2018",
    # In the interface's catalogue (N_), not the data one: it is written in code.
    note=N_("Every clinic treats confirmed MS; the McDonald criteria (2017) confirm it."),
)


@dataclass(frozen=True, init=False)
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
    #: What the criteria alone say (differs from ``verdict`` when unavailable or time-capped).
    criteria_verdict: Verdict | None = None
    #: For a clinic: closed or unconfirmed, no JACIE/FACT accreditation, limits beyond
    #: every guideline (shown as prominently as the verdict).
    cautions: tuple[Caution, ...] = ()

    def __init__(
        self,
        *,
        ruleset: RuleSet,
        verdict: Verdict,
        summary: Message,
        criteria: tuple[CriterionResult, ...],
        needs: tuple[Need, ...],
        citation: Citation,
        facility: Facility | None = None,
        window: Window | None = None,
        criteria_verdict: Verdict | None = None,
        cautions: tuple[Caution, ...] = (),
    ) -> None:
        # The instance's dictionary written once: the generated frozen __init__ makes ten
        # object.__setattr__ calls, 2% of an assessment at 33 results each.
        object.__setattr__(
            self,
            "__dict__",
            {
                "ruleset": ruleset,
                "verdict": verdict,
                "summary": summary,
                "criteria": criteria,
                "needs": needs,
                "citation": citation,
                "facility": facility,
                "window": window,
                "criteria_verdict": criteria_verdict,
                "cautions": cautions,
            },
        )

    @property
    def checked(self) -> bool:
        """True when at least one criterion besides the diagnosis was checked (found once,
        as :attr:`tally` is)."""
        found: bool | None = self.__dict__.get("_checked")
        if found is None:
            found = self.__dict__["_checked"] = _substantive(self.criteria)
        return found

    @property
    def tally(self) -> Mapping[tuple[str, bool], int]:
        """How many top-level criteria have each (status, required) pair (counted once;
        without ``cached_property``, whose lock costs more than the counting)."""
        found: Mapping[tuple[str, bool], int] | None = self.__dict__.get("_tally")
        if found is None:
            found = self.__dict__["_tally"] = MappingProxyType(tally_of(self.criteria))
        return found

    def count(self, status: str, *, hard: bool) -> int:
        """How many top-level criteria have this status, required (hard) or not."""
        return self.tally.get((status, hard), 0)

    @property
    def is_open(self) -> bool:
        """For a facility: whether it takes patients in some way now (for a guideline or
        trial: current or recruiting)."""
        found: bool | None = self.__dict__.get("_open")
        if found is None:
            found = self.__dict__["_open"] = _open(self.ruleset, self.facility)
        return found


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
    studies: StudyMatches
    disclaimer: Message
    #: The risk of death and the main harms, for this person's MS type, EDSS and age.
    risk: RiskSummary
    drug_timing: tuple[DrugTiming, ...] = ()
    advice: tuple[Statement, ...] = ()
    #: False when relapsing-MS benefit figures are not the person's (progressive without
    #: activity, advanced, or not confirmed MS).
    benefit_applies: bool = True

    @property
    def results(self) -> tuple[RuleSetResult, ...]:
        """All rule sets: guidelines, trials, then facilities as ranked."""
        return self.guidelines + self.trials + self.facilities

    @property
    def fits(self) -> tuple[RuleSetResult, ...]:
        """Clinics whose checked criteria the answers meet: the only ones counted as fits."""
        return tuple(r for r in self.facilities if r.verdict == "meets")

    @property
    def checked_facilities(self) -> tuple[RuleSetResult, ...]:
        """Open clinics whose criteria were checked, best match first."""
        return tuple(r for r in self.facilities if r.verdict in VERDICTS[:4])

    @property
    def unchecked_facilities(self) -> tuple[RuleSetResult, ...]:
        """Open clinics that publish no criteria we can check: ask them."""
        return tuple(r for r in self.facilities if r.verdict == "no_checkable_criteria")

    @property
    def unavailable_facilities(self) -> tuple[RuleSetResult, ...]:
        """Closed clinics, and clinics whose MS programme is not confirmed."""
        return tuple(r for r in self.facilities if r.verdict == "unavailable")

    @property
    def unassessed_open(self) -> tuple[Facility, ...]:
        """Clinics without any published criteria that take patients in some way."""
        return tuple(f for f in self.unassessed if f.status.value in OPEN_STATUSES)

    @property
    def unassessed_closed(self) -> tuple[Facility, ...]:
        """Clinics without criteria that are closed, historical or not confirmed."""
        return tuple(f for f in self.unassessed if f.status.value not in OPEN_STATUSES)


def _open(ruleset: RuleSet, facility: Facility | None) -> bool:
    if facility is None:
        return ruleset.status.value in ("current", "recruiting")
    return facility.status.value in OPEN_STATUSES


def tally_of(results: tuple[CriterionResult, ...]) -> dict[tuple[str, bool], int]:
    """How many results have each (status, required) pair."""
    found: dict[tuple[str, bool], int] = {}
    for r in results:
        key = (r.status, r.strength == "hard")
        found[key] = found.get(key, 0) + 1
    return found


def verdict_of(
    results: tuple[CriterionResult, ...], tally: Mapping[tuple[str, bool], int] | None = None
) -> tuple[Verdict, tuple[Need, ...]]:
    """The verdict from top-level results (and their :func:`tally_of`, when already
    counted), and the facts that could change it."""
    counts = tally_of(results) if tally is None else tally
    hard_not_met = ("not_met", True) in counts
    soft_not_met = ("not_met", False) in counts
    hard_unknown = ("unknown", True) in counts
    unknown = hard_unknown or ("unknown", False) in counts
    met = ("met", True) in counts or ("met", False) in counts
    if not (met or hard_not_met or soft_not_met or unknown):
        return "no_checkable_criteria", ()
    if hard_not_met:
        return "does_not_meet", ()
    if hard_unknown or (unknown and not soft_not_met):
        return "insufficient_information", merge_needs(
            *(r.needs for r in results if r.status == "unknown")
        )
    if soft_not_met:
        return "needs_review", ()
    return "meets", ()


def availability(ruleset: RuleSet, facility: Facility | None, catalog: Catalog) -> Message | None:
    """Why this clinic or trial is not an option now (status, date, source), or None."""
    fact: Fact[Any]
    if facility is not None:
        fact, label = facility.status, STATUS_LABELS.get(facility.status.value or "")
        closed = facility.status.value in UNAVAILABLE_FACILITY
    elif ruleset.kind == "trial":
        fact, label = ruleset.status, RULESET_STATUS_LABELS.get(ruleset.status.value or "")
        closed = ruleset.status.value in UNAVAILABLE_TRIAL
    else:
        return None
    if not closed or label is None:
        return None
    citation = catalog.citation(fact.src, catalog.fact_date(fact)) if fact.src else None
    return Message(
        VERDICT_TEXT["unavailable"],
        {
            "status": Message(label),
            "date": (fact.as_of or (citation.date if citation else None)) or "?",
            "source": citation.label if citation else "?",
        },
    )


def _time_cap(verdict: Verdict, when: Window | None) -> tuple[Verdict, Message | None]:
    """A verdict no better than what holds once the washout is over."""
    if when is None or when.earliest is None or verdict not in VERDICTS[:3]:
        return verdict, None
    closing = [(day, hard) for day, hard in when.limits if day < when.earliest]
    if not closing:
        return verdict, None
    capped: Verdict = "does_not_meet" if any(hard for _, hard in closing) else "needs_review"
    if VERDICTS.index(capped) <= VERDICTS.index(verdict):
        return verdict, None
    until = min(day for day, _ in closing)
    text = Message(TIME_CAPPED, {"earliest": when.earliest.isoformat(), "until": until.isoformat()})
    return capped, text


#: The statuses of a criterion checked against the answers.
_CHECKED: Final = frozenset({"met", "not_met", "unknown"})
_DIAGNOSIS: Final = DIAGNOSIS_CRITERION.parameter


def _substantive(results: tuple[CriterionResult, ...]) -> bool:
    """Whether a criterion other than the confirmed diagnosis was checked."""
    return any(r.status in _CHECKED and r.criterion.parameter != _DIAGNOSIS for r in results)


#: Each facility's cautions per catalogue (they depend on nothing else).
_cautions: ByIdentity[Catalog, dict[str, tuple[Caution, ...]]] = ByIdentity(
    lambda catalog: {f.id: facility_cautions(f, catalog) for f in catalog.facilities.values()}
)


def cautions_for(facility: Facility, catalog: Catalog) -> tuple[Caution, ...]:
    """A facility's cautions, computed once per catalogue."""
    return _cautions(catalog)[facility.id]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What judging one rule set needs that depends on the catalogue alone."""

    #: Its criteria as judged (a clinic's start with the confirmed diagnosis), each with
    #: its judgment, its key in an assessment's memo and whether it is required (a result
    #: has its criterion's strength).
    criteria: tuple[tuple[Criterion, Judgment, tuple[int, str], bool], ...]
    facility: Facility | None
    citation: Citation
    #: Why the clinic or trial is not an option now, or None.
    closed: Message | None
    cautions: tuple[Caution, ...]
    #: :attr:`RuleSetResult.is_open`, which depends on the catalogue alone.
    is_open: bool


def _plan(ruleset: RuleSet, catalog: Catalog) -> _Plan:
    criteria = catalog.criteria(ruleset.id)
    if ruleset.kind == "facility" and not any(
        c.parameter == DIAGNOSIS_CRITERION.parameter for c in criteria
    ):
        criteria = (DIAGNOSIS_CRITERION, *criteria)
    facility = catalog.facilities.get(ruleset.id) if ruleset.kind == "facility" else None
    kind = ruleset.kind
    return _Plan(
        criteria=tuple(
            (c, judgment(c, catalog, kind), (id(c), kind), c.strength == "hard") for c in criteria
        ),
        facility=facility,
        citation=catalog.citation(ruleset.src),
        closed=availability(ruleset, facility, catalog),
        cautions=cautions_for(facility, catalog) if facility is not None else (),
        is_open=_open(ruleset, facility),
    )


#: Each rule set's plan, once per catalogue and rule set.
_plans: ByIdentityPair[Catalog, RuleSet, _Plan] = ByIdentityPair(
    lambda catalog, ruleset: _plan(ruleset, catalog)
)


def evaluate_ruleset(
    ruleset: RuleSet,
    facts: Facts,
    catalog: Catalog,
    profile: PatientProfile,
    memo: dict[tuple[int, str], CriterionResult] | None = None,
    *,
    leaves: LeafMemo | None = None,
    windows: WindowShare | None = None,
) -> RuleSetResult:
    """One rule set judged against the facts.

    ``memo`` keeps each criterion's result within one assessment: the diagnosis and the
    criteria clinics inherit from a guideline are judged once; ``leaves`` shares the
    judgment of the same test in different rule sets, ``windows`` what the clinics' dates
    share (the washouts of clinics without a washout rule, the planning horizon).
    """
    memo = {} if memo is None else memo
    leaves = {} if leaves is None else leaves
    plan = _plans(catalog, ruleset)
    judged = []
    # The tally (as tally_of counts it) and whether anything besides the diagnosis was
    # checked (as _substantive finds it), in the same pass as the judging.
    tally: dict[tuple[str, bool], int] = {}
    checked = False
    for criterion, judge_it, key, hard in plan.criteria:
        found = memo.get(key)
        if found is None or found.criterion is not criterion:
            found = memo[key] = judge_it(facts, leaves)
        judged.append(found)
        status = found.status
        counted = (status, hard)
        tally[counted] = tally.get(counted, 0) + 1
        if not checked and status in _CHECKED and criterion.parameter != _DIAGNOSIS:
            checked = True
    results = tuple(judged)
    # A confirmed diagnosis alone is no clinic's criterion: without any other checked
    # criterion nothing is checked, unless the diagnosis is not confirmed (then it cannot fit).
    if not checked:
        diagnosis = [r for r in results if r.criterion.parameter == _DIAGNOSIS]
        if not any(r.status == "not_met" for r in diagnosis):
            results = tuple(r for r in results if r not in diagnosis)
            tally = tally_of(results)
    criteria_verdict, needs = verdict_of(results, tally)
    verdict = criteria_verdict
    facility = plan.facility
    when = window(profile, facts, results, facility, catalog, shared=windows) if facility else None
    verdict, capped = _time_cap(verdict, when)
    summary = capped or _VERDICT_MESSAGES[verdict]
    if plan.closed is not None:
        verdict, summary = "unavailable", plan.closed
    result = RuleSetResult(
        ruleset=ruleset,
        verdict=verdict,
        summary=summary,
        criteria=results,
        needs=needs if verdict == criteria_verdict else (),
        citation=plan.citation,
        facility=facility,
        window=when,
        criteria_verdict=criteria_verdict,
        cautions=plan.cautions,
    )
    result.__dict__["_tally"] = MappingProxyType(tally)  # counted once, read only
    result.__dict__["_checked"] = checked  # dropping an unchecked diagnosis changes nothing
    result.__dict__["_open"] = plan.is_open
    return result


def rank_key(result: RuleSetResult) -> tuple[int, int, int, int, int, str]:
    """Best match first: verdict, then met required criteria, then met preferred ones."""
    tally = result.tally
    return (
        VERDICTS.index(result.verdict),
        0 if result.is_open else 1,
        -tally.get(("met", True), 0),
        -tally.get(("met", False), 0),
        tally.get(("unknown", True), 0) + tally.get(("unknown", False), 0),
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
    memo: dict[tuple[int, str], CriterionResult] = {}
    leaves: LeafMemo = {}
    windows = WindowShare()
    for ruleset in catalog.rulesets.values():
        if ruleset.kind == "facility" and ruleset.id not in catalog.facilities:
            continue
        by_kind[ruleset.kind].append(
            evaluate_ruleset(ruleset, facts, catalog, profile, memo, leaves=leaves, windows=windows)
        )
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
        disclaimer=_DISCLAIMER_MESSAGE,
        risk=risk_summary(
            catalog,
            ms_type=profile.ms_type,
            edss=exact(facts["edss"].value),
            age=exact(facts["age"].value),
        ),
        drug_timing=drug_timing(profile, catalog),
        advice=advice(profile, facts, catalog),
        benefit_applies=benefit_applies(profile, facts),
    )
