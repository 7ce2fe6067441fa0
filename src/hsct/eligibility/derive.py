"""Facts computed from a profile: age, disease duration, recent relapses and MRI activity,
failed drugs, time on treatment. Criteria are judged against these, never against guesses.

A number that is only partly known is an :class:`Interval`: three relapses are known and
one scan's result is missing, so "relapses or MRI episodes" is at least 3. An EDSS known
only from walking is a range. A criterion is met or not met only when the whole interval is
on one side of its threshold.

Our readings, where the sources leave room (documented in ``docs/user-guide/candidate.md``):

- A drug has **failed** when it was stopped because it did not work, or when a relapse or an
  active MRI happened while taking it, at least 6 months after starting (the NHS England
  commissioning criteria ask for 6 months of a high-efficacy drug: ``london-2016``).
- **Disability worsened** in 12 months when the person says so, or when the EDSS rose by
  1.5 from 0, by 1.0 from 1.0 to 5.5, or by 0.5 from above 5.5 (the MSBase convention,
  Kalincik et al. 2015) compared with the lowest EDSS of the past year.
- **Episodes of activity** count each relapse and each MRI with new or enhancing lesions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Protocol

from hsct.common.dates import add_months, completed_years, months_between, years_between
from hsct.common.edss_value import format_step
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.edss import EdssResult
from hsct.eligibility.profile import MriScan, PatientProfile, Treatment, compute_edss
from hsct.knowledge import Catalog

#: Months after starting a drug before activity counts as the drug failing. Source:
#: london-2016 (NHS England criteria: failure despite 6 months of a high-efficacy drug).
FAILURE_AFTER_MONTHS: Final = 6


@dataclass(frozen=True, slots=True)
class Interval:
    """A number known to lie between ``low`` and ``high`` (both included; high may be inf)."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        """True when the number is known exactly."""
        return self.low == self.high

    @staticmethod
    def of(value: float) -> Interval:
        """An exactly known number."""
        return Interval(value, value)


Value = Interval | str | bool | None


@dataclass(frozen=True, slots=True)
class Need:
    """A fact that would settle an unknown: the profile field, and what to give."""

    field: str
    message: Message


@dataclass(frozen=True, slots=True)
class Derived:
    """One computed fact: its value (None when unknown) and what would settle it."""

    parameter: str
    value: Value
    needs: tuple[Need, ...] = ()

    @property
    def known(self) -> bool:
        """True when the value is known exactly."""
        if isinstance(self.value, Interval):
            return self.value.exact
        return self.value is not None


NEEDS: Final = MappingProxyType(
    {
        "birth_date": Need("birth_date", Message(N_("Your date of birth (or your age)."))),
        "ms_type": Need("ms_type", Message(N_("Your type of MS."))),
        "diagnosis_date": Need("diagnosis_date", Message(N_("The date of your MS diagnosis."))),
        "onset_date": Need("onset_date", Message(N_("When your first MS symptoms began."))),
        "edss": Need("edss", Message(N_("Your EDSS, or your examination or walking facts."))),
        "relapses": Need("relapses", Message(N_("Your relapses, with dates (or none)."))),
        "mri": Need("mri", Message(N_("Your MRI results, with dates."))),
        "treatments": Need(
            "treatments", Message(N_("Your MS drugs, with start and stop dates (or none)."))
        ),
        "csf_oligoclonal_bands": Need(
            "csf_oligoclonal_bands",
            Message(N_("Whether a spinal tap found oligoclonal bands.")),
        ),
        "prior_hsct": Need("prior_hsct", Message(N_("Whether you have had aHSCT before."))),
        "disability_worsening_12m": Need(
            "disability_worsening_12m",
            Message(N_("Whether your disability worsened in the last 12 months.")),
        ),
        "edss_history": Need(
            "edss_history", Message(N_("Earlier EDSS scores, with dates, from the last 2 years."))
        ),
        "ms_activity": Need(
            "ms_activity",
            Message(N_("Whether your MS is active: relapses or new MRI lesions in the last year.")),
        ),
        "ms_worsening": Need(
            "ms_worsening",
            Message(N_("Whether your disability has been increasing (progressive MS).")),
        ),
    }
)


def _mri_need(months: int) -> Need:
    return Need(
        "mri",
        Message(N_("An MRI from the last {months} months, with its results."), {"months": months}),
    )


def _course_need(index: int) -> Need:
    return Need(
        f"treatments.{index}",
        Message(
            N_("For drug {number}: start and stop dates, and why it was stopped."),
            {"number": index + 1},
        ),
    )


@dataclass(frozen=True, slots=True)
class Course:
    """One drug course as derived: how long it was taken, how long ago it stopped."""

    index: int
    drug: str
    drug_name: str
    high_efficacy: bool | None
    months_taken: float | None  # None when the start is not known
    months_since_stop: float | None  # None when taken now
    failed: bool | None
    #: Given in courses (infusions, pulses): the washout counts from the last dose, and
    #: "months taken" says little.
    course_based: bool = False
    months_since_last_dose: float | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Every derived fact for one profile on one day, and the EDSS computation if any."""

    day: dt.date
    values: Mapping[str, Derived]
    edss_result: EdssResult | None
    failed_courses: tuple[int, ...]
    undetermined_courses: tuple[int, ...]
    courses: tuple[Course, ...] = ()

    def __getitem__(self, parameter: str) -> Derived:
        return self.values[parameter]


