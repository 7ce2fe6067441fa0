"""Directory, facility, comparison, legitimacy and evidence pages."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final

from babel import Locale as BabelLocale
from babel.numbers import get_currency_name
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hsct.common.errors import FieldError, InvalidInput, NotFound, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Message
from hsct.eligibility.directory import directory_search
from hsct.knowledge import (
    QUESTIONS,
    Catalog,
    DirectoryQuery,
    Entry,
    Facility,
    compare,
    rate,
    rate_facility,
)
from hsct.knowledge.directory import SORT_KEYS
from hsct.knowledge.evidence import match_studies
from hsct.knowledge.labels import (
    INTENSITY_LABELS,
    MS_TYPE_LABELS,
    POPULATION_LABELS,
    STATUS_LABELS,
)
from hsct.knowledge.legitimacy import (
    COUNTRIES,
    OTHER_COUNTRY_TEXT,
    PRICE_FAR_BELOW_SHARE,
    PRICE_QUESTION,
    facility_cautions,
    patient_guide,
    price_currencies,
    regulator_for,
    report_routes,
)
from hsct.knowledge.risk import risk_summary
from hsct.web.auth import has_session_cookie
from hsct.web.currency import preferred_currency, remember_currency
from hsct.web.deps import CatalogDep, DbSession
from hsct.web.forms import form_errors
from hsct.web.locale import Locale
from hsct.web.routes.published import facility_publication
from hsct.web.templating import Pages

Gettext = Callable[[str], str]

DIRECTORY_FIELDS: Final = (
    "country",
    "ms_type",
    "edss",
    "age",
    "intensity",
    "status",
    "max_price",
    "currency",
    "sort",
    "hide_unknown",
)
FIELD_LABELS: Final = {
    "country": N_("Country"),
    "ms_type": N_("MS type"),
    "edss": N_("Your EDSS"),
    "age": N_("Your age"),
    "intensity": N_("Treatment intensity"),
    "status": N_("Status"),
    "max_price": N_("Highest price"),
    "currency": N_("Currency"),
    "sort": N_("Sort by"),
    "ids": N_("Facilities to compare"),
}
SORT_LABELS: Final = {
    "open": N_("Accepting patients, with published criteria, first"),
    "country": N_("Country"),
    "name": N_("Name"),
    "price": N_("Price, lowest first"),
    "edss": N_("Highest EDSS accepted"),
    "age": N_("Oldest age accepted"),
}
EVIDENCE_POPULATIONS: Final = ("RRMS", "progressive", "SPMS", "PPMS")


def _number(values: Mapping[str, str], name: str, errors: list[FieldError]) -> float | None:
    text = values.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors.append(
            FieldError.translatable(
                name,
                Message(N_("{text} is not a number"), {"text": repr(text)}),
                Message(N_("a number")),
            )
        )
        return None


def _text(values: Mapping[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def directory_query(values: Mapping[str, str]) -> tuple[DirectoryQuery, list[FieldError]]:
    """A directory query from form fields; problems are returned, not raised."""
    errors: list[FieldError] = []
    sort = values.get("sort") or "open"
    if sort not in SORT_KEYS:
        errors.append(FieldError("sort", f"unknown sort {excerpt(sort)}", ", ".join(SORT_KEYS)))
        sort = "open"
    query = DirectoryQuery(
        country=_text(values, "country"),
        ms_type=_text(values, "ms_type"),
        edss=_number(values, "edss", errors),
        age=_number(values, "age", errors),
        intensity=_text(values, "intensity"),
        status=_text(values, "status"),
        max_price=_number(values, "max_price", errors),
        currency=(values.get("currency") or "USD").upper(),
        hide_unknown=values.get("hide_unknown") in ("1", "on", "true"),
        sort=sort,  # type: ignore[arg-type]  # checked above
    )
    return query, errors


def field_messages(errors: list[FieldError], gettext: Gettext) -> dict[str, str]:
    """One translated message per bad field, naming it and what is allowed."""
    return form_errors(errors, gettext, labels=FIELD_LABELS)


def directory_context(
    values: Mapping[str, str], catalog: Catalog, gettext: Gettext
) -> dict[str, Any]:
    """What the directory page shows for these form values."""
    query, errors = directory_query(values)
    entries: tuple[Entry, ...] = ()
    if not errors:
        try:
            entries = directory_search(catalog, query)
        except InvalidInput as exc:
            errors = list(exc.errors)
    return {
        "values": values,
        "query": query,
        "entries": entries,
        "errors": field_messages(errors, gettext),
        "countries": sorted({f.country for f in catalog.facilities.values()}),
        "currencies": sorted(catalog.rates.table),
        "rates": catalog.rates,
        "status_labels": STATUS_LABELS,
        "ms_type_labels": MS_TYPE_LABELS,
        "intensity_labels": INTENSITY_LABELS,
        "sort_labels": SORT_LABELS,
        "field_labels": FIELD_LABELS,
        "catalog": catalog,
    }


def _currency(request: Request, locale: str, catalog: Catalog) -> str:
    return preferred_currency(request, locale, catalog.rates.table)


LEGITIMACY_NOT_A_CHOICE: Final = N_("This answer is not one of the choices.")


def legitimacy_answers(params: Mapping[str, str]) -> dict[str, str]:
    """The questionnaire's answers from a query string: one per question, the price from
    its two controls (``price_amount`` and ``price_currency``) as "15000 USD"."""
    answers = {
        q.id: value
        for q in QUESTIONS
        if q.kind != "price" and (value := params.get(q.id, "").strip())
    }
    amount = params.get("price_amount", "").strip()
    if amount:
        answers[PRICE_QUESTION] = f"{amount} {params.get('price_currency', '').strip()}".strip()
    return answers


def legitimacy_context(
    params: Mapping[str, str], catalog: Catalog, locale: str, gettext: Gettext
) -> dict[str, Any]:
    """Everything the legitimacy page shows: the questions, the rating and the reporting.

    An answer that cannot be used is named next to its question, and the rating is made
    from the other answers (never from the bad one).
    """
    answers = legitimacy_answers(params)
    errors: dict[str, str] = {}
    rating = None
    if answers:
        try:
            rating = rate(answers, catalog)
        except InvalidInput as exc:
            for error in exc.errors:
                problem = (
                    error.message_text.translate(gettext)
                    if error.message_text is not None
                    else gettext(LEGITIMACY_NOT_A_CHOICE)
                )
                errors.setdefault(error.field, problem)
            usable = {k: v for k, v in answers.items() if k not in errors}
            rating = rate(usable, catalog) if usable else None
    babel_locale = BabelLocale.parse(locale)
    countries = sorted(
        ((code, str(babel_locale.territories.get(code, code))) for code in COUNTRIES),
        key=lambda pair: pair[1].casefold(),
    )
    currencies = [
        (code, str(get_currency_name(code, locale=babel_locale)))
        for code in price_currencies(catalog)
    ]
    country = answers.get("country")
    return {
        "questions": QUESTIONS,
        "answers": answers,
        "rating": rating,
        "errors": errors,
        "price_amount": params.get("price_amount", "").strip(),
        "price_currency": params.get("price_currency", "").strip(),
        "currencies": currencies,
        "countries": countries,
        "report": report_routes(catalog, country),
        "report_country": country if country and regulator_for(country) else None,
        "other_country_text": OTHER_COUNTRY_TEXT,
        "guide": patient_guide(catalog),
        "far_below_share": PRICE_FAR_BELOW_SHARE,
    }


def facility_context(facility: Facility, catalog: Catalog, currency: str) -> dict[str, Any]:
    """What a facility page shows."""
    return {
        "facility": facility,
        "catalog": catalog,
        "limits": catalog.limits(facility.id),
        "rating": rate_facility(facility, catalog),
        "cautions": facility_cautions(facility, catalog),
        "criteria": catalog.criteria(facility.id) if facility.id in catalog.rulesets else (),
        "ruleset": catalog.rulesets.get(facility.id),
        "studies": [s for s in catalog.studies.values() if facility.id in s.facilities],
        "currency": currency,
        "currencies": sorted(catalog.rates.table),
    }


EVIDENCE_FIELDS: Final = ("population", "intensity", "edss", "age")


def evidence_context(
    values: Mapping[str, str], catalog: Catalog, gettext: Gettext
) -> dict[str, Any]:
    """What the evidence page shows: the risks, then the studies (hsct.knowledge.evidence).

    MS type or intensity alone filters the list; with an EDSS or age ("people like me") the
    studies that did not include someone like the person are shown too, each with why.
    """
    errors: dict[str, str] = {}
    population, intensity = values.get("population", ""), values.get("intensity", "")
    if population and population not in EVIDENCE_POPULATIONS:
        errors["population"] = gettext("This value is not one of the choices.")
        population = ""
    if intensity and intensity not in INTENSITY_LABELS:
        errors["intensity"] = gettext("This value is not one of the choices.")
        intensity = ""
    problems: list[FieldError] = []
    edss, age = _number(values, "edss", problems), _number(values, "age", problems)
    ms_type = population or None
    try:
        matches = match_studies(
            catalog, ms_type=ms_type, edss=edss, age=age, intensity=intensity or None
        )
        risks = risk_summary(catalog, ms_type=ms_type, edss=edss, age=age)
    except InvalidInput as exc:  # an EDSS or age that cannot be used: leave both out
        problems += exc.errors
        edss = age = None
        matches = match_studies(
            catalog, ms_type=ms_type, edss=None, age=None, intensity=intensity or None
        )
        risks = risk_summary(catalog, ms_type=ms_type, edss=None, age=None)
    errors.update(field_messages(problems, gettext))
    personal = edss is not None or age is not None
    shown = [m.study for m in matches.matching]
    mortality = [s.mortality.percent for s in shown if s.mortality is not None]
    return {
        "values": values,
        "matches": matches,
        "rows": matches.matching,
        "other": matches.other if personal else (),
        "hidden": 0 if personal else len(matches.other),
        "personal": personal,
        "risks": risks,
        "population": population,
        "intensity": intensity,
        "errors": errors,
        "populations": EVIDENCE_POPULATIONS,
        "intensity_labels": INTENSITY_LABELS,
        "population_labels": POPULATION_LABELS,
        "catalog": catalog,
        "mortality_range": (min(mortality), max(mortality)) if mortality else None,
    }


VARY: Final = {"Vary": "Accept-Language, Cookie"}
#: Directory filters that describe a person: their results are never cached.
PERSONAL_FIELDS: Final = ("ms_type", "edss", "age")


class PageCache:
    """A small, bounded cache of rendered HTML (least recently used goes first)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable) -> str | None:
        """The HTML for ``key``, or None."""
        html = self._items.get(key)
        if html is not None:
            self._items.move_to_end(key)
        return html

    def answer(
        self, key: Hashable | None, make: Callable[[], HTMLResponse], locale: str
    ) -> HTMLResponse:
        """The kept page for ``key``, or ``make()`` (kept when it succeeds; None: never kept)."""
        html = self.get(key) if key is not None else None
        if html is not None:
            return HTMLResponse(html, headers={**VARY, "Content-Language": locale})
        response = make()
        if key is not None and response.status_code == 200:
            self.put(key, bytes(response.body).decode())
        return response

    def put(self, key: Hashable, html: str) -> None:
        """Keep ``html`` for ``key``, dropping the oldest entry when full."""
        self._items[key] = html
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def directory_key(
    locale: str, values: Mapping[str, str], query: str, catalog: Catalog
) -> Hashable | None:
    """The cache key of a directory answer, or None when a filter describes a person."""
    if any(values.get(k) for k in PERSONAL_FIELDS):
        return None
    return (locale, id(catalog), query)


