"""A timeline as an iCalendar file (RFC 5545) that calendar programs import.

- Days in hospital are all-day events over their days (at most a few weeks). Every other
  step is one all-day event on the day it starts, with its window, its text and its
  sources in the description: no event blocks months of a calendar (a year of infection
  precautions is one event on day 0 that says "until …").
- Only real to-dos (stop a drug, vaccines, records, referral, funding, travel, scans) carry
  a reminder (``VALARM``) at 09:00 on their day; what happens to the person or what the
  clinic does carries none.
- Steps already over are left out unless ``include_past``; a late to-do is put on today
  ("do it now"), and a window that is open today starts today.
- UIDs depend on the step, the facility and the admission date only, so importing an
  updated plan for the same admission replaces the old events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from icalendar import Alarm, Calendar, Event

from hsct import __version__
from hsct.common.i18n import N_
from hsct.journey.plan import Milestone, Timeline

#: A to-do's reminder: 09:00 on its (all-day) day.
REMINDER_AT: Final = dt.timedelta(hours=9)


def _identity(text: str) -> str:
    return text


def to_ics(
    timeline: Timeline,
    gettext: Callable[[str], str] = _identity,
    *,
    include_past: bool = False,
) -> bytes:
    """The timeline as iCalendar bytes, texts in the language of ``gettext``.

    ``include_past`` keeps the steps that ended before the plan's today, on their own dates.
    """
    calendar = Calendar()
    calendar.add("prodid", f"-//HSCT Navigator {__version__}//journey//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"aHSCT: {timeline.facility.name}")
    stamp = dt.datetime.combine(timeline.today, dt.time(0, 0), tzinfo=dt.UTC)
    for item in timeline.milestones:
        days = _days(item, timeline.today, include_past=include_past)
        if days is None:
            continue
        event = Event()
        event.add("uid", f"{item.id}-{timeline.facility.id}-{timeline.admission}@hsct-navigator")
        event.add("dtstamp", stamp)
        summary = item.title.translate(gettext)
        if item.late:
            summary = gettext(N_("Late, do it now: {title}")).format(title=summary)
        event.add("summary", summary)
        event.add("dtstart", days[0])
        event.add("dtend", days[1] + dt.timedelta(days=1))  # exclusive end for all-day events
        event.add("description", _description(item, gettext))
        event.add("categories", [item.group])
        if item.todo:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", REMINDER_AT)
            event.add_component(alarm)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def _days(item: Milestone, today: dt.date, *, include_past: bool) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the event, or None to leave it out."""
    if item.late:
        return today, today
    if item.end < today and not include_past:
        return None
    first = item.start if include_past else max(item.start, today)
    last = item.end if item.group == "stay" else first
    return first, last


def _description(item: Milestone, gettext: Callable[[str], str]) -> str:
    lines = [item.description.translate(gettext)]
    if item.late:
        lines.append(
            gettext(
                N_(
                    "This was due by {date}: do it now, or ask the clinic whether the date "
                    "still works."
                )
            ).format(date=item.end.isoformat())
        )
    elif item.asap:
        lines.append(
            gettext(N_("As soon as you can; at the latest by {date}.")).format(
                date=item.end.isoformat()
            )
        )
    elif item.end != item.start and item.group != "stay":
        lines.append(
            gettext(N_("From {start} to {end}.")).format(
                start=item.start.isoformat(), end=item.end.isoformat()
            )
        )
    text = "\n".join(lines)
    sources = "; ".join(f"{c.label} ({c.date}) {c.link or ''}".strip() for c in item.sources)
    if sources:
        text += "\n\n" + sources
    return text
