"""Published outcomes in plain words (natural frequencies: "out of 100 people ..."), and
which studies included people like the person ("people like me").

The evidence page, the assessment results and the API all use :func:`match_studies`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.memo import ByIdentity
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.labels import MEASURE_LABELS, MS_TYPE_LABELS, POPULATION_LABELS
from hsct.knowledge.schema import Outcome, Population, Range, Study


def headline(outcome: Outcome, study: Study) -> Message:
    """An outcome as a natural frequency, rounded to whole people.

    Examples
    --------
    >>> from hsct.knowledge.schema import Outcome, Study
    >>> study = Study(id="s", label="S", design="cohort", ms_types=("RRMS",), src="x")
    >>> str(headline(Outcome(measure="RFS", years=5, percent=68.4), study))
    'Out of 100 people (all patients), about 68 were free of relapses after 5 years.'
    """
    people = round(outcome.percent)
    if outcome.measure == "progression":
        template = (
            N_(
                "Out of 100 people ({population}), about {n} had confirmed disability "
                "progression within {years} years."
            )
            if outcome.years
            else N_(
                "Out of 100 people ({population}), about {n} had confirmed disability "
                "progression during the study's follow-up ({follow_up})."
            )
        )
    elif outcome.years:
        template = N_(
            "Out of 100 people ({population}), about {n} were {measure} after {years} years."
        )
    else:
        template = N_(
            "Out of 100 people ({population}), about {n} were {measure} during the "
            "study's follow-up ({follow_up})."
        )
    return Message(
        template,
        {
            "population": POPULATION_LABELS[outcome.population],
            "n": people,
            "measure": MEASURE_LABELS[outcome.measure],
            "years": "" if outcome.years is None else f"{outcome.years:g}",
            "follow_up": study.follow_up or "",
        },
    )


# ---------------------------------------------------------------- "people like me"
#
# Which studies included someone like the person. The rules, in order:
#
# * MS type: the study's ``ms_types`` must include the person's type ("progressive" counts
#   as secondary- or primary-progressive).
# * EDSS: the study must report an EDSS range and the person's EDSS must lie inside it (ends
#   included). A study that reports no EDSS range does NOT match: it goes to ``other`` with
#   the reason "EDSS range not reported", because nothing says it included that EDSS.
# * Age: where the study reports an age range, the person's age must lie inside it. A study
#   without an age range is not excluded for it (``age_range_reported`` is False), as the
#   issue asks ("age where reported").
# * Intensity (optional, a choice on the evidence page): one of the study's regimens must be
#   of that intensity.
# * A value the person did not give is not compared at all; ``not_compared`` says so. With
#   nothing given, every study matches.
#
# Every study not matching is in ``other`` with each reason, so nothing is hidden.

#: The MS types a person can give; "progressive" means either progressive type.
PERSON_TYPES: Final = ("RRMS", "SPMS", "PPMS", "CIS", "RIS", "suspected", "progressive")
ALL_POPULATIONS: Final[tuple[Population, ...]] = ("all", "RRMS", "progressive", "SPMS", "PPMS")
INTENSITY_WORDS: Final = {
    "high": N_("high-intensity"),
    "intermediate": N_("intermediate-intensity"),
    "low": N_("low-intensity"),
}
TYPE_NOT_INCLUDED: Final = N_("It did not include people with {ms_type}.")
EDSS_NOT_REPORTED: Final = N_(
    "It did not report an EDSS range, so it cannot be compared with your EDSS."
)
#: (has low end, has high end) -> template.
EDSS_OUTSIDE: Final = {
    (True, True): N_("Its EDSS range was {low} to {high}; yours is {edss}."),
    (False, True): N_("It included an EDSS up to {high}; yours is {edss}."),
    (True, False): N_("It included an EDSS from {low}; yours is {edss}."),
}
AGE_OUTSIDE: Final = {
    (True, True): N_("Its age range was {low} to {high}; you are {age}."),
    (False, True): N_("It included people up to the age of {high}; you are {age}."),
    (True, False): N_("It included people from the age of {low}; you are {age}."),
}
MAX_AGE: Final = 120
INTENSITY_NOT_USED: Final = N_("It did not use {intensity} regimens.")
NOT_COMPARED: Final = {
    "ms_type": N_("Your MS type was not given, so the studies were not compared by MS type."),
    "edss": N_("Your EDSS was not given, so the studies were not compared by EDSS."),
    "age": N_("Your age was not given, so the studies were not compared by age."),
}


def population_for(ms_type: str | None) -> tuple[Population, ...]:
    """The outcome populations that speak for someone with ``ms_type``.

    Unknown type: all of them. CIS, RIS and suspected MS: only whole-study figures
    ("all"), since no study reports results for them.

    Examples
    --------
    >>> population_for("RRMS"), population_for("PPMS")
    (('all', 'RRMS'), ('all', 'progressive', 'PPMS'))
    >>> population_for("progressive"), population_for("CIS")
    (('all', 'progressive', 'SPMS', 'PPMS'), ('all',))
    """
    if ms_type is None:
        return ALL_POPULATIONS
    if ms_type == "RRMS":
        return ("all", "RRMS")
    if ms_type == "SPMS":
        return ("all", "progressive", "SPMS")
    if ms_type == "PPMS":
        return ("all", "progressive", "PPMS")
    if ms_type == "progressive":
        return ("all", "progressive", "SPMS", "PPMS")
    return ("all",)


def type_label(ms_type: str) -> str:
    """The words for an MS type the person gave (marked for translation)."""
    if ms_type == "progressive":
        return POPULATION_LABELS["progressive"]
    return MS_TYPE_LABELS[ms_type]


def check_person(*, ms_type: str | None, edss: float | None, age: float | None) -> None:
    """Raise :class:`InvalidInput` naming every value that cannot be used."""
    errors = []
    if ms_type is not None and ms_type not in PERSON_TYPES:
        errors.append(
            FieldError.translatable(
                "ms_type",
                Message(N_("{value} is not an MS type"), {"value": repr(ms_type)}),
                Message(", ".join(PERSON_TYPES)),
            )
        )
    if edss is not None and edss not in LEGAL_VALUES:
        errors.append(
            FieldError.translatable(
                "edss",
                Message(N_("{value} is not an EDSS step"), {"value": f"{edss:g}"}),
                Message(N_("0, or 1.0 to 10 in steps of 0.5")),
            )
        )
    if age is not None and not 0 < age <= MAX_AGE:
        errors.append(
            FieldError.translatable(
                "age",
                Message(N_("{value} is not an age in years"), {"value": f"{age:g}"}),
                Message(N_("more than 0 and at most {max}"), {"max": MAX_AGE}),
            )
        )
    if errors:
        raise InvalidInput(errors)


@dataclass(frozen=True, slots=True)
class StudyMatch:
    """A study, its figures for the person's population, and why it does not match (if so).

    ``headlines`` are the study's outcomes for :func:`population_for` the person's type,
    as natural frequencies; ``reasons`` is empty for a matching study.
    """

    study: Study
    headlines: tuple[Message, ...]
    citation: Citation
    age_range_reported: bool
    edss_range_reported: bool
    reasons: tuple[Message, ...] = ()

    @property
    def matches(self) -> bool:
        """True when the study included someone like the person."""
        return not self.reasons


@dataclass(frozen=True, slots=True)
class StudyMatches:
    """Studies whose population includes the person, and the others with their reasons."""

    matching: tuple[StudyMatch, ...]
    other: tuple[StudyMatch, ...]
    populations: tuple[Population, ...]
    not_compared: tuple[Message, ...]


def _number(value: float, parameter: str) -> str:
    return format_step(value) if parameter == "edss" else f"{value:g}"


def _outside(
    value: float, bounds: Range, parameter: str, templates: dict[tuple[bool, bool], str]
) -> Message | None:
    """Why ``value`` falls outside ``bounds`` (None when it is inside)."""
    low, high = bounds.min, bounds.max
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    key = (low is not None, high is not None)
    return Message(
        templates[key],
        {
            "low": "" if low is None else _number(low, parameter),
            "high": "" if high is None else _number(high, parameter),
            parameter: _number(value, parameter),
        },
    )


#: The fixed reason, made once (a message is immutable).
_EDSS_NOT_REPORTED_MESSAGE: Final = Message(EDSS_NOT_REPORTED)


@dataclass(frozen=True, slots=True)
class _Person:
    """What the studies are compared with, and the reasons that are the same for every
    study they apply to (made once per comparison)."""

    ms_type: str | None
    edss: float | None
    age: float | None
    intensity: str | None
    type_not_included: Message | None
    intensity_not_used: Message | None

    @classmethod
    def of(
        cls, ms_type: str | None, edss: float | None, age: float | None, intensity: str | None
    ) -> _Person:
        return cls(
            ms_type,
            edss,
            age,
            intensity,
            None
            if ms_type is None
            else Message(TYPE_NOT_INCLUDED, {"ms_type": type_label(ms_type)}),
            None
            if intensity is None
            else Message(INTENSITY_NOT_USED, {"intensity": INTENSITY_WORDS[intensity]}),
        )


def _reasons(study: Study, person: _Person) -> tuple[Message, ...]:
    reasons: list[Message] = []
    ms_type, edss, age = person.ms_type, person.edss, person.age
    if person.type_not_included is not None:
        wanted = ("SPMS", "PPMS") if ms_type == "progressive" else (ms_type,)
        if not any(kind in study.ms_types for kind in wanted):
            reasons.append(person.type_not_included)
    if edss is not None:
        if study.edss is None:
            reasons.append(_EDSS_NOT_REPORTED_MESSAGE)
        elif (outside := _outside(edss, study.edss, "edss", EDSS_OUTSIDE)) is not None:
            reasons.append(outside)
    if (
        age is not None
        and study.age is not None
        and (outside := _outside(age, study.age, "age", AGE_OUTSIDE)) is not None
    ):
        reasons.append(outside)
    if person.intensity_not_used is not None and person.intensity not in study.intensity:
        reasons.append(person.intensity_not_used)
    return tuple(reasons)


#: A study's headlines per tuple of populations (a handful: see :func:`population_for`).
_headlines_by_populations: ByIdentity[Study, dict[tuple[Population, ...], tuple[Message, ...]]] = (
    ByIdentity(lambda _study: {})
)


def _headlines(study: Study, populations: tuple[Population, ...]) -> tuple[Message, ...]:
    """The study's outcomes for these populations as sentences, made once per study."""
    known = _headlines_by_populations(study)
    found = known.get(populations)
    if found is None:
        # setdefault: two threads making the same headlines keep the first tuple
        found = known.setdefault(
            populations,
            tuple(headline(o, study) for o in study.outcomes if o.population in populations),
        )
    return found


