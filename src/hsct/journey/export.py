"""A timeline as plain data: the JSON of the API and of ``hsct journey --json``."""

from __future__ import annotations

from typing import Any

from hsct.journey.plan import Constraint, Proposal, Timeline


def _constraint(constraint: Constraint) -> dict[str, Any]:
    return {
        "id": constraint.id,
        "earliest": constraint.earliest.isoformat(),
        "reason": str(constraint.reason),
        "sources": [c.to_dict() for c in constraint.sources],
    }


def proposal_dict(proposal: Proposal) -> dict[str, Any]:
    """The earliest admission, the constraint that decided it, every constraint, unknowns."""
    return {
        "admission": proposal.admission.isoformat(),
        "decided_by": proposal.decided_by.id,
        "constraints": [_constraint(c) for c in proposal.constraints],
        "unknown": [str(m) for m in proposal.unknown],
    }


def timeline_dict(timeline: Timeline) -> dict[str, Any]:
    """The timeline with every milestone, its dates, basis, tag and sources.

    ``proposed`` says whether the admission date is the plan's proposal (no date given);
    ``proposal`` is the earliest date the known constraints allow either way.
    """
    return {
        "facility": {"id": timeline.facility.id, "name": timeline.facility.name},
        "today": timeline.today.isoformat(),
        "proposed": timeline.proposed,
        "proposal": proposal_dict(timeline.proposal),
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
                "todo": m.todo,
                "late": m.late,
                "asap": m.asap,
                "sources": [c.to_dict() for c in m.sources],
            }
            for m in timeline.milestones
        ],
    }
