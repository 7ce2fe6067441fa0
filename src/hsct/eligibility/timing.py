"""When: washout dates per facility, and the window in which time-dependent criteria hold.

Some criteria change with time alone. Age and disease duration grow: a minimum is reached
on a known date, a maximum is passed on a known date. Recent relapses and MRI activity age
out of their window: "a relapse in the last 12 months" stops being true 12 months after the
relapse unless another happens. Washouts end a fixed number of months after a drug stops.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Final

from hsct.common.dates import add_fractional_months, add_months, birthday
from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity, ByIdentityPair
from hsct.common.text import Citation, Message
from hsct.eligibility.criteria import CriterionResult
from hsct.eligibility.derive import Facts, Interval, active
from hsct.eligibility.profile import PatientProfile
from hsct.knowledge import Catalog, Facility
from hsct.knowledge.labels import criterion_message
from hsct.knowledge.schema import Criterion, Drug, LabCondition

GROWING: Final = ("age", "disease_duration_years", "years_since_onset", "years_since_first_dmt")
#: How far ahead "criteria met until" dates are reported.
HORIZON_MONTHS: Final = 60
WINDOWED: Final = {
    "relapses_last_12m": 12,
    "relapses_last_24m": 24,
    "relapses_last_36m": 36,
    "mri_activity_last_12m": 12,
    "mri_activity_last_24m": 24,
    "activity_episodes_last_36m": 36,
}


#: Without a clinic's own rule, a drug last taken longer ago than its general waiting time
#: (or this many months when no general time is known) no longer holds up the start.
UNKNOWN_WASHOUT_RELEVANT_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class WashoutItem:
    """One drug's washout at one facility: when it ends, and the source.

    For drugs given in courses (infusions, pulses) the washout counts from the last dose;
    ``counted_from`` says which date was used (None when it is not known).
    """

    drug: str
    drug_name: str
    stopped: dt.date | None  # None: taken now
    months: float | None  # None: the facility publishes no washout for it
    ends: dt.date | None  # if taken now (continuous drug): the end if stopped today
    citation: Citation | None
    lab_conditions: tuple[LabCondition, ...] = ()
    course_based: bool = False
    counted_from: dt.date | None = None
    #: True when the start cannot be dated without asking the clinic or giving a last dose.
    blocks: bool = False


@dataclass(frozen=True, slots=True)
class Window:
    """The dates between which the time-dependent criteria and washouts allow treatment.

    ``earliest`` is None when a washout cannot be dated (the clinic publishes none for a
    drug taken recently, or a course drug's last dose is not given): ask the clinic.
    ``limits`` holds each met criterion's last day and whether it is required.
    """

    day: dt.date  # the assessment day
    earliest: dt.date | None
    until: dt.date | None
    reasons: tuple[Message, ...]
    washouts: tuple[WashoutItem, ...]
    limits: tuple[tuple[dt.date, bool], ...] = ()

    @property
    def unknown(self) -> tuple[WashoutItem, ...]:
        """Washouts that keep the earliest date unknown."""
        return tuple(w for w in self.washouts if w.blocks)

    @property
    def later(self) -> bool:
        """True when treatment could only start after the assessment day."""
        return self.earliest is not None and self.earliest > self.day


def _make_washout_citation(catalog: Catalog, facility: Facility) -> Citation | None:
    fact = facility.washout
    return catalog.citation(fact.src, catalog.fact_date(fact)) if fact.src else None


#: Each facility's washout source, dated, once per catalogue and facility.
_washout_citation: ByIdentityPair[Catalog, Facility, Citation | None] = ByIdentityPair(
    _make_washout_citation
)


def washouts(
    profile: PatientProfile, facility: Facility, catalog: Catalog
) -> tuple[WashoutItem, ...]:
    """Each drug course's washout at this facility.

    Continuous drugs count from the stop date (taken now: from today, "if you stopped it
    today"); drugs given in courses count from the last dose (or the stop date when the
    last dose is not given).
    """
    rule = facility.washout.value
    citation = _washout_citation(catalog, facility)
    day = profile.day
    items = []
    for course in profile.treatments or ():
        drug = catalog.drugs.get(course.drug)
        course_based = drug is not None and drug.course_based
        months = None if rule is None else rule.months_for(course.drug)
        stopped = course.stop
        base = (course.last_dose or stopped) if course_based else (stopped or day)
        ends = None if months is None or base is None else add_fractional_months(base, months)
        blocks = recently_taken(drug, base, day) if months is None else base is None
        items.append(
            WashoutItem(
                drug=course.drug,
                drug_name=drug.name if drug else course.drug,
                stopped=stopped,
                months=months,
                ends=ends,
                citation=citation if months is not None else None,
                lab_conditions=drug.lab_conditions if drug else (),
                course_based=course_based,
                counted_from=base,
                blocks=blocks,
            )
        )
    return tuple(items)


def recently_taken(drug: Drug | None, last: dt.date | None, day: dt.date) -> bool:
    """Whether a drug last taken on ``last`` (None: taken now) may still hold up the start.

    Within its general waiting time, and never less than
    :data:`UNKNOWN_WASHOUT_RELEVANT_MONTHS`.
    """
    if last is None:
        return True
    wait = drug.general_wait.value if drug is not None else None
    months = wait.max if wait is not None and wait.max is not None else None
    limit = max(months or 0, UNKNOWN_WASHOUT_RELEVANT_MONTHS)
    return add_fractional_months(last, limit) > day


@dataclass(frozen=True, slots=True)
class _WashoutPart:
    """What a clinic's washouts alone give a window: the items, the days they end, why."""

    items: tuple[WashoutItem, ...]
    ends: tuple[dt.date, ...]
    reasons: tuple[Message, ...]
    blocked: bool


def _washout_part(
    profile: PatientProfile, facility: Facility, catalog: Catalog, day: dt.date
) -> _WashoutPart:
    items = washouts(profile, facility, catalog)
    ends: list[dt.date] = []
    reasons: list[Message] = []
    for item in items:
        if item.blocks:
            template = (
                N_("{drug}: this clinic publishes no washout; ask it how long to wait.")
                if item.months is None
                else N_("{drug}: give the date of the last dose to date the washout.")
            )
            reasons.append(Message(template, {"drug": item.drug_name}))
        elif item.ends is not None and item.ends > day:
            ends.append(item.ends)
            if item.course_based:
                template = N_("Washout of {drug} ends on {date} (counted from the last dose).")
            elif item.stopped:
                template = N_("Washout of {drug} ends on {date}.")
            else:
                template = N_("Washout of {drug} would end on {date} if you stopped it today.")
            reasons.append(
                Message(template, {"drug": item.drug_name, "date": item.ends.isoformat()})
            )
    return _WashoutPart(items, tuple(ends), tuple(reasons), any(i.blocks for i in items))


@dataclass(slots=True)
class WindowShare:
    """What every clinic's window in one assessment shares, made at the first clinic that
    needs it: the planning horizon from the assessment day, and the person's washouts at
    the clinics that publish no washout rule (nothing in them names the clinic)."""

    horizon: dt.date | None = None
    no_rule: _WashoutPart | None = None


def window(
    profile: PatientProfile,
    facts: Facts,
    results: tuple[CriterionResult, ...],
    facility: Facility,
    catalog: Catalog,
    *,
    shared: WindowShare | None = None,
) -> Window:
    """Earliest date and last date for this facility's time-dependent criteria and washouts.

    ``shared`` (optional, one per assessment) keeps what every clinic's window shares.
    """
    day = facts.day
    shared = WindowShare() if shared is None else shared
    if facility.washout.value is None:
        part = shared.no_rule
        if part is None:
            part = shared.no_rule = _washout_part(profile, facility, catalog, day)
    else:
        part = _washout_part(profile, facility, catalog, day)
    starts: list[dt.date] = [day, *part.ends]
    ends: list[tuple[dt.date, bool]] = []
    reasons: list[Message] = list(part.reasons)
    horizon = shared.horizon
    if horizon is None:
        horizon = shared.horizon = add_months(day, HORIZON_MONTHS)
    timed = _is_timed.entries
    for result in results:
        if result.status in ("not_applicable", "clinic"):
            continue
        criterion = result.criterion
        # _is_timed(criterion), its lookup written out (called for every criterion of
        # every clinic a person is judged against)
        entry = timed.get(id(criterion))
        if not (entry[1] if entry is not None and entry[0] is criterion else _is_timed(criterion)):
            continue
        reach = _reach(result, profile, facts)
        if reach is not None and result.status == "not_met":
            starts.append(reach)
            reasons.append(_dated(N_("{criterion}: reached on {date}."), result, reach))
        last = _until(result, profile, facts)
        # Only limits within the planning horizon matter (an age limit 25 years away does not).
        if last is not None and result.status == "met" and last <= horizon:
            ends.append((last, result.strength == "hard"))
            reasons.append(_dated(N_("{criterion}: met until {date}."), result, last))
    earliest = None if part.blocked else max(starts)
    until = min(d for d, _ in ends) if ends else None
    return Window(day, earliest, until, tuple(reasons), part.items, tuple(ends))


def _timed(criterion: Criterion) -> bool:
    """Whether time can change this criterion: :func:`_reach` and :func:`_until` give None
    for any other (a growing quantity, a count of recent events, or a part of either)."""
    parts = criterion.any_of if criterion.any_of is not None else criterion.all_of
    if parts is not None:
        return any(_timed(p) for p in parts)
    return criterion.parameter in GROWING or (
        criterion.parameter in WINDOWED and criterion.operator in (">=", ">", "is_true")
    )


#: :func:`_timed` once per criterion (it reads only the criterion).
_is_timed: ByIdentity[Criterion, bool] = ByIdentity(_timed)


#: A criterion's own words, once per criterion (they name nothing of the person).
_criterion_words: ByIdentity[Criterion, Message] = ByIdentity(criterion_message)


def _dated(template: str, result: CriterionResult, date: dt.date) -> Message:
    return Message(
        template, {"criterion": _criterion_words(result.criterion), "date": date.isoformat()}
    )


def _growth_start(parameter: str, profile: PatientProfile) -> dt.date | None:
    if parameter == "age":
        return profile.birth_date
    if parameter == "disease_duration_years":
        return profile.diagnosis_date
    if parameter == "years_since_onset":
        return profile.onset_date
    starts = [c.start for c in profile.treatments or ()]
    if not starts or any(s is None for s in starts):
        return None
    return min(s for s in starts if s is not None)


def _after_years(start: dt.date, years: float, parameter: str, strictly: bool) -> dt.date:
    """The first day the value reaches ``years`` (or exceeds it, when ``strictly``)."""
    if parameter == "age":
        return birthday(start, math.floor(years) + 1 if strictly else math.ceil(years))
    day = start + dt.timedelta(days=math.ceil(years * 365.25))
    return day + dt.timedelta(days=1) if strictly else day


def _reach(result: CriterionResult, profile: PatientProfile, facts: Facts) -> dt.date | None:
    """For a growing quantity below its minimum: the day the minimum is reached."""
    c = result.criterion
    if c.parameter not in GROWING or c.when is not None:
        return None
    if c.operator == "between":
        value = facts[c.parameter].value
        if not (isinstance(value, Interval) and value.high < c.threshold[0]):
            return None
    start = _growth_start(c.parameter, profile)
    if start is None:
        return None
    if c.operator in (">=", ">"):
        return _after_years(start, float(c.threshold), c.parameter, c.operator == ">")
    if c.operator == "between":
        return _after_years(start, float(c.threshold[0]), c.parameter, strictly=False)
    return None


def _until(result: CriterionResult, profile: PatientProfile, facts: Facts) -> dt.date | None:  # noqa: PLR0911
    """For a met criterion that time will undo: its last day (None: time alone keeps it)."""
    c = result.criterion
    if c.any_of is not None:
        dates = [_until(p, profile, facts) for p in result.parts if p.status == "met"]
        return None if not dates or None in dates else max(d for d in dates if d is not None)
    if c.all_of is not None:
        found = [d for p in result.parts if (d := _until(p, profile, facts)) is not None]
        return min(found) if found else None
    if c.parameter in GROWING:
        start = _growth_start(c.parameter, profile)
        if start is None:
            return None
        if c.operator in ("<", "<="):
            limit = float(c.threshold)
        elif c.operator == "between":
            limit = float(c.threshold[1])
        else:
            return None
        first_out = _after_years(start, limit, c.parameter, strictly=c.operator != "<")
        return first_out - dt.timedelta(days=1)
    if c.parameter in WINDOWED and c.operator in (">=", ">", "is_true"):
        needed = (
            1 if c.operator == "is_true" else int(c.threshold) + (1 if c.operator == ">" else 0)
        )
        events = sorted(_events(c.parameter, profile, facts.day), reverse=True)
        if len(events) < needed:
            return None
        return add_months(events[needed - 1], WINDOWED[c.parameter]) - dt.timedelta(days=1)
    return None


def _events(parameter: str, profile: PatientProfile, day: dt.date) -> list[dt.date]:
    relapses = [r.date for r in profile.relapses or () if r.date <= day]
    scans = [s.date for s in profile.mri or () if s.date <= day and active(s)]
    if parameter.startswith("relapses"):
        return relapses
    if parameter.startswith("mri_activity"):
        return scans
    return relapses + scans
