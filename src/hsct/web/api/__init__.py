"""The JSON API, version 1, under ``/api/v1/`` (OpenAPI document and interactive docs)."""

from hsct.web.api.router import API_ROOT, OPENAPI_URL, api_router, assessment_api_router

__all__ = ["API_ROOT", "OPENAPI_URL", "api_router", "assessment_api_router"]
