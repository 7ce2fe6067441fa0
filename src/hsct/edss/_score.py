"""``score()``: the EDSS from functional-system grades and walking, explained.

EDSS = max(functional-system step, ambulation step). The functional systems alone give at
most 5.0; steps 5.5 and above come from walking (Neurostatus: "0-4 relies mainly on the FS
scores; above 4 the EDSS is mainly determined by the ability and range of walking").
When facts are missing, the result is the range the known facts allow: the
functional-system step only rises when a grade rises, so its ends come from the unknown
grades set to 0 and to their maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from hsct.common.edss_value import format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.edss._alternatives import Alternative, alternatives
from hsct.edss._ambulation import WalkingFacts, possible_scores, walking_errors
from hsct.edss._result import DecidedBy, EdssResult, Finding, Grade
from hsct.edss._rules import Rule, counts_of, fs_rule
from hsct.edss._sources import (
    KURTZKE_1983,
    NEUROSTATUS_DEFINITIONS,
    NEUROSTATUS_FORUM,
    NEUROSTATUS_STRUCTURE,
    NEUROSTATUS_TABLE_ENCODING,
)
from hsct.edss._tables import (
    AMBULATION_LEVELS,
    BED_LEVELS,
    BOWEL_BLADDER_CONVERSION,
    FS_KEYS,
    FS_MAX,
    FUNCTIONAL_SYSTEMS,
    MAX_AMBULATION_SCORE,
    MODES,
    VISUAL_CONVERSION,
    BedStatus,
    Mode,
    ambulation_step,
)

#: Highest EDSS an unknown ambulation allows: 9.5. Death (10) is never inferred.
UNKNOWN_AMBULATION_HIGH: Final = 9.5
_LABELS: Final = {fs.key: fs.label for fs in FUNCTIONAL_SYSTEMS}


def _allowed(maximum: int) -> str:
    return ", ".join(str(grade) for grade in range(maximum + 1))


def _whole_number_error(field: str, value: object, maximum: int) -> FieldError | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return FieldError(field, f"must be a whole number, not {excerpt(value)}", _allowed(maximum))
    if not 0 <= value <= maximum:
        return FieldError(field, f"{value} is out of range", _allowed(maximum))
    return None


def _bed_status(value: object, field: str, errors: list[FieldError]) -> BedStatus | None:
    if value is None or isinstance(value, BedStatus):
        return value
    try:
        return BedStatus(str(value))
    except ValueError:
        errors.append(
            FieldError(
                field,
                f"unknown bed status {excerpt(value)}",
                ", ".join(status.value for status in BedStatus),
            )
        )
        return None


def validate(
    grades: Mapping[str, object],
    *,
    ambulation_score: object,
    walking: WalkingFacts | None,
    bed_status: object,
    other: object,
    mode: object,
) -> tuple[dict[str, int | None], int | None, BedStatus | None, Mode]:
    """Check every input, collecting every problem; raise :class:`InvalidInput` if any."""
    errors = [
        error
        for key in FS_KEYS
        if (error := _whole_number_error(key, grades.get(key), FS_MAX[key])) is not None
    ]
    if (
        error := _whole_number_error("ambulation_score", ambulation_score, MAX_AMBULATION_SCORE)
    ) is not None:
        errors.append(error)
    if (error := _whole_number_error("other", other, 1)) is not None:
        errors.append(error)
    if mode not in MODES:
        errors.append(FieldError("mode", f"unknown mode {excerpt(mode)}", "neurostatus or kurtzke"))
    status = _bed_status(bed_status, "bed_status", errors)
    if walking is not None:
        errors.extend(walking_errors(walking))
        walking_status = _bed_status(walking.bed_status, "walking.bed_status", errors)
        if status is not None and walking_status is not None and status != walking_status:
            errors.append(
                FieldError(
                    "bed_status",
                    "differs from walking.bed_status",
                    "the same value, or only one of them",
                )
            )
        status = status or walking_status
    if status is not None and isinstance(ambulation_score, int) and ambulation_score != 12:
        errors.append(
            FieldError(
                "bed_status",
                f"needs ambulation score 12, not {ambulation_score}",
                "ambulation score 12 or empty",
            )
        )
    if errors:
        raise InvalidInput(errors)
    known = {key: grades.get(key) for key in FS_KEYS}
    return known, ambulation_score, status, mode  # type: ignore[return-value]  # checked above


def counted_grade(key: str, raw: int, mode: Mode) -> int:
    """The grade counted for the step: visual and bowel/bladder converted; cerebral 1 in
    Kurtzke mode is mood alteration only and not counted."""
    if key == "visual":
        return VISUAL_CONVERSION[raw]
    if key == "bowel_bladder":
        return BOWEL_BLADDER_CONVERSION[raw]
    if key == "cerebral" and raw == 1 and mode == "kurtzke":
        return 0
    return raw


def _highest_counted(key: str, mode: Mode) -> int:
    return counted_grade(key, FS_MAX[key], mode)


@dataclass(frozen=True, slots=True)
class _FsPart:
    counted: dict[str, int | None]
    low: Rule
    high: Rule
    known: bool
    messages: tuple[Message, ...]
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class _AmbulationPart:
    scores: frozenset[int]
    single: int | None
    low: float
    high: float
    message: Message
    walking_used: bool


def score(
    *,
    visual: int | None = None,
    brainstem: int | None = None,
    pyramidal: int | None = None,
    cerebellar: int | None = None,
    sensory: int | None = None,
    bowel_bladder: int | None = None,
    cerebral: int | None = None,
    ambulation_score: int | None = None,
    walking: WalkingFacts | None = None,
    bed_status: BedStatus | str | None = None,
    other: int | None = None,
    mode: Mode = "neurostatus",
) -> EdssResult:
    """Compute the EDSS from the seven functional-system grades and walking.

    Parameters
    ----------
    visual, brainstem, pyramidal, cerebellar, sensory, bowel_bladder, cerebral
        Raw functional-system grades (visual, pyramidal, sensory, bowel/bladder 0-6;
        brainstem, cerebellar, cerebral 0-5), or ``None`` when not known.
    ambulation_score
        Neurostatus Ambulation Score 0-12, or ``None``.
    walking
        Walking facts to derive the ambulation score from, instead of or as well as
        ``ambulation_score`` (they must agree).
    bed_status
        Kurtzke's steps 8.0 to 10 for a person restricted to bed or chair (AS 12).
    other
        Kurtzke's "Other" functional system (0/1): recorded, never changes the step.
    mode
        ``"neurostatus"`` (default) or ``"kurtzke"``: cerebral grade 1 is not counted and
        "fully ambulatory but not unrestricted" (AS 1) gives 4.0 instead of 2.0.

    Raises
    ------
    InvalidInput
        Naming every bad field and what it allows.

    Examples
    --------
    >>> score(visual=2, brainstem=1, pyramidal=3, cerebellar=2, sensory=1,
    ...       bowel_bladder=1, cerebral=0, ambulation_score=1).value
    3.5
    >>> score(walking=WalkingFacts(unaided_m=250)).display
    '5.0'
    """
    raw = {
        "visual": visual,
        "brainstem": brainstem,
        "pyramidal": pyramidal,
        "cerebellar": cerebellar,
        "sensory": sensory,
        "bowel_bladder": bowel_bladder,
        "cerebral": cerebral,
    }
    grades, given_score, status, mode = validate(
        raw,
        ambulation_score=ambulation_score,
        walking=walking,
        bed_status=bed_status,
        other=other,
        mode=mode,
    )
    fs = _fs_part(grades, mode)
    amb = _ambulation_part(given_score, walking, status, mode)
    explanation = [*fs.messages, amb.message]
    sources = [KURTZKE_1983, *fs.sources, NEUROSTATUS_TABLE_ENCODING]
    if amb.walking_used:
        sources.append(NEUROSTATUS_FORUM)

    low = max(fs.low.step, amb.low)
    high = max(fs.high.step, amb.high)
    value = low if low == high else None
    decided_by, rule_id, rule = _decision(fs, amb, value, low, high)
    if value is not None:
        explanation.append(
            Message(
                N_("The EDSS is the higher of the two: {value}."), {"value": format_step(value)}
            )
        )
        sources.append(NEUROSTATUS_STRUCTURE)

    others: tuple[Alternative, ...] = ()
    if (
        value is not None
        and fs.known
        and amb.single is not None
        and status
        in (
            None,
            BedStatus.BED_OR_CHAIR,
        )
    ):
        counts = counts_of([counted_grade(k, v or 0, "neurostatus") for k, v in grades.items()])
        others = tuple(
            alternative
            for alternative in alternatives(
                counts, cerebral=grades["cerebral"] or 0, score=amb.single, mode=mode
            )
            if alternative.value != value
        )
        sources.extend(alternative.source for alternative in others)

    return EdssResult(
        value=value,
        low=low,
        high=high,
        mode=mode,
        grades=tuple(
            Grade(system=key, label=_LABELS[key], raw=grades[key], counted=fs.counted[key])
            for key in FS_KEYS
        ),
        fs_step=fs.low.step if fs.known else None,
        fs_low=fs.low.step,
        fs_high=fs.high.step,
        fs_rule_id=fs.low.id if fs.known else None,
        ambulation_score=amb.single,
        ambulation_step=amb.low if amb.low == amb.high else None,
        ambulation_low=amb.low,
        ambulation_high=amb.high,
        walking_used=amb.walking_used,
        decided_by=decided_by,
        rule_id=rule_id,
        rule=rule,
        explanation=tuple(explanation),
        contested=bool(others),
        alternatives=others,
        warnings=_warnings(grades, amb.single if status is None else 12),
        sources=tuple(dict.fromkeys(sources)),
    )


def _fs_part(grades: Mapping[str, int | None], mode: Mode) -> _FsPart:
    """Conversions, then the pattern rule; for unknown grades, the rules at both ends."""
    counted = {
        key: None if value is None else counted_grade(key, value, mode)
        for key, value in grades.items()
    }
    messages: list[Message] = []
    sources: list[Citation] = []
    for key in ("visual", "bowel_bladder"):
        raw, converted = grades[key], counted[key]
        if raw is not None and converted is not None and converted != raw:
            messages.append(
                Message(
                    N_("{system} grade {raw} counts as grade {counted} for the EDSS step."),
                    {"system": _LABELS[key], "raw": raw, "counted": converted},
                )
            )
            sources.append(NEUROSTATUS_DEFINITIONS)
    if grades["cerebral"] == 1 and mode == "kurtzke":
        messages.append(
            Message(
                N_("Cerebral grade 1 (mood alteration only) does not count, as Kurtzke defined.")
            )
        )
    known = all(value is not None for value in counted.values())
    low = fs_rule(counts_of([value or 0 for value in counted.values()]))
    high = fs_rule(
        counts_of(
            [
                value if value is not None else _highest_counted(key, mode)
                for key, value in counted.items()
            ]
        )
    )
    if known:
        messages.append(Message(low.text))
        sources.extend(low.sources)
    else:
        missing = sum(value is None for value in counted.values())
        bounds: dict[str, str | int | float] = {
            "low": format_step(low.step),
            "high": format_step(high.step),
        }
        if missing == len(counted):
            template = N_(
                "The functional systems are not known, so they give between {low} and {high}."
            )
        else:
            template = N_(
                "{count} of the 7 functional systems are not known, so they give between "
                "{low} and {high}."
            )
            bounds["count"] = missing
        messages.append(Message(template, bounds))
    return _FsPart(counted, low, high, known, tuple(messages), tuple(sources))


def _ambulation_part(
    given: int | None, walking: WalkingFacts | None, status: BedStatus | None, mode: Mode
) -> _AmbulationPart:
    """The ambulation scores the input leaves open, and the steps they give."""
    walking_used = walking is not None and not walking.is_empty
    if walking_used and walking is not None and given is not None:
        derived = possible_scores(walking) if status is None else frozenset({12})
        if given not in derived:
            allowed = " or ".join(str(s) for s in sorted(derived))
            raise InvalidInput(
                [
                    FieldError(
                        "ambulation_score",
                        f"{given} contradicts the walking facts, which give {allowed}",
                        allowed,
                    )
                ]
            )
    scores = _ambulation_scores(given, walking, status)
    steps = sorted({ambulation_step(s, mode) for s in scores})
    low, high = steps[0], steps[-1]
    if status is not None:
        low = high = BED_LEVELS[status].step
    elif 12 in scores and given is None:
        high = UNKNOWN_AMBULATION_HIGH  # finer bed statuses (8.5-9.5) are possible
    single = next(iter(scores)) if len(scores) == 1 else None
    message = _ambulation_message(
        single, scores, status, low, high, walking_used=walking_used, mode=mode
    )
    return _AmbulationPart(scores, single, low, high, message, walking_used)


def _decision(
    fs: _FsPart, amb: _AmbulationPart, value: float | None, low: float, high: float
) -> tuple[DecidedBy, str, Message]:
    """Which part decided the EDSS, the id of that rule, and the rule in words."""
    if value is None:
        return (
            "range",
            "range",
            Message(
                N_("Some facts are missing, so the EDSS is between {low} and {high}."),
                {"low": format_step(low), "high": format_step(high)},
            ),
        )
    if not fs.known or amb.low != amb.high or amb.low > fs.low.step:
        return "ambulation", "ambulation", amb.message
    if fs.low.step > amb.low:
        return "functional_systems", fs.low.id, Message(fs.low.text)
    return (
        "both",
        fs.low.id,
        Message(
            N_("The functional systems and walking both give {value}."),
            {"value": format_step(value)},
        ),
    )


def _ambulation_scores(
    given: int | None, walking: WalkingFacts | None, status: BedStatus | None
) -> frozenset[int]:
    if status is not None:
        return frozenset({12})
    if given is not None:
        return frozenset({given})
    if walking is not None and not walking.is_empty:
        return possible_scores(walking)
    return frozenset(range(MAX_AMBULATION_SCORE + 1))


def _ambulation_message(
    score_: int | None,
    scores: frozenset[int],
    status: BedStatus | None,
    low: float,
    high: float,
    *,
    walking_used: bool,
    mode: Mode,
) -> Message:
    if status is not None:
        bed = BED_LEVELS[status]
        return Message(
            N_("Bed status: {label}. Step {step}."),
            {"label": bed.label, "step": format_step(bed.step)},
        )
    if score_ is not None:
        level = AMBULATION_LEVELS[score_]
        step = ambulation_step(score_, mode)
        if walking_used:
            return Message(
                N_("From the walking facts: ambulation score {score}: {label}. Step {step}."),
                {"score": score_, "label": level.label, "step": format_step(step)},
            )
        return Message(
            N_("Ambulation score {score}: {label}. Step {step}."),
            {"score": score_, "label": level.label, "step": format_step(step)},
        )
    if len(scores) == MAX_AMBULATION_SCORE + 1:
        return Message(
            N_("Walking is not known, so it gives between {low} and {high}."),
            {"low": format_step(low), "high": format_step(high)},
        )
    if low == high:
        return Message(
            N_("From the walking facts: ambulation score {scores}, step {step}."),
            {"scores": " or ".join(str(s) for s in sorted(scores)), "step": format_step(low)},
        )
    return Message(
        N_(
            "From the walking facts: ambulation score {scores}, which gives between {low} "
            "and {high}."
        ),
        {
            "scores": " or ".join(str(s) for s in sorted(scores)),
            "low": format_step(low),
            "high": format_step(high),
        },
    )


_HIGH_GRADE_WALKS_FREELY: Final = N_(
    "{system} grade {grade} usually prevents unrestricted walking; check the ambulation score."
)
_WALKING_LIMITED_FS_NORMAL: Final = N_(
    "Walking is limited (ambulation score {score}) but every functional system is at 0 or 1; "
    "check the scores, or whether the limit has another cause."
)
_WHEELCHAIR_MILD_PYRAMIDAL: Final = N_(
    "A wheelchair or bed is needed (ambulation score {score}) but pyramidal is only grade "
    "{grade}; check the scores."
)
_GRADE6_WALKS: Final = N_(
    "{system} grade 6 with walking of 200 m or more is unusual; the functional systems alone "
    "stay capped at 5.0, so check the ambulation score."
)


def _warnings(grades: Mapping[str, int | None], score_: int | None) -> tuple[Finding, ...]:
    """Combinations the dossier (edss.md §4 and A8) says to flag rather than silently fix."""
    if score_ is None:
        return ()
    found: list[Finding] = []
    for key in ("pyramidal", "cerebellar"):
        grade = grades[key]
        if grade is not None and grade >= 5 and score_ <= 1:
            params: dict[str, str | int | float] = {"system": _LABELS[key], "grade": grade}
            found.append(
                Finding(f"{key}_high_walks_freely", Message(_HIGH_GRADE_WALKS_FREELY, params))
            )
    known = [value for value in grades.values() if value is not None]
    if len(known) == len(grades) and max(known) <= 1 and score_ >= 5:
        found.append(
            Finding(
                "walking_limited_fs_normal", Message(_WALKING_LIMITED_FS_NORMAL, {"score": score_})
            )
        )
    pyramidal = grades["pyramidal"]
    if score_ >= 10 and pyramidal is not None and pyramidal <= 2:
        params = {"score": score_, "grade": pyramidal}
        found.append(
            Finding("wheelchair_mild_pyramidal", Message(_WHEELCHAIR_MILD_PYRAMIDAL, params))
        )
    for key in ("pyramidal", "sensory"):
        if grades[key] == 6 and score_ <= 3:
            found.append(
                Finding(f"{key}_grade6_walks", Message(_GRADE6_WALKS, {"system": _LABELS[key]}))
            )
    return tuple(found)
