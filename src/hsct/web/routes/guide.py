"""The decision aid (issue 18): "How aHSCT works", the glossary and "Should I consider
aHSCT?". The content is the knowledge base's ``guide/*.yaml``; nothing the reader answers
is stored: answers travel in the form body (never in the address) and come back only in
the page or in a file the reader chooses to download.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_, data_translations, translations
from hsct.common.text import Message
from hsct.eligibility.derive import CONFIRMED_TYPES, Interval, derive
from hsct.eligibility.profile import parse_profile
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.evidence import INTENSITY_WORDS
from hsct.knowledge.guide import (
    SCALE,
    clinic_schedules,
    frames_for,
    frequency,
    intensity_levels,
    options_for,
    parse_answers,
    reflect,
)
from hsct.knowledge.labels import MS_TYPE_LABELS
from hsct.knowledge.schema import ASPECTS
from hsct.web.deps import CatalogDep
from hsct.web.locale import Locale, remember_locale, switched_locale
from hsct.web.routes.candidate import flat_form, load_profile
from hsct.web.templating import Pages

#: The types a reader can pick on the page: confirmed MS (the candidate's answers may also
#: carry CIS, RIS or suspected MS, which the page keeps and warns about).
MS_TYPES = CONFIRMED_TYPES
ASPECT_LABELS: Mapping[str, str] = {
    "time_away": N_("Time away from home"),
    "cost": N_("Cost"),
    "isolation": N_("Isolation and infection care"),
    "fertility": N_("Fertility"),
    "work": N_("Work and study"),
    "benefit": N_("Benefits"),
    "harm": N_("Harms"),
    "death": N_("Risk of dying from the treatment"),
}
DIFFERENCE_LABELS: Mapping[str, str] = {
    "ms_type": N_("MS type"),
    "edss": N_("EDSS"),
    "age": N_("age"),
    "entry": N_("how active MS was"),
}


def icon_dots(per100: int | None) -> list[bool]:
    """An icon array's 100 dots: the first ``per100`` filled."""
    return [index < (per100 or 0) for index in range(100)]


def _common(catalog: Catalog) -> dict[str, Any]:
    return {
        "catalog": catalog,
        "guide": catalog.guide,
        "aspects": ASPECTS,
        "aspect_labels": ASPECT_LABELS,
        "difference_labels": DIFFERENCE_LABELS,
        "frequency": frequency,
        "icons": icon_dots,
        "intensity_words": INTENSITY_WORDS,
    }


@dataclass(frozen=True, slots=True)
class Reader:
    """What the decision page knows of the reader: MS type, EDSS and age (each optional)."""

    ms_type: str | None = None
    edss: float | None = None
    age: float | None = None
    from_candidate: bool = False


def _number(
    form: Mapping[str, str], name: str, low: float, high: float, errors: list[FieldError]
) -> float | None:
    raw = form.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(
            FieldError.translatable(
                name,
                Message(N_("not a number in the allowed range.")),
                Message(N_("{low} to {high}"), {"low": f"{low:g}", "high": f"{high:g}"}),
            )
        )
        return None
    return value


def _edss(raw: str, errors: list[FieldError]) -> float | None:
    """An EDSS on the scale's own grid (0, 1.0, 1.5 ... 9.5, 10: there is no 0.5)."""
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if value in LEGAL_VALUES:
        return value
    errors.append(
        FieldError.translatable(
            "edss",
            Message(N_("{value} is not a value of the EDSS"), {"value": excerpt(raw)}),
            Message(N_("0, 1.0, 1.5, ... 9.5 or 10")),
        )
    )
    return None


def reader_from_profile(text: str, catalog: Catalog) -> Reader:
    """The reader from the candidate's saved answers (the hidden ``profile`` field): any
    MS type they gave (CIS and suspected MS included), and EDSS and age when known
    exactly. Raises :class:`InvalidInput` on the ``profile`` field."""
    try:
        profile = parse_profile(load_profile(text), catalog)
    except InvalidInput as exc:
        raise InvalidInput(
            [
                FieldError.translatable(
                    "profile",
                    Message(N_("your answers from “Am I a candidate?” could not be read.")),
                    Message(N_("answers saved by this site")),
                )
            ]
        ) from exc
    facts = derive(profile, catalog)
    known_age, known_edss = facts["age"].value, facts["edss"].value
    return Reader(
        ms_type=profile.ms_type,
        edss=known_edss.low if isinstance(known_edss, Interval) and known_edss.exact else None,
        age=known_age.low if isinstance(known_age, Interval) and known_age.exact else None,
        from_candidate=True,
    )


