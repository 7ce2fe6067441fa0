"""``plan(facility_id, ...)``: a dated timeline from washout to five years after day 0.

Pure: the catalogue and "today" come in as arguments. Every milestone says whether its
timing is the facility's own (from its sources), generic (typical values, with sources), or
computed from the person's drugs, and cites where it comes from.

Without a date from the person the plan proposes the earliest admission the known
constraints allow (:class:`Proposal`): each drug's washout, a payment deadline the clinic
publishes, each preparation step's sourced deadline, and a day to travel. It names the
constraint that decided the date and what is not known (the clinic's waiting time, how long
a referral or the clinic's review takes). A date the person gives is kept even when a
preparation step's deadline has passed: that step is flagged late ("do it now"), never
dated silently in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, Protocol

from hsct.common.dates import DATE_MAX, DATE_MIN, add_fractional_months, add_months
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.journey.steps import (
    AFTER,
    AFTER_PROGRESSIVE,
    BEFORE,
    BEFORE_TRAVEL,
    GENERIC_DAYS,
    GENERIC_ENGRAFTMENT,
    PAYMENT_DUE_MONTHS,
    PAYMENT_TEXT,
    PHASE_TEXT,
    Step,
)
from hsct.knowledge import Catalog, Facility, load_catalog
from hsct.knowledge.labels import RECORD_LABELS, STATUS_LABELS
from hsct.knowledge.schema import Schedule
from hsct.knowledge.stopping import stopping_warnings

Basis = Literal["facility", "generic", "profile"]
Group = Literal["before", "stay", "after"]
ORDER: Final = ("evaluation", "mobilisation", "apheresis", "conditioning", "day0", "aplasia")
#: Where each step before admission comes in the list when several fall on one day.
BEFORE_ORDER: Final = {step.id: index for index, step in enumerate(BEFORE)}
#: The reason a sourced deadline gives for the earliest date (see Step.deadline_src).
DEADLINE_REASONS: Final = {
    "vaccines-before": N_(
        "A live vaccine, if you need one, must be given at least 4 weeks before day 0: "
        "given today, day 0 could come no earlier than {date}."
    ),
}
#: Facility statuses whose patients live in the country: no travel documents step.
NATIONAL_STATUSES: Final = ("national_patients_only",)

#: Facility statuses for which no plan is made: nobody new is treated there.
REFUSED_STATUSES: Final = ("closed", "historical")
#: Statuses that put a warning at the top of the plan.
WARNED_STATUSES: Final = ("programme_not_confirmed",)
#: MS types whose benefit figures are relapsing MS's; others get their own texts.
PROGRESSIVE_TYPES: Final = ("SPMS", "PPMS")


class Course(Protocol):
    """A drug course, as the eligibility profile holds it."""

    @property
    def drug(self) -> str: ...

    @property
    def stop(self) -> dt.date | None: ...

    @property
    def last_dose(self) -> dt.date | None: ...


class HasTreatments(Protocol):
    """Anything with the profile's ``treatments`` (None: not known) and ``ms_type``."""

    @property
    def treatments(self) -> Sequence[Course] | None: ...

    @property
    def ms_type(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Milestone:
    """One dated step: when, what, how sure, and where it comes from."""

    id: str
    group: Group
    start: dt.date
    end: dt.date
    title: Message
    description: Message
    sources: tuple[Citation, ...]
    basis: Basis
    tag: str
    day: int | None  # days from day 0 at the start (None before the stay)
    note: str | None = None
    #: Something the person does (stop a drug, vaccines, send records, travel): reminders.
    todo: bool = False
    #: A step before admission whose deadline (``end``) passed before today: do it now.
    late: bool = False
    #: No source gives when to start or how long it takes: "as soon as you can, by end".
    asap: bool = False


@dataclass(frozen=True, slots=True)
class Constraint:
    """One thing that limits how early admission can be: the date it allows, and why."""

    id: str
    earliest: dt.date
    reason: Message
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """The earliest admission date the known constraints allow.

    ``constraints`` are latest first; ``decided_by`` is the first of them. ``unknown``
    names what could make the real date later and what would settle it.
    """

    admission: dt.date
    decided_by: Constraint
    constraints: tuple[Constraint, ...]
    unknown: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """A person's dated plan at one facility.

    ``proposed``: the person gave no date, so the admission date is ``proposal``'s. The
    proposal is made either way: with a date from the person it is the earliest date at
    which no step would be late.
    """

    facility: Facility
    today: dt.date
    admission: dt.date
    day0: dt.date
    discharge: dt.date
    home: dt.date
    milestones: tuple[Milestone, ...]
    warnings: tuple[Message, ...]
    proposal: Proposal
    proposed: bool = False
    #: Risks of stopping the person's current drugs: shown at the top of the plan.
    stopping: tuple[Message, ...] = ()

    @property
    def late(self) -> tuple[Milestone, ...]:
        """Steps whose deadline passed before today: to do now."""
        return tuple(m for m in self.milestones if m.late)

    @property
    def past(self) -> tuple[Milestone, ...]:
        """Steps that ended before today and need nothing more (a washout that has ended)."""
        return tuple(m for m in self.milestones if m.end < self.today and not m.late)

    def placed(self, item: Milestone) -> dt.date:
        """Where a step shows on the plan: today when it is late or its window is open."""
        if item.late or item.start < self.today <= item.end:
            return self.today
        return item.start

    def by_month(self) -> list[tuple[str, list[Milestone]]]:
        """Milestones grouped by the month they are placed in (``YYYY-MM``), in order."""
        placed = sorted(
            enumerate(self.milestones), key=lambda pair: (self.placed(pair[1]), pair[0])
        )
        groups: dict[str, list[Milestone]] = {}
        for _, item in placed:
            groups.setdefault(self.placed(item).strftime("%Y-%m"), []).append(item)
        return list(groups.items())


@dataclass(frozen=True, slots=True)
class _Stay:
    """Days of the stay (admission = 1) for each phase, and their basis."""

    days: dict[str, tuple[int, int, Basis]]
    day0: int
    discharge: tuple[int, int, Basis, str | None]
    home: tuple[int, Basis]
    engraftment: tuple[int, int, Basis]
    warnings: tuple[Message, ...]


def _stay(facility: Facility) -> _Stay:
    schedule = facility.schedule.value or Schedule()
    steps = {s.phase: s for s in schedule.steps}
    days: dict[str, tuple[int, int, Basis]] = {}
    cursor = 0
    for phase in ORDER:
        if phase in steps:
            step = steps[phase]
            days[phase] = (step.first_day, step.last_day, "facility")
        else:
            length = schedule.durations.get(phase)
            basis: Basis = "facility" if length is not None else "generic"
            length = length if length is not None else GENERIC_DAYS[phase][0]
            days[phase] = (cursor + 1, cursor + max(length, 1), basis)
        cursor = max(cursor, days[phase][1])
    day0 = days["day0"][0]
    warnings: list[Message] = []
    if "discharge" in steps:
        step = steps["discharge"]
        discharge = (step.first_day, step.last_day, "facility", facility.schedule.src)
    elif facility.stay_days.value is not None and facility.stay_days.value.max is not None:
        top = int(facility.stay_days.value.max)
        low = int(facility.stay_days.value.min or top)
        discharge = (low, top, "facility", facility.stay_days.src)
    else:
        discharge = (cursor + 1, cursor + 1, "generic", GENERIC_DAYS["aplasia"][1][0])
    first, last, basis = days["aplasia"]
    if last >= discharge[0]:
        days["aplasia"] = (first, max(first, discharge[0] - 1), basis)
    if schedule.engraftment_days is not None:
        low_e = int(schedule.engraftment_days.min or 0)
        high_e = int(schedule.engraftment_days.max or low_e)
        engraftment: tuple[int, int, Basis] = (low_e, high_e, "facility")
    else:
        engraftment = (*GENERIC_ENGRAFTMENT[0], "generic")
    if day0 + engraftment[0] > discharge[1]:
        warnings.append(
            Message(
                N_(
                    "The clinic's stated stay is shorter than the typical phases add up to; "
                    "the clinic's own day plan decides."
                )
            )
        )
    home = (
        (schedule.home_after_day, "facility")
        if schedule.home_after_day
        else (
            discharge[1],
            discharge[2],
        )
    )
    return _Stay(days, day0, discharge, home, engraftment, tuple(warnings))  # type: ignore[arg-type]


def _cites(catalog: Catalog, ids: Sequence[str | None]) -> tuple[Citation, ...]:
    return tuple(catalog.citation(i) for i in dict.fromkeys(ids) if i)


def _dated(anchor: dt.date, step: Step) -> tuple[dt.date, dt.date]:
    first = step.end if step.start is None else step.start
    if step.unit == "months":
        return add_months(anchor, first), add_months(anchor, step.end)
    return anchor + dt.timedelta(days=first), anchor + dt.timedelta(days=step.end)


def plan(
    facility_id: str,
    *,
    admission_date: dt.date | None = None,
    transplant_date: dt.date | None = None,
    profile: HasTreatments | None = None,
    catalog: Catalog | None = None,
    today: dt.date | None = None,
) -> Timeline:
    """The timeline at ``facility_id``, forward from admission or back from day 0.

    Raises
    ------
    InvalidInput
        An unknown facility; both or impossible dates; a date before a washout ends.
    """
    catalog = catalog or load_catalog()
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date
    _check_range(admission_date=admission_date, transplant_date=transplant_date, today=today)
    facility = catalog.facilities.get(facility_id)
    if facility is None:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "facility",
                    Message(N_("unknown facility {id}"), {"id": excerpt(facility_id)}),
                    Message(N_("a facility id")),
                )
            ]
        )
    if admission_date is not None and transplant_date is not None:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "transplant_date",
                    Message(N_("is given as well as the admission date")),
                    Message(N_("either the admission date or day 0")),
                )
            ]
        )
    _refuse_closed(facility, catalog)
    stay = _stay(facility)
    washouts = _washouts(facility, profile, catalog)
    proposal = _propose(
        facility,
        stay_day0=stay.day0,
        washouts=washouts,
        profile=profile,
        catalog=catalog,
        today=today,
    )
    if transplant_date is not None:
        admission = transplant_date - dt.timedelta(days=stay.day0 - 1)
        field = "transplant_date"
    else:
        admission = admission_date or proposal.admission
        field = "admission_date"
    _check(admission, today, washouts, field, stay.day0)
    day0 = admission + dt.timedelta(days=stay.day0 - 1)
    items: list[Milestone] = []
    items += _washout_items(washouts, admission, day0, catalog, facility)
    items += _before_items(catalog, facility, admission=admission, day0=day0, today=today)
    items += _stay_items(catalog, facility, stay, admission, day0)
    discharge = admission + dt.timedelta(days=stay.discharge[1] - 1)
    home = admission + dt.timedelta(days=stay.home[0] - 1)
    ms_type = profile.ms_type if profile is not None else None
    items += _after_items(catalog, day0, discharge, ms_type)
    items = [
        replace(m, late=True) if m.group == "before" and m.todo and m.end < today else m
        for m in items
    ]
    items.sort(key=lambda m: (m.start, BEFORE_ORDER.get(m.id, len(BEFORE)), m.end))
    return Timeline(
        facility=facility,
        today=today,
        admission=admission,
        day0=day0,
        discharge=discharge,
        home=home,
        milestones=tuple(items),
        warnings=(*_status_warnings(facility, catalog), *stay.warnings),
        proposal=proposal,
        proposed=admission_date is None and transplant_date is None,
        stopping=_stopping_warnings(washouts, catalog),
    )


