"""A clinic's registry over JSON: imports (dry run, then confirm), mappings, counts, exports.

Staff and leads import; monitors read. Another clinic is a 404. An import is two calls: the
upload answers with the plan (every row's action and problems, the counts, a digest) and
keeps the files with the pending import; ``POST .../imports/{import_id}/commit`` with that
digest writes it, all of it or nothing, and is refused (409) if the records changed so that
the plan would now do something else.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Annotated, Any, Final, Literal

import orjson
from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from hsct.common.errors import FieldError, InvalidInput
from hsct.registry import Permission, clinics, cohort, dashboard, fhir_import
from hsct.registry import imports as services
from hsct.web.api.registry import AUTH_ERRORS, BEARER, NOT_FOUND, Problem
from hsct.web.api.schemas import ValidationProblem
from hsct.web.auth import CurrentActor, NowDep
from hsct.web.deps import CatalogDep, DbSession

ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **NOT_FOUND,
    409: {"model": Problem, "description": "The import is no longer pending, or changed."},
    413: {"model": ValidationProblem, "description": "The upload is too large."},
    422: {"model": ValidationProblem, "description": "A file or field is wrong; each is named."},
}


#: An upload whose body is not well-formed multipart/form-data is refused by the form parser
#: before any field is read (found by Schemathesis: a part header holding a bare CR).
BAD_UPLOAD: Final[dict[int | str, dict[str, Any]]] = {
    400: {"model": Problem, "description": "The body is not valid multipart/form-data."},
}


class ProblemOut(BaseModel):
    """What is wrong with a row: the column, the problem, what is allowed."""

    field: str
    message: str
    allowed: str | None


class PlanRowOut(BaseModel):
    """What would happen (or happened) to one row of one file."""

    file: str
    table: str
    row: int = Field(description="The spreadsheet row (the header is row 1).")
    patient: str = Field(description="The study code the row names.")
    action: Literal["add", "change", "same", "refused"]
    kinds: list[str]
    date: str | None
    fields: list[str] = Field(description="For a change: the fields it changes.")
    problems: list[ProblemOut]


class FileOut(BaseModel):
    """One file as read."""

    name: str
    tables: list[str]
    rows: int
    ignored_columns: list[str] = Field(description="Columns not imported (not ours).")
    bytes: int
    sha256: str


class PlanOut(BaseModel):
    """An import's plan: counts by table and action, the files, every row, the digest."""

    import_id: str | None = Field(description="The pending import to commit (a dry run).")
    status: Literal["pending", "committed"]
    counts: dict[str, dict[str, int]]
    files: list[FileOut]
    rows: list[PlanRowOut]
    digest: str = Field(description="Send it back to commit exactly this plan.")


class CommitIn(BaseModel):
    """Confirm a pending import."""

    model_config = ConfigDict(extra="forbid")
    digest: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")
    accept_refused: bool = Field(
        default=False, description="Import the other rows even though some are refused."
    )


class ImportOut(BaseModel):
    """One import of the clinic: when, by whom (pseudonym), its files and counts."""

    id: str
    status: str
    actor: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    files: list[dict[str, Any]]
    counts: dict[str, Any]


class FhirImportOut(BaseModel):
    """What a FHIR import did, or would do (a dry run): records, entries by kind, files."""

    import_id: str | None = Field(description="The import, as listed; null for a dry run.")
    dry_run: bool
    records: int
    entries: dict[str, int]
    files: list[dict[str, Any]]


class MappingIn(BaseModel):
    """A column mapping: ``{"tables": {table: {our column: their column}}}``."""

    model_config = ConfigDict(extra="forbid")
    tables: dict[str, dict[str, Any]] = Field(
        examples=[
            {
                "visits": {"patient_id": "record_id", "date": "edss_date", "edss": "edss_score"},
                "patients": {
                    "patient_id": "record_id",
                    "ms_type": {"column": "ms_type", "values": {"1": "RRMS", "2": "SPMS"}},
                },
            }
        ]
    )


class MappingOut(BaseModel):
    """A saved mapping."""

    name: str
    mapping: dict[str, Any]
    updated_at: dt.datetime


class StatusOut(BaseModel):
    """How much the clinic's registry holds (numbers only)."""

    clinic_id: str
    clinic_name: str
    patients: int
    locked: int
    entries: dict[str, int]
    provenance: dict[str, int]
    imports: int
    shares: int


def _plan_out(plan: services.ImportPlan, *, import_id: str | None, status: str) -> PlanOut:
    return PlanOut.model_validate({**plan.to_dict(), "import_id": import_id, "status": status})


