"""Which language a request is answered in: the remembered choice, then the browser's."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Request, Response

from hsct.common.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, negotiate_locale, normalise_locale

LOCALE_COOKIE: Final = "hsct_lang"
LOCALE_COOKIE_MAX_AGE: Final = 365 * 24 * 3600


def resolve_locale(request: Request) -> str:
    """The cookie set by the language switcher wins; then ``Accept-Language``; then English."""
    return (
        normalise_locale(request.cookies.get(LOCALE_COOKIE))
        or negotiate_locale(request.headers.get("accept-language"))
        or DEFAULT_LOCALE
    )


async def _locale(request: Request) -> str:
    # As a dependency it runs on the event loop: no worker-thread hop for a cookie lookup.
    return resolve_locale(request)


Locale = Annotated[str, Depends(_locale)]


def switched_locale(form: dict[str, str]) -> str | None:
    """The language a page's form asks to switch to (its language buttons), if any.

    Pages holding answers that live only in the page (the candidate wizard and results)
    let the language buttons submit their own form, so that the answers travel with the
    switch instead of being lost in a redirect (issue 19).
    """
    lang = form.get("lang")
    return lang if lang in SUPPORTED_LOCALES else None


def remember_locale(response: Response, lang: str) -> None:
    """Keep the chosen language for a year (a preference, not personal data)."""
    response.set_cookie(
        LOCALE_COOKIE, lang, max_age=LOCALE_COOKIE_MAX_AGE, samesite="lax", httponly=True
    )


def safe_next_path(candidate: str | None) -> str:
    """A same-site path to go back to after switching language; anything else becomes ``/``.

    Examples
    --------
    >>> safe_next_path("/facilities?country=MX"), safe_next_path("//evil.example"), safe_next_path("https://x")
    ('/facilities?country=MX', '/', '/')
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return "/"
    if any(ord(char) < 0x20 for char in candidate):
        return "/"
    return candidate
