"""A timeline as an iCalendar file (RFC 5545) that calendar programs import.

Each milestone is an all-day event (a range spans its days); the description carries the
plain-words text and the sources. UIDs are stable for one facility and admission date, so
importing an updated plan replaces the old events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from icalendar import Calendar, Event

from hsct import __version__
from hsct.journey.plan import Timeline


def _identity(text: str) -> str:
    return text


def to_ics(timeline: Timeline, gettext: Callable[[str], str] = _identity) -> bytes:
    """The timeline as iCalendar bytes, texts in the language of ``gettext``."""
    calendar = Calendar()
    calendar.add("prodid", f"-//HSCT Navigator {__version__}//journey//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"aHSCT: {timeline.facility.name}")
    stamp = dt.datetime.combine(timeline.today, dt.time(0, 0), tzinfo=dt.UTC)
    for item in timeline.milestones:
        event = Event()
        event.add("uid", f"{item.id}-{timeline.facility.id}-{timeline.admission}@hsct-navigator")
        event.add("dtstamp", stamp)
        event.add("summary", item.title.translate(gettext))
        event.add("dtstart", item.start)
        event.add("dtend", item.end + dt.timedelta(days=1))  # exclusive end for all-day events
        sources = "; ".join(f"{c.label} ({c.date}) {c.link or ''}".strip() for c in item.sources)
        description = item.description.translate(gettext)
        if sources:
            description += "\n\n" + sources
        event.add("description", description)
        event.add("categories", [item.group])
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
