"""Which currency prices are converted into: the one the person chose, kept across pages.

Issue 19: the default follows the language (English: US dollars; Russian: roubles; Spanish:
euros) and can be changed on the directory, a clinic's page or the comparison; the choice
is remembered in a cookie for a year (a display preference, not personal data) and
follows the person to the other pages. Prices are always shown as quoted as well.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

from fastapi import Request, Response

CURRENCY_COOKIE: Final = "hsct_currency"
CURRENCY_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
#: The currency a language starts in, until the person picks one.
LANGUAGE_CURRENCY: Final[Mapping[str, str]] = {"en": "USD", "ru": "RUB", "es": "EUR"}
FALLBACK: Final = "USD"


def asked_currency(request: Request) -> str | None:
    """The currency named in the address (``?currency=``), upper-cased, if any."""
    asked = request.query_params.get("currency", "").strip().upper()
    return asked or None


def preferred_currency(request: Request, locale: str, known: Collection[str]) -> str:
    """The address's currency, else the remembered one, else the language's, else USD."""
    for candidate in (
        asked_currency(request),
        request.cookies.get(CURRENCY_COOKIE, "").upper(),
        LANGUAGE_CURRENCY.get(locale),
    ):
        if candidate and candidate in known:
            return candidate
    return FALLBACK


def remember_currency(request: Request, response: Response, known: Collection[str]) -> None:
    """Keep a currency the person chose (a known one, named in the address)."""
    asked = asked_currency(request)
    if asked in known and asked != request.cookies.get(CURRENCY_COOKIE):
        response.set_cookie(
            CURRENCY_COOKIE,
            str(asked),
            max_age=CURRENCY_COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
        )
