"""Friendly error pages for people, JSON for the API; never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hsct.common.errors import Conflict, HsctError, InvalidInput, NotFound, PermissionDenied
from hsct.registry import audit_event_record, session_scope
from hsct.web.auth import CredentialInAddress, SignInRequired, now_utc, sign_in_location
from hsct.web.locale import resolve_locale
from hsct.web.templating import Pages
from hsct.web.throttle import TooManyRequests

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
#: The core's errors that are answered with an HTTP status other than 422, mapped here only.
STATUS_FOR_ERROR: Final[dict[type[HsctError], int]] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def install_error_handlers(app: FastAPI, pages: Pages) -> None:  # noqa: C901 - one small handler per error type, sharing one renderer
    """Register the 404/4xx and 500 handlers on ``app``."""

    def error_answer(
        request: Request, status_code: int, detail: object, headers: Mapping[str, str] | None = None
    ) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)
        page = pages.render(
            request,
            "error.html",
            locale=resolve_locale(request),
            context={"status_code": status_code},
            status_code=status_code,
        )
        page.headers.update(headers or {})
        return page

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type only
        headers = exc.headers
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path only; RFC 9110
            # 15.5.6 wants every method the resource has.
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return error_answer(request, exc.status_code, exc.detail, headers)

    async def core_error(request: Request, exc: Exception) -> Response:
        """NotFound, PermissionDenied and Conflict: their status and their message."""
        status_code = next(code for kind, code in STATUS_FOR_ERROR.items() if isinstance(exc, kind))
        if status_code in (403, 404):
            audit_refusal(request, status_code)
        return error_answer(request, status_code, str(exc))

    async def credential_in_address(request: Request, exc: Exception) -> Response:
        return error_answer(request, 400, str(exc))

    async def too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TooManyRequests)  # noqa: S101 - registered for this type only
        return error_answer(request, 429, str(exc), {"Retry-After": str(exc.retry_after)})

    async def server_error(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if _wants_json(request):
            return JSONResponse({"detail": "Internal server error"}, status_code=500)
        try:
            return pages.render(
                request,
                "error.html",
                locale=resolve_locale(request),
                context={"status_code": 500},
                status_code=500,
            )
        except Exception:  # the error page itself failed: still no traceback
            logger.exception("the 500 page could not be rendered")
            return Response("Internal server error", status_code=500, media_type="text/plain")

    async def invalid_input(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidInput)  # noqa: S101 - registered for this type only
        if not _wants_json(request):
            locale = resolve_locale(request)
            gettext = pages.gettext(locale)
            return pages.render(
                request,
                "error.html",
                locale=locale,
                context={
                    "status_code": 422,
                    "field_errors": [
                        (readable_field(e.field), e.translate(gettext)) for e in exc.errors
                    ],
                },
                status_code=422,
            )
        location = "query" if request.method == "GET" else "body"
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": [location, *field_path(error.field)],
                        "msg": error.message,
                        "type": "invalid_input",
                        "allowed": error.allowed,
                    }
                    for error in exc.errors
                ]
            },
            status_code=422,
        )

    async def request_invalid(_request: Request, exc: Exception) -> Response:
        """Like FastAPI's 422, without echoing the input (it may be NaN, huge, or private)."""
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this type only
        return JSONResponse(
            {
                "detail": [
                    {
                        "loc": list(error.get("loc", ())),
                        "msg": str(error.get("msg", "")),
                        "type": str(error.get("type", "")),
                    }
                    for error in exc.errors()
                ]
            },
            status_code=422,
        )

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(CredentialInAddress, credential_in_address)
    app.add_exception_handler(TooManyRequests, too_many)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(InvalidInput, invalid_input)
    for error_type in STATUS_FOR_ERROR:
        app.add_exception_handler(error_type, core_error)
    app.add_exception_handler(Exception, server_error)


async def sign_in_required(request: Request, exc: Exception) -> Response:
    """No credentials: 401 for the API, the sign-in (or second-step) page for people."""
    assert isinstance(exc, SignInRequired)  # noqa: S101 - registered for this type only
    if _wants_json(request):
        return JSONResponse(
            {"detail": "sign in or send an API token (Authorization: Bearer)"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if exc.setup:
        target = "/account/two-factor/setup"
    elif exc.second_factor:
        target = "/account/two-factor"
    elif request.method in ("GET", "HEAD"):
        target = sign_in_location(request.url.path)
    else:  # a form posted without a session: back to a page that can be opened
        target = sign_in_location("/account")
    return RedirectResponse(target, status_code=303)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            match, _ = route.matches({**request.scope, "method": method})
            if match == Match.FULL:
                methods |= set(getattr(route, "methods", None) or {method})
    return sorted(methods)


def audit_refusal(request: Request, status_code: int) -> None:
    """Record that a signed-in actor was refused (403) or asked for what is not theirs (404).

    The request's own transaction was rolled back, so this is a transaction of its own.
    Only the route's pattern is kept, not the address (which may name a record).
    """
    auth = getattr(request.state, "auth", None)
    actor = getattr(auth, "actor", None)
    if actor is None:
        return
    route = request.scope.get("route")
    pattern = getattr(route, "path", None) or "?"
    try:
        with session_scope(request.app.state.session_factory) as session:
            audit_event_record(
                session,
                action="auth.access_refused",
                actor=actor.person_id,
                actor_role=actor.primary_role.value,
                details={"status": status_code, "method": request.method, "route": pattern},
                occurred_at=now_utc(request),
            )
    except Exception:  # the refusal stands even if the audit database is away
        logger.exception("could not record a refused request in the audit trail")


def field_path(field: str) -> list[str | int]:
    """A core field name as a JSON location, list positions as numbers.

    >>> field_path("visits[3].edss")
    ['visits', 3, 'edss']
    """
    out: list[str | int] = []
    for part in field.split("."):
        name, _, rest = part.partition("[")
        out.append(name)
        if rest.endswith("]") and rest[:-1].isdigit():
            out.append(int(rest[:-1]))
        elif rest:
            out[-1] = part
    return out


def readable_field(field: str) -> str:
    """A field path as a person reads it: list positions counted from 1.

    >>> readable_field("profile.relapses.0.date")
    'relapses 1 date'
    """
    parts = [p for p in field.split(".") if p != "profile"]
    return " ".join(str(int(p) + 1) if p.isdigit() else p.replace("_", " ") for p in parts)