def _propose(
    facility: Facility,
    *,
    stay_day0: int,
    washouts: Sequence[_Washout],
    profile: HasTreatments | None,
    catalog: Catalog,
    today: dt.date,
) -> Proposal:
    """The earliest admission the known constraints allow, what decided it, what is unknown.

    Constraints: each drug's washout (the clinic's table; a drug taken now as if stopped
    today), a payment deadline the clinic publishes, each preparation step's sourced
    deadline, and today plus a day to travel. The clinic's waiting time is not in the
    knowledge base (``Facility`` has no field for it), so it is named as unknown.
    """
    found: list[Constraint] = []
    unknown: list[Message] = [
        Message(
            N_(
                "This clinic's waiting time is not in our data. Ask the clinic when it could "
                "admit you: its answer replaces this date."
            )
        ),
        Message(
            N_(
                "No source gives how long the referral, the clinic's review of your records "
                "and arranging the funding take; each can make the date later."
            )
        ),
    ]
    washout_sources = _cites(catalog, [facility.washout.src])
    for drug_id, months, end, stop in washouts:
        name = _drug_name(catalog, drug_id)
        if months is None:
            unknown.append(
                Message(
                    N_(
                        "This clinic publishes no washout for {drug}: ask it how long before "
                        "admission to stop it."
                    ),
                    {"drug": name},
                )
            )
        elif end is not None:
            found.append(
                Constraint(
                    f"washout-{drug_id}",
                    end,
                    Message(
                        N_(
                            "The {drug} washout ends on {date}: this clinic asks for {months} "
                            "months without it."
                        ),
                        {"drug": name, "date": _iso(end), "months": f"{months:g}"},
                    ),
                    washout_sources,
                )
            )
        elif stop is None:
            found.append(
                Constraint(
                    f"washout-{drug_id}",
                    add_fractional_months(today, months) + dt.timedelta(days=1),
                    Message(
                        N_(
                            "You take {drug} now and this clinic asks for {months} months "
                            "without it: even stopped today, admission could come no earlier."
                        ),
                        {"drug": name, "months": f"{months:g}"},
                    ),
                    washout_sources,
                )
            )
    if profile is None or profile.treatments is None:
        unknown.append(
            Message(N_("Your MS drugs are not included: a drug's washout can make the date later."))
        )
    if facility.id in PAYMENT_DUE_MONTHS:
        months_due, src = PAYMENT_DUE_MONTHS[facility.id]
        found.append(
            Constraint(
                "payment",
                add_months(today, months_due),
                Message(
                    N_("This clinic asks for full payment {months} months before arrival."),
                    {"months": months_due},
                ),
                _cites(catalog, [src]),
            )
        )
    offsets = {"admission": 0, "day0": stay_day0 - 1}
    for step in BEFORE:
        if not step.deadline_src or step.anchor not in offsets:
            continue
        anchor = today - dt.timedelta(days=step.end)  # the earliest anchor date
        found.append(
            Constraint(
                step.id,
                anchor - dt.timedelta(days=offsets[step.anchor]),
                Message(DEADLINE_REASONS[step.id], {"date": _iso(anchor)}),
                _cites(catalog, step.deadline_src),
            )
        )
    found.append(
        Constraint(
            "today",
            today - dt.timedelta(days=BEFORE_TRAVEL),
            Message(N_("Admission has to come after today, with a day to travel.")),
        )
    )
    ordered = tuple(sorted(found, key=lambda c: c.earliest, reverse=True))
    return Proposal(ordered[0].earliest, ordered[0], ordered, tuple(unknown))


