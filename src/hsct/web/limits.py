"""Request bodies limited before they are read, and JSON checked before any handler sees it.

Limits (a person's answers, one follow-up history or a saved answers file fit many times):

- JSON (``application/json``): 1 MB;
- forms (``application/x-www-form-urlencoded``): 1 MB;
- uploads (``multipart/form-data``): 2 MB (the answers file itself is limited to 256 kB),
  60 MB to a clinic's imports, CSV or FHIR (one import file may be 50 MB), and 200 MB to a
  researcher's own cohort at ``/outcomes/analyse`` (one file may be 100 MB; nothing is stored);
- anything else: 1 MB.

A ``Content-Length`` above the limit is refused at once; a body streamed without one is
counted as it arrives and refused as soon as it passes the limit. Either way the answer is
413 with the limit named: JSON for the API, a page in the person's language otherwise. JSON
sent to the API is parsed with :func:`hsct.common.jsontext.loads_checked` first: nesting,
``NaN``/``Infinity`` and huge numbers are a 422 naming the body.

Responses that may carry a person's answers (to a POST, or a page or API call with a query
string) get ``Cache-Control: no-store`` so no shared cache keeps them.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hsct.common.errors import InvalidInput
from hsct.common.jsontext import loads_checked

MB: Final = 1024 * 1024
LIMITS: Final = {
    "application/json": 1 * MB,
    "application/x-www-form-urlencoded": 1 * MB,
    "multipart/form-data": 2 * MB,
}
DEFAULT_LIMIT: Final = 1 * MB
#: Uploads to a clinic's imports (API and page) may be larger.
IMPORT_LIMIT: Final = 60 * MB
IMPORT_PATH: Final = re.compile(
    r"^(?:/api/v1/clinics/[^/]+/(?:fhir-)?imports|/clinic/[^/]+/(?:fhir-)?imports)$"
)
#: A researcher's own cohort (``/outcomes/analyse``): up to 100,000 patients' tables.
ANALYSE_LIMIT: Final = 200 * MB
ANALYSE_PATH: Final = "/outcomes/analyse"
#: Uploads stay in memory up to this size: every upload here is health data (a clinic's
#: import, a researcher's cohort), and Starlette spools a file part over 1 MB to a
#: temporary file on disk. The largest body allowed fits, so no upload is ever written to
#: disk; the body limits above bound the memory (H-071).
UPLOAD_IN_MEMORY: Final = ANALYSE_LIMIT


def keep_uploads_in_memory() -> None:
    """Make Starlette's form parser keep every file part in memory (see UPLOAD_IN_MEMORY)."""
    from starlette.formparsers import MultiPartParser  # noqa: PLC0415 - the web layer's own

    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, UPLOAD_IN_MEMORY)


API_PREFIX: Final = "/api/"
NO_BODY: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


def limit_for(content_type: str, path: str = "") -> int:
    """The body limit in bytes for a content type (parameters such as charset ignored).

    >>> limit_for("multipart/form-data; boundary=x") // MB
    2
    >>> limit_for("multipart/form-data; boundary=x", "/api/v1/clinics/abc/imports") // MB
    60
    """
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media == "multipart/form-data" and IMPORT_PATH.match(path):
        return IMPORT_LIMIT
    if media == "multipart/form-data" and path == ANALYSE_PATH:
        return ANALYSE_LIMIT
    return LIMITS.get(media, DEFAULT_LIMIT)


def _megabytes(limit: int) -> str:
    return f"{limit // MB} MB"


class _TooLargeError(Exception):
    """The body passed its limit while it was being read."""


class RequestGuardMiddleware:
    """Pure ASGI middleware: body limits, JSON checks, and no-store for personal answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _no_store(scope, send)
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        limit = limit_for(content_type, scope.get("path", ""))
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._too_large(scope, receive, send, limit)
            return
        if scope["method"] in NO_BODY and declared is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await _read(receive, limit)
        except _TooLargeError:
            await self._too_large(scope, receive, send, limit)
            return
        path = scope.get("path", "")
        if path.startswith(API_PREFIX) and "json" in content_type.lower() and body:
            try:
                loads_checked(body)
            except InvalidInput as exc:
                await _api_error(exc)(scope, _replay(b"", receive), send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size = _megabytes(limit)
        if scope.get("path", "").startswith(API_PREFIX):
            response: Response = JSONResponse(
                {
                    "detail": [
                        {
                            "loc": ["body"],
                            "msg": f"the request body is larger than {size}",
                            "type": "too_large",
                            "allowed": f"at most {size}",
                        }
                    ]
                },
                status_code=413,
                headers={"Connection": "close"},
            )
        else:
            response = _page(scope, 413)
        await response(scope, _replay(b"", receive), send)


def _page(scope: Scope, status: int) -> Response:
    """The site's error page, in the person's language, for a request we refuse early."""
    from starlette.requests import Request  # noqa: PLC0415 - only on this rare path

    from hsct.web.locale import resolve_locale  # noqa: PLC0415

    app = scope.get("app")
    pages = getattr(getattr(app, "state", None), "pages", None)
    if pages is None:
        return Response("Request too large", status_code=status, media_type="text/plain")
    request = Request(scope)
    response: Response = pages.render(
        request,
        "error.html",
        locale=resolve_locale(request),
        context={"status_code": status},
        status_code=status,
    )
    response.headers["Connection"] = "close"
    return response


def _api_error(exc: InvalidInput) -> Response:
    return JSONResponse(
        {
            "detail": [
                {
                    "loc": ["body"],
                    "msg": error.message,
                    "type": "invalid_json",
                    "allowed": error.allowed,
                }
                for error in exc.errors
            ]
        },
        status_code=422,
    )


async def _read(receive: Receive, limit: int) -> bytes:
    """The whole body, or :class:`_TooLargeError` as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, then: Receive | None = None) -> Receive:
    """A ``receive`` that gives ``body`` once, then the original (which waits for the client
    to disconnect, as after any finished request)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


def _no_store(scope: Scope, send: Send) -> Send:
    """Add ``Cache-Control: no-store`` to answers that may carry a person's answers."""
    path = scope.get("path", "")
    personal = not path.startswith("/static/") and (
        scope["method"] not in ("GET", "HEAD") or bool(scope.get("query_string"))
    )
    if not personal:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["Cache-Control"] = "no-store"
        await send(message)

    return wrapped
