"""What each grade and each EDSS step means for the person, in plain words, with sources.

The functional-system grades paraphrase Kurtzke's 1983 definitions together with the
Neurostatus labels (as reproduced in adobrasinovic/edss, which follows the Neurostatus
scoring table); where the two differ, both readings are given. Strength grades are on the
Medical Research Council (MRC) scale, 0 (no movement) to 5 (normal strength), and visual
acuity in Snellen fractions with their decimal value, as both sources write them.

The step meanings paraphrase Kurtzke's 1983 step definitions (quoted verbatim in the
project dossier, edss.md §3.1 and §2.2); 8.0 to 10 reuse the bed-status labels of
:data:`hsct.edss.BED_LEVELS`, which paraphrase the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.common.i18n import N_
from hsct.common.text import Citation
from hsct.edss._sources import KURTZKE_1983, NEUROSTATUS_FS_LABELS
from hsct.edss._tables import BED_LEVELS, FS_MAX

#: Where the grade descriptions come from.
GRADE_SOURCES: Final = (KURTZKE_1983, NEUROSTATUS_FS_LABELS)
#: Where the step meanings come from.
STEP_SOURCE: Final = KURTZKE_1983

_NORMAL: Final = N_("Normal.")
_SIGNS_ONLY: Final = N_("Abnormal signs on examination, without disability.")

#: Plain words for each raw grade of each functional system (index = grade).
FS_GRADE_MEANINGS: Final = MappingProxyType(
    {
        "visual": (
            _NORMAL,
            N_(
                "Slight changes only: a pale optic disc, a small blind spot, or sight in the "
                "worse eye a little below normal but better than 20/30 (0.67)."
            ),
            N_("The worse eye sees 20/30 to 20/59 (0.67 to 0.34) with glasses or lenses."),
            N_(
                "The worse eye has a large blind spot or a moderately narrowed field of "
                "vision, or sees 20/60 to 20/99 (0.33 to 0.21)."
            ),
            N_(
                "The worse eye has a markedly narrowed field of vision or sees 20/100 to "
                "20/200 (0.2 to 0.1); or grade 3 with the better eye at 20/60 (0.33) or worse."
            ),
            N_(
                "The worse eye sees less than 20/200 (0.1); or grade 4 with the better eye at "
                "20/60 (0.33) or worse."
            ),
            N_("Grade 5, with the better eye at 20/60 (0.33) or worse."),
        ),
        "brainstem": (
            _NORMAL,
            N_("Signs on examination only."),
            N_(
                "Moderate nystagmus (involuntary eye movements), moderately weak eye "
                "movements, or another mild disability."
            ),
            N_(
                "Severe nystagmus, markedly weak eye movements, or moderate disability of "
                "other cranial nerves (face, hearing, swallowing, speech)."
            ),
            N_("Marked difficulty speaking clearly (dysarthria), or another marked disability."),
            N_("Unable to swallow or to speak."),
        ),
        "pyramidal": (
            _NORMAL,
            _SIGNS_ONLY,
            N_(
                "Minimal disability: tires quickly or does less well in strenuous movements, "
                "or slight weakness (strength 4 of 5) in one or two muscle groups."
            ),
            N_(
                "Mild or moderate weakness of one side of the body or of both legs (usually "
                "strength 4 of 5 in more than two muscle groups, or 3 of 5 in one or two), or "
                "severe weakness of one limb (strength 2 of 5 or less in one muscle group)."
            ),
            N_(
                "Marked weakness of one side of the body or of both legs (usually strength 2 "
                "of 5 in two limbs), moderate weakness of all four limbs (strength 3 of 5 in "
                "three or more limbs), or one limb paralysed."
            ),
            N_(
                "Both legs paralysed, or one side of the body paralysed, or marked weakness "
                "of all four limbs (strength 2 of 5 or less in three or more limbs)."
            ),
            N_("All four limbs paralysed (tetraplegia)."),
        ),
        "cerebellar": (
            _NORMAL,
            _SIGNS_ONLY,
            N_(
                "Mild unsteadiness or clumsiness (ataxia): tremor or clumsy movements are easy "
                "to see but get in the way only a little; or cannot walk heel to toe in a line."
            ),
            N_(
                "Moderate ataxia of the limbs, or of walking and the trunk: tremor or clumsy "
                "movements get in the way of everyday tasks."
            ),
            N_(
                "Severe ataxia of walking and the trunk and of three or four limbs: most tasks "
                "are very difficult."
            ),
            N_("Unable to make coordinated movements because of ataxia."),
        ),
        "sensory": (
            _NORMAL,
            N_(
                "A slight decrease only in feeling vibration or figures written on the skin "
                "(or temperature), in one or two limbs."
            ),
            N_(
                "A mild decrease in feeling touch, pain or the position of a joint, or a "
                "moderate decrease in feeling vibration, in one or two limbs; or a slight "
                "decrease in feeling vibration alone in more than two limbs."
            ),
            N_(
                "A moderate decrease in feeling touch, pain or joint position, or vibration "
                "mostly lost, in one or two limbs; or a mild decrease in feeling touch or pain, "
                "or a moderate decrease in every position test, in more than two limbs."
            ),
            N_(
                "A marked decrease in feeling touch or pain in one or two limbs; or a moderate "
                "decrease in feeling touch or pain, or a marked loss of joint position sense, "
                "in more than two limbs."
            ),
            N_(
                "Feeling essentially lost in one or two limbs; or a moderate decrease in "
                "feeling touch or pain, or a marked loss of joint position sense, over most of "
                "the body below the head."
            ),
            N_("Feeling essentially lost below the head."),
        ),
        "bowel_bladder": (
            _NORMAL,
            N_("Mild hesitancy, urgency or retention of urine, or constipation."),
            N_(
                "Moderate hesitancy, retention or urgency of urine, rare incontinence, or "
                "moderate bowel problems."
            ),
            N_(
                "Frequent urinary incontinence or self-catheterising now and then; or needs "
                "enemas or help by hand to empty the bowels."
            ),
            N_("Needs a catheter almost all the time."),
            N_(
                "Loss of bladder function (Neurostatus: of bladder or bowel function), with a "
                "permanent or external catheter."
            ),
            N_("Loss of both bowel and bladder function."),
        ),
        "cerebral": (
            _NORMAL,
            N_(
                "Signs only: slightly slower thinking or mild fatigue (Neurostatus). Kurtzke "
                "defined grade 1 as a change of mood only and did not count it."
            ),
            N_("Mildly slower thinking and memory, or moderate or severe fatigue."),
            N_("Moderately slower thinking and memory."),
            N_("Markedly slower thinking and memory."),
            N_("Dementia: thinking and memory severely impaired."),
        ),
    }
)


def grade_meaning(system: str, grade: int) -> str:
    """The plain-words meaning (a msgid) of ``grade`` in functional ``system``.

    Raises
    ------
    KeyError
        For an unknown system; ``IndexError`` for a grade out of its range.

    Examples
    --------
    >>> grade_meaning("pyramidal", 6)
    'All four limbs paralysed (tetraplegia).'
    """
    if not 0 <= grade <= FS_MAX[system]:
        raise IndexError(f"{system} grade {grade} is out of range 0 to {FS_MAX[system]}")
    return FS_GRADE_MEANINGS[system][grade]


@dataclass(frozen=True, slots=True)
class StepMeaning:
    """One EDSS step and what it means for the person, with its source."""

    step: float
    text: str
    source: Citation

    @property
    def display(self) -> str:
        """The step as people write it (``6.5``, ``0``, ``10``)."""
        return format_step(self.step)


_STEP_TEXT: Final = {
    0.0: N_("Normal neurological examination: no signs in any functional system."),
    1.0: N_("No disability; minimal signs in one functional system."),
    1.5: N_("No disability; minimal signs in more than one functional system."),
    2.0: N_("Minimal disability in one functional system."),
    2.5: N_("Minimal disability in two functional systems."),
    3.0: N_(
        "Walks without help; moderate disability in one functional system, or mild "
        "disability in three or four."
    ),
    3.5: N_(
        "Walks without help; moderate disability in one functional system with mild "
        "disability in one or two others, or moderate disability in two, or mild disability "
        "in five."
    ),
    4.0: N_(
        "Walks about 500 m without aid or rest; self-sufficient and up and about some 12 "
        "hours a day despite relatively severe disability."
    ),
    4.5: N_(
        "Walks about 300 m without aid or rest; up and about much of the day and able to work "
        "a full day, though some activities may be limited or need a little help."
    ),
    5.0: N_(
        "Walks about 200 m without aid or rest; disability gets in the way of a full day's "
        "usual activities (for example, working a full day without special arrangements)."
    ),
    5.5: N_(
        "Walks about 100 m without aid or rest; disability rules out a full day's usual activities."
    ),
    6.0: N_(
        "Needs a stick, crutch or brace on one side, now and then or all the time, to walk "
        "about 100 m, with or without resting."
    ),
    6.5: N_(
        "Needs two sticks, crutches or braces all the time to walk about 20 m without resting."
    ),
    7.0: N_(
        "Cannot walk more than about 5 m even with aids; mostly in a wheelchair, which they "
        "wheel and get in and out of alone; up in the wheelchair some 12 hours a day."
    ),
    7.5: N_(
        "Can take only a few steps; in a wheelchair and may need help to get in and out; "
        "wheels it but cannot manage a standard wheelchair a full day, and may need a "
        "powered one."
    ),
    **{level.step: level.label for level in BED_LEVELS.values()},
}

#: Every legal EDSS value and its meaning (8.0 to 10: the bed-status labels).
STEP_MEANINGS: Final = MappingProxyType(
    {step: StepMeaning(step, _STEP_TEXT[step], STEP_SOURCE) for step in LEGAL_VALUES}
)


def step_meaning(value: float) -> StepMeaning:
    """What the EDSS ``value`` means for the person.

    Raises
    ------
    KeyError
        When ``value`` is not on the EDSS grid (0, 1.0, 1.5, ... 9.5, 10).

    Examples
    --------
    >>> step_meaning(6.5).text
    'Needs two sticks, crutches or braces all the time to walk about 20 m without resting.'
    """
    return STEP_MEANINGS[value]
