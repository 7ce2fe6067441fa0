"""``POST /api/v1/outcomes/progression``: one person's history in, events explained out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import InvalidInput
from hsct.outcomes import NedaOptions, parse_options, person_report

_TABLE_INDEX = {"visits": "visits", "relapses": "relapses", "mri": "mri"}
MAX_ROWS = 2000


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    edss: float = Field(description="0, 1.0, 1.5, ... 9.5, 10.")


class RelapseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date = Field(description="Onset of the relapse.")


class MriIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    gd_enhancing: int = Field(ge=0, description="Number of gadolinium-enhancing lesions.")
    new_t2: int = Field(ge=0, description="Number of new or enlarging T2 lesions.")
    brain_volume_change: float | None = Field(
        None, description="Annualised brain-volume change in percent (e.g. -0.6)."
    )


class HistoryIn(BaseModel):
    """One person's EDSS visits, relapses and (optionally) MRI results."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "transplant_date": "2020-02-01",
                    "visits": [
                        {"date": "2020-01-10", "edss": 3.0},
                        {"date": "2020-08-01", "edss": 4.0},
                        {"date": "2021-02-01", "edss": 4.0},
                        {"date": "2021-08-01", "edss": 4.0},
                    ],
                    "relapses": [{"date": "2019-06-01"}],
                    "mri": [{"date": "2021-02-03", "gd_enhancing": 0, "new_t2": 0}],
                    "options": {"event": "multiple", "baseline": "roving", "raw_pira": True},
                }
            ]
        },
    )

    visits: list[VisitIn] = Field(min_length=1, max_length=MAX_ROWS)
    relapses: list[RelapseIn] = Field(default_factory=list, max_length=MAX_ROWS)
    mri: list[MriIn] | None = Field(None, max_length=MAX_ROWS)
    transplant_date: dt.date | None = Field(None, description="Time zero (day 0).")
    preset: str = Field("default", description="default or pymsprog-1.0.7.")
    options: dict[str, Any] = Field(default_factory=dict, description="Options by name.")
    rebaseline: bool = Field(
        False,
        description="Re-baseline the MRI part of NEDA: the last scan 3-9 months after time "
        "zero (or in rebaseline_window_months), else the first scan after that window, is "
        "the new reference; only activity on later scans ends NEDA.",
    )
    rebaseline_window_months: tuple[float, float] | None = Field(
        None, description="Re-baseline window [start, end] in months after time zero."
    )
    rebaseline_months: float | None = Field(
        None, ge=0, description="Older form: the same as rebaseline_window_months [N, N]."
    )


def outcomes_api_router() -> APIRouter:
    """The outcomes endpoints."""
    router = APIRouter(tags=["outcomes"])

    @router.post(
        "/outcomes/progression",
        summary="Confirmed worsening and improvement (PIRA/RAW), NEDA, for one person",
        responses={422: {"description": "Bad rows or options, each named with what is allowed."}},
    )
    def outcomes_progression(body: HistoryIn) -> JSONResponse:
        """Every event comes with the visits that make it and the rule that applied."""
        try:
            options = parse_options(body.options, preset=body.preset)
        except InvalidInput as exc:
            raise exc.within("options", keep=("preset",)) from None
        neda_options = NedaOptions(
            options,
            rebaseline_months=body.rebaseline_months,
            rebaseline=body.rebaseline,
            rebaseline_window_months=body.rebaseline_window_months,
        )
        report = person_report(
            visits=[v.model_dump() for v in body.visits],
            relapses=[r.model_dump() for r in body.relapses],
            mri=None if body.mri is None else [m.model_dump() for m in body.mri],
            transplant_date=body.transplant_date,
            options=options,
            neda_options=neda_options,
        )
        payload = report.to_dict()
        return JSONResponse(payload)

    return router
