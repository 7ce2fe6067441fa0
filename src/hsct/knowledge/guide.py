"""The decision aid's arithmetic and matching, as small pure functions (issue 18).

* :func:`frequency` turns a count or a published percentage into a natural frequency out of
  100 with its uncertainty: the published interval when there is one, otherwise a 95%
  Wilson score interval computed from the counts (Wilson 1927), marked as computed.
* :func:`frame_match` says whether the people a frame's numbers come from are like the
  reader (MS type, EDSS, age), and how they differ; an answer the reader did not give is
  reported as unknown, never as a match.
* :func:`reflect` sets the reader's "what matters to me" answers beside what each option
  says on that point, without scoring or ranking the options.
* :func:`link_terms` links the glossary's terms where they first appear on a page.
* :func:`clinic_schedules` and :func:`intensity_levels` read the directory for "How aHSCT
  works": each clinic's published days per stage, and the intensities behind each word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from hsct.knowledge.catalog import Catalog
from hsct.knowledge.schema import Aspect, Count, Frame, Guide, Option, Said, ValueQuestion

#: The scale of the values exercise: 1 (matters little) to 5 (matters most).
SCALE: Final = (1, 2, 3, 4, 5)
#: Answers at or above this are "matters a lot" and are reflected first.
MATTERS: Final = 4
_Z95: Final = 1.959963984540054
#: The answers allowed, as typed: ASCII digits only ("²".isdigit() is true, int() refuses it).
_SCALE_TEXT: Final = frozenset(str(n) for n in SCALE)


@dataclass(frozen=True, slots=True)
class Frequency:
    """An outcome as "``per100`` in 100", with its range ``low``-``high`` in 100.

    ``computed``: the range is our 95% Wilson interval from the counts, not published.
    ``per100`` None: not known (the option was not studied in this frame). When events
    happened, a number that rounds to 0 is shown as "less than 1", never as 0
    (:attr:`under_one`, :attr:`low_under_one`).
    """

    per100: int | None
    low: int | None = None
    high: int | None = None
    events: int | None = None
    patients: int | None = None
    computed: bool = False

    @property
    def known(self) -> bool:
        """True when there is a number to show."""
        return self.per100 is not None

    @property
    def under_one(self) -> bool:
        """Some had the outcome, but fewer than 0.5 in 100: "less than 1 in 100"."""
        return bool(self.events) and self.per100 == 0

    @property
    def low_under_one(self) -> bool:
        """Some had the outcome, and the range starts below 0.5 in 100."""
        return bool(self.events) and self.low == 0


def wilson(events: int, patients: int) -> tuple[float, float]:
    """The 95% Wilson score interval for ``events`` of ``patients``, in percent.

    Unlike the usual "p ± 1.96 SE", it stays within 0-100 and is not empty at 0 events.

    Examples
    --------
    >>> [round(x, 1) for x in wilson(3, 55)]
    [1.9, 14.9]
    >>> [round(x, 1) for x in wilson(0, 55)]
    [0.0, 6.5]
    """
    if patients <= 0 or not 0 <= events <= patients:
        raise ValueError("need 0 <= events <= patients and patients > 0")
    p = events / patients
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * patients)) / (1 + z2 / patients)
    half = (_Z95 * math.sqrt(p * (1 - p) / patients + z2 / (4 * patients * patients))) / (
        1 + z2 / patients
    )
    return max(0.0, centre - half) * 100, min(1.0, centre + half) * 100


def _round(percent: float) -> int:
    """Half up, so that 5.5 in 100 reads "6 in 100" in every language."""
    return math.floor(percent + 0.5)


def frequency(count: Count) -> Frequency:
    """A count or a percentage as a natural frequency out of 100, with its range.

    Examples
    --------
    >>> frequency(Count(events=34, patients=55))
    Frequency(per100=62, low=49, high=73, events=34, patients=55, computed=True)
    >>> frequency(Count(percent=73, ci_low=66, ci_high=81))
    Frequency(per100=73, low=66, high=81, events=None, patients=None, computed=False)
    >>> frequency(Count()).known
    False
    """
    if count.events is not None and count.patients is not None:
        low, high = wilson(count.events, count.patients)
        return Frequency(
            per100=_round(100 * count.events / count.patients),
            low=_round(low),
            high=_round(high),
            events=count.events,
            patients=count.patients,
            computed=True,
        )
    if count.percent is not None:
        has_range = count.ci_low is not None and count.ci_high is not None
        return Frequency(
            per100=_round(count.percent),
            low=_round(count.ci_low) if count.ci_low is not None and has_range else None,
            high=_round(count.ci_high) if count.ci_high is not None and has_range else None,
        )
    return Frequency(per100=None)


Difference = Literal["ms_type", "edss", "age", "entry"]


@dataclass(frozen=True, slots=True)
class Match:
    """How the reader compares with the people a frame's numbers come from.

    ``differs``: where the reader is outside the studied group; ``unknown``: what the
    reader did not say (or the study did not report), so no match is claimed on it;
    ``entry`` is unknown whenever the study had an entry rule this page does not ask about.
    """

    frame: Frame
    differs: tuple[Difference, ...]
    unknown: tuple[Difference, ...]

    @property
    def like_you(self) -> bool:
        """True only when the reader is inside the studied group on everything checked."""
        return not self.differs and not self.unknown


def frame_match(
    frame: Frame, *, ms_type: str | None, edss: float | None, age: float | None
) -> Match:
    """Compare the reader with ``frame``'s studied group.

    Examples
    --------
    >>> from hsct.knowledge.schema import FrameOutcome, Range
    >>> said = Said(text="x", src="s")
    >>> out = FrameOutcome(id="o", label="o", span="s", counts={"a": Count()}, src="s")
    >>> frame = Frame(id="f", title="f", ms_types=("RRMS",), edss=Range(min=2, max=6),
    ...               reference=said, options=("a",), outcomes=(out,))
    >>> m = frame_match(frame, ms_type="RRMS", edss=6.5, age=None)
    >>> m.differs, m.unknown
    (('edss',), ('age',))
    >>> frame_match(frame, ms_type="CIS", edss=3, age=30).differs
    ('ms_type',)
    """
    differs: list[Difference] = []
    unknown: list[Difference] = []
    if ms_type is None:
        unknown.append("ms_type")
    elif ms_type not in frame.ms_types:
        differs.append("ms_type")
    for name, value, limits in (("edss", edss, frame.edss), ("age", age, frame.age)):
        key: Difference = "edss" if name == "edss" else "age"
        if limits is None or value is None:
            unknown.append(key)
        elif (limits.min is not None and value < limits.min) or (
            limits.max is not None and value > limits.max
        ):
            differs.append(key)
    if frame.entry is not None:
        unknown.append("entry")
    return Match(frame=frame, differs=tuple(differs), unknown=tuple(unknown))


def frames_for(
    guide: Guide, *, ms_type: str | None, edss: float | None, age: float | None
) -> list[Match]:
    """Every frame, those about the reader's MS type first (then in the file's order)."""
    matches = [frame_match(f, ms_type=ms_type, edss=edss, age=age) for f in guide.frames]
    return sorted(matches, key=lambda m: "ms_type" in m.differs)


def options_for(guide: Guide, ms_type: str | None) -> tuple[Option, ...]:
    """The options that apply to the reader's MS type; all of them when the type is not
    given or is not confirmed MS (CIS, RIS, suspected), for which no option is written."""
    found = tuple(option for option in guide.options if ms_type in option.ms_types)
    return found or guide.options


@dataclass(frozen=True, slots=True)
class Reflection:
    """One answer of the values exercise beside what each option says on that point."""

    question: ValueQuestion
    answer: int
    by_option: tuple[tuple[Option, tuple[Said, ...]], ...]

    @property
    def matters(self) -> bool:
        """The reader said this matters a lot (4 or 5 of 5)."""
        return self.answer >= MATTERS


def option_points(
    option: Option, reflects: Aspect | Literal["benefit", "harm", "death"]
) -> tuple[Said, ...]:
    """What ``option`` says about one point: its benefits, its harms, its risk of death or
    one burden."""
    if reflects == "benefit":
        return option.benefits
    if reflects == "harm":
        return option.harms
    if reflects == "death":
        return option.death
    return (option.burdens[reflects],)


def reflect(
    guide: Guide, answers: Mapping[str, int], options: Sequence[Option]
) -> list[Reflection]:
    """The answered questions, most important to the reader first (ties in the file's
    order), each beside every option's statements on that point. Nothing is scored."""
    found = [
        Reflection(
            question=question,
            answer=answers[question.id],
            by_option=tuple((o, option_points(o, question.reflects)) for o in options),
        )
        for question in guide.values
        if question.id in answers
    ]
    return sorted(found, key=lambda r: -r.answer)