async def _files(uploads: list[UploadFile], tables: list[str]) -> list[services.ImportFile]:
    if len(uploads) > services.MAX_FILES:
        raise InvalidInput(
            [FieldError("files", f"{len(uploads)} files", f"up to {services.MAX_FILES}")]
        )
    if tables and len(tables) != len(uploads):
        raise InvalidInput(
            [FieldError("tables", "give one table per file, or none", ", ".join(services.TABLES))]
        )
    out = []
    for i, upload in enumerate(uploads):
        data = await upload.read(services.MAX_FILE_BYTES + 1)
        out.append(
            services.ImportFile(
                upload.filename or f"file {i + 1}", data, (tables[i] or None) if tables else None
            )
        )
    return out


def cohort_api_router() -> APIRouter:  # noqa: C901 - one closure per route
    """Routes under ``/api/v1/clinics/{clinic_id}``."""
    router = APIRouter(
        prefix="/clinics/{clinic_id}",
        tags=["clinic registry"],
        dependencies=[Depends(BEARER)],
        responses={**AUTH_ERRORS, **NOT_FOUND},
    )

    @router.post(
        "/imports",
        summary="Upload files: the dry run",
        status_code=201,
        responses={**ERRORS, **BAD_UPLOAD},
    )
    async def import_upload(
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        files: Annotated[list[UploadFile], File(description="CSV or Parquet files.")],
        tables: Annotated[
            list[str] | None,
            Form(description="Each file's table, in order, when its name does not say."),
        ] = None,
        dates: Annotated[
            Literal["iso", "day-first", "month-first"], Form(description="How dates are written.")
        ] = "iso",
        mapping: Annotated[
            str | None, Form(max_length=60, description="A saved mapping's name (REDCap).")
        ] = None,
    ) -> PlanOut:
        """Reads the files and answers what would be added, changed, left and refused, row by
        row. Nothing is written to the records; the files wait with the pending import
        (24 hours) for ``POST .../imports/{import_id}/commit``."""
        given = await _files(files, tables or [])
        raw = None
        if mapping:
            raw = services.mapping_get(db, actor=actor, clinic_id=clinic_id, name=mapping).mapping
        options = services.ImportOptions(dates=dates, mapping=raw, mapping_name=mapping or None)
        plan, run = services.import_prepare(
            db, actor=actor, clinic_id=clinic_id, files=given, options=options, now=now
        )
        return _plan_out(plan, import_id=run.id, status="pending")

    @router.post(
        "/fhir-imports",
        summary="Import the registry's own FHIR export as new records",
        status_code=201,
        responses={
            **NOT_FOUND,
            409: {"model": Problem, "description": "The clinic already has a study code."},
            413: ERRORS[413],
            422: ERRORS[422],
            **BAD_UPLOAD,
        },
    )
    async def fhir_import_upload(
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        files: Annotated[
            list[UploadFile],
            File(description="NDJSON files of a FHIR export, FHIR Bundles, or a ZIP of them."),
        ],
        dry_run: Annotated[bool, Form(description="Check everything; write nothing.")] = False,
    ) -> FhirImportOut:
        """All the records or none: every problem is named (file, line, resource, element).
        Study codes the clinic already has are refused (409); the CSV import updates records.
        Audited with counts and file digests, never values."""
        if len(files) > fhir_import.MAX_FILES:
            raise InvalidInput(
                [FieldError("files", f"{len(files)} files", f"up to {fhir_import.MAX_FILES}")]
            )
        given = [
            fhir_import.FhirFile(
                upload.filename or f"file {i + 1}",
                await upload.read(fhir_import.MAX_FILE_BYTES + 1),
            )
            for i, upload in enumerate(files)
        ]
        result = fhir_import.fhir_import(
            db, actor=actor, clinic_id=clinic_id, files=given, now=now, dry_run=dry_run
        )
        return FhirImportOut(**result.to_dict(), dry_run=dry_run)

    @router.post("/imports/{import_id}/commit", summary="Confirm an import", responses=ERRORS)
    def import_commit(
        clinic_id: str,
        import_id: str,
        body: CommitIn,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> PlanOut:
        """Writes the pending import, whole, if its plan is still the one you saw."""
        plan = services.import_confirm(
            db,
            actor=actor,
            clinic_id=clinic_id,
            run_id=import_id,
            digest=body.digest,
            now=now,
            accept_refused=body.accept_refused,
        )
        return _plan_out(plan, import_id=import_id, status="committed")

    @router.delete(
        "/imports/{import_id}",
        summary="Discard a pending import",
        status_code=204,
        responses=ERRORS,
    )
    def import_discard(
        clinic_id: str, import_id: str, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        """Its files are dropped; nothing was written."""
        services.import_discard(db, actor=actor, clinic_id=clinic_id, run_id=import_id, now=now)
        return Response(status_code=204)

    @router.get("/imports", summary="The clinic's imports")
    def import_list(clinic_id: str, actor: CurrentActor, db: DbSession) -> list[ImportOut]:
        """Newest first: files (names, sizes, SHA-256), counts, status; never the data."""
        return [
            ImportOut(
                id=r.id,
                status=r.status,
                actor=r.actor,
                created_at=r.created_at,
                finished_at=r.finished_at,
                files=r.files,
                counts=r.counts,
            )
            for r in services.import_list(db, actor=actor, clinic_id=clinic_id)
        ]

    @router.put("/mappings/{name}", summary="Save a column mapping", responses=ERRORS)
    def mapping_save(
        clinic_id: str, name: str, body: MappingIn, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> MappingOut:
        """Saved (or replaced) under its name, for uploads of another system's export."""
        row = services.mapping_save(
            db, actor=actor, clinic_id=clinic_id, name=name, mapping=body.model_dump(), now=now
        )
        return MappingOut(name=row.name, mapping=row.mapping, updated_at=row.updated_at)

    @router.get("/mappings", summary="The clinic's saved mappings")
    def mapping_list(clinic_id: str, actor: CurrentActor, db: DbSession) -> list[MappingOut]:
        """By name."""
        return [
            MappingOut(name=r.name, mapping=r.mapping, updated_at=r.updated_at)
            for r in services.mapping_list(db, actor=actor, clinic_id=clinic_id)
        ]

    @router.get("/status", summary="Counts of the clinic's registry")
    def status(clinic_id: str, actor: CurrentActor, db: DbSession) -> StatusOut:
        """Records, locked records, entries by kind and by who entered them, imports, shares."""
        found = cohort.cohort_status(db, actor=actor, clinic_id=clinic_id)
        return StatusOut.model_validate(found.to_dict())

    @router.get(
        "/outcomes",
        summary="The dashboard's tables",
        responses=ERRORS,
        response_model=dict[str, Any],
    )
    def outcomes(
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        catalog: CatalogDep,
        by: Annotated[
            Literal["regimen", "intensity", "ms_type", "era"] | None,
            Query(description="Split the curves by this."),
        ] = None,
        confirmation_weeks: Annotated[Literal[12, 24], Query()] = 12,
        threshold: Annotated[Literal["msbase", "pymsprog"], Query()] = "msbase",
        rebaseline: Annotated[bool, Query(description="MRI re-baselined at month 6.")] = False,
    ) -> Response:
        """Kaplan-Meier curves (NEDA-3, confirmed worsening, relapse-free, MRI-activity-free)
        with 95% intervals, numbers at risk and the published benchmarks of the same
        definition; PIRA/RAW; EDSS change; adverse events; quality of life; data quality and
        the patients to chase. Cached by the clinic's data version."""
        board = dashboard.cohort_dashboard(
            db,
            actor=actor,
            clinic_id=clinic_id,
            options=dashboard.DashboardOptions(
                by=by,
                confirmation_weeks=confirmation_weeks,
                threshold=threshold,
                rebaseline=rebaseline,
            ),
            now=now,
            catalog=catalog,
        )
        # Written by orjson: FastAPI's encoder walks every cell of 5,000 patients' tables
        # (0.6 s against 0.01 s).
        return Response(
            orjson.dumps(board.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY),
            media_type="application/json",
        )

    @router.get("/settings", summary="The clinic's settings")
    def settings_get(clinic_id: str, actor: CurrentActor, db: DbSession) -> dict[str, Any]:
        """The follow-up schedule (time points with ± windows) and whether self-rated EDSS
        counts in the clinic's figures."""
        clinic = clinics.clinic_for(
            db, actor=actor, clinic_id=clinic_id, permission=Permission.CLINIC_RECORDS_READ
        )
        stored = clinic.settings or {}
        return {
            "schedule": dashboard.schedule_of(clinic),
            "include_self_rated": bool(stored.get("include_self_rated", False)),
        }

    @router.put("/settings", summary="Change the clinic's settings (lead)", responses=ERRORS)
    def settings_put(
        clinic_id: str,
        body: dict[str, Any],
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> dict[str, Any]:
        """Either or both of ``schedule`` and ``include_self_rated``; audited."""
        return dashboard.clinic_settings_update(
            db, actor=actor, clinic_id=clinic_id, settings=body, now=now
        )

    @router.get(
        "/export",
        summary="The clinic's records as files (zip)",
        response_class=Response,
        responses={200: {"content": {"application/zip": {}}, "description": "A zip file."}},
    )
    def export(
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        format: Literal["csv", "parquet", "fhir", "ndjson", "ebmt"] = "csv",
    ) -> Response:
        """CSV (with the data dictionary), Parquet, one FHIR R4 Bundle per record, FHIR NDJSON
        (one file per resource type, as the Bulk Data export), or the
        EBMT/CIBMTR-mappable transplant and yearly tables with their mapping. Audited."""
        files = cohort.cohort_files(db, actor=actor, clinic_id=clinic_id, now=now, fmt=format)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return Response(
            buffer.getvalue(),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="cohort-{format}.zip"',
                "Cache-Control": "no-store",
            },
        )

    return router
