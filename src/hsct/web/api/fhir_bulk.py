"""FHIR Bulk Data export of a clinic (``Group/[id]/$export``): kick-off, poll, files, delete.

HL7 Bulk Data Access 2.0 (https://hl7.org/fhir/uv/bulkdata/export.html), with a clinic as
the Group:

1. ``GET /api/v1/fhir/Group/{clinic_id}/$export`` with ``Prefer: respond-async`` (and
   optionally ``_type``, ``_since`` and ``_outputFormat``) answers **202** with
   ``Content-Location``: the status URL. The export is made after the answer is sent.
2. ``GET`` the status URL: **202** with ``X-Progress`` and ``Retry-After`` while it runs;
   **200** with the manifest (``transactionTime``, ``request``, ``requiresAccessToken``,
   ``output``: one NDJSON file per resource type with its count, ``error``) when done.
3. ``GET`` each file's URL with the same token: ``application/fhir+ndjson``.
4. ``DELETE`` the status URL when done: **202**, the files are gone. Otherwise they go
   24 hours after the export was made (``Expires`` on the manifest's answer); then every
   URL of the export answers 404.

Every step needs a bearer token of someone who reads the clinic's records; an export is
seen only by whoever asked for it. Kick-off, each file and the delete are audited.
"""

from __future__ import annotations

import logging
from email.utils import format_datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from hsct.common.errors import FieldError, InvalidInput
from hsct.registry import Permission, bulk, clinics, session_scope
from hsct.web.api.registry import AUTH_ERRORS, BEARER, NOT_FOUND
from hsct.web.api.schemas import ValidationProblem
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import DbSession

NDJSON: Final = "application/fhir+ndjson"
#: Seconds a client should wait before polling again.
RETRY_AFTER: Final = "2"
log = logging.getLogger("hsct.web.fhir_bulk")


def _run(app: Any, export_id: str, now: Any) -> None:
    """Make the export's files in a transaction of its own, after the kick-off's answer."""
    try:
        with session_scope(app.state.session_factory) as session:
            bulk.bulk_export_run(session, export_id=export_id, now=now)
    except Exception as exc:  # a failed export says so on its status URL
        # The kind of error only: its message or traceback could hold a record's values.
        log.error("bulk export %s failed: %s", export_id, type(exc).__name__)  # noqa: TRY400
        with session_scope(app.state.session_factory) as session:
            bulk.bulk_export_fail(session, export_id=export_id, now=now)


def fhir_bulk_api_router() -> APIRouter:
    """Routes under ``/api/v1/fhir``."""
    router = APIRouter(
        prefix="/fhir",
        tags=["FHIR bulk export"],
        dependencies=[Depends(BEARER)],
        responses={**AUTH_ERRORS, **NOT_FOUND},
    )

    @router.get(
        "/Group/{clinic_id}/$export",
        summary="Kick off a FHIR Bulk Data export of a clinic's records",
        status_code=202,
        response_class=Response,
        responses={
            202: {"description": "Accepted: poll the URL in Content-Location."},
            422: {"model": ValidationProblem, "description": "A parameter is not allowed."},
        },
    )
    def kick_off(
        request: Request,
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        background: BackgroundTasks,
        prefer: Annotated[str, Header(max_length=100)] = "",
        type_: Annotated[str, Query(alias="_type", max_length=500)] = "",
        output_format: Annotated[str, Query(alias="_outputFormat", max_length=60)] = NDJSON,
        since: Annotated[str, Query(alias="_since", max_length=40)] = "",
    ) -> Response:
        # Another clinic is not found before any parameter is looked at.
        clinics.clinic_for(
            db, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
        )
        problems = []
        if "respond-async" not in prefer.lower():
            problems.append(FieldError("Prefer", "must ask for respond-async", "respond-async"))
        if output_format not in bulk.NDJSON_FORMATS:
            problems.append(
                FieldError(
                    "_outputFormat",
                    f"{output_format[:40]!r} is not offered",
                    ", ".join(sorted(bulk.NDJSON_FORMATS)),
                )
            )
        if problems:
            raise InvalidInput(problems)
        types = bulk.bulk_types(type_)
        since_time = bulk.bulk_since(since, now=now)
        request_text = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        job = bulk.bulk_export_start(
            db,
            actor=actor,
            clinic_id=clinic_id,
            types=types,
            request=request_text,
            now=now,
            since=since_time,
        )
        background.add_task(_run, request.app, job.id, now)
        return Response(
            status_code=202,
            headers={"Content-Location": str(request.url_for("bulk_status", export_id=job.id))},
        )

    @router.get(
        "/bulk/{export_id}",
        name="bulk_status",
        summary="The export's progress, then its manifest",
        responses={202: {"description": "Still running: poll again after Retry-After."}},
    )
    def status(
        request: Request, export_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> JSONResponse:
        job = bulk.bulk_export_get(db, actor=actor, export_id=export_id[:40], now=now)
        if job.status == bulk.IN_PROGRESS:
            return JSONResponse(
                {},
                status_code=202,
                headers={"X-Progress": "in progress", "Retry-After": RETRY_AFTER},
            )
        if job.status == bulk.ERROR:
            return JSONResponse(
                {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "error",
                            "code": "exception",
                            "diagnostics": "The export could not be made; ask for it again.",
                        }
                    ],
                },
                status_code=500,
                media_type="application/fhir+json",
            )
        base = str(request.url_for("bulk_status", export_id=job.id))
        manifest = {
            "transactionTime": job.created_at.isoformat(),  # the kick-off: _since's next value
            "request": str(request.base_url).rstrip("/") + job.request,
            "requiresAccessToken": True,
            "output": [
                {"type": kind, "url": f"{base}/{kind}.ndjson", "count": count}
                for kind, count in (job.output or {}).items()
            ],
            "error": [],
        }
        # When the files go (Bulk Data allows an Expires header on the complete status).
        expires = format_datetime(bulk.bulk_export_expires(job), usegmt=True)
        return JSONResponse(manifest, headers={"Cache-Control": "no-store", "Expires": expires})

    @router.get(
        "/bulk/{export_id}/{resource_type}.ndjson",
        summary="One output file of a complete export",
        response_class=Response,
        responses={200: {"content": {NDJSON: {}}, "description": "One resource per line."}},
    )
    def file(
        export_id: str, resource_type: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        text = bulk.bulk_export_file(
            db, actor=actor, export_id=export_id[:40], resource_type=resource_type[:40], now=now
        )
        return Response(text, media_type=NDJSON, headers={"Cache-Control": "no-store"})

    @router.delete("/bulk/{export_id}", summary="Delete the export and its files", status_code=202)
    def delete(export_id: str, actor: CurrentActor, db: DbSession, now: NowDep) -> Response:
        bulk.bulk_export_delete(db, actor=actor, export_id=export_id[:40], now=now)
        return Response(status_code=202)

    return router