def _drug_name(catalog: Catalog, drug_id: str) -> str:
    drug = catalog.drugs.get(drug_id)
    return drug.name if drug else drug_id


def _check_range(**dates: dt.date | None) -> None:
    """Every date between 1900 and 2100, or a named error."""
    bad = [
        FieldError.translatable(
            name,
            Message(
                N_("{date} is outside the dates this tool can compute with"), {"date": _iso(d)}
            ),
            Message(
                N_("a date from {first} to {last}"),
                {"first": _iso(DATE_MIN), "last": _iso(DATE_MAX)},
            ),
        )
        for name, d in dates.items()
        if d is not None and not DATE_MIN <= d <= DATE_MAX
    ]
    if bad:
        raise InvalidInput(bad)


def _status_note(facility: Facility, catalog: Catalog) -> dict[str, str | Message]:
    fact = facility.status
    citation = catalog.citation(fact.src, catalog.fact_date(fact)) if fact.src else None
    return {
        "status": Message(STATUS_LABELS[fact.value or "programme_not_confirmed"]),
        "date": fact.as_of or (citation.date if citation else "?"),
        "source": citation.label if citation else "?",
    }


def _refuse_closed(facility: Facility, catalog: Catalog) -> None:
    """No plan at a clinic that treats nobody new."""
    if facility.status.value not in REFUSED_STATUSES:
        return
    raise InvalidInput(
        [
            FieldError.translatable(
                "facility",
                Message(
                    N_(
                        "{name} does not take new patients: {status} (as of {date}, "
                        "source: {source}); no plan can be made there"
                    ),
                    {"name": facility.name, **_status_note(facility, catalog)},
                ),
                Message(N_("a clinic that takes patients")),
            )
        ]
    )


