"""``POST /api/v1/outcomes/progression``: one person's history in, events explained out."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import FieldError, InvalidInput
from hsct.outcomes import NedaOptions, build_cohort, explain, neda, parse_options, progression

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
    rebaseline_months: float | None = Field(None, ge=0, description="Re-baseline MRI (months).")


def _clean(value: Any) -> Any:  # noqa: PLR0911 - one case per type JSON cannot take
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None if math.isnan(value) else "inf"
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return _clean(float(value))
    if isinstance(value, (dt.date, pd.Timestamp)):
        return None if pd.isna(value) else str(value)[:10]
    if value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


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
            raise InvalidInput(
                [
                    FieldError(
                        e.field if e.field == "preset" else f"options.{e.field}",
                        e.message,
                        e.allowed,
                    )
                    for e in exc.errors
                ]
            ) from None
        visits = pd.DataFrame(
            {
                "patient_id": "me",
                "date": [v.date.isoformat() for v in body.visits],
                "edss": [v.edss for v in body.visits],
            }
        )
        relapses = pd.DataFrame(
            {"patient_id": "me", "date": [r.date.isoformat() for r in body.relapses]}
        )
        mri = (
            None
            if body.mri is None
            else pd.DataFrame(
                {
                    "patient_id": "me",
                    "date": [m.date.isoformat() for m in body.mri],
                    "gd_enhancing": [m.gd_enhancing for m in body.mri],
                    "new_t2": [m.new_t2 for m in body.mri],
                    "brain_volume_change": [m.brain_volume_change for m in body.mri],
                }
            )
        )
        patients = (
            None
            if body.transplant_date is None
            else pd.DataFrame(
                {"patient_id": ["me"], "transplant_date": [body.transplant_date.isoformat()]}
            )
        )
        cohort = build_cohort(visits, relapses, mri, patients, strict=False)
        report = cohort.report.frame()
        errors = report[report["severity"] == "error"]
        if not errors.empty:
            raise InvalidInput(
                [
                    FieldError(
                        f"{r.table}[{int(r.row) - 2}].{r.field}",
                        f"{r.value!r} {r.problem.split(' (allowed')[0]}",
                        r.problem.split("(allowed: ", 1)[1][:-1]
                        if "(allowed: " in r.problem
                        else None,
                    )
                    for r in errors.itertuples()
                ]
            )
        result = progression(cohort, options)
        events = _records(result.events.drop(columns=["patient_id"]))
        for i, event in enumerate(events):
            event["explanation"] = explain(result, i)
        summary = _records(result.summary.drop(columns=["patient_id"]))[0]
        payload: dict[str, Any] = {
            "summary": summary,
            "events": events,
            "options": _clean(options.to_dict()),
            "sources": [c.to_dict() for c in result.sources()],
            "warnings": [
                {
                    "field": f"{r.table}[{int(r.row) - 2}].{r.field}",
                    "message": r.problem,
                }
                for r in report[report["severity"] == "warning"].itertuples()
            ],
        }
        if mri is not None:
            status = neda(cohort, NedaOptions(options, body.rebaseline_months), result=result)
            payload["neda"] = _records(status.drop(columns=["patient_id"]))[0]
        return JSONResponse(payload)

    return router
