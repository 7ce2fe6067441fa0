"""Is it real aHSCT? Red and green flags, each with its source, and a verdict.

Real aHSCT gives high-dose chemotherapy ("conditioning") to remove the immune system, then
returns the person's own blood-forming stem cells as a rescue, over weeks in a transplant
unit. Unproven "stem cell" clinics inject mesenchymal, fat-derived, cord-blood or exosome
products, usually without chemotherapy, in hours or days ("no chemo, no cure").

Sources: FDA consumer information on regenerative medicine (2021); the ISSCR's questions to
ask; the US National MS Society's and UK MS Society's questions; EBMT guidelines (Sharrack
2020) and patient position statement (Jessop 2019); the StemGenex case (2019).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.schema import Facility

Verdict = Literal[
    "not_ahsct",
    "serious_concerns",
    "some_concerns",
    "unclear",
    "check_more",
    "consistent_with_ahsct",
]
Colour = Literal["red", "green"]

YES, NO, UNSURE = "yes", "no", "unsure"


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a person can give."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the questionnaire."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    """A warning sign (red: hard or soft) or a reassuring sign (green), with sources."""

    id: str
    colour: Colour
    hard: bool
    text: str
    sources: tuple[str, ...]


_YES_NO = (Choice(YES, N_("Yes")), Choice(NO, N_("No")), Choice(UNSURE, N_("I don't know")))

QUESTIONS: Final = (
    Question(
        "chemotherapy",
        N_(
            "Does the treatment include chemotherapy to remove the immune system (called "
            "conditioning) before the cells are given back?"
        ),
        _YES_NO,
    ),
    Question(
        "cells",
        N_("Which cells are given?"),
        (
            Choice(
                "own_blood_stem_cells",
                N_("My own blood-forming stem cells, collected from my blood"),
            ),
            Choice("mesenchymal", N_("Mesenchymal or stromal stem cells")),
            Choice("fat", N_("Cells taken from fat (adipose tissue, SVF)")),
            Choice("cord", N_("Cells from umbilical cord, placenta or amniotic fluid")),
            Choice("exosomes", N_("Exosomes or a cell extract")),
            Choice(UNSURE, N_("I was not told")),
        ),
    ),
    Question(
        "duration",
        N_("How long is the treatment at the clinic?"),
        (
            Choice("hours_or_days", N_("A few hours or days")),
            Choice("weeks", N_("Several weeks, including time in isolation")),
            Choice(UNSURE, N_("I don't know")),
        ),
    ),
    Question(
        "criteria",
        N_(
            "Does the clinic publish whom it can treat (limits for EDSS, age "
            "or MS type), and does it turn some people down?"
        ),
        _YES_NO,
    ),
    Question(
        "pressure",
        N_('Are you pressed to decide or pay quickly (discounts, "only a few places left")?'),
        _YES_NO,
    ),
    Question(
        "many_diseases",
        N_(
            "Does the clinic treat many unrelated conditions (for example "
            "autism, ALS, joint pain) with the same treatment?"
        ),
        _YES_NO,
    ),
    Question(
        "claims",
        N_(
            "Does the clinic promise results, claim there are no side effects or "
            "perfect satisfaction ratings, or rely on testimonials?"
        ),
        _YES_NO,
    ),
    Question(
        "pay_for_trial", N_('Are you asked to pay to take part in a "clinical trial"?'), _YES_NO
    ),
    Question(
        "registration_badge",
        N_(
            'Does the clinic present "FDA registered" or a '
            "ClinicalTrials.gov listing as proof that it is "
            "approved?"
        ),
        _YES_NO,
    ),
    Question(
        "accreditation",
        N_("Is the transplant unit accredited by JACIE or FACT?"),
        _YES_NO,
        N_(
            "JACIE and FACT accredit transplant units; general hospital labels "
            "such as JCI do not cover transplants."
        ),
    ),
    Question(
        "registry",
        N_("Does the clinic report its transplants to the EBMT or CIBMTR registry?"),
        _YES_NO,
    ),
    Question(
        "published_results",
        N_("Has the clinic published results for its MS patients in medical journals?"),
        _YES_NO,
    ),
    Question(
        "named_team",
        N_("Are a transplant haematologist and an MS neurologist named as your doctors?"),
        _YES_NO,
    ),
    Question(
        "follow_up",
        N_(
            "Is there a follow-up plan with your own doctors (vaccinations, "
            "infection prevention, MRI)?"
        ),
        _YES_NO,
    ),
    Question(
        "risks_explained",
        N_(
            "Did the clinic explain the risks, including infections, "
            "infertility and a small risk of death?"
        ),
        _YES_NO,
    ),
)
QUESTION_IDS: Final = tuple(question.id for question in QUESTIONS)

_FDA, _ISSCR, _NMSS, _MSS = "fda-2021", "isscr-handbook", "nmss-questions", "mssociety-outside-nhs"
_EBMT, _EBMT_PATIENTS = "sharrack-2020", "jessop-2019"

FLAGS: Final = {
    flag.id: flag
    for flag in (
        Flag(
            "no_chemotherapy",
            "red",
            True,
            N_(
                "No chemotherapy before the cells are given. aHSCT works by removing the immune "
                "system with chemotherapy; cells alone are not aHSCT."
            ),
            ("hsctlooksgoodonme", _EBMT, _FDA),
        ),
        Flag(
            "non_haematopoietic_product",
            "red",
            True,
            N_(
                "The product is mesenchymal, fat-derived, cord-blood or exosome material. None "
                "is approved for MS; such cells belong only in clinical trials."
            ),
            (_FDA, _EBMT),
        ),
        Flag(
            "hard_sell_without_criteria",
            "red",
            True,
            N_(
                "Pressure to decide or pay quickly, with no published criteria for whom the "
                "clinic can treat."
            ),
            (_FDA, _NMSS, "stemgenex-2019"),
        ),
        Flag(
            "too_short",
            "red",
            False,
            N_(
                "Treatment that lasts hours or days. aHSCT takes weeks, with time in "
                "isolation while blood counts recover."
            ),
            (_EBMT,),
        ),
        Flag("pressure", "red", False, N_("Pressure to decide or pay quickly."), (_FDA, _NMSS)),
        Flag(
            "no_criteria",
            "red",
            False,
            N_("No published criteria: legitimate programmes turn some people down."),
            (_MSS, _ISSCR),
        ),
        Flag(
            "many_diseases",
            "red",
            False,
            N_("One treatment for many unrelated diseases."),
            (_FDA, _ISSCR),
        ),
        Flag(
            "claims",
            "red",
            False,
            N_(
                'Promises, "no side effects", perfect satisfaction ratings or testimonials instead '
                "of published results."
            ),
            ("stemgenex-2019", _NMSS),
        ),
        Flag(
            "pay_for_trial", "red", False, N_('Being charged to take part in a "trial".'), (_FDA,)
        ),
        Flag(
            "registration_badge",
            "red",
            False,
            N_(
                '"FDA registered" or a ClinicalTrials.gov listing presented as approval; '
                "neither means the treatment is approved."
            ),
            (_FDA,),
        ),
        Flag(
            "no_published_results",
            "red",
            False,
            N_("No published results for MS patients."),
            (_ISSCR, _MSS),
        ),
        Flag(
            "no_named_team",
            "red",
            False,
            N_("No named transplant haematologist and MS neurologist."),
            (_EBMT,),
        ),
        Flag(
            "no_follow_up",
            "red",
            False,
            N_("No follow-up plan with your own doctors."),
            (_EBMT_PATIENTS, _MSS),
        ),
        Flag(
            "risks_not_explained",
            "red",
            False,
            N_(
                "Risks not explained. Consent for aHSCT includes infections, infertility and a "
                "small risk of death."
            ),
            (_EBMT_PATIENTS,),
        ),
        Flag(
            "regulator_warning",
            "red",
            False,
            N_("A regulator has issued a warning to this programme."),
            ("ipscell-2017",),
        ),
        Flag(
            "chemotherapy",
            "green",
            False,
            N_("Conditioning chemotherapy before the person's own stem cells are returned."),
            (_EBMT,),
        ),
        Flag(
            "own_stem_cells",
            "green",
            False,
            N_("The person's own blood-forming stem cells are used."),
            (_EBMT,),
        ),
        Flag(
            "weeks_long",
            "green",
            False,
            N_("A treatment of several weeks with time in isolation, as expected for aHSCT."),
            (_EBMT,),
        ),
        Flag(
            "criteria",
            "green",
            False,
            N_("Published criteria for whom the clinic can treat."),
            (_MSS, _ISSCR),
        ),
        Flag(
            "accredited",
            "green",
            False,
            N_("Transplant accreditation (JACIE or FACT)."),
            (_EBMT, _MSS),
        ),
        Flag(
            "registry",
            "green",
            False,
            N_("Reports transplants to the EBMT or CIBMTR registry."),
            (_EBMT, _EBMT_PATIENTS),
        ),
        Flag(
            "published_results",
            "green",
            False,
            N_("Published results for MS patients."),
            (_ISSCR, _MSS),
        ),
        Flag(
            "named_team",
            "green",
            False,
            N_("A named transplant haematologist and MS neurologist."),
            (_EBMT,),
        ),
        Flag(
            "follow_up",
            "green",
            False,
            N_("A follow-up plan with the person's own doctors."),
            (_EBMT_PATIENTS, _MSS),
        ),
        Flag(
            "risks_explained",
            "green",
            False,
            N_("Risks explained, including infections, infertility and a small risk of death."),
            (_EBMT_PATIENTS,),
        ),
    )
}

#: For yes/no questions: the flag raised by "yes" and the flag raised by "no".
_YES_NO_FLAGS: Final = {
    "chemotherapy": ("chemotherapy", "no_chemotherapy"),
    "criteria": ("criteria", "no_criteria"),
    "pressure": ("pressure", None),
    "many_diseases": ("many_diseases", None),
    "claims": ("claims", None),
    "pay_for_trial": ("pay_for_trial", None),
    "registration_badge": ("registration_badge", None),
    "accreditation": ("accredited", None),
    "registry": ("registry", None),
    "published_results": ("published_results", "no_published_results"),
    "named_team": ("named_team", "no_named_team"),
    "follow_up": ("follow_up", "no_follow_up"),
    "risks_explained": ("risks_explained", "risks_not_explained"),
}
_NON_HAEMATOPOIETIC: Final = ("mesenchymal", "fat", "cord", "exosomes")
#: Green flags beyond chemotherapy and own cells needed to call a programme consistent.
GREEN_FLAGS_NEEDED: Final = 3

VERDICT_TEXT: Final[dict[Verdict, str]] = {
    "not_ahsct": N_("This is not aHSCT, or not a programme to trust."),
    "serious_concerns": N_("Serious concerns: several warning signs."),
    "some_concerns": N_("Some concerns: one warning sign to clear up before going further."),
    "unclear": N_("We cannot tell yet whether this is aHSCT: ask the questions below."),
    "check_more": N_("This looks like aHSCT, but several safeguards are not known yet."),
    "consistent_with_ahsct": N_("Consistent with a legitimate aHSCT programme."),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A flag that was raised, why, and where the rule comes from."""

    flag: Flag
    message: Message
    sources: tuple[Citation, ...]
    evidence: Citation | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    """The verdict, the flags behind it, and the questions still to ask."""

    verdict: Verdict
    summary: Message
    red: tuple[Reason, ...]
    green: tuple[Reason, ...]
    unanswered: tuple[Question, ...]


