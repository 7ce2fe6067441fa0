"""A timeline as plain data: the JSON of the API and of ``hsct journey --json``."""

from __future__ import annotations

from typing import Any

from hsct.journey.plan import Timeline


def timeline_dict(timeline: Timeline) -> dict[str, Any]:
    """The timeline with every milestone, its dates, basis, tag and sources."""
    return {
        "facility": {"id": timeline.facility.id, "name": timeline.facility.name},
        "today": timeline.today.isoformat(),
        "admission": timeline.admission.isoformat(),
        "day0": timeline.day0.isoformat(),
        "discharge": timeline.discharge.isoformat(),
        "home": timeline.home.isoformat(),
        "warnings": [str(w) for w in timeline.warnings],
        "stopping_risks": [str(w) for w in timeline.stopping],
        "milestones": [
            {
                "id": m.id,
                "group": m.group,
                "start": m.start.isoformat(),
                "end": m.end.isoformat(),
                "day": m.day,
                "title": str(m.title),
                "description": str(m.description),
                "basis": m.basis,
                "tag": m.tag,
                "note": m.note,
                "sources": [c.to_dict() for c in m.sources],
            }
            for m in timeline.milestones
        ],
    }
