"""The sections of the navigator, shown on the home page and in the main navigation.

A section without a path is announced as coming; it gets its path when it ships.
"""

from __future__ import annotations

from dataclasses import dataclass

from hsct.common.i18n import N_


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the tool: a short name, one sentence on what it answers, where it lives."""

    key: str
    title: str
    summary: str
    path: str | None = None


SECTIONS: tuple[Section, ...] = (
    Section(
        key="guide",
        title=N_("How aHSCT works"),
        summary=N_(
            "Each stage in plain words: what happens, how long it takes, how it feels and "
            "what can go wrong, with a glossary."
        ),
        path="/guide",
    ),
    Section(
        key="decide",
        title=N_("Should I consider aHSCT?"),
        summary=N_(
            "The options side by side, what happened to people like you with each, and "
            "what matters to you."
        ),
        path="/decide",
    ),
    Section(
        key="edss",
        title=N_("EDSS calculator"),
        summary=N_(
            "Work out an EDSS score from a neurological examination, or see the range "
            "your walking implies."
        ),
        path="/edss",
    ),
    Section(
        key="candidate",
        title=N_("Am I a candidate?"),
        summary=N_(
            "Check your situation against each published guideline and each clinic's own "
            "criteria, one rule at a time, with the source of every rule."
        ),
        path="/candidate",
    ),
    Section(
        key="facilities",
        title=N_("Facilities"),
        summary=N_(
            "Compare clinics: treatment protocol, who they accept, cost with its date, "
            "length of stay, and whether a clinic offers real aHSCT."
        ),
        path="/facilities",
    ),
    Section(
        key="legitimacy",
        title=N_("Is it real aHSCT?"),
        summary=N_(
            "Check a clinic's warning signs and safeguards, and tell real aHSCT from "
            'unproven "stem cell" offers.'
        ),
        path="/legitimacy",
    ),
    Section(
        key="evidence",
        title=N_("What the studies found"),
        summary=N_(
            "Published results by MS type and treatment intensity, in plain numbers, with "
            "the risks."
        ),
        path="/evidence",
    ),
    Section(
        key="journey",
        title=N_("Journey planner"),
        summary=N_(
            "A dated plan from stopping your current drug to the years after transplant, "
            "ready for your calendar."
        ),
        path="/journey",
    ),
    Section(
        key="outcomes",
        title=N_("Outcomes by clinic"),
        summary=N_(
            "How each clinic's own patients did, by regimen and MS type, beside the "
            "published trials, with the clinic's follow-up and rating."
        ),
        path="/outcomes",
    ),
)