def _status_warnings(facility: Facility, catalog: Catalog) -> tuple[Message, ...]:
    if facility.status.value not in WARNED_STATUSES:
        return ()
    return (
        Message(
            N_(
                "{status} (as of {date}, source: {source}). Confirm with the clinic that it "
                "treats MS before you plan, pay or travel."
            ),
            _status_note(facility, catalog),
        ),
    )


def _stopping_warnings(washouts: list[_Washout], catalog: Catalog) -> tuple[Message, ...]:
    """Rebound and PML warnings for drugs the plan involves stopping (taken now)."""
    found: list[Message] = []
    for drug_id, _months, _end, stop in washouts:
        drug = catalog.drugs.get(drug_id)
        if drug is None or stop is not None:
            continue
        found += [
            Message(
                N_("{warning} ({source})"),
                {"warning": w.message, "source": f"{w.citation.label}, {w.citation.date}"},
            )
            for w in stopping_warnings(drug, catalog)
        ]
    return tuple(found)


def _iso(day: dt.date) -> str:
    return day.isoformat()


_Washout = tuple[str, float | None, dt.date | None, dt.date | None]  # drug, months, end, stop


def _washouts(
    facility: Facility, profile: HasTreatments | None, catalog: Catalog
) -> list[_Washout]:
    """(drug, months, washout end if already dated, stop date) per drug course.

    Drugs given in courses count from the last dose (taken now or stopped); others from
    the stop date.
    """
    rule = facility.washout.value
    found = []
    for course in (profile.treatments if profile is not None else None) or ():
        months = None if rule is None else rule.months_for(course.drug)
        drug = catalog.drugs.get(course.drug)
        base = course.stop
        if drug is not None and drug.course_based:
            base = getattr(course, "last_dose", None) or course.stop
        end = None
        if months is not None and base is not None:
            end = add_fractional_months(base, months)
        found.append((course.drug, months, end, course.stop))
    return found