def derive(profile: PatientProfile, catalog: Catalog) -> Facts:
    """Every fact a criterion can ask about, from the profile, on ``profile.day``."""
    day = profile.day
    values: dict[str, Derived] = {}

    def put(parameter: str, value: Value, *needs: Need) -> None:
        values[parameter] = Derived(parameter, value, needs)

    # Age: completed years, from the birth date when given.
    if profile.birth_date is not None:
        put("age", Interval.of(completed_years(profile.birth_date, day)))
    elif profile.age is not None:
        put("age", Interval.of(profile.age))
    else:
        put("age", None, NEEDS["birth_date"])

    put("ms_type", profile.ms_type, *(() if profile.ms_type else (NEEDS["ms_type"],)))

    edss_result = None
    if profile.edss is not None:
        edss: Interval | None = Interval.of(profile.edss)
    elif profile.edss_inputs is not None:
        edss_result = compute_edss(profile.edss_inputs)
        edss = Interval(edss_result.low, edss_result.high)
    else:
        edss = None
    put("edss", edss, *(() if edss is not None and edss.exact else (NEEDS["edss"],)))

    for parameter, field in (
        ("disease_duration_years", "diagnosis_date"),
        ("years_since_onset", "onset_date"),
    ):
        span = profile.span(field)
        if span is None:
            put(parameter, None, NEEDS[field])
            continue
        # A date known only by year or month: every day of it is possible, so the years
        # since run from the latest possible day (not after today) to the earliest.
        earliest, latest = span
        longest = round(years_between(earliest, day), 2)
        shortest = round(years_between(min(latest, day), day), 2)
        if shortest == longest:
            put(parameter, Interval.of(longest))
        else:
            put(parameter, Interval(shortest, longest), NEEDS[field])

    _relapse_facts(profile, day, put)
    _mri_facts(profile, day, put)
    _worsening_facts(profile, day, edss, put)
    failed, undetermined = _treatment_facts(profile, day, catalog, put)

    for parameter in ("csf_oligoclonal_bands", "prior_hsct"):
        value = getattr(profile, parameter)
        put(parameter, value, *(() if value is not None else (NEEDS[parameter],)))
    _lublin_facts(profile, values, put)

    courses = _courses(profile, day, catalog, failed, undetermined)
    return Facts(day, MappingProxyType(values), edss_result, failed, undetermined, courses)


def _courses(
    profile: PatientProfile,
    day: dt.date,
    catalog: Catalog,
    failed: tuple[int, ...],
    undetermined: tuple[int, ...],
) -> tuple[Course, ...]:
    """Per drug course: months taken, months since it stopped, whether it failed."""
    found = []
    for index, course in enumerate(profile.treatments or ()):
        drug = catalog.drugs.get(course.drug)
        until = course.stop or day
        found.append(
            Course(
                index=index,
                drug=course.drug,
                drug_name=drug.name if drug else course.drug,
                high_efficacy=drug.high_efficacy.value if drug else None,
                months_taken=None
                if course.start is None
                else round(months_between(course.start, until), 1),
                months_since_stop=None
                if course.stop is None
                else round(months_between(course.stop, day), 1),
                failed=True if index in failed else None if index in undetermined else False,
                course_based=drug is not None and drug.course_based,
                months_since_last_dose=None
                if course.last_dose is None
                else round(months_between(course.last_dose, day), 1),
            )
        )
    return tuple(found)