def parse_answers(guide: Guide, form: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    """The values answers from a submitted form, and the ids of answers that are invalid.

    A question left blank is simply not answered; anything other than 1-5 is invalid.
    """
    answers: dict[str, int] = {}
    invalid: list[str] = []
    for question in guide.values:
        raw = form.get(f"value-{question.id}", "").strip()
        if not raw:
            continue
        if raw in _SCALE_TEXT:
            answers[question.id] = int(raw)
        else:
            invalid.append(question.id)
    return answers, invalid


def term_pattern(words: Iterable[tuple[str, str]]) -> re.Pattern[str] | None:
    """One pattern matching any of the (term id, words) pairs as whole words, longest first
    so that "febrile neutropenia" wins over "neutropenia"."""
    unique = sorted({w for _, w in words if w.strip()}, key=lambda w: (-len(w), w))
    if not unique:
        return None
    alternatives = "|".join(re.escape(w) for w in unique)
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)


def link_terms(
    text: str,
    pattern: re.Pattern[str] | None,
    index: Mapping[str, str],
    seen: set[str],
) -> list[tuple[str, str | None]]:
    """Split ``text`` into (piece, term id or None): each term links once per page.

    ``index`` maps a casefolded word to its term id; ``seen`` collects the ids already
    linked on this page and is updated.

    Examples
    --------
    >>> p = term_pattern([("anc", "aplasia"), ("fn", "febrile neutropenia")])
    >>> index = {"aplasia": "anc", "febrile neutropenia": "fn"}
    >>> link_terms("Aplasia, then febrile neutropenia; aplasia.", p, index, set())
    [('Aplasia', 'anc'), (', then ', None), ('febrile neutropenia', 'fn'), ('; aplasia.', None)]
    """
    if pattern is None:
        return [(text, None)]
    pieces: list[tuple[str, str | None]] = []
    plain_start = 0
    for match in pattern.finditer(text):
        term_id = index.get(match.group(1).casefold())
        if term_id is None or term_id in seen:
            continue
        seen.add(term_id)
        if match.start() > plain_start:
            pieces.append((text[plain_start : match.start()], None))
        pieces.append((match.group(1), term_id))
        plain_start = match.end()
    if plain_start < len(text):
        pieces.append((text[plain_start:], None))
    return pieces