def _check(
    admission: dt.date, today: dt.date, washouts: list[_Washout], field: str, day0_day: int
) -> None:
    """Dates that cannot work are named with what would."""
    shift = dt.timedelta(days=day0_day - 1) if field == "transplant_date" else dt.timedelta(0)
    if admission <= today:
        raise InvalidInput(
            [
                FieldError.translatable(
                    field,
                    Message(N_("{date} is not in the future"), {"date": _iso(admission + shift)}),
                    Message(N_("a date after {date}"), {"date": _iso(today + shift)}),
                )
            ]
        )
    for drug, months, end, stop in washouts:
        if end is not None and end > admission:
            raise InvalidInput(
                [
                    FieldError.translatable(
                        field,
                        Message(
                            N_(
                                "admission on {admission} is before the {drug} washout ends "
                                "on {end}"
                            ),
                            {"admission": _iso(admission), "drug": drug, "end": _iso(end)},
                        ),
                        Message(N_("on or after {date}"), {"date": _iso(end + shift)}),
                    )
                ]
            )
        if stop is None and end is None and months is not None:
            stop_by = add_fractional_months(admission, -months)
            if stop_by < today:
                earliest = add_fractional_months(today, months)
                raise InvalidInput(
                    [
                        FieldError.translatable(
                            field,
                            Message(
                                N_("is too soon to stop {drug} ({months} months' washout) in time"),
                                {"drug": drug, "months": f"{months:g}"},
                            ),
                            Message(N_("on or after {date}"), {"date": _iso(earliest + shift)}),
                        )
                    ]
                )


