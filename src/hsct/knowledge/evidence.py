"""Published outcomes in plain words: natural frequencies ("out of 100 people ...")."""

from __future__ import annotations

from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.knowledge.labels import MEASURE_LABELS, POPULATION_LABELS
from hsct.knowledge.schema import Outcome, Study


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
