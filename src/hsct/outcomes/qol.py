"""RAND 36-Item Health Survey 1.0 (RAND-36): its items, and scores by RAND's published rules.

What is here
------------
* :data:`RAND36_ITEMS`: the 36 items with their English text, their answers (English labels
  and the numbers pre-coded on the form, 1 to k) and the value each answer is recoded to
  (0 to 100) by RAND's Step 1 table.
* :data:`RAND36_SCALES`: the eight scales and the items that make them (RAND's Step 2).
  Item 2 (health now compared with a year ago) is in no scale; it is reported on its own.
* :func:`rand36_score`: the eight scale scores (0 to 100, higher is better) from a person's
  answers, with how many items of each scale were answered.
* :data:`PUBLISHED_QOL_REPORTS`: published findings on quality of life after aHSCT in MS,
  each with its source; rows we could not check in full say so.
* :data:`QOL_LICENCES`: what the terms of RAND-36 and MSQOL-54 allow, and what we ship.

Scoring (RAND, "Scoring Rules for the RAND 36-Item Health Survey (Version 1.0)")
--------------------------------------------------------------------------------
Step 1: each pre-coded answer is recoded to 0-100 so that a higher value is a better health
state (some items run the other way on the form: "Excellent" to item 1 is 1 on the form and
100 after recoding). Step 2: a scale's score is the average of the recoded items of that
scale that the person answered; items left blank are not counted. A scale with no item
answered has no score (``None``: unknown, not 0). No minimum number of answered items is
imposed, because RAND's rule sets none. RAND's rule is simpler than the commercial SF-36
scoring (norm-based, with different general-health and pain scoring), so these scores are
the RAND-36 1.0 scores, not SF-36v2 norm-based scores. The physical and mental summary
scores are not computed here.

Text and languages
------------------
The English item text, answer labels and scoring key are RAND's (RAND Health Care, 36-Item
Short Form Survey; RAND's terms allow use and changes, provided every change is clearly
marked as made by the user; this module changes none of the wording). They are data, not
interface text: they are deliberately not marked with ``N_``, so they never enter the
translation catalogues. Russian and Spanish item text is not shipped, because a machine (or
ad hoc) translation of a validated questionnaire is not a validated questionnaire, and
RAND's terms make the user answerable for any translation. A deploying clinic may supply a
validated translation as a definition of its own, the same plug-in route as licensed
instruments such as EQ-5D-5L, MSIS-29, MSWS-12 and PROMIS, whose item text must never be
in this repository. Scale names, errors and the published findings are interface text and
are marked for translation.

Sources (retrieved 2026-12-02): :data:`RAND36_SCORING_SOURCE`, :data:`RAND36_SURVEY_SOURCE`,
:data:`RAND36_TERMS_SOURCE`, :data:`HAYS_1993`; docs/user-guide/quality-of-life.md.

Examples
--------
>>> scores = rand36_score(answers={"21": 2, "22": 1, "2": 3})
>>> scores.pain, scores.answered["pain"], scores.health_change
(90.0, 2, 50)
>>> scores.physical_functioning is None, scores.answered["physical_functioning"]
(True, 0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.common.i18n import N_
from hsct.common.text import Citation, Message

RAND36_VERSION: Final = "RAND-36 1.0"
RAND36_SCORING_VERSION: Final = "RAND 36-Item Health Survey 1.0 scoring, Steps 1-2"
#: The day RAND's pages (and the other sources below) were read for this module.
QOL_SOURCES_RETRIEVED: Final = "2026-12-02"

RAND36_SCORING_SOURCE: Final = Citation(
    "RAND Health Care. 36-Item Short Form Survey (SF-36) scoring instructions: Scoring Rules "
    "for the RAND 36-Item Health Survey (Version 1.0), Step 1 (recoding, Table 1) and Step 2 "
    "(averaging items into 8 scales, Table 2). Read 2026-12-02 in a stored copy of its "
    "earlier address (rand.org/health/surveys_tools/mos/mos_core_36item_scoring.html); "
    "Tables 1 and 2 checked against two published copies of the tables",
    QOL_SOURCES_RETRIEVED,
    url="https://www.rand.org/health-care/surveys_tools/mos/36-item-short-form/scoring.html",
)
RAND36_SURVEY_SOURCE: Final = Citation(
    "RAND Health Care. 36-Item Short Form Survey (SF-36) and its English survey instrument "
    "(RAND 36-Item Health Survey 1.0). RAND's page read 2026-12-02; the item wording was "
    "checked against public copies of RAND's form, as the stored page has no form text",
    QOL_SOURCES_RETRIEVED,
    url="https://www.rand.org/health-care/surveys_tools/mos/36-item-short-form.html",
)
RAND36_TERMS_SOURCE: Final = Citation(
    "RAND Health Care. Terms and Conditions for Using the 36-Item Short Form Survey (SF-36), "
    "linked from RAND's SF-36 page: changes may be made without RAND's written permission "
    "but must be clearly identified as made by the user; the user is responsible for the "
    "accuracy of any translation. Read 2026-12-02 in a mirrored copy",
    QOL_SOURCES_RETRIEVED,
    url="https://www.rand.org/health-care/surveys_tools/mos/36-item-short-form.html",
)
HAYS_1993: Final = Citation(
    "Hays RD, Sherbourne CD, Mazel RM. The RAND 36-Item Health Survey 1.0. Health Econ "
    "1993;2(3):217-227 (the same items as the MOS SF-36, with RAND's simpler scoring)",
    "1993-10",
    doi="10.1002/hec.4730020305",
)
MSQOL54_SOURCE: Final = Citation(
    "NINDS Common Data Elements, Multiple Sclerosis Quality of Life-54 Instrument (MSQOL-54), "
    'CDE 23832: "Freely available on the NMSS website"; no licence for redistribution in '
    "software found; retrieved 2026-12-02",
    QOL_SOURCES_RETRIEVED,
    url="https://commondataelements.ninds.nih.gov/report-viewer/23832/"
    "Multiple%20Sclerosis%20Quality%20of%20Life-54%20Instrument%20(MSQOL-54)",
)
VICKREY_1995: Final = Citation(
    "Vickrey BG, Hays RD, Harooni R, Myers LW, Ellison GW. A health-related quality of life "
    "measure for multiple sclerosis (MSQOL-54). Qual Life Res 1995;4(3):187-206",
    "1995-06",
    doi="10.1007/BF02260859",
)


# ---------------------------------------------------------------- items (RAND's text)


@dataclass(frozen=True, slots=True)
class Rand36Option:
    """One answer to an item: the number pre-coded on the form, its label, its 0-100 value."""

    code: int
    label: str
    #: The value RAND's Step 1 table recodes this answer to (0 worst, 100 best).
    value: int


@dataclass(frozen=True, slots=True)
class Rand36Item:
    """One of the 36 items, worded as RAND publishes it (English only; see the module notes).

    ``stem`` is the lead-in shared by a block of items (items 3-12 are "activities you
    might do during a typical day"); ``None`` for items that stand alone.
    """

    number: int
    text: str
    options: tuple[Rand36Option, ...]
    #: Key of the scale the item belongs to (:data:`RAND36_SCALES`); ``None`` for item 2.
    scale: str | None
    stem: str | None = None

    @property
    def codes(self) -> range:
        """The pre-coded answers this item allows (1 to the number of options)."""
        return range(1, len(self.options) + 1)

    def recode(self, code: int) -> int:
        """RAND's Step 1 value (0-100) of pre-coded answer ``code``.

        >>> RAND36_ITEMS[0].recode(1), RAND36_ITEMS[0].recode(5)
        (100, 0)
        """
        if code not in self.codes:
            raise ValueError(f"item {self.number} has no answer {code!r}")
        return self.options[code - 1].value


def _options(labels: tuple[str, ...], values: tuple[int, ...]) -> tuple[Rand36Option, ...]:
    return tuple(
        Rand36Option(code, label, value)
        for code, (label, value) in enumerate(zip(labels, values, strict=True), start=1)
    )


# Answer sets, in the order (and with the codes 1..k) printed on RAND's form.
_HEALTH = ("Excellent", "Very good", "Good", "Fair", "Poor")
_CHANGE = (
    "Much better now than one year ago",
    "Somewhat better now than one year ago",
    "About the same",
    "Somewhat worse now than one year ago",
    "Much worse now than one year ago",
)
_LIMITED = ("Yes, limited a lot", "Yes, limited a little", "No, not limited at all")
_YES_NO = ("Yes", "No")
_EXTENT = ("Not at all", "Slightly", "Moderately", "Quite a bit", "Extremely")
_BODILY_PAIN = ("None", "Very mild", "Mild", "Moderate", "Severe", "Very severe")
_INTERFERE = ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")
_TIME_6 = (
    "All of the time",
    "Most of the time",
    "A good bit of the time",
    "Some of the time",
    "A little of the time",
    "None of the time",
)
_TIME_5 = (
    "All of the time",
    "Most of the time",
    "Some of the time",
    "A little of the time",
    "None of the time",
)
_TRUE_FALSE = ("Definitely true", "Mostly true", "Don't know", "Mostly false", "Definitely false")

# RAND's Step 1 (Table 1), one row per group of items recoded alike.
_DOWN_5 = (100, 75, 50, 25, 0)  # items 1, 2, 20, 22, 34, 36
_UP_3 = (0, 50, 100)  # items 3-12
_UP_2 = (0, 100)  # items 13-19
_DOWN_6 = (100, 80, 60, 40, 20, 0)  # items 21, 23, 26, 27, 30
_UP_6 = (0, 20, 40, 60, 80, 100)  # items 24, 25, 28, 29, 31
_UP_5 = (0, 25, 50, 75, 100)  # items 32, 33, 35

_ACTIVITIES_STEM = (
    "The following items are about activities you might do during a typical day. Does your "
    "health now limit you in these activities? If so, how much?"
)
_PHYSICAL_ROLE_STEM = (
    "During the past 4 weeks, have you had any of the following problems with your work or "
    "other regular daily activities as a result of your physical health?"
)
_EMOTIONAL_ROLE_STEM = (
    "During the past 4 weeks, have you had any of the following problems with your work or "
    "other regular daily activities as a result of any emotional problems (such as feeling "
    "depressed or anxious)?"
)
_FEELINGS_STEM = (
    "These questions are about how you feel and how things have been with you during the "
    "past 4 weeks. For each question, please give the one answer that comes closest to the "
    "way you have been feeling. How much of the time during the past 4 weeks..."
)
_TRUE_FALSE_STEM = "How TRUE or FALSE is each of the following statements for you."

_PF, _RP, _RE = "physical_functioning", "role_limitations_physical", "role_limitations_emotional"
_EF, _EW, _SF = "energy_fatigue", "emotional_well_being", "social_functioning"
_PAIN, _GH = "pain", "general_health"

_ACTIVITIES = (
    (
        "Vigorous activities, such as running, lifting heavy objects, participating in "
        "strenuous sports"
    ),
    (
        "Moderate activities, such as moving a table, pushing a vacuum cleaner, bowling, or "
        "playing golf"
    ),
    "Lifting or carrying groceries",
    "Climbing several flights of stairs",
    "Climbing one flight of stairs",
    "Bending, kneeling, or stooping",
    "Walking more than a mile",
    "Walking several blocks",
    "Walking one block",
    "Bathing or dressing yourself",
)
_PHYSICAL_ROLE = (
    "Cut down the amount of time you spent on work or other activities",
    "Accomplished less than you would like",
    "Were limited in the kind of work or other activities",
    "Had difficulty performing the work or other activities (for example, it took extra effort)",
)
_EMOTIONAL_ROLE = (
    "Cut down the amount of time you spent on work or other activities",
    "Accomplished less than you would like",
    "Didn't do work or other activities as carefully as usual",
)
# Items 23-31: (text, scale, recoding).
_FEELINGS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("Did you feel full of pep?", _EF, _DOWN_6),
    ("Have you been a very nervous person?", _EW, _UP_6),
    ("Have you felt so down in the dumps that nothing could cheer you up?", _EW, _UP_6),
    ("Have you felt calm and peaceful?", _EW, _DOWN_6),
    ("Did you have a lot of energy?", _EF, _DOWN_6),
    ("Have you felt downhearted and blue?", _EW, _UP_6),
    ("Did you feel worn out?", _EF, _UP_6),
    ("Have you been a happy person?", _EW, _DOWN_6),
    ("Did you feel tired?", _EF, _UP_6),
)
# Items 33-36: (text, recoding).
_STATEMENTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("I seem to get sick a little easier than other people", _UP_5),
    ("I am as healthy as anybody I know", _DOWN_5),
    ("I expect my health to get worse", _UP_5),
    ("My health is excellent", _DOWN_5),
)


def _build_items() -> tuple[Rand36Item, ...]:
    items = [
        Rand36Item(1, "In general, would you say your health is:", _options(_HEALTH, _DOWN_5), _GH),
        Rand36Item(
            2,
            "Compared to one year ago, how would you rate your health in general now?",
            _options(_CHANGE, _DOWN_5),
            None,
        ),
    ]
    items += [
        Rand36Item(n, text, _options(_LIMITED, _UP_3), _PF, _ACTIVITIES_STEM)
        for n, text in enumerate(_ACTIVITIES, start=3)
    ]
    items += [
        Rand36Item(n, text, _options(_YES_NO, _UP_2), _RP, _PHYSICAL_ROLE_STEM)
        for n, text in enumerate(_PHYSICAL_ROLE, start=13)
    ]
    items += [
        Rand36Item(n, text, _options(_YES_NO, _UP_2), _RE, _EMOTIONAL_ROLE_STEM)
        for n, text in enumerate(_EMOTIONAL_ROLE, start=17)
    ]
    items += [
        Rand36Item(
            20,
            "During the past 4 weeks, to what extent has your physical health or emotional "
            "problems interfered with your normal social activities with family, friends, "
            "neighbors, or groups?",
            _options(_EXTENT, _DOWN_5),
            _SF,
        ),
        Rand36Item(
            21,
            "How much bodily pain have you had during the past 4 weeks?",
            _options(_BODILY_PAIN, _DOWN_6),
            _PAIN,
        ),
        Rand36Item(
            22,
            "During the past 4 weeks, how much did pain interfere with your normal work "
            "(including both work outside the home and housework)?",
            _options(_INTERFERE, _DOWN_5),
            _PAIN,
        ),
    ]
    items += [
        Rand36Item(n, text, _options(_TIME_6, values), scale, _FEELINGS_STEM)
        for n, (text, scale, values) in enumerate(_FEELINGS, start=23)
    ]
    items.append(
        Rand36Item(
            32,
            "During the past 4 weeks, how much of the time has your physical health or "
            "emotional problems interfered with your social activities (like visiting with "
            "friends, relatives, etc.)?",
            _options(_TIME_5, _UP_5),
            _SF,
        )
    )
    items += [
        Rand36Item(n, text, _options(_TRUE_FALSE, values), _GH, _TRUE_FALSE_STEM)
        for n, (text, values) in enumerate(_STATEMENTS, start=33)
    ]
    return tuple(items)


#: The 36 items in form order: ``RAND36_ITEMS[n - 1]`` is item ``n``.
RAND36_ITEMS: Final = _build_items()
#: Item 2, "Compared to one year ago...": reported on its own, in no scale.
HEALTH_CHANGE_ITEM: Final = 2


# ---------------------------------------------------------------- scales (RAND's Step 2)


@dataclass(frozen=True, slots=True)
class Rand36Scale:
    """One of the eight scales: its key, its name (translatable) and its items (Step 2)."""

    key: str
    label: str
    items: tuple[int, ...]


RAND36_SCALES: Final = (
    Rand36Scale(_PF, N_("Physical functioning"), tuple(range(3, 13))),
    Rand36Scale(_RP, N_("Role limitations due to physical health"), (13, 14, 15, 16)),
    Rand36Scale(_RE, N_("Role limitations due to emotional problems"), (17, 18, 19)),
    Rand36Scale(_EF, N_("Energy/fatigue"), (23, 27, 29, 31)),
    Rand36Scale(_EW, N_("Emotional well-being"), (24, 25, 26, 28, 30)),
    Rand36Scale(_SF, N_("Social functioning"), (20, 32)),
    Rand36Scale(_PAIN, N_("Pain"), (21, 22)),
    Rand36Scale(_GH, N_("General health"), (1, 33, 34, 35, 36)),
)
HEALTH_CHANGE_LABEL: Final = N_("Health change compared with one year ago")


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class Rand36Scores:
    """A person's RAND-36 scores: eight scales (0-100, higher is better) and item 2 alone.

    A scale is ``None`` when none of its items was answered. ``answered`` gives, per scale
    key, how many of its items were answered (a score from 1 of 10 items is less sure than
    one from 10 of 10).
    """

    physical_functioning: float | None
    role_limitations_physical: float | None
    role_limitations_emotional: float | None
    energy_fatigue: float | None
    emotional_well_being: float | None
    social_functioning: float | None
    pain: float | None
    general_health: float | None
    #: Item 2 recoded (100 "much better now than one year ago" ... 0 "much worse").
    health_change: int | None
    #: Scale key -> number of that scale's items answered (0 to the scale's length).
    answered: Mapping[str, int] = field(hash=False)
    instrument_version: str = RAND36_VERSION
    scoring_version: str = RAND36_SCORING_VERSION

    def score(self, key: str) -> float | None:
        """The score of the scale named ``key`` (a :data:`RAND36_SCALES` key)."""
        if key not in self.answered:
            raise KeyError(key)
        value: float | None = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: every scale with its score, items answered and items in all."""
        return {
            "instrument_version": self.instrument_version,
            "scoring_version": self.scoring_version,
            "scales": {
                scale.key: {
                    "score": self.score(scale.key),
                    "answered": self.answered[scale.key],
                    "items": len(scale.items),
                }
                for scale in RAND36_SCALES
            },
            "health_change": self.health_change,
        }


_ITEM_BY_KEY: Final = MappingProxyType({str(item.number): item for item in RAND36_ITEMS})
UNKNOWN_ITEM: Final = N_("this is not an item of the RAND-36.")
UNKNOWN_ITEM_ALLOWED: Final = N_('an item number from "1" to "36"')
BAD_ANSWER: Final = N_("this is not one of the item's answers.")
BAD_ANSWER_ALLOWED: Final = N_("a whole number from 1 to {count}")


def _answer_problems(answers: Mapping[str, int | None]) -> list[FieldError]:
    """One error per bad item: known items in item order, then unknown keys as given."""
    known: list[tuple[int, FieldError]] = []
    unknown: list[FieldError] = []
    for key, code in answers.items():
        item = _ITEM_BY_KEY.get(key)
        if item is None:
            given: object = key  # callers without type checks may send other keys
            name = given if isinstance(given, str) and len(given) <= 40 else excerpt(given)
            unknown.append(
                FieldError.translatable(
                    f"answers.{name}",
                    Message(UNKNOWN_ITEM),
                    Message(UNKNOWN_ITEM_ALLOWED),
                )
            )
        elif code is not None and (type(code) is not int or code not in item.codes):
            known.append(
                (
                    item.number,
                    FieldError.translatable(
                        f"answers.{key}",
                        Message(BAD_ANSWER),
                        Message(BAD_ANSWER_ALLOWED, {"count": len(item.options)}),
                    ),
                )
            )
    return [error for _, error in sorted(known, key=lambda pair: pair[0])] + unknown


def rand36_score(*, answers: Mapping[str, int | None]) -> Rand36Scores:
    """Score the RAND-36 by RAND's Steps 1 and 2.

    ``answers`` maps item numbers as text (``"1"`` to ``"36"``) to the pre-coded number of
    the answer chosen (1 to the item's number of answers, as printed on RAND's form).
    Items left out, or given as ``None``, are not answered. Raises :class:`InvalidInput`
    with one error per unknown item or impossible answer (field ``answers.<item>``).

    >>> s = rand36_score(answers={"23": 4, "27": 3, "29": 3})  # item 31 left blank
    >>> round(s.energy_fatigue, 2), s.answered["energy_fatigue"]
    (46.67, 3)
    >>> try:
    ...     rand36_score(answers={"40": 1, "21": 7})
    ... except InvalidInput as error:
    ...     print(error.fields)
    ('answers.21', 'answers.40')
    """
    problems = _answer_problems(answers)
    if problems:
        raise InvalidInput(problems)
    recoded = {
        int(key): _ITEM_BY_KEY[key].recode(code)
        for key, code in answers.items()
        if code is not None
    }
    scores: dict[str, float | None] = {}
    answered: dict[str, int] = {}
    for scale in RAND36_SCALES:
        values = [recoded[n] for n in scale.items if n in recoded]
        answered[scale.key] = len(values)
        scores[scale.key] = sum(values) / len(values) if values else None
    return Rand36Scores(
        physical_functioning=scores[_PF],
        role_limitations_physical=scores[_RP],
        role_limitations_emotional=scores[_RE],
        energy_fatigue=scores[_EF],
        emotional_well_being=scores[_EW],
        social_functioning=scores[_SF],
        pain=scores[_PAIN],
        general_health=scores[_GH],
        health_change=recoded.get(HEALTH_CHANGE_ITEM),
        answered=MappingProxyType(answered),
    )


# ---------------------------------------------------------------- licences


@dataclass(frozen=True, slots=True)
class QolLicence:
    """What an instrument's terms allow, and whether its item text ships in this repository."""

    instrument: str
    terms: str
    ships_items: bool
    decision: str
    sources: tuple[Citation, ...]


QOL_LICENCES: Final = (
    QolLicence(
        "RAND-36 1.0",
        "RAND grants permission to use the survey; changes may be made without RAND's "
        "written permission but must be clearly identified as made by the user; the user is "
        "responsible for the accuracy of any translation.",
        ships_items=True,
        decision="English items, answers and scoring key shipped unchanged in "
        "hsct.outcomes.qol; no translation shipped; any change will be marked as ours.",
        sources=(RAND36_TERMS_SOURCE, RAND36_SURVEY_SOURCE),
    ),
    QolLicence(
        "MSQOL-54",
        'Described as "freely available" from the National MS Society (NINDS CDE 23832); '
        "no terms that allow redistributing its items inside software were found.",
        ships_items=False,
        decision="Items not shipped. Its 36 generic items are the RAND-36 (scored here); "
        "the 18 MS-specific items may be added only by a clinic as its own definition, or "
        "here once written terms allow redistribution.",
        sources=(MSQOL54_SOURCE, VICKREY_1995),
    ),
)


# ---------------------------------------------------------------- published findings

QolDirection = Literal["improved", "worse", "unchanged", "mixed", "not verified"]


@dataclass(frozen=True, slots=True)
class PublishedQolReport:
    """A published finding on quality of life after aHSCT in MS, and how far we checked it.

    ``months`` is the time after transplant the finding refers to (first, last), or
    ``None`` where the text we could read does not say. ``verified`` is false when part of
    the row rests on a secondary copy or on text we could not read; ``note`` says which.
    """

    key: str
    finding: str
    instrument: str
    months: tuple[int, int] | None
    direction: QolDirection
    source: Citation
    verified: bool
    note: str = ""


PUBLISHED_QOL_REPORTS: Final = (
    PublishedQolReport(
        "vilnius-2022",
        N_(
            "In 18 people with highly active relapsing MS treated in Vilnius, the SF-36 "
            "scores for physical functioning, vitality and pain were better 3 months after "
            "aHSCT, and still better at 12 and 24 months."
        ),
        "SF-36 (with a fatigue scale and HADS)",
        (3, 24),
        "improved",
        Citation(
            "Giedraitiene N, Gasciauskaite G, Kaubrys G. Impact of autologous HSCT on the "
            "quality of life and fatigue in patients with relapsing multiple sclerosis. "
            "Sci Rep 2022;12:15404 (PMC9470541)",
            "2022-09-13",
            doi="10.1038/s41598-022-19748-7",
        ),
        verified=True,
        note="Abstract read (PMC9470541); tables not checked.",
    ),
    PublishedQolReport(
        "russia-rnj-2024",
        N_(
            "In 21 people with MS in a Russian single-centre study (cyclophosphamide and "
            "rituximab conditioning), more than half had a significant improvement on the "
            "SF-36 vitality and social functioning scales 12 months after aHSCT."
        ),
        "SF-36 (with FAMS, CSP-MS42 and HADS)",
        (12, 12),
        "improved",
        Citation(
            "Quality of life of patients with multiple sclerosis after high-dose "
            "immunosuppressive therapy with autologous hematopoietic stem cell "
            "transplantation. Russian Neurological Journal 2024;29(1):25-35",
            "2024",
            doi="10.30629/2658-7947-2024-29-1-25-35",
        ),
        verified=True,
        note="English abstract read (r-n-j.com); the centre and authors are not named in "
        "it, so the city is not given.",
    ),
    PublishedQolReport(
        "moscow-2021",
        N_(
            "In 258 people with relapsing-remitting MS treated at the Pirogov Center in "
            "Moscow with low-intensity conditioning, aHSCT was followed by a significant "
            "improvement in quality of life."
        ),
        "not confirmed (quality-of-life questionnaires named only in the full text)",
        None,
        "improved",
        Citation(
            "Melnichenko VY, Fedorenko DA, Nikitina TP, Porfirieva NM, Nikolaev IS, Ionova TI. "
            "Autologous hematopoietic stem cell transplantation with low-intensity "
            "conditioning regimens in relapsing remitting multiple sclerosis: clinical "
            "outcomes and quality of life. Cell Ther Transplant 2021;10(2):45-53",
            "2021",
            doi="10.18620/ctt-1866-8836-2021-10-2-45-53",
        ),
        verified=False,
        note="The journal summary we read says quality of life was analysed; the sentence "
        "on improvement comes from a patient site's copy of the summary (hsctwarriors.org). "
        "Instrument and time points not confirmed.",
    ),
    PublishedQolReport(
        "burt-2015",
        N_(
            "In 151 people with relapsing-remitting or secondary-progressive MS treated in "
            "Chicago, SF-36 quality-of-life scores were a secondary outcome; the result is "
            "often quoted as an improvement, but we could not read it in the source."
        ),
        "SF-36",
        None,
        "not verified",
        Citation(
            "Burt RK, Balabanov R, Han X, et al. Association of nonmyeloablative hematopoietic "
            "stem cell transplantation with neurological disability in patients with "
            "relapsing-remitting multiple sclerosis. JAMA 2015;313(3):275-284",
            "2015-01-20",
            doi="10.1001/jama.2014.17986",
        ),
        verified=False,
        note="The abstract text we could read names SF-36 among the secondary outcomes and "
        "stops before the results; the size and timing of any change are not confirmed.",
    ),
)
