"""The one walking question whose answer would narrow a range of EDSS values the most.

When the walking facts leave a range (for example 4.5 to 6.5), each question not yet
answered is tried with each answer the walking form offers; answers that would contradict
the facts already given are left out (:func:`walking_errors`). The question chosen is the
one whose *worst* answer leaves the narrowest range; ties go to the one whose answers leave
the narrowest ranges on average, then to the order of the form. A question none of whose
answers changes the range is never asked.

Every outcome is computed by :func:`hsct.edss.score` itself, so the ranges shown for each
answer are exactly what the calculator will give.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from hsct.edss._ambulation import (
    WalkingFacts,
    Wheelchair,
    one_aid_score,
    possible_scores,
    two_aids_score,
    unaided_score,
    walking_errors,
)
from hsct.edss._result import EdssResult
from hsct.edss._score import score
from hsct.edss._sources import KURTZKE_1983, NEUROSTATUS_FORUM, NEUROSTATUS_TABLE_ENCODING
from hsct.edss._tables import BED_LEVELS, BedStatus, Mode, ambulation_step

#: Ambulation scores from 10 up mean "cannot walk 5 m even with aids".
_FIRST_NOT_WALKING_SCORE: Final = 10


class WalkingQuestion(StrEnum):
    """The walking questions, in the order the walking form asks them."""

    UNRESTRICTED = "unrestricted"
    UNAIDED = "unaided"
    ONE_AID = "one_aid"
    TWO_AIDS = "two_aids"
    NOT_WALKING = "not_walking"


def _distances(field: str, bands: tuple[int, ...]) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    return tuple((str(metres), MappingProxyType({field: float(metres)})) for metres in bands)


#: The answers each question offers, each as the walking fact it adds. A distance answer is
#: a band, given by its lower end: unaided 300 means "300 to 499 metres", 0 "less than 5
#: metres" (Neurostatus ambulation-score boundaries, see ``_ambulation.py``).
WALKING_ANSWERS: Final[Mapping[WalkingQuestion, tuple[tuple[str, Mapping[str, Any]], ...]]] = (
    MappingProxyType(
        {
            WalkingQuestion.UNRESTRICTED: (
                ("yes", MappingProxyType({"unrestricted": True})),
                ("no", MappingProxyType({"unrestricted": False})),
            ),
            WalkingQuestion.UNAIDED: _distances("unaided_m", (500, 300, 200, 100, 5, 0)),
            WalkingQuestion.ONE_AID: _distances("one_aid_m", (50, 5, 0)),
            WalkingQuestion.TWO_AIDS: _distances("two_aids_m", (120, 5, 0)),
            WalkingQuestion.NOT_WALKING: (
                (
                    "wheelchair_independent",
                    MappingProxyType({"wheelchair": Wheelchair.INDEPENDENT}),
                ),
                ("wheelchair_with_help", MappingProxyType({"wheelchair": Wheelchair.WITH_HELP})),
                *(
                    (status.value, MappingProxyType({"bed_status": status}))
                    for status in BedStatus
                    if status is not BedStatus.DEATH_DUE_TO_MS
                ),
            ),
        }
    )
)
_FIELDS: Final = {
    WalkingQuestion.UNRESTRICTED: ("unrestricted",),
    WalkingQuestion.UNAIDED: ("unaided_m",),
    WalkingQuestion.ONE_AID: ("one_aid_m",),
    WalkingQuestion.TWO_AIDS: ("two_aids_m",),
    WalkingQuestion.NOT_WALKING: ("wheelchair", "bed_status"),
}
#: Where the answers' scores come from: the Neurostatus ambulation-score labels (as encoded
#: by adobrasinovic/edss), the forum's best-performance and orthosis answers, and Kurtzke's
#: bed-status steps 8.0 to 9.5.
WALKING_ANSWER_SOURCES: Final = (NEUROSTATUS_TABLE_ENCODING, NEUROSTATUS_FORUM, KURTZKE_1983)
#: The answer "this does not apply to me" to :attr:`WalkingQuestion.NOT_WALKING`.
DOES_NOT_APPLY: Final = ""


def answer_step(
    question: WalkingQuestion, answer: str, *, mode: Mode = "neurostatus"
) -> tuple[int, float] | None:
    """The ambulation score one answer stands for on its own, and the EDSS step it gives.

    ``None`` when the answer alone gives no single score ("no" to unrestricted walking, or
    a distance under 5 metres, which does not count as walking).

    Raises
    ------
    KeyError
        For an answer the question does not offer.

    Examples
    --------
    >>> answer_step(WalkingQuestion.ONE_AID, "5")
    (8, 6.5)
    >>> answer_step(WalkingQuestion.NOT_WALKING, "bed_much_of_day")
    (12, 8.5)
    """
    facts = dict(WALKING_ANSWERS[question])[answer]
    found: int | None
    if question is WalkingQuestion.UNRESTRICTED:
        found = 0 if facts["unrestricted"] else None
    elif question is WalkingQuestion.UNAIDED:
        found = unaided_score(facts["unaided_m"])
    elif question is WalkingQuestion.ONE_AID:
        found = one_aid_score(facts["one_aid_m"])
    elif question is WalkingQuestion.TWO_AIDS:
        found = two_aids_score(facts["two_aids_m"])
    elif "bed_status" in facts:
        return 12, BED_LEVELS[facts["bed_status"]].step
    else:
        found = 10 if facts["wheelchair"] is Wheelchair.INDEPENDENT else 11
    return None if found is None else (found, ambulation_step(found, mode))


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What the EDSS would be after one answer: ``low`` to ``high`` (equal when settled)."""

    answer: str
    low: float
    high: float

    @property
    def width(self) -> float:
        """How many EDSS points the range still spans (0 when the answer settles it)."""
        return self.high - self.low


