"""Liveness probe for process supervisors and load balancers."""

from __future__ import annotations

from fastapi import APIRouter

from hsct import __version__


def health_router() -> APIRouter:
    """``GET /healthz``: the process is up and answering."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return router
