"""EDSS calculator pages: a landing page and two ways in (examination scores, or walking).

Forms use GET so a result has its own address (bookmark, print, share with a clinician).
With htmx the result region is refreshed as answers change, and a one-line summary that
stays at the bottom of the screen is updated out of band (announced politely); without
JavaScript the "Show the result" button does the same with a full page.

Every grade and every walking answer is described in plain words with its source; the
result reads as what the step means; when walking leaves a range, the one question that
would narrow it most is asked first; a settled EDSS can be taken to "Am I a candidate?"
by a POST form (never in an address).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hsct.common.edss_value import format_step
from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.edss import (
    AMBULATION_LEVELS,
    BED_LEVELS,
    FS_GRADE_MEANINGS,
    FUNCTIONAL_SYSTEMS,
    GRADE_SOURCES,
    SELF_REPORT_GAP,
    STEP_MEANINGS,
    WALKING_ANSWER_SOURCES,
    WALKING_ANSWERS,
    BedStatus,
    EdssResult,
    NextQuestion,
    StepMeaning,
    WalkingFacts,
    WalkingQuestion,
    Wheelchair,
    answer_step,
    next_question,
    score,
)
from hsct.web.forms import form_errors
from hsct.web.locale import Locale, remember_locale, switched_locale
from hsct.web.routes.candidate import STEPS
from hsct.web.templating import Pages

FS_KEYS: Final = tuple(fs.key for fs in FUNCTIONAL_SYSTEMS)
#: The controls of each form, whose messages a result updates.
FIELD_NAMES: Final = {
    "examination": (*FS_KEYS, "ambulation_score", "bed_status", "mode"),
    "walking": (*(question.value for question in WalkingQuestion), *FS_KEYS),
}
#: The step of "Am I a candidate?" that asks for the EDSS.
CANDIDATE_EDSS_STEP: Final = next(step.id for step in STEPS if "edss" in step.fields)
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
#: The walking questions in the order the form asks them, each with its msgid.
QUESTION_TEXT: Final = {
    WalkingQuestion.UNRESTRICTED: N_(
        "Can you walk as far as healthy people of your age, without any help?"
    ),
    WalkingQuestion.UNAIDED: N_("Without any aid and without resting, how far can you walk?"),
    WalkingQuestion.ONE_AID: N_(
        "With a stick or crutch on one side (or someone's arm), how far can you walk?"
    ),
    WalkingQuestion.TWO_AIDS: N_(
        "With support on both sides (two sticks or crutches, or a walking frame), how far "
        "can you walk?"
    ),
    WalkingQuestion.NOT_WALKING: N_("If you cannot walk 5 metres even with aids:"),
}
QUESTION_HINTS: Final = {
    WalkingQuestion.UNAIDED: N_(
        "An ankle-foot orthosis (a splint for the foot) does not count as an aid."
    ),
}
_NEVER: Final = N_("Less than 5 metres, or I never walk like this")
#: The words of each answer the walking form offers (values as in ``WALKING_ANSWERS``).
ANSWER_TEXT: Final = {
    WalkingQuestion.UNRESTRICTED: {"yes": N_("Yes"), "no": N_("No")},
    WalkingQuestion.UNAIDED: {
        "500": N_("500 metres or more"),
        "300": N_("300 to 499 metres"),
        "200": N_("200 to 299 metres"),
        "100": N_("100 to 199 metres"),
        "5": N_("5 to 99 metres"),
        "0": N_("Less than 5 metres"),
    },
    WalkingQuestion.ONE_AID: {
        "50": N_("50 metres or more"),
        "5": N_("5 to 49 metres"),
        "0": _NEVER,
    },
    WalkingQuestion.TWO_AIDS: {
        "120": N_("120 metres or more"),
        "5": N_("5 to 119 metres"),
        "0": _NEVER,
    },
    WalkingQuestion.NOT_WALKING: {
        "wheelchair_independent": N_("I use a wheelchair and move it and transfer by myself"),
        "wheelchair_with_help": N_("I use a wheelchair and need help to move it or to transfer"),
        **{
            status.value: BED_LEVELS[status].label
            for status in BedStatus
            if status is not BedStatus.DEATH_DUE_TO_MS
        },
    },
}
#: The answer that leaves a question open, and its words.
OPEN_ANSWER: Final = {
    WalkingQuestion.NOT_WALKING: N_("This does not apply to me"),
}
NOT_SURE: Final = N_("Not sure")
COUNTS_AS: Final = N_("Ambulation score {score} · EDSS {step}")
NOT_WALKING_UNDER_5: Final = N_("Under 5 metres does not count as walking")
NOT_UNRESTRICTED: Final = N_("Ambulation score 1 or more · EDSS 2.0 or more")
#: Where the descriptions of grades, answers and steps come from.
DESCRIPTION_SOURCES: Final[tuple[Citation, ...]] = tuple(
    dict.fromkeys((*GRADE_SOURCES, *WALKING_ANSWER_SOURCES))
)


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer of a walking question: its form value, words and what it counts as."""

    value: str
    label: str
    note: Message | None