def validate_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """Answers keyed by question id; unknown questions or choices are named."""
    errors = []
    allowed = {question.id: {c.value for c in question.choices} for question in QUESTIONS}
    for key, value in answers.items():
        if key not in allowed:
            errors.append(
                FieldError(key, "is not a question of the questionnaire", ", ".join(QUESTION_IDS))
            )
        elif value not in allowed[key]:
            errors.append(
                FieldError(
                    key, f"{value!r} is not one of the answers", ", ".join(sorted(allowed[key]))
                )
            )
    if errors:
        raise InvalidInput(errors)
    return dict(answers)


def rate(
    answers: Mapping[str, str],
    catalog: Catalog,
    evidence: Mapping[str, Citation] | None = None,
    extra_flags: tuple[str, ...] = (),
) -> Rating:
    """Rate a clinic from questionnaire answers (missing or "unsure" count as unknown).

    ``evidence`` optionally gives, per question or flag id, the source an answer was taken
    from, and ``extra_flags`` flags known from sources rather than asked (a regulator's
    warning); both are used when rating a listed facility from its facts.
    """
    answers = validate_answers(answers)
    evidence = evidence or {}
    raised: list[tuple[str, str]] = []  # (flag id, question id)
    for question, (on_yes, on_no) in _YES_NO_FLAGS.items():
        answer = answers.get(question)
        if answer == YES:
            raised.append((on_yes, question))
        elif answer == NO and on_no is not None:
            raised.append((on_no, question))
    cells = answers.get("cells")
    if cells == "own_blood_stem_cells":
        raised.append(("own_stem_cells", "cells"))
    elif cells in _NON_HAEMATOPOIETIC:
        raised.append(("non_haematopoietic_product", "cells"))
    duration = answers.get("duration")
    if duration == "hours_or_days":
        raised.append(("too_short", "duration"))
    elif duration == "weeks":
        raised.append(("weeks_long", "duration"))
    if answers.get("pressure") == YES and answers.get("criteria") == NO:
        raised.append(("hard_sell_without_criteria", "pressure"))
    raised.extend((flag, flag) for flag in extra_flags)

    reasons = [_reason(FLAGS[flag], catalog, evidence.get(question)) for flag, question in raised]
    red = tuple(r for r in reasons if r.flag.colour == "red")
    green = tuple(r for r in reasons if r.flag.colour == "green")
    verdict = _verdict(answers, red, green)
    unanswered = tuple(
        question for question in QUESTIONS if answers.get(question.id, UNSURE) == UNSURE
    )
    return Rating(verdict, Message(VERDICT_TEXT[verdict]), red, green, unanswered)


