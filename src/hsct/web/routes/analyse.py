"""Analyse your own cohort: upload visits, relapses, MRI (and patients) CSV files, get
confirmed worsening, NEDA-3 and Kaplan-Meier curves with the options of ``hsct outcomes``.

Nothing is stored: the files are read in memory for the one request, the answer is not
cached (``no-store``), and no value from them is logged. The computation is
:func:`hsct.outcomes.analysis.analyse`; this page only reads the form and draws the result.
The page's script shows the upload's progress, then that the server is computing; without
script the form posts as usual.
"""

from __future__ import annotations

import base64
import threading
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.jsontext import loads_checked
from hsct.outcomes import PRESETS
from hsct.outcomes.analysis import TABLES, analyse, read_uploads
from hsct.registry.dashboard import benchmarks_for
from hsct.web.deps import CatalogDep
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.routes.workspace import ENDPOINT_LABELS, km_chart
from hsct.web.templating import Pages

#: The largest file, and all files together (100,000 patients' visits fit: about 60 MB).
MAX_FILE_BYTES: Final = 100 * 1024 * 1024
#: An options file (``--options-file``) is small.
MAX_OPTIONS_BYTES: Final = 64 * 1024
#: Cohorts computed at once by one worker process. A large upload takes a core and up to a
#: few GB for up to a minute; another visitor meanwhile is told to try again (503 with
#: Retry-After), so the site stays up for everyone else (H-071).
ANALYSES_AT_ONCE: Final = 1
_COMPUTING: Final = threading.BoundedSemaphore(ANALYSES_AT_ONCE)
RETRY_AFTER_S: Final = 30
#: Downloads offered inside the page (as data: links) up to this size each: a page of
#: tens of megabytes is too much for a phone; beyond it, hsct outcomes writes the files.
MAX_DOWNLOAD_BYTES: Final = 4 * 1024 * 1024


def _download(name: str, text: str) -> dict[str, Any]:
    data = text.encode("utf-8")
    if len(data) > MAX_DOWNLOAD_BYTES:
        return {"name": name, "href": None, "size": len(data)}
    return {
        "name": name,
        "href": "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii"),
        "size": len(data),
    }


def analyse_router(pages: Pages) -> APIRouter:
    """``/outcomes/analyse``: the form, and the result of one upload."""
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request,
        locale: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        return form_page(
            pages,
            request,
            "published/analyse.html",
            locale=locale,
            context={
                "presets": sorted(PRESETS),
                "tables": TABLES,
                "endpoint_labels": ENDPOINT_LABELS,
                "errors": {},
                "values": {"preset": "default", "by": "", "rebaseline": False},
                "result": None,
                "busy": False,
                "current_path": "/outcomes",
                **context,
            },
            status_code=status_code,
        )

    @router.get("/outcomes/analyse", response_class=HTMLResponse)
    def analyse_form(request: Request, locale: Locale) -> HTMLResponse:
        return page(request, locale, {})

    @router.post("/outcomes/analyse", response_class=HTMLResponse)
    async def analyse_upload(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        files: dict[str, bytes | None] = {}
        async with request.form(max_files=len(TABLES) + 1, max_fields=20) as form:
            for name in (*TABLES, "options"):
                upload = form.get(name)
                if isinstance(upload, UploadFile) and upload.filename:
                    limit = MAX_OPTIONS_BYTES if name == "options" else MAX_FILE_BYTES
                    data = await upload.read(limit + 1)
                    if len(data) > limit:
                        too_big = FieldError(name, "is too big", f"up to {limit // 1024} kB")
                        return page(
                            request,
                            locale,
                            {"errors": form_errors([too_big], pages.gettext(locale))},
                            413,
                        )
                    files[name] = data
            preset = str(form.get("preset") or "default")[:40]
            by = str(form.get("by") or "").strip()[:60]
            rebaseline = form.get("rebaseline") == "yes"
        values: dict[str, Any] = {"preset": preset, "by": by, "rebaseline": rebaseline}
        try:
            if preset not in PRESETS:
                raise InvalidInput(  # noqa: TRY301 - the form's own check, reported like the rest
                    [FieldError("preset", "is not a preset", ", ".join(sorted(PRESETS)))]
                )
            options = _options(files.pop("options", None))
            if not _COMPUTING.acquire(blocking=False):
                # Not a problem with the answers: its own notice, no field marked invalid.
                answer = page(request, locale, {"busy": True, "values": values}, 503)
                answer.headers["Retry-After"] = str(RETRY_AFTER_S)
                return answer
            try:
                result = await run_in_threadpool(_compute, files, preset, options, rebaseline, by)
            finally:
                _COMPUTING.release()
        except InvalidInput as exc:
            return page(
                request,
                locale,
                {"errors": form_errors(exc, pages.gettext(locale)), "values": values},
                422,
            )
        charts = {}
        for curve in result["curves"]:
            curve["benchmarks"] = benchmarks_for(curve["endpoint"], catalog.studies)
            charts[curve["endpoint"]] = km_chart(curve) if curve["groups"] else None
        downloads = [_download(name, text) for name, text in result.pop("downloads").items()]
        return page(
            request,
            locale,
            {"result": result, "charts": charts, "downloads": downloads, "values": values},
        )

    return router


def _options(data: bytes | None) -> dict[str, Any]:
    """An options file (JSON, as ``--options-file``), or none."""
    if not data:
        return {}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            [FieldError("options", "is not UTF-8 text", "a JSON object of engine options")]
        ) from None
    loaded = loads_checked(text, field="options")
    if not isinstance(loaded, dict):
        raise InvalidInput([FieldError("options", "is not a JSON object", "a JSON object")])
    return loaded


def _compute(
    files: dict[str, bytes | None],
    preset: str,
    options: dict[str, Any],
    rebaseline: bool,
    by: str,
) -> dict[str, Any]:
    frames = read_uploads(files)
    return analyse(frames, preset=preset, options=options, rebaseline=rebaseline, by=by or None)