#: MS types that are a confirmed diagnosis (McDonald 2017: Thompson et al. 2018).
CONFIRMED_TYPES: Final = ("RRMS", "SPMS", "PPMS")
PROGRESSIVE_TYPES: Final = ("SPMS", "PPMS")


def _lublin_facts(profile: PatientProfile, values: Mapping[str, Derived], put: _Put) -> None:
    """Confirmed diagnosis, and Lublin 2014's "active" and "worsening" qualifiers.

    "Active" is the person's answer when given; otherwise a relapse or an MRI with new or
    enhancing lesions in the last 12 months makes it yes, and none of either (both known)
    makes it no (Lublin et al. 2014: activity assessed at least once a year). "Worsening"
    is the person's answer, or, for progressive MS, the 12-month disability worsening.
    """
    ms_type = profile.ms_type
    if ms_type is None:
        put("confirmed_ms_diagnosis", None, NEEDS["ms_type"])
    else:
        put("confirmed_ms_diagnosis", ms_type in CONFIRMED_TYPES)
    if profile.ms_activity is not None:
        put("disease_active", profile.ms_activity == "active")
    else:
        relapses = values["relapses_last_12m"].value
        scans = values["mri_activity_last_12m"].value
        if (isinstance(relapses, Interval) and relapses.low >= 1) or scans is True:
            put("disease_active", True)
        elif isinstance(relapses, Interval) and relapses.high == 0 and scans is False:
            put("disease_active", False)
        else:
            put("disease_active", None, NEEDS["ms_activity"])
    if profile.ms_worsening is not None:
        put("disease_worsening", profile.ms_worsening == "worsening")
    else:
        worse = values["disability_worsening_last_12m"].value
        if isinstance(worse, bool):
            put("disease_worsening", worse)
        else:
            put("disease_worsening", None, NEEDS["ms_worsening"])


def _window_start(day: dt.date, months: int) -> dt.date:
    """Events on or after this date are "in the last ``months`` months"."""
    return add_months(day, -months) + dt.timedelta(days=1)


def _relapse_facts(profile: PatientProfile, day: dt.date, put: _Put) -> None:
    for months in (12, 24, 36):
        parameter = f"relapses_last_{months}m"
        if profile.relapses is None:
            put(parameter, None, NEEDS["relapses"])
            continue
        start = _window_start(day, months)
        put(parameter, Interval.of(sum(1 for r in profile.relapses if r.date >= start)))
    if profile.relapses is None or profile.treatments is None:
        missing = [NEEDS[f] for f in ("relapses", "treatments") if getattr(profile, f) is None]
        put("relapses_on_dmt_last_12m", None, *missing)
        return
    start = _window_start(day, 12)
    recent = [r.date for r in profile.relapses if r.date >= start]
    on_drug = sum(1 for d in recent if any(_taking(c, d, day) for c in profile.treatments))
    unsure = [
        _course_need(i)
        for i, c in enumerate(profile.treatments)
        if c.start is None and any(d <= (c.stop or day) for d in recent)
    ]
    if unsure:
        put("relapses_on_dmt_last_12m", Interval(on_drug, len(recent)), *unsure)
    else:
        put("relapses_on_dmt_last_12m", Interval.of(on_drug))


def _taking(course: Treatment, day: dt.date, today: dt.date) -> bool:
    """True when ``day`` falls within the course (its start must be known)."""
    if course.start is None:
        return False
    return course.start <= day <= (course.stop or today)


def active(scan: MriScan) -> bool | None:
    """True when a scan shows new or enhancing lesions; None when that is not known."""
    counts = (scan.gd_enhancing, scan.new_t2)
    if any(c is not None and c > 0 for c in counts):
        return True
    if all(c == 0 for c in counts):
        return False
    return None


