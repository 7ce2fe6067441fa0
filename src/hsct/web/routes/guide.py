"""The decision aid (issue 18): "How aHSCT works", the glossary and "Should I consider
aHSCT?". The content is the knowledge base's ``guide/*.yaml``; nothing the reader answers
is stored: answers travel in the form body (never in the address) and come back only in
the page or in a file the reader chooses to download.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_, data_translations, translations
from hsct.common.text import Message
from hsct.eligibility.derive import Interval, derive
from hsct.eligibility.profile import parse_profile
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.evidence import INTENSITY_WORDS
from hsct.knowledge.guide import (
    SCALE,
    frames_for,
    frequency,
    link_terms,
    options_for,
    parse_answers,
    reflect,
    term_pattern,
)
from hsct.knowledge.schema import ASPECTS, Guide
from hsct.web.deps import CatalogDep
from hsct.web.locale import Locale, remember_locale, switched_locale
from hsct.web.routes.candidate import flat_form, load_profile
from hsct.web.templating import Pages

MS_TYPES = ("RRMS", "SPMS", "PPMS")
ASPECT_LABELS: Mapping[str, str] = {
    "time_away": N_("Time away from home"),
    "cost": N_("Cost"),
    "isolation": N_("Isolation and infection care"),
    "fertility": N_("Fertility"),
    "work": N_("Work and study"),
    "benefit": N_("Benefits"),
    "harm": N_("Harms"),
}
DIFFERENCE_LABELS: Mapping[str, str] = {
    "ms_type": N_("MS type"),
    "edss": N_("EDSS"),
    "age": N_("age"),
}


@dataclass(frozen=True, slots=True)
class _Terms:
    pattern: Any
    index: Mapping[str, str]


#: Built once per language and knowledge base (the guide is immutable but not hashable).
_TERMS: dict[tuple[str, int], tuple[Guide, _Terms]] = {}


def _terms(locale: str, guide: Guide) -> _Terms:
    """The glossary's words in ``locale`` (each term and its other forms, translated)."""
    cached = _TERMS.get((locale, id(guide)))
    if cached is not None and cached[0] is guide:
        return cached[1]
    catalogue = data_translations(locale)
    pairs: list[tuple[str, str]] = []
    for term in guide.glossary:
        for word in (term.term, *term.also):
            pairs.append((term.id, catalogue.gettext(word)))
            pairs.append((term.id, word))  # English abbreviations stay in every language
    index = {word.casefold(): term_id for term_id, word in reversed(pairs)}
    terms = _Terms(term_pattern(pairs), index)
    _TERMS[(locale, id(guide))] = (guide, terms)
    return terms


def glosser(locale: str, guide: Guide) -> Callable[[str], Markup]:
    """A function for one page: text in, escaped HTML out, each glossary term linked the
    first time it appears on the page."""
    terms = _terms(locale, guide)
    seen: set[str] = set()

    def gloss(text: str) -> Markup:
        parts = []
        for piece, term_id in link_terms(text, terms.pattern, terms.index, seen):
            if term_id is None:
                parts.append(escape(piece))
            else:
                parts.append(
                    Markup('<a class="term" href="/glossary#term-{}">{}</a>').format(term_id, piece)
                )
        return Markup("").join(parts)

    return gloss


@dataclass(frozen=True, slots=True)
class PhaseDays:
    """A clinic's published days for one phase of its stay (admission is day 1)."""

    facility_id: str
    name: str
    city: str
    first_day: int | None
    last_day: int | None
    days: int | None


def schedules(catalog: Catalog) -> dict[str, list[PhaseDays]]:
    """For each phase, the clinics whose published schedule gives it, by name."""
    found: dict[str, list[PhaseDays]] = {}
    for facility in sorted(catalog.facilities.values(), key=lambda f: f.name):
        schedule = facility.schedule.value
        if schedule is None:
            continue
        for step in schedule.steps:
            found.setdefault(step.phase, []).append(
                PhaseDays(
                    facility.id, facility.name, facility.city, step.first_day, step.last_day, None
                )
            )
        for phase, days in schedule.durations.items():
            if not any(step.phase == phase for step in schedule.steps):
                found.setdefault(phase, []).append(
                    PhaseDays(facility.id, facility.name, facility.city, None, None, days)
                )
    return found


def _icons(per100: int | None) -> list[bool]:
    return [index < (per100 or 0) for index in range(100)]


def _common(locale: str, catalog: Catalog) -> dict[str, Any]:
    return {
        "catalog": catalog,
        "guide": catalog.guide,
        "gloss": glosser(locale, catalog.guide),
        "aspects": ASPECTS,
        "aspect_labels": ASPECT_LABELS,
        "difference_labels": DIFFERENCE_LABELS,
        "frequency": frequency,
        "icons": _icons,
        "intensity_words": INTENSITY_WORDS,
    }


@dataclass(frozen=True, slots=True)
class Reader:
    """What the decision page knows of the reader: MS type, EDSS and age (each optional)."""

    ms_type: str | None = None
    edss: float | None = None
    age: float | None = None
    from_candidate: bool = False