@dataclass(frozen=True, slots=True)
class PhaseDays:
    """A clinic's published days for one phase of its stay (admission is day 1)."""

    facility_id: str
    name: str
    city: str
    first_day: int | None
    last_day: int | None
    days: int | None


def clinic_schedules(catalog: Catalog) -> dict[str, list[PhaseDays]]:
    """For each phase, the clinics whose published schedule gives it, by name."""
    found: dict[str, list[PhaseDays]] = {}
    for facility in sorted(catalog.facilities.values(), key=lambda f: f.name):
        schedule = facility.schedule.value
        if schedule is None:
            continue
        for step in schedule.steps:
            found.setdefault(step.phase, []).append(
                PhaseDays(
                    facility.id, facility.name, facility.city, step.first_day, step.last_day, None
                )
            )
        for phase, days in schedule.durations.items():
            if not any(step.phase == phase for step in schedule.steps):
                found.setdefault(phase, []).append(
                    PhaseDays(facility.id, facility.name, facility.city, None, None, days)
                )
    return found


#: Regimen intensities from mildest to strongest.
INTENSITY_ORDER: Final = ("low", "intermediate", "high")


def intensity_levels(catalog: Catalog) -> dict[str, list[str]]:
    """For each intensity word of the guide (myeloablative, ...), the intensity classes of
    its regimens, mildest first: the results page is filtered by these."""
    return {
        term.id: sorted(
            {
                level
                for regimen_id in term.regimens
                if (level := catalog.regimens[regimen_id].intensity.value) is not None
            },
            key=INTENSITY_ORDER.index,
        )
        for term in catalog.guide.intensities
    }