def _scan_facts(scans: list[MriScan], months: int, parameter: str, put: _Put) -> None:
    """One MRI fact from the scans of the window (at least one scan)."""
    if parameter.startswith("mri_activity"):
        states = [active(s) for s in scans]
        if True in states:
            put(parameter, True)
        elif None in states:
            put(parameter, None, _mri_need(months))
        else:
            put(parameter, False)
        return
    attribute = "gd_enhancing" if parameter.startswith("gd") else "new_t2"
    counts = [getattr(s, attribute) for s in scans]
    known = sum(c for c in counts if c is not None)
    if None in counts:
        put(parameter, Interval(known, math.inf), _mri_need(months))
    else:
        put(parameter, Interval.of(known))


def _mri_facts(profile: PatientProfile, day: dt.date, put: _Put) -> None:
    for months, parameters in (
        (12, ("gd_enhancing_lesions_last_12m", "new_t2_lesions_last_12m", "mri_activity_last_12m")),
        (24, ("mri_activity_last_24m",)),
    ):
        start = _window_start(day, months)
        scans = [s for s in profile.mri or () if s.date >= start]
        for parameter in parameters:
            if profile.mri is None:
                put(parameter, None, NEEDS["mri"])
            elif not scans:
                put(parameter, None, _mri_need(months))
            else:
                _scan_facts(scans, months, parameter, put)
    _episodes(profile, day, put)


def _episodes(profile: PatientProfile, day: dt.date, put: _Put) -> None:
    """Episodes of activity in 36 months: relapses plus active scans."""
    start = _window_start(day, 36)
    low, open_ended, needs = 0, False, []
    if profile.relapses is None:
        open_ended = True
        needs.append(NEEDS["relapses"])
    else:
        low += sum(1 for r in profile.relapses if r.date >= start)
    if profile.mri is None:
        open_ended = True
        needs.append(NEEDS["mri"])
    else:
        states = [active(s) for s in profile.mri if s.date >= start]
        low += states.count(True)
        if None in states:
            open_ended = True
            needs.append(_mri_need(36))
    put("activity_episodes_last_36m", Interval(low, math.inf if open_ended else low), *needs)


def worsening_threshold(baseline: float) -> float:
    """How much the EDSS must rise from ``baseline`` to count as worsening.

    The MSBase convention (Kalincik et al. 2015): 1.5 from 0, 1.0 up to 5.5, 0.5 from 6.0
    (``dossier/outcomes.md``, point 2).

    Examples
    --------
    >>> worsening_threshold(0.0), worsening_threshold(3.5), worsening_threshold(6.0)
    (1.5, 1.0, 0.5)
    """
    if baseline == 0:
        return 1.5
    return 1.0 if baseline <= 5.5 else 0.5


def _worsening_facts(
    profile: PatientProfile, day: dt.date, edss: Interval | None, put: _Put
) -> None:
    history = profile.edss_history or ()

    def lowest_since(months: int) -> float | None:
        start = _window_start(day, months)
        earlier = [v.edss for v in history if start <= v.date < day]
        return min(earlier) if earlier else None

    baseline_12 = lowest_since(12)
    if profile.disability_worsening_12m is not None:
        put("disability_worsening_last_12m", profile.disability_worsening_12m)
    elif edss is not None and edss.exact and baseline_12 is not None:
        put(
            "disability_worsening_last_12m",
            edss.low - baseline_12 >= worsening_threshold(baseline_12),
        )
    else:
        needs = [NEEDS["disability_worsening_12m"]]
        if edss is None or not edss.exact:
            needs.append(NEEDS["edss"])
        put("disability_worsening_last_12m", None, *needs)
    baseline_24 = lowest_since(24)
    if edss is None or baseline_24 is None:
        needs = [NEEDS[f] for f, v in (("edss", edss), ("edss_history", baseline_24)) if v is None]
        put("edss_increase_last_24m", None, *needs)
    else:
        rise = Interval(round(edss.low - baseline_24, 1), round(edss.high - baseline_24, 1))
        put("edss_increase_last_24m", rise, *(() if rise.exact else (NEEDS["edss"],)))