def _number(form: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    raw = form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(
            [
                FieldError.translatable(
                    name,
                    Message(N_("not a number in the allowed range.")),
                    Message(N_("{low} to {high}"), {"low": f"{low:g}", "high": f"{high:g}"}),
                )
            ]
        )
    return value


def reader_from(form: Mapping[str, str], catalog: Catalog) -> Reader:
    """The reader from the candidate's answers (a ``profile`` field) or from the decision
    page's own three fields. Raises :class:`InvalidInput` naming the field."""
    if form.get("profile"):
        profile = parse_profile(load_profile(form.get("profile")), catalog)
        facts = derive(profile, catalog)
        known_age, known_edss = facts["age"].value, facts["edss"].value
        return Reader(
            ms_type=profile.ms_type if profile.ms_type in MS_TYPES else None,
            edss=known_edss.low if isinstance(known_edss, Interval) and known_edss.exact else None,
            age=known_age.low if isinstance(known_age, Interval) and known_age.exact else None,
            from_candidate=True,
        )
    ms_type = form.get("ms_type", "").strip() or None
    if ms_type is not None and ms_type not in MS_TYPES:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "ms_type",
                    Message(N_("not a type this page knows.")),
                    Message(", ".join(MS_TYPES)),
                )
            ]
        )
    edss = _number(form, "edss", 0, 10)
    if edss is not None and (edss * 2) % 1:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "edss",
                    Message(N_("EDSS goes in steps of 0.5.")),
                    Message(N_("0, 0.5, 1 ... 10")),
                )
            ]
        )
    return Reader(ms_type=ms_type, edss=edss, age=_number(form, "age", 18, 100))


def decide_context(
    locale: str, catalog: Catalog, form: Mapping[str, str]
) -> tuple[dict[str, Any], int]:
    """Everything the decision page shows for a submitted form, and the status code."""
    guide = catalog.guide
    errors: dict[str, str] = {}
    gettext = translations(locale).gettext
    try:
        reader = reader_from(form, catalog)
    except InvalidInput as exc:
        reader = Reader()
        errors.update({e.field: e.translate(gettext) for e in exc.errors})
    answers, invalid = parse_answers(guide, form)
    for value_id in invalid:
        errors[f"value-{value_id}"] = gettext("Choose one of the answers 1 to 5.")
    options = options_for(guide, reader.ms_type)
    context = {
        **_common(locale, catalog),
        "reader": reader,
        "options": options,
        "matches": frames_for(guide, ms_type=reader.ms_type, edss=reader.edss, age=reader.age),
        "answers": answers,
        "reflections": reflect(guide, answers, options),
        "scale": SCALE,
        "errors": errors,
        "form": form,
        "ms_types": MS_TYPES,
    }
    return context, 422 if errors else 200


def answers_text(locale: str, catalog: Catalog, form: Mapping[str, str]) -> str:
    """The reader's answers and the questions to take to appointments, as plain text."""
    guide = catalog.guide
    gettext = translations(locale).gettext
    data = data_translations(locale).gettext
    answers, _ = parse_answers(guide, form)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [gettext("Should I consider aHSCT? My answers"), today, ""]
    lines.append(gettext("What matters to me (1 = little, 5 = most):"))
    for question in guide.values:
        answer = answers.get(question.id)
        shown = str(answer) if answer is not None else gettext("not answered")
        lines.append(f"- {data(question.question)} {shown}")
    if guide.questions is not None:
        for title, items in (
            (gettext("Questions for my neurologist"), guide.questions.neurologist),
            (gettext("Questions for a clinic"), guide.questions.clinic),
            (gettext("Records to bring"), guide.questions.records),
        ):
            lines += ["", title + ":"]
            lines += [f"- {data(item.text)}" for item in items]
    lines += ["", gettext("From HSCT Navigator. Nothing you answered was stored.")]
    return "\n".join(lines) + "\n"


def guide_router(pages: Pages) -> APIRouter:
    """Routes of the decision aid."""
    router = APIRouter(include_in_schema=False)

    @router.get("/guide", response_class=HTMLResponse)
    def how(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        """How aHSCT works, stage by stage."""
        order = ("low", "intermediate", "high")
        levels = {
            term.id: sorted(
                {
                    level
                    for rid in term.regimens
                    if (level := catalog.regimens[rid].intensity.value) is not None
                },
                key=order.index,
            )
            for term in catalog.guide.intensities
        }
        context = {
            **_common(locale, catalog),
            "schedules": schedules(catalog),
            "intensity_levels": levels,
        }
        return pages.render(request, "guide/how.html", locale=locale, context=context)

    @router.get("/glossary", response_class=HTMLResponse)
    def glossary(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        """Every term the site uses, in plain words, with its source."""
        data = data_translations(locale).gettext
        terms = sorted(catalog.guide.glossary, key=lambda term: data(term.term).casefold())
        return pages.render(
            request,
            "guide/glossary.html",
            locale=locale,
            context={**_common(locale, catalog), "terms": terms},
        )

    @router.get("/decide", response_class=HTMLResponse)
    def decide(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        """The decision page, before the reader has said anything."""
        context, _ = decide_context(locale, catalog, {})
        return pages.render(request, "guide/decide.html", locale=locale, context=context)

    @router.post("/decide", response_class=HTMLResponse)
    async def decide_answered(
        request: Request, locale: Locale, catalog: CatalogDep
    ) -> HTMLResponse:
        """The decision page with the reader's MS type, EDSS and age and their values
        answers reflected back beside the options."""
        form = flat_form(await request.form())
        switched = switched_locale(form)
        lang = switched or locale
        context, status = await run_in_threadpool(decide_context, lang, catalog, form)
        response = pages.render(
            request, "guide/decide.html", locale=lang, context=context, status_code=status
        )
        if switched is not None:
            remember_locale(response, switched)
        return response

    @router.post("/decide/download")
    async def download(request: Request, locale: Locale, catalog: CatalogDep) -> Response:
        """The answers and the question list as a text file: stored only if the reader
        keeps the file."""
        form = flat_form(await request.form())
        return Response(
            answers_text(locale, catalog, form),
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="hsct-navigator-my-answers.txt"',
                "Cache-Control": "no-store",
            },
        )

    return router