def _reason(flag: Flag, catalog: Catalog, evidence: Citation | None) -> Reason:
    return Reason(
        flag, Message(flag.text), tuple(catalog.citation(s) for s in flag.sources), evidence
    )


def _verdict(
    answers: Mapping[str, str], red: tuple[Reason, ...], green: tuple[Reason, ...]
) -> Verdict:
    if any(reason.flag.hard for reason in red):
        return "not_ahsct"
    if len(red) >= 2:
        return "serious_concerns"
    if red:
        return "some_concerns"
    core = answers.get("chemotherapy") == YES and answers.get("cells") == "own_blood_stem_cells"
    if not core:
        return "unclear"
    safeguards = [
        r for r in green if r.flag.id not in ("chemotherapy", "own_stem_cells", "weeks_long")
    ]
    return "consistent_with_ahsct" if len(safeguards) >= GREEN_FLAGS_NEEDED else "check_more"


def facility_answers(
    facility: Facility, catalog: Catalog
) -> tuple[dict[str, str], dict[str, Citation]]:
    """Questionnaire answers read from a listed facility's sourced facts, with evidence.

    Only what the facts show is answered; everything else stays unknown.
    """
    answers: dict[str, str] = {}
    evidence: dict[str, Citation] = {}

    def answer(question: str, value: str, src: str | None, as_of: str | None = None) -> None:
        answers[question] = value
        if src:
            evidence[question] = catalog.citation(src, as_of)

    chemo_flag = facility.flags.get("chemotherapy")
    if facility.regimens.known:
        answer("chemotherapy", YES, facility.regimens.src)
        answer("cells", "own_blood_stem_cells", facility.regimens.src)
    elif chemo_flag is not None and chemo_flag.value == YES:
        answer("chemotherapy", YES, chemo_flag.src)
        answer("cells", "own_blood_stem_cells", chemo_flag.src)
    if facility.stay_days.value is not None and (facility.stay_days.value.min or 0) >= 14:
        answer("duration", "weeks", facility.stay_days.src)
    if any(a in ("JACIE", "FACT") for a in facility.accreditation.value or ()):
        answer("accreditation", YES, facility.accreditation.src)
    if any(r in ("EBMT", "CIBMTR") for r in facility.registry_reporting.value or ()):
        answer("registry", YES, facility.registry_reporting.src)
    studies = [s for s in catalog.studies.values() if facility.id in s.facilities]
    if studies:
        answer("published_results", YES, studies[0].src)
    ruleset = catalog.facility_ruleset(facility.id)
    if ruleset is not None and any(
        c.assessed_by == "profile" for c in catalog.criteria(ruleset.id)
    ):
        answer("criteria", YES, ruleset.src)
    roles = {c.role for c in facility.lead_clinicians.value or ()}
    if {"haematologist", "neurologist"} <= roles:
        answer("named_team", YES, facility.lead_clinicians.src)
    if facility.follow_up.known:
        answer("follow_up", YES, facility.follow_up.src)
    return answers, evidence


def rate_facility(facility: Facility, catalog: Catalog) -> Rating:
    """Rate a listed facility from what its sourced facts show."""
    answers, evidence = facility_answers(facility, catalog)
    warning = facility.flags.get("regulator_warning")
    extra: tuple[str, ...] = ()
    if warning is not None and warning.known:
        extra = ("regulator_warning",)
        if warning.src:
            evidence["regulator_warning"] = catalog.citation(warning.src)
    return rate(answers, catalog, evidence, extra)
