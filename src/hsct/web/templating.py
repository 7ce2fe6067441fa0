"""Server-rendered pages: one Jinja environment per language, built once per app.

Each environment has its language's gettext catalogue installed (new-style gettext,
trimmed ``{% trans %}`` blocks), so a template never mixes languages and rendering is
thread-safe.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any, Final

from babel import Locale as BabelLocale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup, escape

from hsct import __version__
from hsct.common.i18n import (
    DEFAULT_LOCALE,
    LANGUAGE_NAMES,
    N_,
    SUPPORTED_LOCALES,
    data_translations,
    translations,
)
from hsct.common.text import Message
from hsct.edss import format_step
from hsct.eligibility.derive import Derived, shown
from hsct.knowledge.catalog import load_catalog
from hsct.knowledge.check import STALE_AFTER_YEARS, is_stale
from hsct.knowledge.labels import (
    APPLY_ROUTES,
    DESIGN_LABELS,
    INTENSITY_LABELS,
    MS_TYPE_LABELS,
    RECORD_LABELS,
    ROLE_LABELS,
    RULESET_KIND_LABELS,
    RULESET_STATUS_LABELS,
    STATUS_LABELS,
    STRENGTH_LABELS,
    TAG_LABELS,
    Description,
    describe,
)
from hsct.knowledge.money import convert, format_money
from hsct.knowledge.schema import Criterion
from hsct.web.assets import static_url
from hsct.web.auth import CSRF_FIELD, csrf_token, session_cookie_name
from hsct.web.glossary import glosser
from hsct.web.sections import SECTIONS

SITE_NAME = "HSCT Navigator"

#: Registry roles as people read them (msgids).
ACCOUNT_ROLE_LABELS: Final = {
    "patient": N_("Patient"),
    "clinic_staff": N_("Clinic staff"),
    "clinic_lead": N_("Clinic lead"),
    "clinic_monitor": N_("Monitor (read only)"),
    "site_admin": N_("Site administrator"),
}


@pass_context
def csrf_field(context: Mapping[str, Any]) -> Markup:
    """The hidden CSRF input for a POST form (empty for a visitor with no cookie to bind to)."""
    request = context.get("request")
    token = csrf_token(request) if request is not None else ""
    if not token:
        return Markup("")
    return Markup(  # noqa: S704 - a hex digest and fixed text
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
    )


@pass_context
def csrf_header(context: Mapping[str, Any]) -> str:
    """The JSON for htmx's ``hx-headers`` that sends the CSRF token with every htmx request."""
    request = context.get("request")
    token = csrf_token(request) if request is not None else ""
    return json.dumps({"X-CSRF-Token": token}) if token else ""


def signed_in_hint(request: Request) -> bool:
    """True when the browser sends a session cookie (for the header link; checks nothing)."""
    return bool(request.cookies.get(session_cookie_name(request)))


def field_attrs(errors: Mapping[str, str], name: str, *, hint: bool = False) -> Markup:
    """``aria-describedby``/``aria-invalid`` for a form control, linking its hint and error.

    The hint has id ``h-<name>`` and the error message ``e-<name>``.
    """
    ids = [f"h-{name}"] if hint else []
    if errors.get(name):
        ids.append(f"e-{name}")
    attrs = f' aria-describedby="{escape(" ".join(ids))}"' if ids else ""
    if errors.get(name):
        attrs += ' aria-invalid="true"'
    return Markup(attrs)  # noqa: S704 - built from escaped ids and fixed text only