def _course_failed(course: Treatment, profile: PatientProfile, day: dt.date) -> bool | None:
    """Did this drug fail? True, False, or None when the profile cannot tell."""
    if course.reason_stopped == "ineffective":
        return True
    if course.start is not None:
        from_ = add_months(course.start, FAILURE_AFTER_MONTHS)
        until = course.stop or day
        relapse = any(from_ <= r.date <= until for r in profile.relapses or ())
        scan = any(from_ <= s.date <= until and active(s) for s in profile.mri or ())
        if relapse or scan:
            return True
    if course.stop is not None:
        return None if course.reason_stopped is None else False
    # Taken now, no activity known on it: not failed, if activity would have been known.
    if course.start is None or (profile.relapses is None and profile.mri is None):
        return None
    return False


def _treatment_facts(
    profile: PatientProfile, day: dt.date, catalog: Catalog, put: _Put
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    courses = profile.treatments
    if courses is None:
        for parameter in (
            "treatment_naive",
            "failed_dmts",
            "failed_high_efficacy_dmts",
            "months_on_high_efficacy_dmt",
            "years_since_first_dmt",
        ):
            put(parameter, None, NEEDS["treatments"])
        return (), ()
    put("treatment_naive", not courses)
    verdicts = [_course_failed(c, profile, day) for c in courses]
    failed = tuple(i for i, v in enumerate(verdicts) if v is True)
    unsure = tuple(i for i, v in enumerate(verdicts) if v is None)
    needs: list[Need] = []
    for index in unsure:
        course = courses[index]
        if course.start is None or course.stop is not None:
            needs.append(_course_need(index))
        else:  # taken now: whether it failed depends on relapses and MRI while on it
            needs += [NEEDS["relapses"], NEEDS["mri"]]
    needs = list({(n.field, str(n.message)): n for n in needs}.values())
    put("failed_dmts", Interval(len(failed), len(failed) + len(unsure)), *needs)

    def high_efficacy(course: Treatment) -> bool | None:
        drug = catalog.drugs.get(course.drug)
        return None if drug is None else drug.high_efficacy.value

    he_low = he_high = 0
    for index, course in enumerate(courses):
        verdict, high = verdicts[index], high_efficacy(course)
        if verdict is False or high is False:
            continue
        he_high += 1
        if verdict is True and high is True:
            he_low += 1
    put("failed_high_efficacy_dmts", Interval(he_low, he_high), *needs)

    _time_on_drugs(courses, day, high_efficacy, put)
    return failed, unsure


def _time_on_drugs(
    courses: tuple[Treatment, ...],
    day: dt.date,
    high_efficacy: Callable[[Treatment], bool | None],
    put: _Put,
) -> None:
    """Longest course of a high-efficacy drug, and years since the first drug."""
    longest, open_ended = 0.0, False
    for course in courses:
        if high_efficacy(course) is False:
            continue
        if course.start is None or high_efficacy(course) is None:
            open_ended = True
            continue
        longest = max(longest, months_between(course.start, course.stop or day))
    longest = round(longest, 1)
    put(
        "months_on_high_efficacy_dmt",
        Interval(longest, math.inf if open_ended else longest),
        *[_course_need(i) for i, c in enumerate(courses) if c.start is None],
    )
    starts = [c.start for c in courses]
    if not courses:
        put("years_since_first_dmt", Interval.of(0))
    elif any(s is None for s in starts):
        put(
            "years_since_first_dmt",
            None,
            *[_course_need(i) for i, s in enumerate(starts) if s is None],
        )
    else:
        first = min(s for s in starts if s is not None)
        put("years_since_first_dmt", Interval.of(round(years_between(first, day), 2)))


class _Put(Protocol):
    """The signature of the ``put`` helper inside :func:`derive`."""

    def __call__(self, parameter: str, value: Value, *needs: Need) -> None: ...


def shown(derived: Derived) -> str | None:
    """A derived value as people read it: ``46``, ``4.5 to 5.0``, ``at least 3``, ``yes``."""
    value = derived.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    fmt = format_step if derived.parameter in ("edss",) else _number
    if value.exact:
        return fmt(value.low)
    if math.isinf(value.high):
        return f"≥ {fmt(value.low)}"
    return f"{fmt(value.low)}–{fmt(value.high)}"


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"
