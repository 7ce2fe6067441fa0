"""EDSS calculator pages: a landing page and two ways in (examination scores, or walking).

Forms use GET so a result has its own address (bookmark, print, share with a clinician).
With htmx the result region is refreshed as answers change; without JavaScript the
"Show the result" button does the same with a full page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.edss import (
    AMBULATION_LEVELS,
    BED_LEVELS,
    FUNCTIONAL_SYSTEMS,
    SELF_REPORT_GAP,
    BedStatus,
    EdssResult,
    WalkingFacts,
    Wheelchair,
    score,
)
from hsct.web.forms import form_errors
from hsct.web.locale import Locale
from hsct.web.templating import Pages

FS_KEYS: Final = tuple(fs.key for fs in FUNCTIONAL_SYSTEMS)
LABELS: Final = {
    **{fs.key: fs.label for fs in FUNCTIONAL_SYSTEMS},
    "ambulation_score": N_("Ambulation score"),
    "bed_status": N_("Bed status"),
    "mode": N_("Scoring rules"),
    "unrestricted": N_("Walking as far as healthy people of your age"),
    "unaided": N_("Without any aid"),
    "one_aid": N_("With support on one side"),
    "two_aids": N_("With support on both sides"),
    "not_walking": N_("If you cannot walk 5 metres even with aids"),
}
#: Core field names (as in InvalidInput) -> form field names.
CORE_TO_FORM: Final = {
    "walking.unaided_m": "unaided",
    "walking.one_aid_m": "one_aid",
    "walking.two_aids_m": "two_aids",
    "walking.wheelchair": "not_walking",
    "walking.bed_status": "not_walking",
    "walking.unrestricted": "unrestricted",
}
CONTRADICTION_HINTS: Final = {
    "unaided": N_(
        "This distance does not fit with walking as far as healthy people of your "
        "age. Change one of the two answers."
    ),
    "not_walking": N_(
        "This answer is only for people who cannot walk 5 metres even with aids. "
        "Change it, or change the walking distances above."
    ),
    "ambulation_score": N_(
        "This ambulation score does not fit with the bed status. Bed status "
        "goes with ambulation score 12."
    ),
    "bed_status": N_("Bed status goes with ambulation score 12. Change one of the two."),
}
NOT_WALKING_CHOICES: Final = (
    ("wheelchair_independent", N_("I use a wheelchair and move it and transfer by myself")),
    ("wheelchair_with_help", N_("I use a wheelchair and need help to move it or to transfer")),
    *(
        (status.value, BED_LEVELS[status].label)
        for status in BedStatus
        if status is not BedStatus.DEATH_DUE_TO_MS
    ),
)


@dataclass
class FormState:
    """What the person entered, what is wrong with it, and the result if there is one."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    result: EdssResult | None = None

    @property
    def submitted(self) -> bool:
        """True once any answer has been given."""
        return any(value for value in self.values.values())

    @property
    def grades_entered(self) -> bool:
        """True when any functional-system grade was given."""
        return any(self.values.get(key) for key in FS_KEYS)


def _whole(values: Mapping[str, str], name: str, errors: list[FieldError]) -> int | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors.append(FieldError(name, f"{excerpt(text)} is not a whole number", "a whole number"))
        return None


def _metres(values: Mapping[str, str], name: str, errors: list[FieldError]) -> float | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors.append(FieldError(name, f"{excerpt(text)} is not a distance", "metres"))
        return None


def _grades(values: Mapping[str, str], errors: list[FieldError]) -> dict[str, int | None]:
    return {key: _whole(values, key, errors) for key in FS_KEYS}


def _form_errors(problems: list[FieldError], gettext: Callable[[str], str]) -> dict[str, str]:
    """Field-level messages in the person's language, keyed by form field name."""
    return form_errors(
        problems,
        gettext,
        labels=LABELS,
        control=lambda field: CORE_TO_FORM.get(field, field),
        hints=CONTRADICTION_HINTS,
    )