def match_studies(
    catalog: Catalog,
    *,
    ms_type: str | None,
    edss: float | None,
    age: float | None,
    intensity: str | None = None,
) -> StudyMatches:
    """Split the studies into those that included someone like the person and the others.

    The rules are at the top of this section. Raises :class:`InvalidInput` for an MS type,
    EDSS, age or intensity that cannot be used.
    """
    check_person(ms_type=ms_type, edss=edss, age=age)
    if intensity is not None and intensity not in INTENSITY_WORDS:
        raise InvalidInput(
            [
                FieldError(
                    "intensity", f"unknown intensity {intensity!r}", ", ".join(INTENSITY_WORDS)
                )
            ]
        )
    populations = population_for(ms_type)
    person = _Person.of(ms_type, edss, age, intensity)
    matching: list[StudyMatch] = []
    other: list[StudyMatch] = []
    for study in catalog.studies.values():
        found = StudyMatch(
            study=study,
            headlines=_headlines(study, populations),
            citation=catalog.citation(study.src),
            age_range_reported=study.age is not None,
            edss_range_reported=study.edss is not None,
            reasons=_reasons(study, person),
        )
        (matching if found.matches else other).append(found)
    given = {"ms_type": ms_type, "edss": edss, "age": age}
    return StudyMatches(
        matching=tuple(matching),
        other=tuple(other),
        populations=populations,
        not_compared=tuple(Message(NOT_COMPARED[k]) for k, v in given.items() if v is None),
    )


