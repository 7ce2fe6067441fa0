"""The step the functional systems give on their own (0 to 5.0), as named rules.

Each rule states its condition on the counts of *converted* grades (``n[k]`` = how many of
the seven systems are at grade ``k``), the step, a plain-words explanation, Kurtzke's 1983
wording where it applies, the sources and the confidence the dossier gives it.

The rule order and conditions follow the specification in the project dossier (§3.2),
which was checked to be exactly equivalent to the adobrasinovic/edss encoding of the
Neurostatus scoring table over every combination, and agrees with Kurtzke's text and with
jirimotyl/edss wherever no grade is above 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.i18n import N_
from hsct.common.text import Citation
from hsct.edss._sources import KURTZKE_1983, NEUROSTATUS_TABLE_ENCODING

Confidence = Literal["high", "medium-high", "medium", "low-medium"]
#: Counts of converted grades 0..6 (index = grade).
Counts = Sequence[int]


@dataclass(frozen=True, slots=True)
class Rule:
    """One way the functional systems determine a step."""

    id: str
    step: float
    text: str
    kurtzke: str | None
    sources: tuple[Citation, ...]
    confidence: Confidence


_BOTH = (KURTZKE_1983, NEUROSTATUS_TABLE_ENCODING)
_TABLE = (NEUROSTATUS_TABLE_ENCODING,)

_K_4_0 = (
    "Fully ambulatory without aid … relatively severe disability consisting of one FS grade 4 "
    "(others 0 or 1) or combinations of lesser grades exceeding limits of previous steps"
)
_K_4_5 = (
    "… relatively severe disability, usually consisting of one FS grade 4 (others 0 or 1) or "
    "combinations of lesser grades exceeding limits of previous steps"
)
_K_5_0 = (
    "Usual FS equivalents are one grade 5 alone, others 0 or 1; or combinations of lesser "
    "grades usually exceeding specifications for step 4.0"
)
_K_3_5 = (
    "Fully ambulatory but with moderate disability in one FS (one grade 3) and one or two FS "
    "grade 2; or two FS grade 3; or five FS grade 2 (others 0 or 1)"
)
_K_3_0 = (
    "Moderate disability in one FS (one FS grade 3, others 0 or 1), or mild disability in "
    "three or four FS (three/four FS grade 2, others 0 or 1) though fully ambulatory"
)

GRADE5: Final = Rule(
    "fs.grade5",
    5.0,
    N_(
        "A functional system is at grade 5 or 6. The functional systems alone give 5.0, the "
        "highest step they can give; higher steps depend on walking."
    ),
    _K_5_0,
    _BOTH,
    "medium-high",
)
TWO_GRADE4: Final = Rule(
    "fs.two_grade4",
    5.0,
    N_("Two or more functional systems are at grade 4: step 5.0."),
    _K_5_0,
    _BOTH,
    "medium-high",
)
GRADE4_THREE_GRADE3: Final = Rule(
    "fs.grade4_three_grade3",
    5.0,
    N_("One functional system is at grade 4 and three or more are at grade 3: step 5.0."),
    _K_5_0,
    _TABLE,
    "low-medium",
)
GRADE4_LESSER: Final = Rule(
    "fs.grade4_lesser",
    4.5,
    N_("One functional system is at grade 4 and one or more others are at grade 2 or 3: step 4.5."),
    _K_4_5,
    _TABLE,
    "low-medium",
)
ONE_GRADE4: Final = Rule(
    "fs.one_grade4",
    4.0,
    N_("One functional system is at grade 4 and the others are at 0 or 1: step 4.0."),
    _K_4_0,
    _BOTH,
    "high",
)
SIX_GRADE3: Final = Rule(
    "fs.six_grade3",
    5.0,
    N_("Six or seven functional systems are at grade 3: step 5.0."),
    _K_5_0,
    _TABLE,
    "medium",
)
FIVE_GRADE3: Final = Rule(
    "fs.five_grade3",
    4.5,
    N_("Five functional systems are at grade 3: step 4.5."),
    _K_4_5,
    _TABLE,
    "medium",
)
THREE_GRADE3: Final = Rule(
    "fs.three_grade3",
    4.0,
    N_("Three or four functional systems are at grade 3: step 4.0."),
    _K_4_0,
    _TABLE,
    "medium-high",
)
TWO_GRADE3: Final = Rule(
    "fs.two_grade3",
    3.5,
    N_("Two functional systems are at grade 3 and the others are at 0 or 1: step 3.5."),
    _K_3_5,
    _BOTH,
    "high",
)
TWO_GRADE3_GRADE2: Final = Rule(
    "fs.two_grade3_grade2",
    4.0,
    N_("Two functional systems are at grade 3 and at least one is at grade 2: step 4.0."),
    _K_4_0,
    _BOTH,
    "medium-high",
)
ONE_GRADE3: Final = Rule(
    "fs.one_grade3",
    3.0,
    N_("One functional system is at grade 3 and the others are at 0 or 1: step 3.0."),
    _K_3_0,
    _BOTH,
    "high",
)
ONE_GRADE3_GRADE2: Final = Rule(
    "fs.one_grade3_grade2",
    3.5,
    N_("One functional system is at grade 3 and one or two are at grade 2: step 3.5."),
    _K_3_5,
    _BOTH,
    "high",
)
ONE_GRADE3_THREE_GRADE2: Final = Rule(
    "fs.one_grade3_three_grade2",
    4.0,
    N_("One functional system is at grade 3 and three or more are at grade 2: step 4.0."),
    _K_4_0,
    _BOTH,
    "medium-high",
)
SIX_GRADE2: Final = Rule(
    "fs.six_grade2",
    4.0,
    N_("Six or seven functional systems are at grade 2: step 4.0."),
    _K_4_0,
    _BOTH,
    "medium",
)
FIVE_GRADE2: Final = Rule(
    "fs.five_grade2",
    3.5,
    N_("Five functional systems are at grade 2 and the others are at 0 or 1: step 3.5."),
    _K_3_5,
    _BOTH,
    "high",
)
THREE_GRADE2: Final = Rule(
    "fs.three_grade2",
    3.0,
    N_("Three or four functional systems are at grade 2 and the others are at 0 or 1: step 3.0."),
    _K_3_0,
    _BOTH,
    "high",
)
TWO_GRADE2: Final = Rule(
    "fs.two_grade2",
    2.5,
    N_("Two functional systems are at grade 2 and the others are at 0 or 1: step 2.5."),
    "Minimal disability in two FS (two FS grade 2, others 0 or 1)",
    _BOTH,
    "high",
)
ONE_GRADE2: Final = Rule(
    "fs.one_grade2",
    2.0,
    N_("One functional system is at grade 2 and the others are at 0 or 1: step 2.0."),
    "Minimal disability in one FS (one FS grade 2, others 0 or 1)",
    _BOTH,
    "high",
)
MANY_GRADE1: Final = Rule(
    "fs.many_grade1",
    1.5,
    N_(
        "More than one functional system shows minimal signs (grade 1) and none is higher: "
        "step 1.5."
    ),
    "No disability, minimal signs in more than one FS (more than one grade 1 excluding "
    "Cerebral grade 1)",
    _BOTH,
    "high",
)
ONE_GRADE1: Final = Rule(
    "fs.one_grade1",
    1.0,
    N_("One functional system shows minimal signs (grade 1) and the others are normal: step 1.0."),
    "No disability, minimal signs in one FS (i.e., grade 1 excluding Cerebral grade 1)",
    _BOTH,
    "high",
)
NORMAL: Final = Rule(
    "fs.normal",
    0.0,
    N_("Every functional system is normal (grade 0): step 0."),
    "Normal neurologic examination (all grade 0 in Functional Systems [FS]; Cerebral grade 1 "
    "acceptable)",
    _BOTH,
    "high",
)

RULES: Final = (
    GRADE5,
    TWO_GRADE4,
    GRADE4_THREE_GRADE3,
    GRADE4_LESSER,
    ONE_GRADE4,
    SIX_GRADE3,
    FIVE_GRADE3,
    THREE_GRADE3,
    TWO_GRADE3,
    TWO_GRADE3_GRADE2,
    ONE_GRADE3,
    ONE_GRADE3_GRADE2,
    ONE_GRADE3_THREE_GRADE2,
    SIX_GRADE2,
    FIVE_GRADE2,
    THREE_GRADE2,
    TWO_GRADE2,
    ONE_GRADE2,
    MANY_GRADE1,
    ONE_GRADE1,
    NORMAL,
)


def counts_of(grades: Sequence[int]) -> tuple[int, ...]:
    """How many systems are at each converted grade 0..6."""
    counts = [0] * 7
    for grade in grades:
        counts[grade] += 1
    return tuple(counts)


def fs_rule(n: Counts) -> Rule:  # noqa: C901, PLR0911, PLR0912 - one branch per published rule
    """The rule that fires for the counts ``n`` of converted grades (index = grade)."""
    if n[5] or n[6]:
        return GRADE5
    if n[4] >= 2:
        return TWO_GRADE4
    if n[4] == 1:
        if n[3] >= 3:
            return GRADE4_THREE_GRADE3
        if n[3] or n[2]:
            return GRADE4_LESSER
        return ONE_GRADE4
    if n[3] >= 6:
        return SIX_GRADE3
    if n[3] == 5:
        return FIVE_GRADE3
    if n[3] >= 3:
        return THREE_GRADE3
    if n[3] == 2:
        return TWO_GRADE3 if n[2] == 0 else TWO_GRADE3_GRADE2
    if n[3] == 1:
        if n[2] == 0:
            return ONE_GRADE3
        return ONE_GRADE3_GRADE2 if n[2] <= 2 else ONE_GRADE3_THREE_GRADE2
    if n[2] >= 6:
        return SIX_GRADE2
    if n[2] == 5:
        return FIVE_GRADE2
    if n[2] >= 3:
        return THREE_GRADE2
    if n[2] == 2:
        return TWO_GRADE2
    if n[2] == 1:
        return ONE_GRADE2
    if n[1] >= 2:
        return MANY_GRADE1
    if n[1] == 1:
        return ONE_GRADE1
    return NORMAL