@dataclass(frozen=True, slots=True)
class NextQuestion:
    """The question to ask next, and the range each of its answers would leave."""

    question: WalkingQuestion
    outcomes: tuple[AnswerOutcome, ...]

    @property
    def widest(self) -> float:
        """The widest range any answer would leave."""
        return max(outcome.width for outcome in self.outcomes)


def _answered(facts: WalkingFacts, question: WalkingQuestion) -> bool:
    return any(getattr(facts, name) is not None for name in _FIELDS[question])


def _walks_five_metres(
    facts: WalkingFacts, current: EdssResult, mode: Mode
) -> AnswerOutcome | None:
    """The range left by "this does not apply to me": every score below 10 still open.

    Combined with the functional systems as :func:`score` combines them (the higher of
    the two steps); ``None`` when the facts already rule walking out.
    """
    steps = [
        ambulation_step(s, mode) for s in possible_scores(facts) if s < _FIRST_NOT_WALKING_SCORE
    ]
    if not steps:
        return None
    low = max(current.fs_low, min(steps))
    high = max(current.fs_high, *steps)
    return AnswerOutcome(DOES_NOT_APPLY, low, high)


def next_question(
    facts: WalkingFacts,
    *,
    grades: Mapping[str, int | None] | None = None,
    mode: Mode = "neurostatus",
) -> NextQuestion | None:
    """The unanswered walking question that would narrow the EDSS range the most.

    ``None`` when the facts already give one value, or when no walking answer would change
    the range (what is left then comes from unknown functional-system grades).

    Parameters
    ----------
    facts
        The walking facts given so far; they must be free of contradictions.
    grades
        Functional-system grades known so far (``visual`` ... ``cerebral``).
    mode
        The scoring rules, as for :func:`hsct.edss.score`.

    Raises
    ------
    InvalidInput
        When ``facts`` or ``grades`` are not valid input for :func:`hsct.edss.score`.

    Examples
    --------
    >>> found = next_question(WalkingFacts(one_aid_m=20))
    >>> found.question.value, [(o.answer, o.low, o.high) for o in found.outcomes][:2]
    ('unaided', [('500', 0.0, 5.0), ('300', 4.5, 5.0)])
    """
    known = dict(grades or {})

    def result(walking: WalkingFacts) -> EdssResult:
        return score(
            visual=known.get("visual"),
            brainstem=known.get("brainstem"),
            pyramidal=known.get("pyramidal"),
            cerebellar=known.get("cerebellar"),
            sensory=known.get("sensory"),
            bowel_bladder=known.get("bowel_bladder"),
            cerebral=known.get("cerebral"),
            walking=walking,
            mode=mode,
        )

    current = result(facts)
    if current.determined:
        return None
    chosen: tuple[tuple[float, float, int], NextQuestion] | None = None
    for order, question in enumerate(WalkingQuestion):
        if _answered(facts, question):
            continue
        outcomes = []
        for answer, update in WALKING_ANSWERS[question]:
            candidate = replace(facts, **update)
            if walking_errors(candidate):
                continue  # this answer would contradict what is already known
            after = result(candidate)
            outcomes.append(AnswerOutcome(answer, after.low, after.high))
        if question is WalkingQuestion.NOT_WALKING:
            walks = _walks_five_metres(facts, current, mode)
            if walks is not None:
                outcomes.append(walks)
        if all((o.low, o.high) == (current.low, current.high) for o in outcomes):
            continue  # no answer would change anything (or none is possible)
        found = NextQuestion(question, tuple(outcomes))
        mean = sum(o.width for o in outcomes) / len(outcomes)
        key = (found.widest, mean, order)
        if chosen is None or key < chosen[0]:
            chosen = (key, found)
    return None if chosen is None else chosen[1]
