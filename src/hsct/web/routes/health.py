"""Liveness and readiness probes for process supervisors and load balancers.

``/healthz`` (liveness) needs nothing but the process. ``/readyz`` (readiness) says
whether this worker can serve every page: the database answers ``SELECT 1`` and the
compiled outcomes kernel is loaded (:func:`hsct.outcomes.start_warm_up` runs at start-up).
Both answer ``GET`` and ``HEAD`` and run on the event loop, so a busy server is never slow
to answer them because page handlers hold every worker thread. The database query runs in
a thread of its own, one at a time, and counts as failed after
:data:`DATABASE_TIMEOUT_S`: a database that hangs cannot hang the probe or pile up queries.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hsct import __version__
from hsct.outcomes import kernel_status
from hsct.registry import database_answers

_LOG: Final = logging.getLogger(__name__)
OK: Final = "ok"
#: How long /readyz waits for ``SELECT 1`` before it reports the database as failing.
DATABASE_TIMEOUT_S: Final = 2.0
#: The database checks of this process, one at a time, off the event loop and off the
#: thread pool that runs the page handlers.
_CHECKS: Final = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hsct-readyz")


def database_check(engine: Any) -> str:
    """``"ok"`` when the database answers ``SELECT 1``, else what failed (no details).

    The exception's message can hold a host or user name, so it goes to the log only.
    """
    try:
        database_answers(engine)
    except Exception as exc:  # any failure means "not ready"
        _LOG.warning("readiness: database check failed: %s", exc)
        return f"failed: {type(exc).__name__}"
    return OK


def kernel_check() -> str:
    """``"ok"`` once the outcomes kernel is compiled or loaded, else where it stands."""
    status = kernel_status()
    return OK if status == "ok" else status


class _DatabaseProbe:
    """Runs :func:`database_check` in ``_CHECKS``; probes that come while one is running
    wait for that one instead of queueing another."""

    def __init__(self) -> None:
        self._running: tuple[asyncio.AbstractEventLoop, asyncio.Future[str]] | None = None

    async def __call__(self, engine: Any) -> str:
        loop = asyncio.get_running_loop()
        if self._running is None or self._running[0] is not loop or self._running[1].done():
            self._running = (loop, loop.run_in_executor(_CHECKS, database_check, engine))
        try:
            return await asyncio.wait_for(asyncio.shield(self._running[1]), DATABASE_TIMEOUT_S)
        except TimeoutError:
            return f"failed: no answer within {DATABASE_TIMEOUT_S:g} s"


def health_router() -> APIRouter:
    """``GET|HEAD /healthz`` (the process answers) and ``GET|HEAD /readyz`` (it can serve)."""
    router = APIRouter(include_in_schema=False)
    database_probe = _DatabaseProbe()

    @router.api_route("/healthz", methods=["GET", "HEAD"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @router.api_route("/readyz", methods=["GET", "HEAD"])
    async def readyz(request: Request) -> JSONResponse:
        checks = {
            "database": await database_probe(request.app.state.engine),
            "outcomes_kernel": kernel_check(),
        }
        failing = sorted(name for name, value in checks.items() if value != OK)
        body: dict[str, object] = {"status": "not ready" if failing else "ready", "checks": checks}
        if failing:
            body["failing"] = failing
        return JSONResponse(
            body, status_code=503 if failing else 200, headers={"Cache-Control": "no-store"}
        )

    return router
