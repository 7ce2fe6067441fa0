"""``POST /api/v1/edss``: the EDSS calculator over JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hsct.edss import (
    FS_MAX,
    MAX_AMBULATION_SCORE,
    BedStatus,
    WalkingFacts,
    Wheelchair,
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
        return EdssOut.model_validate(result.to_dict())

    return router
