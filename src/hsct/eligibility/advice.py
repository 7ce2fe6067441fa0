"""What the results say once, above the per-clinic detail: drug timing and safety advice.

"Does my drug rule me out, and how long must I wait?" gets one answer per drug here: what
the clinics ask, the general waiting time where a guideline or the drug's label gives one,
the blood counts that should have recovered, and the risks of stopping (rebound, PML). The
advice points to what guidelines say before aHSCT (a high-efficacy drug first; a confirmed
diagnosis; inflammatory activity in progressive MS) and what else helps when aHSCT does
not fit. Each statement carries its source id next to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from hsct.common.dates import add_fractional_months, months_between
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.eligibility.derive import CONFIRMED_TYPES, PROGRESSIVE_TYPES, Facts, shown
from hsct.eligibility.guidance import Statement
from hsct.eligibility.profile import PatientProfile
from hsct.eligibility.timing import recently_taken
from hsct.knowledge import Catalog
from hsct.knowledge.labels import MS_TYPE_LABELS
from hsct.knowledge.schema import Drug, LabCondition, Range
from hsct.knowledge.stopping import stopping_warnings

#: A drug may need about this long to work; activity sooner is not yet failure. Source:
#: london-2016 (failure counted after at least 6 months of a high-efficacy drug).
TIME_TO_WORK_MONTHS: Final = 6
#: Above this EDSS no guideline in the knowledge base accepts people (NHS London 2016:
#: 0 to 6.5, the widest); "advanced" MS for the advice below.
ADVANCED_EDSS: Final = 6.5

ASK_NEUROLOGIST: Final = N_(
    "Ask your neurologist when and how to stop {drug}; never stop an MS drug on your own."
)
NO_EXCLUSION: Final = N_(
    "Taking {drug} does not by itself rule you out: no guideline or clinic listed here "
    "excludes people for it. What they ask for is time without it before admission."
)
CLINIC_RANGE: Final = N_(
    "{count} clinics publish a waiting time for {drug}: {low} to {high} months before admission."
)
CLINIC_ONE: Final = N_(
    "Clinics that publish a waiting time for {drug}: {count}; each asks {low} months before "
    "admission."
)
CLINIC_NONE: Final = N_(
    "No clinic listed here publishes a waiting time for {drug}: ask the clinic you choose."
)
GENERAL_WAIT: Final = {
    "range": N_("General waiting time from the last dose: {low} to {high} months."),
    "up_to": N_("General waiting time from the last dose: up to {high} months."),
    "at_least": N_("General waiting time from the last dose: at least {low} months."),
}
GENERAL_FROM: Final = {
    "range": N_("Counted from {date}: between {first} and {last}."),
    "up_to": N_("Counted from {date}: by {last}."),
    "at_least": N_("Counted from {date}: not before {first}."),
}
LAST_DOSE_NEEDED: Final = N_(
    "{drug} is given in courses or infusions: the waiting time counts from the last dose. "
    "Give its date to see when the wait ends."
)
LAB: Final = N_("Before treatment, {test} should have recovered to at least {minimum} per mm³.")


@dataclass(frozen=True, slots=True)
class DrugTiming:
    """One drug the person takes or took recently: the one answer about its timing."""

    drug: str
    drug_name: str
    taken_now: bool
    course_based: bool
    counted_from: dt.date | None  # the last dose (course drugs) or the stop date
    answer: tuple[Message, ...]
    general_wait: Range | None
    general_citation: Citation | None
    general_src: str | None
    clinic_months: tuple[float, ...]  # published waits of the listed clinics
    lab_conditions: tuple[LabCondition, ...]
    warnings: tuple[Statement, ...]  # rebound, PML check: shown as prominently as dates


def _number(value: float) -> str:
    return f"{value:g}"


def _general(drug: Drug, catalog: Catalog) -> tuple[Range | None, Citation | None]:
    wait = drug.general_wait
    if wait.value is None or wait.src is None:
        return None, None
    return wait.value, catalog.citation(wait.src, catalog.fact_date(wait))


def _general_lines(general: Range, counted_from: dt.date | None) -> list[Message]:
    """The general waiting time in words, and its dates from the last dose when known."""
    low, high = general.min, general.max
    shape = "range" if low is not None and high is not None else "up_to" if high else "at_least"
    params: dict[str, str | int | float | Message] = {
        "low": _number(low or 0),
        "high": _number(high or 0),
    }
    lines = [Message(GENERAL_WAIT[shape], params)]
    if counted_from is not None:
        lines.append(
            Message(
                GENERAL_FROM[shape],
                {
                    "date": counted_from.isoformat(),
                    "first": add_fractional_months(counted_from, low or 0).isoformat(),
                    "last": add_fractional_months(counted_from, high or 0).isoformat(),
                },
            )
        )
    return lines


def _clinic_months(drug_id: str, catalog: Catalog) -> tuple[float, ...]:
    found = []
    for facility in catalog.facilities.values():
        rule = facility.washout.value
        months = None if rule is None else rule.months_for(drug_id)
        if months is not None:
            found.append(months)
    return tuple(sorted(found))


def _warnings(drug: Drug, catalog: Catalog) -> list[Statement]:
    return [Statement(w.message, w.citation, w.src) for w in stopping_warnings(drug, catalog)]


def drug_timing(profile: PatientProfile, catalog: Catalog) -> tuple[DrugTiming, ...]:
    """One answer per drug taken now or recently: may it rule me out, how long to wait."""
    day = profile.day
    found = []
    for course in profile.treatments or ():
        drug = catalog.drugs.get(course.drug)
        last = course.last_dose or course.stop
        if drug is None or (course.stop is not None and not recently_taken(drug, last, day)):
            continue
        name, taken_now = drug.name, course.stop is None
        counted_from = (course.last_dose or course.stop) if drug.course_based else course.stop
        general, citation = _general(drug, catalog)
        months = _clinic_months(drug.id, catalog)
        answer = [Message(NO_EXCLUSION, {"drug": name})]
        if taken_now:
            answer.append(Message(ASK_NEUROLOGIST, {"drug": name}))
        if len(months) > 1 and months[0] != months[-1]:
            answer.append(
                Message(
                    CLINIC_RANGE,
                    {
                        "count": len(months),
                        "drug": name,
                        "low": _number(months[0]),
                        "high": _number(months[-1]),
                    },
                )
            )
        elif months:
            answer.append(
                Message(CLINIC_ONE, {"drug": name, "count": len(months), "low": _number(months[0])})
            )
        else:
            answer.append(Message(CLINIC_NONE, {"drug": name}))
        if general is not None:
            answer += _general_lines(general, counted_from)
        if drug.course_based and course.last_dose is None and course.stop is None:
            answer.append(Message(LAST_DOSE_NEEDED, {"drug": name}))
        warnings = _warnings(drug, catalog)
        found.append(
            DrugTiming(
                drug=drug.id,
                drug_name=name,
                taken_now=taken_now,
                course_based=drug.course_based,
                counted_from=counted_from,
                answer=tuple(answer),
                general_wait=general,
                general_citation=citation,
                general_src=drug.general_wait.src if general is not None else None,
                clinic_months=months,
                lab_conditions=drug.lab_conditions,
                warnings=tuple(warnings),
            )
        )
    return tuple(found)


#: (text, source id) for each piece of advice, chosen by :func:`advice`.
HIGH_EFFICACY_FIRST: Final = (
    N_(
        "You have not had a high-efficacy MS drug yet. Guidelines advise trying one before "
        "aHSCT; aHSCT as the first treatment is offered only within clinical trials."
    ),
    "muraro-2025",
)
TOO_EARLY: Final = (
    N_(
        "You started {drug} about {months} months ago. A drug can take around 6 months to "
        "work fully, so activity now does not yet mean it has failed."
    ),
    "london-2016",
)
NOT_CONFIRMED: Final = (
    (
        N_(
            "Your answers do not describe confirmed MS ({ms_type}). Clinics treat confirmed "
            "MS only. MS is confirmed by a neurologist under the McDonald criteria (2017): "
            "damage in different parts of the brain or spinal cord and at different times, "
            "shown by symptoms, MRI or spinal fluid, with no better explanation."
        ),
        "thompson-2018",
    ),
    (
        N_(
            "Conditions that can look like MS must be ruled out first, for example "
            "neuromyelitis optica spectrum disorder (AQP4 antibodies), MOG antibody disease, "
            "vitamin B12 deficiency, and other inflammatory, infectious or vascular diseases."
        ),
        "thompson-2018",
    ),
)
PROGRESSIVE_WITHOUT_ACTIVITY: Final = (
    N_(
        "aHSCT works on inflammation. For progressive MS the guidelines accept it only with "
        "clinical and MRI signs of inflammatory activity, which your answers do not show."
    ),
    "muraro-2025",
)
ADVANCED: Final = (
    N_(
        "Your EDSS ({edss}) is above the limit of every guideline listed here (6.5 at most); "
        "at this stage the published benefit of aHSCT is small and its risks are higher."
    ),
    "muraro-2025",
)
WHAT_ELSE_HELPS: Final = (
    (
        N_(
            "Other care helps whatever happens with aHSCT: rehabilitation and regular exercise "
            "improve walking, strength, fatigue and quality of life, also in progressive MS."
        ),
        "amatya-2019",
    ),
    (
        N_(
            "Ask your neurologist whether a drug for your type of MS, treatment of symptoms "
            "(spasticity, bladder, fatigue, pain) or a clinical trial fits you."
        ),
        "montalban-2018",
    ),
)


def _statement(text: str, src: str, catalog: Catalog, **params: str | int | Message) -> Statement:
    return Statement(Message(text, dict(params)), catalog.citation(src), src)


def advice(profile: PatientProfile, facts: Facts, catalog: Catalog) -> tuple[Statement, ...]:
    """What the guidelines say before aHSCT for this person, and what else helps."""
    found: list[Statement] = []
    ms_type = profile.ms_type
    if ms_type is not None and ms_type not in CONFIRMED_TYPES:
        first, rest = NOT_CONFIRMED[0], NOT_CONFIRMED[1:]
        found.append(_statement(*first, catalog, ms_type=Message(MS_TYPE_LABELS[ms_type])))
        found += [_statement(text, src, catalog) for text, src in rest]
        return tuple(found)
    courses = profile.treatments
    relapsing = ms_type in (None, "RRMS") or facts["disease_active"].value is True
    if courses is not None and relapsing:
        tried = [catalog.drugs.get(c.drug) for c in courses]
        if not any(d is not None and d.high_efficacy.value is True for d in tried):
            found.append(_statement(*HIGH_EFFICACY_FIRST, catalog))
    for course in courses or ():
        if course.stop is None and course.start is not None:
            months = months_between(course.start, profile.day)
            if months < TIME_TO_WORK_MONTHS:
                drug = catalog.drugs.get(course.drug)
                found.append(
                    _statement(
                        *TOO_EARLY,
                        catalog,
                        drug=drug.name if drug else course.drug,
                        months=max(0, round(months)),
                    )
                )
    edss = facts["edss"].value
    advanced = edss is not None and not isinstance(edss, str | bool) and edss.low > ADVANCED_EDSS
    inactive = ms_type in PROGRESSIVE_TYPES and facts["disease_active"].value is False
    if inactive:
        found.append(_statement(*PROGRESSIVE_WITHOUT_ACTIVITY, catalog))
    if advanced:
        found.append(_statement(*ADVANCED, catalog, edss=shown(facts["edss"]) or ""))
    if inactive or advanced:
        found += [_statement(text, src, catalog) for text, src in WHAT_ELSE_HELPS]
    return tuple(found)


def benefit_applies(profile: PatientProfile, facts: Facts) -> bool:
    """False for progressive MS without activity, advanced MS, or no confirmed diagnosis.

    Such a person is never shown relapsing-MS benefit figures as their own.
    """
    if profile.ms_type is not None and profile.ms_type not in CONFIRMED_TYPES:
        return False
    edss = facts["edss"].value
    if edss is not None and not isinstance(edss, str | bool) and edss.low > ADVANCED_EDSS:
        return False
    return not (profile.ms_type in PROGRESSIVE_TYPES and facts["disease_active"].value is False)