def reader_from_fields(form: Mapping[str, str]) -> Reader:
    """The reader from the decision page's own three fields. Raises :class:`InvalidInput`
    naming every bad field."""
    errors: list[FieldError] = []
    ms_type = form.get("ms_type", "").strip() or None
    if ms_type is not None and ms_type not in MS_TYPES:
        errors.append(
            FieldError.translatable(
                "ms_type", Message(N_("not a type this page knows.")), Message(", ".join(MS_TYPES))
            )
        )
        ms_type = None
    edss = _edss(form.get("edss", ""), errors)
    age = _number(form, "age", 18, 100, errors)
    if errors:
        raise InvalidInput(errors)
    return Reader(ms_type=ms_type, edss=edss, age=age)


def reader_from(form: Mapping[str, str], catalog: Catalog) -> Reader:
    """The reader from the candidate's saved answers when the form carries them, else from
    the page's own fields."""
    if form.get("profile"):
        return reader_from_profile(form["profile"], catalog)
    return reader_from_fields(form)


def decide_context(
    locale: str, catalog: Catalog, form: Mapping[str, str]
) -> tuple[dict[str, Any], int]:
    """Everything the decision page shows for a submitted form, and the status code.

    Saved answers that cannot be read are dropped (the page says so and offers the
    candidate check again), so that the page's own fields work on the next try.
    """
    guide = catalog.guide
    errors: dict[str, str] = {}
    gettext = translations(locale).gettext
    shown = dict(form)
    reader = Reader()
    try:
        reader = reader_from(form, catalog)
    except InvalidInput as exc:
        labels = {
            "ms_type": gettext("MS type"),
            "edss": gettext("EDSS"),
            "age": gettext("Age"),
            "profile": gettext("Your saved answers"),
        }
        errors.update({e.field: f"{labels[e.field]}: {e.translate(gettext)}" for e in exc.errors})
        shown.pop("profile", None)
    answers, invalid = parse_answers(guide, form)
    data = data_translations(locale).gettext
    questions = {question.id: question.question for question in guide.values}
    for value_id in invalid:
        errors[f"value-{value_id}"] = (
            f"{data(questions[value_id])} {gettext('Choose one of the answers 1 to 5.')}"
        )
    options = options_for(guide, reader.ms_type)
    context = {
        **_common(catalog),
        "reader": reader,
        "confirmed": reader.ms_type is None or reader.ms_type in MS_TYPES,
        "options": options,
        "matches": frames_for(guide, ms_type=reader.ms_type, edss=reader.edss, age=reader.age),
        "answers": answers,
        "reflections": reflect(guide, answers, options),
        "scale": SCALE,
        "errors": errors,
        "form": shown,
        "ms_types": MS_TYPES,
        "edss_values": [format_step(value) for value in LEGAL_VALUES],
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
    try:
        reader = reader_from(form, catalog)
    except InvalidInput:
        reader = Reader()
    not_given = gettext("not given")
    ms_type = gettext(MS_TYPE_LABELS[reader.ms_type]) if reader.ms_type else not_given
    edss = format_step(reader.edss) if reader.edss is not None else not_given
    age = f"{reader.age:g}" if reader.age is not None else not_given
    lines += [
        f"{gettext('MS type')}: {ms_type}",
        f"{gettext('EDSS')}: {edss}",
        f"{gettext('Age')}: {age}",
        "",
    ]
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
        context = {
            **_common(catalog),
            "schedules": clinic_schedules(catalog),
            "intensity_levels": intensity_levels(catalog),
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
            context={**_common(catalog), "terms": terms},
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

    @router.post("/decide/summary", response_class=HTMLResponse)
    async def summary(request: Request, locale: Locale, catalog: CatalogDep) -> HTMLResponse:
        """One page to print: about me, what matters to me, the questions and records to
        bring, and room for notes."""
        form = flat_form(await request.form())
        context, status = await run_in_threadpool(decide_context, locale, catalog, form)
        context["today"] = dt.datetime.now(dt.UTC).date().isoformat()
        return pages.render(
            request, "guide/summary.html", locale=locale, context=context, status_code=status
        )

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