class Pages:
    """Renders templates in the request's language."""

    def __init__(self) -> None:
        self._environments = {locale: _environment(locale) for locale in SUPPORTED_LOCALES}

    def environment(self, locale: str) -> Environment:
        """The Jinja environment for ``locale``."""
        return self._environments[locale]

    @staticmethod
    def gettext(locale: str) -> Callable[[str], str]:
        """Plain gettext for ``locale``, for text built in Python route code."""
        return translations(locale).gettext

    def render(
        self,
        request: Request,
        template: str,
        *,
        locale: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render ``template`` for ``request`` in ``locale`` as an HTML response."""
        page = self._environments[locale].get_template(template)
        query = request.url.query
        html = page.render(
            {
                "request": request,
                "locale": locale,
                "current_path": request.url.path + (f"?{query}" if query else ""),
                # A fresh one per page, so that each term links once per page.
                "gloss": glosser(locale, load_catalog().guide),
                **(context or {}),
            }
        )
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={"Content-Language": locale, "Vary": "Accept-Language, Cookie"},
        )


def derived_text(derived: Derived, gettext: Callable[[str], str], locale: BabelLocale) -> str:
    """A derived fact in one language: yes/no, MS type names, local decimals."""
    value = derived.value
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, str):
        return gettext(MS_TYPE_LABELS.get(value, value))
    if value is None:
        return gettext("Not known")

    def number(x: float) -> str:
        if derived.parameter == "edss":
            return format_step(x)
        return str(format_decimal(x, format="#,##0.#", locale=locale))

    if value.exact:
        return number(value.low)
    if math.isinf(value.high):
        return f"≥ {number(value.low)}"
    return f"{number(value.low)}–{number(value.high)}"


#: A value that is a date written YYYY-MM-DD (and nothing else).
ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_date(day: dt.date | str | None, *, locale: BabelLocale) -> str:
    """A date as people write it in ``locale``: "30 December 2026", "30 de diciembre de
    2026" and the Russian long form (Babel's long form; English written the British way).
    Partial dates of sources: "2026-11" is "November 2026", "2019" stays "2019"."""
    if day is None:
        return ""
    if isinstance(day, str):
        if PARTIAL_MONTH.fullmatch(day):  # "2026-11": the month as the language names it
            return _month_year(day, str(locale))
        if PARTIAL_YEAR.fullmatch(day) or not ISO_DAY.match(day):
            return day  # a year alone, or a source's date in another form: as written
        day = dt.date.fromisoformat(day[:10])
    return _long_date(day, str(locale))


#: Partial dates of the knowledge base: a year, or a year and month.
PARTIAL_YEAR: Final = re.compile(r"\d{4}")
PARTIAL_MONTH: Final = re.compile(r"\d{4}-\d{2}")


@lru_cache(maxsize=1024)
def _month_year(month: str, locale: str) -> str:
    """ "November 2026" and "noviembre de 2026": the month and year as each language writes
    them (Babel's ``yMMMM`` skeleton; Russian adds its abbreviation for "year")."""
    first = dt.date.fromisoformat(month + "-01")
    return str(format_skeleton("yMMMM", first, locale="en_GB" if locale == "en" else locale))


@lru_cache(maxsize=8192)
def _long_date(day: dt.date, locale: str) -> str:
    # Babel takes ~30 µs a date; a long record's table shows hundreds of them. Dates and
    # language codes only: nothing about who asked.
    return str(format_date(day, format="long", locale="en_GB" if locale == "en" else locale))


def _locale_helpers(locale: str) -> dict[str, Any]:
    """Functions that format for one language: country names, money, freshness."""
    babel_locale = BabelLocale.parse(locale)

    def country_name(code: str) -> str:
        return str(babel_locale.territories.get(code, code))

    def language_name(code: str) -> str:
        return str(babel_locale.languages.get(code, code))

    def money(amount: float, currency: str) -> str:
        return format_money(amount, currency, locale)

    def decimal(value: float) -> str:
        """A figure with one decimal, written the local way (4.2 / 4,2)."""
        return str(format_decimal(value, format="#,##0.0", locale=babel_locale))

    def shown_text(derived: Derived) -> str:
        return derived_text(derived, gettext, babel_locale)

    def month_name(day: dt.date) -> str:
        """ "March 2027" in this language (stand-alone month name)."""
        return str(format_date(day, format="LLLL y", locale=babel_locale)).capitalize()

    def freshness(date: str | None) -> str:
        if date is None:
            return "unknown"
        return "stale" if is_stale(date, dt.date.today()) else "fresh"  # noqa: DTZ011

    gettext = translations(locale).gettext

    def describe_here(criterion: Criterion) -> Description:
        return describe(criterion, gettext)

    return {
        "country_name": country_name,
        "language_name": language_name,
        "money": money,
        "decimal": decimal,
        "month_name": month_name,
        "local_date": partial(local_date, locale=babel_locale),
        "shown_text": shown_text,
        "shown": shown,
        "freshness": freshness,
        "STALE_AFTER_YEARS": STALE_AFTER_YEARS,
        "describe": describe_here,
        "convert": convert,
    }


def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("hsct.web", "templates"),
        autoescape=select_autoescape(
            disabled_extensions=("txt",), default=True, default_for_string=True
        ),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_translations(  # type: ignore[attr-defined]  # added by the i18n extension
        translations(locale), newstyle=True
    )
    gettext = translations(locale).gettext

    data_catalogue = data_translations(locale)

    def data_text(text: str | None) -> str:
        """The knowledge base's free text in the page's language where translated, else
        the interface catalogue's (texts written in code), else the English."""
        if not text:
            return ""
        found = data_catalogue.gettext(text)
        return gettext(text) if found == text else found

    def with_data(message: Message) -> Message:
        """A message whose drug name (a knowledge-base text) is in the page's language."""
        drug = message.params.get("drug")
        if not isinstance(drug, str):
            return message
        return Message(message.template, {**message.params, "drug": data_text(drug)})

    def translate(message: Message | str) -> str:
        if isinstance(message, Message):
            return with_data(message).translate(gettext)
        return gettext(message) if message else message

    babel_locale = BabelLocale.parse(locale)

    def translate_dates(message: Message) -> str:
        """A message translated, its YYYY-MM-DD values written as dates of the language."""
        params = {
            key: local_date(value, locale=babel_locale)
            if isinstance(value, str) and ISO_DAY.fullmatch(value)
            else value
            for key, value in message.params.items()
        }
        return with_data(Message(message.template, params)).translate(gettext)

    def data_lang(text: str | None) -> Markup:
        """``lang="en"`` when :func:`data_text` falls back to the English on a page in
        another language, so screen readers pronounce it as English."""
        if locale == DEFAULT_LOCALE or not text or data_text(text) != text:
            return Markup("")
        return Markup(' lang="en"')

    environment.filters["tr"] = translate
    environment.filters["dt"] = data_text
    # Drugs listed by their name in the page's language ("азатиоприн" before "алемтузумаб").
    environment.filters["by_data_name"] = lambda items: sorted(
        items, key=lambda item: data_text(item.name).casefold()
    )
    environment.filters["data_lang"] = data_lang
    environment.filters["trd"] = translate_dates
    environment.filters["problem"] = lambda error: error.translate(gettext)
    environment.globals.update(_locale_helpers(locale))
    environment.globals.update(
        site_name=SITE_NAME,
        version=__version__,
        static=static_url,
        languages=tuple(LANGUAGE_NAMES.items()),
        sections=SECTIONS,
        format_step=format_step,
        field_attrs=field_attrs,
        csrf_field=csrf_field,
        csrf_header=csrf_header,
        signed_in_hint=signed_in_hint,
        labels={
            "status": STATUS_LABELS,
            "intensity": INTENSITY_LABELS,
            "ms_type": MS_TYPE_LABELS,
            "strength": STRENGTH_LABELS,
            "tag": TAG_LABELS,
            "role": ROLE_LABELS,
            "record": RECORD_LABELS,
            "design": DESIGN_LABELS,
            "kind": RULESET_KIND_LABELS,
            "ruleset_status": RULESET_STATUS_LABELS,
            "account_role": ACCOUNT_ROLE_LABELS,
            "apply_route": APPLY_ROUTES,
        },
    )
    return environment
