"""``POST /api/v1/edss``: the EDSS calculator over JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.text import Message
from hsct.edss import (
    DOES_NOT_APPLY,
    FS_MAX,
    MAX_AMBULATION_SCORE,
    STEP_MEANINGS,
    WALKING_ANSWERS,
    BedStatus,
    EdssResult,
    NextQuestion,
    WalkingFacts,
    Wheelchair,
    next_question,
    score,
)
from hsct.web.api.schemas import CitationOut, MessageOut, ValidationProblem


def _grade(key: str, name: str) -> int | None:
    # strict: JSON true/false are not grades 1/0 (the document says integer)
    return Field(default=None, ge=0, le=FS_MAX[key], strict=True, description=f"{name} grade, raw.")


class WalkingIn(BaseModel):
    """Walking facts, as far as known; distances in metres without rest."""

    model_config = ConfigDict(extra="forbid")

    unrestricted: bool | None = Field(
        None, description="Walks as far as healthy people of the same age."
    )
    unaided_m: float | None = Field(
        None, ge=0, description="Furthest without aid (an AFO is no aid)."
    )
    one_aid_m: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Furthest with help on one side."
    )
    two_aids_m: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Furthest with help on both sides."
    )
    wheelchair: Wheelchair | None = Field(
        None, description="Only when 5 m cannot be walked even with aids."
    )
    bed_status: BedStatus | None = None


class EdssIn(BaseModel):
    """Functional-system grades (any may be missing) and walking."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "visual": 2,
                    "brainstem": 1,
                    "pyramidal": 3,
                    "cerebellar": 2,
                    "sensory": 1,
                    "bowel_bladder": 1,
                    "cerebral": 0,
                    "ambulation_score": 1,
                },
                {"walking": {"unaided_m": 250}},
            ]
        },
    )

    visual: int | None = _grade("visual", "Visual")
    brainstem: int | None = _grade("brainstem", "Brainstem")
    pyramidal: int | None = _grade("pyramidal", "Pyramidal")
    cerebellar: int | None = _grade("cerebellar", "Cerebellar")
    sensory: int | None = _grade("sensory", "Sensory")
    bowel_bladder: int | None = _grade("bowel_bladder", "Bowel and bladder")
    cerebral: int | None = _grade("cerebral", "Cerebral")
    ambulation_score: int | None = Field(
        None,
        ge=0,
        le=MAX_AMBULATION_SCORE,
        strict=True,
        description="Neurostatus Ambulation Score.",
    )
    walking: WalkingIn | None = None
    bed_status: BedStatus | None = Field(None, description="Kurtzke steps 8.0-10 (with AS 12).")
    other: int | None = Field(
        None, ge=0, le=1, strict=True, description="Kurtzke 'Other' FS; never changes the step."
    )
    mode: Literal["neurostatus", "kurtzke"] = "neurostatus"


class GradeOut(BaseModel):
    """One functional system as entered and as counted."""

    system: str
    raw: int | None
    counted: int | None


class AlternativeOut(BaseModel):
    """What another published reading gives, and why it differs."""

    reading: str
    name: str
    value: float | None
    reason: MessageOut
    source: CitationOut


class FindingOut(BaseModel):
    """A consistency warning."""

    id: str
    message: MessageOut


class MeaningOut(BaseModel):
    """What an EDSS step means for the person, in plain words, and where that comes from."""

    step: float
    meaning: MessageOut
    source: CitationOut


class AnswerOutcomeOut(BaseModel):
    """One answer to the suggested question, and the range it would leave."""

    answer: str = Field(
        description=(
            "The answer as the web form offers it: yes/no, a distance band by its lower end "
            "in metres (unaided 300 = 300 to 499 m), a wheelchair use or bed status; empty "
            "for 'this does not apply' (the person walks 5 m or more in some way)."
        )
    )
    adds: dict[str, bool | float | str] = Field(
        description="The walking facts this answer adds (empty for 'does not apply')."
    )
    low: float
    high: float


class NextQuestionOut(BaseModel):
    """The walking question whose answer would narrow the range the most."""

    question: Literal["unrestricted", "unaided", "one_aid", "two_aids", "not_walking"]
    outcomes: list[AnswerOutcomeOut]


class EdssOut(BaseModel):
    """The EDSS, or the range the known facts allow, with every step explained."""

    value: float | None = Field(description="The EDSS when the input determines it, else null.")
    low: float
    high: float
    determined: bool
    display: str
    mode: str
    functional_systems: list[GradeOut]
    fs_step: float | None
    fs_range: list[float]
    fs_rule_id: str | None
    ambulation_score: int | None
    ambulation_step: float | None
    ambulation_range: list[float]
    walking_used: bool
    decided_by: str
    rule_id: str
    rule: MessageOut
    explanation: list[MessageOut]
    contested: bool
    alternatives: list[AlternativeOut]
    warnings: list[FindingOut]
    sources: list[CitationOut]
    meanings: list[MeaningOut] = Field(
        description="What the value means (one entry), or both ends of the range (two)."
    )
    next_question: NextQuestionOut | None = Field(
        description=(
            "When walking facts leave a range: the unanswered walking question that would "
            "narrow it the most (null when none would, or when an ambulation score or bed "
            "status is given)."
        )
    )


def _meanings(result: EdssResult) -> list[dict[str, object]]:
    ends = (result.low,) if result.value is not None else (result.low, result.high)
    return [
        {
            "step": end,
            "meaning": Message(STEP_MEANINGS[end].text).to_dict(),
            "source": STEP_MEANINGS[end].source.to_dict(),
        }
        for end in ends
    ]


def _next_question(found: NextQuestion | None) -> dict[str, object] | None:
    if found is None:
        return None
    adds = dict(WALKING_ANSWERS[found.question])
    return {
        "question": found.question.value,
        "outcomes": [
            {
                "answer": outcome.answer,
                "adds": {} if outcome.answer == DOES_NOT_APPLY else dict(adds[outcome.answer]),
                "low": outcome.low,
                "high": outcome.high,
            }
            for outcome in found.outcomes
        ],
    }


def edss_api_router() -> APIRouter:
    """``/api/v1/edss``."""
    router = APIRouter()

    @router.post(
        "/edss",
        tags=["edss"],
        summary="Compute the EDSS",
        responses={422: {"model": ValidationProblem, "description": "Bad or contradictory input"}},
    )
    def compute_edss(body: EdssIn) -> EdssOut:
        """EDSS from functional-system grades and walking, explained, with sources.

        Missing grades or walking facts give the range of values still possible.
        """
        walking = None
        if body.walking is not None:
            walking = WalkingFacts(**body.walking.model_dump())
        result = score(**body.model_dump(exclude={"walking"}), walking=walking)
        found = None
        if (
            walking is not None
            and not result.determined
            and body.ambulation_score is None
            and body.bed_status is None
        ):
            grades = body.model_dump(include=set(FS_MAX))
            found = next_question(walking, grades=grades, mode=body.mode)
        return EdssOut.model_validate(
            {
                **result.to_dict(),
                "meanings": _meanings(result),
                "next_question": _next_question(found),
            }
        )

    return router