def _washout_items(
    washouts: list[_Washout],
    admission: dt.date,
    day0: dt.date,
    catalog: Catalog,
    facility: Facility,
) -> list[Milestone]:
    sources = _cites(catalog, [facility.washout.src])
    items = []
    for drug_id, months, end, stop in washouts:
        drug = catalog.drugs.get(drug_id)
        name = drug.name if drug else drug_id
        if months is None:
            continue
        if stop is None and end is None:
            stop_by = add_fractional_months(admission, -months)
            title = Message(N_("Ask your neurologist when to stop {drug}"), {"drug": name})
            text = Message(
                N_(
                    "This clinic asks for {months} months without {drug} before admission, "
                    "so for this admission date the last dose would come before {date}. "
                    "When and how to stop, and any bridging treatment, are your "
                    "neurologist's decision; never stop an MS drug on your own."
                ),
                {"months": f"{months:g}", "drug": name, "date": _iso(stop_by)},
            )
            items.append(
                Milestone(
                    f"washout-{drug_id}",
                    "before",
                    stop_by,
                    stop_by,
                    title,
                    text,
                    sources,
                    "profile",
                    facility.washout.tag,
                    (stop_by - day0).days,
                    todo=True,
                )
            )
        elif end is not None:
            title = Message(N_("Washout of {drug} ends"), {"drug": name})
            text = Message(
                N_("{months} months after the last dose or stop, as this clinic asks."),
                {"months": f"{months:g}"},
            )
            items.append(
                Milestone(
                    f"washout-{drug_id}",
                    "before",
                    end,
                    end,
                    title,
                    text,
                    sources,
                    "profile",
                    facility.washout.tag,
                    (end - day0).days,
                )
            )
    return items


def _before_items(
    catalog: Catalog, facility: Facility, *, admission: dt.date, day0: dt.date, today: dt.date
) -> list[Milestone]:
    """Referral, records, the clinic's review, funding, preparation, travel; record windows."""
    anchors = {"admission": admission, "day0": day0}
    items = []
    for step in BEFORE:
        if step.id == "travel-documents" and not _travels(facility):
            continue
        end = anchors[step.anchor] + dt.timedelta(days=step.end)
        start = (
            min(today, end)
            if step.start is None
            else anchors[step.anchor] + dt.timedelta(days=step.start)
        )
        description, ids, tag = _facility_detail(step, facility, catalog)
        items.append(
            Milestone(
                step.id,
                "before",
                start,
                end,
                Message(step.title),
                description,
                _cites(catalog, ids),
                "generic",
                tag,
                None,
                todo=step.todo,
                asap=step.start is None,
            )
        )
    if facility.id in PAYMENT_DUE_MONTHS:
        months, src = PAYMENT_DUE_MONTHS[facility.id]
        due = add_months(admission, -months)
        title, text = PAYMENT_TEXT
        items.append(
            Milestone(
                "payment",
                "before",
                due,
                due,
                Message(title),
                Message(text, {"months": months}),
                _cites(catalog, [src]),
                "facility",
                "V",
                None,
                todo=True,
            )
        )
    for record in facility.records.value or ():
        if record.max_age_months is None:
            continue
        start = add_months(admission, -record.max_age_months)
        items.append(
            Milestone(
                f"record-{record.item}",
                "before",
                start,
                admission - dt.timedelta(days=1),
                Message(
                    N_("Records: {item} from this window"), {"item": RECORD_LABELS[record.item]}
                ),
                Message(
                    N_("The clinic accepts it only if it is at most {months} months old."),
                    {"months": record.max_age_months},
                ),
                _cites(catalog, [facility.records.src]),
                "facility",
                facility.records.tag,
                None,
                todo=True,
            )
        )
    return items