def _study_static(study: Study) -> tuple[Any, ...]:
    return (
        study.id,
        study.label,
        study.design,
        study.n,
        list(study.ms_types),
        list(study.intensity),
        None if study.age is None else study.age.model_dump(),
        None if study.edss is None else study.edss.model_dump(),
        None if study.mortality is None else study.mortality.percent,
        study.tag,
    )


#: What a study's entry shows whoever asks, as JSON, once per study (shared, never changed).
_study_json: ByIdentity[Study, tuple[Any, ...]] = ByIdentity(_study_static)
#: The JSON of the shared headline tuples of :func:`_headlines`.
_headlines_json: ByIdentity[tuple[Message, ...], list[dict[str, Any]]] = ByIdentity(
    lambda headlines: [h.to_dict() for h in headlines]
)
#: A source's JSON, once per citation object.
_citation_json: ByIdentity[Citation, dict[str, str | None]] = ByIdentity(Citation.to_dict)


def matches_dict(matches: StudyMatches) -> dict[str, Any]:
    """Plain data for JSON: each study's id, label, figures, reasons and source.

    The parts that read the same for everyone are built once and shared between answers.
    """
    populations = matches.populations
    # Reasons that read the same for every study they apply to are one message each:
    # written once per answer.
    reasons_json: dict[int, dict[str, Any]] = {}

    def reason(message: Message) -> dict[str, Any]:
        found = reasons_json.get(id(message))
        if found is None:
            found = reasons_json[id(message)] = message.to_dict()
        return found

    def one(m: StudyMatch) -> dict[str, Any]:
        study = m.study
        study_id, label, design, n, ms_types, intensity, age, edss, mortality, tag = _study_json(
            study
        )
        shared = m.headlines is _headlines(study, populations)
        return {
            "id": study_id,
            "label": label,
            "design": design,
            "n": n,
            "ms_types": ms_types,
            "intensity": intensity,
            "age": age,
            "edss": edss,
            "age_range_reported": m.age_range_reported,
            "edss_range_reported": m.edss_range_reported,
            "headlines": _headlines_json(m.headlines)
            if shared
            else [h.to_dict() for h in m.headlines],
            "mortality_percent": mortality,
            "reasons": [reason(r) for r in m.reasons],
            "source": _citation_json(m.citation),
            "tag": tag,
        }

    return {
        "populations": list(matches.populations),
        "not_compared": [m.to_dict() for m in matches.not_compared],
        "matching": [one(m) for m in matches.matching],
        "other": [one(m) for m in matches.other],
    }
