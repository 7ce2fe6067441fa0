"""Is it real aHSCT? Red and green flags, each with its source, and a verdict.

Real aHSCT gives high-dose chemotherapy ("conditioning") to remove the immune system, then
returns the person's own blood-forming stem cells as a rescue, over weeks in a transplant
unit. Unproven "stem cell" clinics inject mesenchymal, fat-derived, cord-blood or exosome
products, usually without chemotherapy, in hours or days ("no chemo, no cure").

Sources: FDA consumer information on regenerative medicine (2021); the ISSCR's questions to
ask; the US National MS Society's and UK MS Society's questions; EBMT guidelines (Sharrack
2020) and patient position statement (Jessop 2019); the StemGenex case (2019); JACIE.

:func:`facility_cautions` lists, for a listed facility, what a person should check before
going further: a programme that is closed or not confirmed, no JACIE or FACT accreditation
found, and EDSS or age limits beyond every guideline in the knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.errors import FieldError, InvalidInput
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.knowledge.catalog import Catalog
from hsct.knowledge.labels import format_value
from hsct.knowledge.schema import Criterion, Facility, RuleSet

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
        N_(
            "How long does the whole treatment at the clinic take, from the first injection "
            "until you may go home?"
        ),
        (
            Choice(
                "hours_or_days",
                N_("A few hours or a few days, with no stay of several weeks"),
            ),
            Choice(
                "weeks",
                N_("Several weeks, with a time of very low blood counts spent in isolation"),
            ),
            Choice(UNSURE, N_("I don't know")),
        ),
        N_(
            "aHSCT takes weeks, even where people stay in a flat near the clinic rather than "
            "in hospital."
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
        "cure_claim",
        N_("Does the clinic say its treatment cures MS, or that it works for all types of MS?"),
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
_MSS_WHAT_TO_EXPECT, _MSS_ISOLATION = "mssociety-what-to-expect", "mssociety-hsct-isolation"

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
        # Collecting the cells takes about 10 days of mobilisation, chemotherapy several
        # days, then blood counts stay very low until the returned cells grow (MS Society
        # "what to expect"); people spend weeks in isolation or in a flat near the clinic.
        Flag(
            "too_short",
            "red",
            True,
            N_(
                "A treatment that lasts hours or a few days. aHSCT takes weeks: stem cells are "
                "collected, chemotherapy is given, and blood counts then stay very low, in "
                'isolation, until they recover. A "stem cell" treatment this short is not '
                "aHSCT."
            ),
            (_EBMT, _EBMT_PATIENTS, _MSS_WHAT_TO_EXPECT, _MSS_ISOLATION),
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
        # NMSS: for-profit clinics "advertise curing people with MS"; FDA: unapproved products
        # marketed "for the treatment or cure of a wide range of diseases", none approved for
        # MS; MS Society: aHSCT reduces relapses "for some people with, mainly, relapsing MS";
        # ECTRIMS-EBMT 2025: progressive MS only with inflammatory activity.
        Flag(
            "cure_claim",
            "red",
            False,
            N_(
                "The clinic markets a cure for MS, or one treatment for all types of MS. No "
                "treatment is proven to cure MS; aHSCT helps mainly active relapsing MS, and "
                "progressive MS only when there are signs of inflammation."
            ),
            (_NMSS, _FDA, _MSS_WHAT_TO_EXPECT, "muraro-2025"),
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
    "cure_claim": ("cure_claim", None),
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


# ---------------------------------------------------------------- cautions for listed clinics

_JACIE = "jacie-patients"
_TRANSPLANT_ACCREDITATIONS: Final = ("JACIE", "FACT")
#: The best evidence for aHSCT: people under 45 with an EDSS of 5.5 or less (EBMT 2020 as
#: summarised by the MS Society; ECTRIMS-EBMT 2025's ideal profile is also under 45).
BEST_EVIDENCE_EDSS: Final = 5.5
BEST_EVIDENCE_AGE: Final = 45
_BEST_EVIDENCE_SOURCES: Final = ("mssociety-ebmt-summary", _EBMT)
#: EBMT patient statement: treatment "in accredited transplant centres"; NMSS: "only at
#: accredited stem cell centers"; MS Society: check the centre is regulated to international
#: standards (JACIE map); JACIE: what accreditation means and the list of centres.
_ACCREDITATION_SOURCES: Final = (_EBMT_PATIENTS, _NMSS, _MSS, _JACIE)

# Each text ends with the same advice; kept as whole literals so they can be translated.
ACCREDITATION_TEXT: Final = {
    # The facility names only other labels (JCI accredits whole hospitals, not transplants).
    "other": N_(
        "Accredited as {labels}, which is general hospital accreditation; no JACIE or FACT "
        "accreditation of the transplant unit was found. JACIE and FACT inspect transplant "
        "units against international standards, and the EBMT advises having aHSCT in an "
        "accredited centre: ask the clinic, and check their lists of accredited centres."
    ),
    # The knowledge base records that it was looked for and not found.
    "not_found": N_(
        "No JACIE or FACT accreditation of the transplant unit was found. JACIE and FACT "
        "inspect transplant units against international standards, and the EBMT advises having "
        "aHSCT in an accredited centre: ask the clinic, and check their lists of accredited "
        "centres."
    ),
    # Nothing is recorded either way.
    "not_recorded": N_(
        "We have no record of JACIE or FACT accreditation for this transplant unit. JACIE and "
        "FACT inspect transplant units against international standards, and the EBMT advises "
        "having aHSCT in an accredited centre: ask the clinic, and check their lists of "
        "accredited centres."
    ),
}
#: Facility status -> (caution id, text); {date} is the status fact's date (its own "as of",
#: else its source's). Other statuses give no caution.
STATUS_CAUTIONS: Final = {
    "closed": (
        "status_closed",
        N_("Closed to new patients (as of {date}): this is not a programme to apply to."),
    ),
    "historical": (
        "status_historical",
        N_(
            "This programme treated people with MS in the past (source dated {date}); no "
            "current programme was found."
        ),
    ),
    "programme_not_confirmed": (
        "status_not_confirmed",
        N_(
            "No current aHSCT programme for MS could be confirmed at this hospital; the latest "
            "source found is dated {date}. Ask the hospital whether it treats MS before "
            "planning anything."
        ),
    ),
}
EDSS_TEXT: Final = N_(
    "Accepts people with an EDSS up to {limit}, higher than any guideline allows (the most "
    "permissive, {guideline}, stops at {guideline_limit}). The best evidence for aHSCT is at "
    "an EDSS of {best} or less: ask the clinic what benefit it expects at your EDSS."
)
EDSS_CASE_BY_CASE_TEXT: Final = N_(
    "Accepts people with an EDSS up to {limit} (usually up to {usual}; higher case by case), "
    "higher than any guideline allows (the most permissive, {guideline}, stops at "
    "{guideline_limit}). The best evidence for aHSCT is at an EDSS of {best} or less: ask the "
    "clinic what benefit it expects at your EDSS."
)
AGE_TEXT: Final = N_(
    "Accepts people up to age {limit}, older than any guideline allows (the most permissive, "
    "{guideline}, stops at {guideline_limit}). The best evidence for aHSCT is in people under "
    "{best}: ask the clinic how it weighs the risks at your age."
)
DATE_NOT_STATED: Final = N_("date not stated")
CAUTION_IDS: Final = (
    "status_closed",
    "status_historical",
    "status_not_confirmed",
    "no_transplant_accreditation",
    "edss_beyond_guidelines",
    "age_beyond_guidelines",
)


@dataclass(frozen=True, slots=True)
class Caution:
    """Something to check about a listed facility before going further, with its sources.

    ``sources`` back the rule (why it matters); ``evidence`` are the sources of the
    facility's own facts it was read from (its status, accreditation or criteria).
    """

    id: str
    message: Message
    sources: tuple[Citation, ...]
    evidence: tuple[Citation, ...] = ()

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every source, those of the rule first, each once."""
        return tuple(dict.fromkeys((*self.sources, *self.evidence)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: id, the message in English, the sources of rule and facts."""
        return {
            "id": self.id,
            "message": str(self.message),
            "sources": [s.to_dict() for s in self.sources],
            "evidence": [s.to_dict() for s in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class GuidelineLimit:
    """The highest limit any guideline sets for a parameter, and where it is set."""

    value: float
    ruleset: RuleSet
    src: str


def _upper(criterion: Criterion) -> float | None:
    """The highest value a simple criterion allows (None: no upper end)."""
    if criterion.operator == "between":
        return float(criterion.threshold[1])
    if criterion.operator in ("<", "<=", "=="):
        return float(criterion.threshold)
    return None


def guideline_limit(catalog: Catalog, parameter: Literal["edss", "age"]) -> GuidelineLimit | None:
    """The most permissive upper limit for ``parameter`` in any guideline rule set.

    Every rule set of kind ``guideline`` counts, superseded ones too, and soft limits as
    well as hard ones, so a limit beyond it is beyond every guideline however read.
    Conditional criteria (those with ``when``) are left out. The first guideline in
    catalogue order wins a tie.
    """
    found: GuidelineLimit | None = None
    for ruleset in catalog.rulesets.values():
        if ruleset.kind != "guideline":
            continue
        for criterion in catalog.criteria(ruleset.id):
            if criterion.parameter != parameter or criterion.when is not None:
                continue
            high = _upper(criterion)
            if high is not None and (found is None or high > found.value):
                found = GuidelineLimit(high, ruleset, criterion.src or ruleset.src)
    return found


def _criterion_src(catalog: Catalog, facility_id: str, parameter: str, value: float) -> str:
    """The source of the facility criterion that sets this upper limit."""
    for criterion in catalog.criteria(facility_id):
        simple = criterion.parameter == parameter and criterion.when is None
        if simple and criterion.src and _upper(criterion) == value:
            return criterion.src
    return catalog.rulesets[facility_id].src


def _status_caution(facility: Facility, catalog: Catalog) -> Caution | None:
    status = facility.status
    if status.value not in STATUS_CAUTIONS:
        return None
    caution_id, text = STATUS_CAUTIONS[status.value]
    date = catalog.fact_date(status)
    evidence = (catalog.citation(status.src, status.as_of),) if status.src else ()
    params = {"date": date if date else Message(DATE_NOT_STATED)}
    return Caution(caution_id, Message(text, params), (), evidence)


def _accreditation_caution(facility: Facility, catalog: Catalog) -> Caution | None:
    fact = facility.accreditation
    labels = fact.value or ()
    if any(label in _TRANSPLANT_ACCREDITATIONS for label in labels):
        return None
    if labels:
        message = Message(ACCREDITATION_TEXT["other"], {"labels": ", ".join(labels)})
    elif fact.value is not None or fact.note is not None or fact.tag == "GAP":
        message = Message(ACCREDITATION_TEXT["not_found"])
    else:
        message = Message(ACCREDITATION_TEXT["not_recorded"])
    evidence = (catalog.citation(fact.src, fact.as_of),) if fact.src else ()
    sources = tuple(catalog.citation(s) for s in _ACCREDITATION_SOURCES)
    return Caution("no_transplant_accreditation", message, sources, evidence)


def _limit_cautions(facility: Facility, catalog: Catalog) -> list[Caution]:
    if facility.id not in catalog.rulesets:
        return []
    limits = catalog.limits(facility.id)
    best_sources = tuple(catalog.citation(s) for s in _BEST_EVIDENCE_SOURCES)
    cautions = []
    edss = limits.edss_max if limits.edss_max is not None else limits.edss_soft_max
    top = guideline_limit(catalog, "edss")
    if edss is not None and top is not None and edss > top.value:
        params: dict[str, str | Message] = {
            "limit": format_value("edss", edss),
            "guideline": top.ruleset.short_title,
            "guideline_limit": format_value("edss", top.value),
            "best": format_value("edss", BEST_EVIDENCE_EDSS),
        }
        text = EDSS_TEXT
        if limits.edss_max is not None and limits.edss_soft_max is not None:
            text = EDSS_CASE_BY_CASE_TEXT
            params["usual"] = format_value("edss", limits.edss_soft_max)
        cautions.append(
            Caution(
                "edss_beyond_guidelines",
                Message(text, params),
                (catalog.citation(top.src), *best_sources),
                (catalog.citation(_criterion_src(catalog, facility.id, "edss", edss)),),
            )
        )
    age = limits.age_max
    top = guideline_limit(catalog, "age")
    if age is not None and top is not None and age > top.value:
        message = Message(
            AGE_TEXT,
            {
                "limit": format_value("age", age),
                "guideline": top.ruleset.short_title,
                "guideline_limit": format_value("age", top.value),
                "best": format_value("age", BEST_EVIDENCE_AGE),
            },
        )
        cautions.append(
            Caution(
                "age_beyond_guidelines",
                message,
                (catalog.citation(top.src), *best_sources),
                (catalog.citation(_criterion_src(catalog, facility.id, "age", age)),),
            )
        )
    return cautions


def facility_cautions(facility: Facility, catalog: Catalog) -> tuple[Caution, ...]:
    """What to check about a listed facility before going further, most important first.

    - its programme is closed, historical or not confirmed (with the status date and source);
    - no JACIE or FACT accreditation of the transplant unit is recorded;
    - it accepts an EDSS above the highest EDSS limit of any guideline;
    - it accepts people older than the highest age limit of any guideline.

    Limits the facility does not publish give no caution: unknown is not a warning sign.
    """
    found = [
        _status_caution(facility, catalog),
        _accreditation_caution(facility, catalog),
        *_limit_cautions(facility, catalog),
    ]
    return tuple(caution for caution in found if caution is not None)