def _compute(
    state: FormState,
    problems: list[FieldError],
    gettext: Callable[[str], str],
    **inputs: Any,
) -> None:
    """Score the parsed inputs; every problem, from parsing or from the core, is shown."""
    try:
        result = score(**inputs)
    except InvalidInput as exc:
        problems = [*problems, *exc.errors]
        result = None
    if problems:
        state.errors = _form_errors(problems, gettext)
        return
    state.result = result


def clinician_state(values: Mapping[str, str], gettext: Callable[[str], str]) -> FormState:
    """Parse the examination form and score it."""
    state = FormState(
        values={k: values.get(k, "") for k in (*FS_KEYS, "ambulation_score", "bed_status", "mode")}
    )
    if not state.submitted:
        return state
    problems: list[FieldError] = []
    grades = _grades(values, problems)
    ambulation_score = _whole(values, "ambulation_score", problems)
    mode = values.get("mode") or "neurostatus"
    _compute(
        state,
        problems,
        gettext,
        **grades,
        ambulation_score=ambulation_score,
        bed_status=values.get("bed_status") or None,
        mode=mode,
    )
    return state


def walking_state(values: Mapping[str, str], gettext: Callable[[str], str]) -> FormState:
    """Parse the walking questions (and any examination grades) and score them."""
    names = ("unrestricted", "unaided", "one_aid", "two_aids", "not_walking", *FS_KEYS)
    state = FormState(values={k: values.get(k, "") for k in names})
    if not state.submitted:
        return state
    problems: list[FieldError] = []
    not_walking = values.get("not_walking", "")
    wheelchair = {
        "wheelchair_independent": Wheelchair.INDEPENDENT,
        "wheelchair_with_help": Wheelchair.WITH_HELP,
    }.get(not_walking)
    bed: BedStatus | None = None
    if not_walking and wheelchair is None:
        try:
            bed = BedStatus(not_walking)
        except ValueError:
            problems.append(
                FieldError(
                    "not_walking",
                    f"unknown answer {excerpt(not_walking)}",
                    "one of the listed answers",
                )
            )
    facts = WalkingFacts(
        unrestricted={"yes": True, "no": False}.get(values.get("unrestricted", "")),
        unaided_m=_metres(values, "unaided", problems),
        one_aid_m=_metres(values, "one_aid", problems),
        two_aids_m=_metres(values, "two_aids", problems),
        wheelchair=wheelchair,
        bed_status=bed,
    )
    _compute(state, problems, gettext, **_grades(values, problems), walking=facts)
    return state


def edss_router(pages: Pages) -> APIRouter:
    """Routes under ``/edss``."""
    router = APIRouter(include_in_schema=False)

    def respond(
        request: Request, locale: str, template: str, state: FormState, way: str
    ) -> HTMLResponse:
        partial = request.headers.get("HX-Request") == "true"
        return pages.render(
            request,
            "edss/_result.html" if partial else template,
            locale=locale,
            context={
                "state": state,
                "way": way,
                "fs_list": FUNCTIONAL_SYSTEMS,
                "ambulation_levels": AMBULATION_LEVELS,
                "bed_levels": BED_LEVELS,
                "not_walking_choices": list(NOT_WALKING_CHOICES),
                "labels": LABELS,
                "self_report_source": SELF_REPORT_GAP,
            },
        )

    @router.get("/edss", response_class=HTMLResponse)
    def edss_home(request: Request, locale: Locale) -> HTMLResponse:
        return pages.render(request, "edss/index.html", locale=locale)

    @router.get("/edss/examination", response_class=HTMLResponse)
    def edss_examination(request: Request, locale: Locale) -> HTMLResponse:
        state = clinician_state(request.query_params, pages.gettext(locale))
        return respond(request, locale, "edss/examination.html", state, "examination")

    @router.get("/edss/walking", response_class=HTMLResponse)
    def edss_walking(request: Request, locale: Locale) -> HTMLResponse:
        state = walking_state(request.query_params, pages.gettext(locale))
        return respond(request, locale, "edss/walking.html", state, "walking")

    return router
