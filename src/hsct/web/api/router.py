"""API root: an index of what the API offers, the OpenAPI document and its docs page."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from hsct import __version__
from hsct.web.api.assessments import assessments_api_router
from hsct.web.api.cohort import cohort_api_router
from hsct.web.api.edss import edss_api_router
from hsct.web.api.fhir_bulk import fhir_bulk_api_router
from hsct.web.api.journeys import journeys_api_router
from hsct.web.api.knowledge import knowledge_api_router
from hsct.web.api.outcomes import outcomes_api_router
from hsct.web.api.records import records_api_router
from hsct.web.api.registry import registry_api_router
from hsct.web.locale import Locale
from hsct.web.templating import Pages

API_ROOT: Final = "/api/v1"
OPENAPI_URL: Final = f"{API_ROOT}/openapi.json"
DOCS_URL: Final = f"{API_ROOT}/docs"


class ApiIndex(BaseModel):
    """Where to find the API's description."""

    name: str = Field(examples=["HSCT Navigator API"])
    api_version: str = Field(examples=["1"])
    software_version: str = Field(examples=["0.1.0"])
    openapi: str = Field(description="URL of the OpenAPI document.")
    docs: str = Field(description="URL of the interactive documentation.")


def assessment_api_router() -> APIRouter:
    """``POST /api/v1/assessments`` alone, for the application to include before the pages:
    the busiest API call is then matched without trying every page's route first
    (benchmarks/bench_assessment.py). The rest of the API stays after the pages, so a page
    and an API route of the same name (``my_record``, ``undo``...) resolve to the page
    in ``url_for``; no page is named ``assess``."""
    router = APIRouter(prefix=API_ROOT)
    router.include_router(assessments_api_router())
    return router


def api_router(pages: Pages, *, docs: bool = True) -> APIRouter:
    """Routes under ``/api/v1``; ``docs=False`` leaves out the interactive documentation page."""
    router = APIRouter(prefix=API_ROOT)

    @router.get("/", tags=["meta"], summary="API index")
    def api_index() -> ApiIndex:
        """Links to the OpenAPI document and the interactive documentation."""
        return ApiIndex(
            name="HSCT Navigator API",
            api_version="1",
            software_version=__version__,
            openapi=OPENAPI_URL,
            docs=DOCS_URL,
        )

    if docs:

        @router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
        def api_docs(request: Request, locale: Locale) -> HTMLResponse:
            return pages.render(
                request, "api_docs.html", locale=locale, context={"openapi_url": OPENAPI_URL}
            )

    router.include_router(edss_api_router())
    router.include_router(knowledge_api_router())
    # The assessment is included on its own, before the pages: see assessment_api_router.
    router.include_router(journeys_api_router())
    router.include_router(outcomes_api_router())
    router.include_router(registry_api_router())
    router.include_router(records_api_router())
    router.include_router(cohort_api_router())
    router.include_router(fhir_bulk_api_router())
    return router