def _travels(facility: Facility) -> bool:
    """Whether people may come from another country (unknown counts as maybe)."""
    return (
        facility.status.value not in NATIONAL_STATUSES
        and facility.international_patients.value is not False
    )


def _facility_detail(
    step: Step, facility: Facility, catalog: Catalog
) -> tuple[Message, tuple[str | None, ...], str]:
    """A step's text, sources and tag, with what the clinic's own data add.

    The records step lists the documents the clinic asks for; the review cites where the
    clinic says how it reviews them; the referral cites the clinic's own referral rule.
    """
    records = facility.records
    ruleset = catalog.facility_ruleset(facility.id)
    rules = {c.id: c.src for c in (ruleset.criteria if ruleset else ()) if c.src}
    if step.id == "records" and records.value:
        listed = _listing([Message(RECORD_LABELS[r.item]) for r in records.value])
        text = Message(
            N_("This clinic asks for: {items}. Ask whether it needs anything more."),
            {"items": listed},
        )
        return text, (records.src,), records.tag
    if step.id == "screening" and records.value:
        return Message(step.description), (records.src, rules.get("screening")), records.tag
    if step.id == "referral":
        return Message(step.description), (*step.src, rules.get("referral")), step.tag
    return Message(step.description), step.src, step.tag


def _listing(parts: Sequence[Message]) -> Message:
    """Items joined with commas, each translated in turn."""
    if len(parts) == 1:
        return parts[0]
    return Message(N_("{first}, {rest}"), {"first": parts[0], "rest": _listing(parts[1:])})


def _stay_items(
    catalog: Catalog, facility: Facility, stay: _Stay, admission: dt.date, day0: dt.date
) -> list[Milestone]:
    schedule_src = facility.schedule.src
    items = []

    def add(key: str, first: int, last: int, basis: Basis, ids: Sequence[str | None]) -> None:
        start = admission + dt.timedelta(days=first - 1)
        end = admission + dt.timedelta(days=last - 1)
        title, text = PHASE_TEXT[key]
        tag = facility.schedule.tag if basis == "facility" else "U"
        items.append(
            Milestone(
                key,
                "stay",
                start,
                end,
                Message(title),
                Message(text),
                _cites(catalog, ids),
                basis,
                tag,
                (start - day0).days,
                facility.schedule.note if basis == "facility" else None,
            )
        )

    for phase in ORDER:
        first, last, basis = stay.days[phase]
        ids = [schedule_src] if basis == "facility" else list(GENERIC_DAYS[phase][1])
        add(phase, first, last, basis, ids)
    low, high, basis = stay.engraftment
    ids = [schedule_src] if basis == "facility" else list(GENERIC_ENGRAFTMENT[1])
    add("engraftment", stay.day0 + low, stay.day0 + high, basis, ids)
    first, last, basis, src = stay.discharge
    add("discharge", first, last, basis, [src])
    home_day, home_basis = stay.home
    if home_day != last:
        add("home", home_day, home_day, home_basis, [schedule_src])
    return items


def _after_items(
    catalog: Catalog, day0: dt.date, discharge: dt.date, ms_type: str | None
) -> list[Milestone]:
    """The years after; texts about improvement are chosen for the person's MS type."""
    steps = AFTER_PROGRESSIVE if ms_type in PROGRESSIVE_TYPES else AFTER
    return _step_items(steps, {"day0": day0, "discharge": discharge}, "after", catalog, day0)


def _step_items(
    steps: Sequence[Step],
    anchors: dict[str, dt.date],
    group: Group,
    catalog: Catalog,
    day0: dt.date | None,
) -> list[Milestone]:
    """Generic steps placed on their anchor dates."""
    items = []
    for step in steps:
        start, end = _dated(anchors[step.anchor], step)
        items.append(
            Milestone(
                step.id,
                group,
                start,
                end,
                Message(step.title),
                Message(step.description),
                _cites(catalog, step.src),
                "generic",
                step.tag,
                None if day0 is None else (start - day0).days,
                todo=step.todo,
            )
        )
    return items
