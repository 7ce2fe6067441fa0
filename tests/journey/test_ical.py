"""The calendar file, read back with the icalendar package (issue 19).

No event blocks months, reminders sit only on things the person does, steps already over
are left out unless asked for, late to-dos come today, and UIDs do not move with "today".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar, Event

from hsct.eligibility import parse_profile
from hsct.journey import Timeline, plan, to_ics

TODAY = dt.date(2026, 11, 23)
ADMISSION = dt.date(2027, 3, 1)


def at(facility: str = "moscow-pirogov", **options: Any) -> Timeline:
    """A plan made on 23 November 2026 (admission 1 March 2027 unless given)."""
    options.setdefault("today", TODAY)
    if "transplant_date" not in options:
        options.setdefault("admission_date", ADMISSION)
    return plan(facility, **options)


def events(timeline: Timeline, **options: Any) -> dict[str, Event]:
    """The calendar's events by milestone id."""
    calendar = Calendar.from_ical(to_ics(timeline, **options))
    suffix = f"-{timeline.facility.id}-{timeline.admission}@hsct-navigator"
    found = {str(e["UID"]).removesuffix(suffix): e for e in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT"))  # UIDs are unique
    return found


def days(event: Event) -> tuple[dt.date, dt.date]:
    """First day and exclusive end of an all-day event."""
    return event.decoded("DTSTART"), event.decoded("DTEND")


def test_each_step_is_one_event_and_only_hospital_days_span_days() -> None:
    """Stay phases cover their days; every other step is one day at its start."""
    timeline = at()
    found = events(timeline)

    assert list(found) == [m.id for m in timeline.milestones]
    for milestone in timeline.milestones:
        first, end = days(found[milestone.id])
        if milestone.group == "stay":
            assert (first, end) == (milestone.start, milestone.end + dt.timedelta(days=1))
        else:
            assert (first, end) == (max(milestone.start, TODAY), first + dt.timedelta(days=1))
    assert max(end - first for first, end in map(days, found.values())) == dt.timedelta(days=14)


def test_a_year_of_infection_precautions_is_one_event_with_its_window() -> None:
    """No event blocks a year: the start, and "from … to …" in the description."""
    precautions = events(at())["infection-precautions"]

    assert days(precautions) == (dt.date(2027, 3, 13), dt.date(2027, 3, 14))
    assert "From 2027-03-13 to 2028-03-13." in str(precautions["DESCRIPTION"])


def test_steps_without_a_published_duration_start_today_with_their_deadline() -> None:
    """Referral: today, "at the latest by" the day before travel."""
    referral = events(at())["referral"]

    assert days(referral)[0] == TODAY
    assert "As soon as you can; at the latest by 2027-02-27." in str(referral["DESCRIPTION"])


def test_reminders_only_on_things_the_person_does() -> None:
    """A VALARM at 09:00 on each to-do's day; none on hospital phases or on what studies
    report."""
    timeline = at()
    found = events(timeline)

    reminded = [key for key, e in found.items() if e.walk("VALARM")]
    assert reminded == [m.id for m in timeline.milestones if m.todo]
    assert {"screening", "day0", "discharge", "fatigue", "improvement", "five-years"}.isdisjoint(
        reminded
    )
    for key in reminded:
        (alarm,) = found[key].walk("VALARM")
        assert (str(alarm["ACTION"]), alarm.decoded("TRIGGER")) == (
            "DISPLAY",
            dt.timedelta(hours=9),
        )


def test_steps_already_over_are_left_out_unless_asked_for() -> None:
    """Alemtuzumab stopped in 2020: its washout ended on 1 July 2020, long before today."""
    profile = parse_profile(
        {"treatments": [{"drug": "alemtuzumab", "start": "2018-01-01", "stop": "2020-01-01"}]}
    )
    timeline = at(profile=profile)

    default = events(timeline)
    everything = events(timeline, include_past=True)

    assert [m.id for m in timeline.past] == ["washout-alemtuzumab"]
    assert "washout-alemtuzumab" not in default
    assert days(everything["washout-alemtuzumab"])[0] == dt.date(2020, 7, 1)
    assert min(days(e)[0] for e in default.values()) == TODAY


def test_a_late_to_do_comes_today_and_says_so() -> None:
    """Admission on 1 December: the live-vaccine deadline (15 November) has passed."""
    vaccines = events(at(admission_date=dt.date(2026, 12, 1)))["vaccines-before"]

    assert days(vaccines) == (TODAY, TODAY + dt.timedelta(days=1))
    assert str(vaccines["SUMMARY"]) == "Late, do it now: Vaccinations needed before treatment"
    assert (
        "This was due by 2026-11-15: do it now, or ask the clinic whether the date still works."
        in str(vaccines["DESCRIPTION"])
    )
    assert vaccines.walk("VALARM")


def test_uids_do_not_change_with_the_day_the_plan_is_made() -> None:
    """The same admission planned a week later: the same events replace the old ones."""
    first = events(at())
    later = events(at(today=dt.date(2026, 11, 30)))

    assert list(first) == list(later)
    assert [str(e["UID"]) for e in first.values()] == [str(e["UID"]) for e in later.values()]
