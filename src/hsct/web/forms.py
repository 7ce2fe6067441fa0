"""The one way pages turn :class:`InvalidInput` into form errors: field name → message.

Messages are translated from the core's own message templates (never matched by their
English words); a field the form does not show is reported under ``_form``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.web.auth import ensure_pre_session
from hsct.web.templating import Pages

FORM: str = "_form"


#: How a problem reads next to its field's label.
LABELLED: Final = N_("{field}: {problem}")
#: A problem the core has no translatable words for: what is allowed still shows.
GENERIC: Final = N_("this value cannot be used")


def form_errors(
    errors: InvalidInput | Iterable[FieldError],
    gettext: Callable[[str], str],
    *,
    labels: Mapping[str, str] | Callable[[str], str] | None = None,
    control: Callable[[str], str] | None = None,
    hints: Mapping[str, str] | None = None,
    shown: Iterable[str] | None = None,
) -> dict[str, str]:
    """One translated message per form control (the first problem of each wins).

    - The words come from the error's own translatable message
      (:meth:`FieldError.translate`); an error without one reads :data:`GENERIC` and what
      is allowed. Never from matching its English text.
    - ``control`` maps a core field (``relapses.0.date``) to the form control's name;
      ``labels`` (msgids by control or by field, or a function from the core field to
      its translated label) put the field's name in front;
      ``hints`` (msgids, by control) replace the message for controls with a fixed hint.
    - Fields not in ``shown`` (when given) are gathered under :data:`FORM`, so every
      problem reaches the person even when the form has no control for it.
    """
    problems = errors.errors if isinstance(errors, InvalidInput) else tuple(errors)
    visible = None if shown is None else set(shown)
    found: dict[str, str] = {}
    for error in problems:
        name = control(error.field) if control is not None else error.field
        key = name if visible is None or name in visible else FORM
        if hints and name in hints:
            message = gettext(hints[name])
        else:
            message = _problem(error, gettext)
            if callable(labels):
                message = gettext(LABELLED).format(field=labels(error.field), problem=message)
            elif labels is not None:
                label = labels.get(name) or labels.get(error.field) or name
                message = gettext(LABELLED).format(field=gettext(label), problem=message)
        if key in found:
            if key == FORM:
                found[key] += " " + message
            continue
        found[key] = message
    return found


def _problem(error: FieldError, gettext: Callable[[str], str]) -> str:
    if error.message_text is not None:
        return error.translate(gettext)
    generic = FieldError(error.field, GENERIC, error.allowed, Message(GENERIC), error.allowed_text)
    return generic.translate(gettext)


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
