"""``POST /api/v1/journeys``: a dated plan at a facility, as JSON or iCalendar."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import InvalidInput
from hsct.eligibility import parse_profile
from hsct.journey import plan, to_ics
from hsct.journey.export import timeline_dict
from hsct.web.deps import get_catalog


class JourneyIn(BaseModel):
    """Where, and either when to be admitted or when day 0 should be."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "facility": "moscow-pirogov",
                    "admission_date": "2027-03-01",
                    "profile": {"treatments": [{"drug": "ocrelizumab", "start": "2022-01-01"}]},
                }
            ]
        },
    )

    facility: str = Field(description="A facility id, e.g. moscow-pirogov.")
    admission_date: dt.date | None = None
    transplant_date: dt.date | None = Field(None, description="The wished-for day 0.")
    profile: dict[str, Any] | None = Field(
        None, description="A PatientProfile; its treatments give the washout dates."
    )
    today: dt.date | None = Field(None, description="Plan as if today were this date.")


def journeys_api_router() -> APIRouter:
    """The journey endpoint."""
    router = APIRouter(tags=["journey"])

    @router.post(
        "/journeys",
        summary="A dated timeline from washout to five years after day 0",
        responses={
            200: {
                "content": {"application/json": {}, "text/calendar": {}},
                "description": (
                    "The timeline; `?format=ics` gives an iCalendar file (steps already over "
                    "left out unless `include_past=true`). Without a date the admission is "
                    "the proposed one (`proposed`, `proposal`)."
                ),
            },
            422: {"description": "Unknown facility or dates that cannot work, named."},
        },
    )
    def journeys(
        request: Request,
        body: JourneyIn,
        format: Literal["json", "ics"] = Query("json"),
        include_past: bool = Query(
            False, description="In the calendar file, keep steps that ended before today."
        ),
    ) -> Response:
        """Every milestone says whether its timing is the facility's own or generic."""
        catalog = get_catalog(request)
        profile = None
        if body.profile is not None:
            try:
                profile = parse_profile(body.profile, catalog)
            except InvalidInput as exc:
                raise exc.within("profile") from None
        timeline = plan(
            body.facility,
            admission_date=body.admission_date,
            transplant_date=body.transplant_date,
            profile=profile,
            catalog=catalog,
            today=body.today,
        )
        if format == "ics":
            return Response(
                to_ics(timeline, include_past=include_past),
                media_type="text/calendar",
                headers={"Content-Disposition": 'attachment; filename="ahsct-plan.ics"'},
            )
        return JSONResponse(timeline_dict(timeline))

    return router
