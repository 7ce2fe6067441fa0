"""``POST /api/v1/assessments``: a profile in, the assessment out."""

from __future__ import annotations

from typing import Any, Final

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.jsontext import loads_checked
from hsct.eligibility import PatientProfile, evaluate, parse_profile
from hsct.eligibility.export import assessment_dict
from hsct.knowledge import Catalog
from hsct.web.deps import get_catalog

EXAMPLE: Final = {
    "birth_date": "1981-04-02",
    "ms_type": "SPMS",
    "diagnosis_date": "2012-09-01",
    "edss": 7.0,
    "relapses": [{"date": "2026-04-10"}],
    "mri": [{"date": "2026-05-02", "gd_enhancing": 1, "new_t2": 2}],
    "treatments": [
        {
            "drug": "ocrelizumab",
            "start": "2021-03-01",
            "stop": "2026-06-01",
            "reason_stopped": "ineffective",
        }
    ],
    "as_of": "2026-11-23",
}
MAX_BODY: Final = 256 * 1024
#: Bodies up to this size are assessed on the event loop, longer ones on a thread.
INLINE_BODY: Final = 8 * 1024


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """``node`` with every ``#/$defs/X`` reference replaced by its definition."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def profile_schema() -> dict[str, Any]:
    """The profile's JSON Schema for the OpenAPI document, its parts written in place.

    Rules that need more than one field (an age that fits the birth date, a stop after the
    start) or the catalogue (drug names and brands) are checked by the server and answered
    422; the schema states what each field alone may be.
    """
    schema = PatientProfile.model_json_schema()
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, definitions)
    inlined["description"] = "A PatientProfile: every field may be missing."
    return inlined


def assessments_api_router() -> APIRouter:
    """The assessment endpoint."""
    router = APIRouter(tags=["assessment"])

    @router.post(
        "/assessments",
        summary="Assess a profile against every guideline, trial and clinic",
        responses={
            200: {"description": "Verdicts per rule set, criterion by criterion, with sources."},
            422: {"description": "A bad field, named, with what it allows."},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": profile_schema(),
                        "example": EXAMPLE,
                    }
                },
            }
        },
    )
    async def assess(request: Request) -> Response:
        """Every field of the profile may be missing; missing lists mean "not known".

        Fields: birth_date or age, ms_type (RRMS, SPMS, PPMS, CIS), diagnosis_date and
        onset_date (YYYY-MM-DD, or YYYY-MM or YYYY when only that is known), edss or
        edss_inputs, edss_history, disability_worsening_12m, relapses
        [{date}], mri [{date, gd_enhancing, new_t2}], treatments [{drug, start, stop,
        reason_stopped}], csf_oligoclonal_bands, comorbidities, prior_hsct, as_of.
        """
        body = await request.body()
        if len(body) > MAX_BODY:
            raise InvalidInput([FieldError("profile", "is too large", "at most 256 kB")])
        if len(body) <= INLINE_BODY:
            # A profile of this size takes 1-4 ms: run here. On a thread it waited for
            # Python's lock with the event loop and the other requests' threads (2 workers
            # on 2 cores: 331 requests/s on threads, 549 here; benchmarks/README.md).
            return _assess(body, get_catalog(request))
        # A long history (up to 50 rows a list, about 10 ms) on a thread, so it never
        # holds the event loop that long.
        return await run_in_threadpool(_assess, body, get_catalog(request))

    return router


def _assess(body: bytes, catalog: Catalog) -> Response:
    data: Any = loads_checked(body or b"null", field="profile")
    assessment = evaluate(parse_profile(data, catalog), catalog)
    return Response(
        orjson.dumps(assessment_dict(assessment, catalog)), media_type="application/json"
    )
