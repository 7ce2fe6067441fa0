"""The one way pages turn :class:`InvalidInput` into form errors: field name → message.

Messages are translated from the core's own message templates (never matched by their
English words); a field the form does not show is reported under ``_form``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from hsct.common.errors import InvalidInput
from hsct.web.auth import ensure_pre_session
from hsct.web.templating import Pages

FORM: str = "_form"


def form_errors(
    exc: InvalidInput, gettext: Callable[[str], str], *, shown: Iterable[str] | None = None
) -> dict[str, str]:
    """One translated message per bad field (the first problem of each field wins).

    Fields not in ``shown`` (when given) are gathered under :data:`FORM`, so every problem
    reaches the person even when the form has no control for it.
    """
    visible = None if shown is None else set(shown)
    errors: dict[str, str] = {}
    for error in exc.errors:
        key = error.field if visible is None or error.field in visible else FORM
        message = error.translate(gettext)
        if key in errors:
            if key == FORM:
                errors[key] += " " + message
            continue
        errors[key] = message
    return errors


def form_page(
    pages: Pages,
    request: Request,
    template: str,
    *,
    locale: str,
    context: Mapping[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with forms that post: a visitor without a session first gets a
    pre-session cookie, so every form carries a CSRF token bound to it.

    ``errors``, ``values`` and ``notice`` default to empty.
    """
    probe = Response()
    ensure_pre_session(request, probe)
    response = pages.render(
        request,
        template,
        locale=locale,
        context={"errors": {}, "values": {}, "notice": None, **context},
        status_code=status_code,
    )
    for value in probe.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return response