@dataclass(frozen=True, slots=True)
class Question:
    """One walking question as the form shows it."""

    name: str
    legend: str
    hint: str | None
    choices: tuple[Choice, ...]


def _note(question: WalkingQuestion, answer: str) -> Message | None:
    counted = answer_step(question, answer)
    if counted is not None:
        level, step = counted
        return Message(COUNTS_AS, {"score": level, "step": format_step(step)})
    if question is WalkingQuestion.UNRESTRICTED:
        return Message(NOT_UNRESTRICTED)
    return Message(NOT_WALKING_UNDER_5)


def _question(question: WalkingQuestion) -> Question:
    answers = [
        Choice(value, ANSWER_TEXT[question][value], _note(question, value))
        for value, _ in WALKING_ANSWERS[question]
    ]
    if question in OPEN_ANSWER:
        answers.insert(0, Choice("", OPEN_ANSWER[question], None))
    else:
        answers.append(Choice("", NOT_SURE, None))
    return Question(
        question.value, QUESTION_TEXT[question], QUESTION_HINTS.get(question), tuple(answers)
    )


WALKING_QUESTIONS: Final = tuple(_question(question) for question in WalkingQuestion)
NOT_WALKING_CHOICES: Final = tuple(
    (choice.value, choice.label) for choice in WALKING_QUESTIONS[-1].choices if choice.value
)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """The question to answer next, and what each of its answers would give."""

    question: Question
    outcomes: tuple[tuple[str, float, float], ...]


def _narrowing(found: NextQuestion) -> Narrowing:
    question = WALKING_QUESTIONS[list(WalkingQuestion).index(found.question)]
    words = {choice.value: choice.label for choice in question.choices}
    return Narrowing(
        question,
        tuple((words[outcome.answer], outcome.low, outcome.high) for outcome in found.outcomes),
    )


@dataclass
class FormState:
    """What the person entered, what is wrong with it, and the result if there is one."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    result: EdssResult | None = None
    narrowing: Narrowing | None = None

    @property
    def submitted(self) -> bool:
        """True once any answer has been given."""
        return any(value for value in self.values.values())

    @property
    def grades_entered(self) -> bool:
        """True when any functional-system grade was given."""
        return any(self.values.get(key) for key in FS_KEYS)

    @property
    def grades_missing(self) -> bool:
        """True when some functional-system grade is not known."""
        return any(not self.values.get(key) for key in FS_KEYS)

    @property
    def candidate_profile(self) -> str:
        """The answers "Am I a candidate?" takes: the EDSS when there is one value."""
        value = None if self.result is None else self.result.value
        return json.dumps({"edss": value}) if value is not None else ""

    @property
    def meanings(self) -> tuple[StepMeaning, ...]:
        """What the result means: one step, or both ends of a range."""
        if self.result is None:
            return ()
        if self.result.value is not None:
            return (STEP_MEANINGS[self.result.value],)
        return (STEP_MEANINGS[self.result.low], STEP_MEANINGS[self.result.high])


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
    grades = _grades(values, problems)
    _compute(state, problems, gettext, **grades, walking=facts)
    if state.result is not None and not state.result.determined:
        found = next_question(facts, grades=grades)
        state.narrowing = None if found is None else _narrowing(found)
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
                "walking_questions": WALKING_QUESTIONS,
                "grade_meanings": FS_GRADE_MEANINGS,
                "description_sources_list": DESCRIPTION_SOURCES,
                "candidate_step": CANDIDATE_EDSS_STEP,
                "labels": LABELS,
                "self_report_source": SELF_REPORT_GAP,
                "partial": partial,
                "field_names": FIELD_NAMES[way],
            },
        )

    @router.get("/edss", response_class=HTMLResponse)
    def edss_home(request: Request, locale: Locale) -> HTMLResponse:
        return pages.render(request, "edss/index.html", locale=locale)

    def answer(request: Request, locale: str, way: str) -> HTMLResponse:
        """The page for ``way``; a language button submits the form, answers and all."""
        switched = switched_locale(dict(request.query_params))
        locale = switched or locale
        parse = clinician_state if way == "examination" else walking_state
        state = parse(request.query_params, pages.gettext(locale))
        response = respond(request, locale, f"edss/{way}.html", state, way)
        if switched is not None:
            remember_locale(response, switched)
        return response

    @router.get("/edss/examination", response_class=HTMLResponse)
    def edss_examination(request: Request, locale: Locale) -> HTMLResponse:
        return answer(request, locale, "examination")

    @router.get("/edss/walking", response_class=HTMLResponse)
    def edss_walking(request: Request, locale: Locale) -> HTMLResponse:
        return answer(request, locale, "walking")

    return router