def knowledge_router(pages: Pages) -> APIRouter:
    """Routes for the knowledge pages."""
    router = APIRouter(include_in_schema=False)

    def render(
        request: Request,
        locale: str,
        page: str,
        *,
        partial: str | None,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        wants_partial = partial is not None and request.headers.get("HX-Request") == "true"
        return pages.render(
            request,
            partial if wants_partial and partial else page,
            locale=locale,
            context=context,
            status_code=status_code,
        )

    answers = PageCache()

    @router.get("/facilities", response_class=HTMLResponse)
    def directory(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        values = {k: request.query_params.get(k, "") for k in DIRECTORY_FIELDS}
        # Without ?currency= the person's remembered currency, else their language's.
        values["currency"] = values["currency"] or _currency(request, locale, catalog)
        partial = request.headers.get("HX-Request") == "true"
        # The page depends only on the filters, the language and the catalogue, so a page
        # without personal filters (age, EDSS, MS type) is rendered once and kept.
        # Nor is a page for someone with a session: it holds their CSRF token and account link.
        key = (
            None
            if has_session_cookie(request)
            else directory_key(locale, values, request.url.query, catalog)
        )
        # The key holds the address; the currency may come from the cookie or the language.
        key = None if key is None else (key, values["currency"])

        def make() -> HTMLResponse:
            context = directory_context(values, catalog, pages.gettext(locale))
            return render(
                request,
                locale,
                "facilities/index.html",
                partial="facilities/_results.html",
                context=context,
                status_code=422 if context["errors"] else 200,
            )

        response = answers.answer(None if key is None else (key, partial), make, locale)
        remember_currency(request, response, catalog.rates.table)
        return response

    @router.get("/facilities/compare", response_class=HTMLResponse)
    def compare_page(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        context: dict[str, Any] = {
            "catalog": catalog,
            "currency": _currency(request, locale, catalog),
            "status_labels": STATUS_LABELS,
            "intensity_labels": INTENSITY_LABELS,
        }
        try:
            chosen = compare(catalog, request.query_params.getlist("ids"))
        except InvalidInput as exc:
            context.update(
                chosen=(), errors=field_messages(list(exc.errors), pages.gettext(locale))
            )
            return render(
                request,
                locale,
                "facilities/compare.html",
                partial=None,
                context=context,
                status_code=400,
            )
        context.update(
            chosen=chosen, errors={}, ratings={f.id: rate_facility(f, catalog) for f in chosen}
        )
        response = render(request, locale, "facilities/compare.html", partial=None, context=context)
        remember_currency(request, response, catalog.rates.table)
        return response

    @router.get("/facilities/{facility_id}", response_class=HTMLResponse)
    def facility_page(
        request: Request, locale: Locale, catalog: CatalogDep, db: DbSession, facility_id: str
    ) -> HTMLResponse:
        facility = catalog.facilities.get(facility_id)
        if facility is None:
            raise NotFound("facility", facility_id)
        context = facility_context(facility, catalog, _currency(request, locale, catalog))
        published = facility_publication(db, catalog, facility_id)
        context["published_unavailable"] = bool(published and published.get("unavailable"))
        context["published"] = None if context["published_unavailable"] else published
        response = render(request, locale, "facilities/detail.html", partial=None, context=context)
        remember_currency(request, response, catalog.rates.table)
        return response

    @router.get("/legitimacy", response_class=HTMLResponse)
    def legitimacy_page(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        context = legitimacy_context(request.query_params, catalog, locale, pages.gettext(locale))
        return render(
            request, locale, "legitimacy.html", partial="legitimacy_partial.html", context=context
        )

    @router.get("/evidence", response_class=HTMLResponse)
    def evidence_page(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        values = {k: request.query_params.get(k, "").strip() for k in EVIDENCE_FIELDS}
        context = evidence_context(values, catalog, pages.gettext(locale))
        return render(
            request, locale, "evidence.html", partial="_evidence_results.html", context=context
        )

    return router
