"""Expanded Disability Status Scale: scoring from functional systems and walking.

Pure core: no web, database or CLI imports (enforced by import-linter).

>>> from hsct.edss import score
>>> result = score(visual=0, brainstem=0, pyramidal=4, cerebellar=2, sensory=2,
...                bowel_bladder=0, cerebral=0, ambulation_score=0)
>>> result.value, result.contested
(4.5, True)
"""

from typing import TYPE_CHECKING, Any

from hsct.common.edss_value import LEGAL_VALUES, format_step
from hsct.edss._alternatives import Alternative
from hsct.edss._ambulation import WalkingFacts, Wheelchair
from hsct.edss._meanings import (
    FS_GRADE_MEANINGS,
    GRADE_SOURCES,
    STEP_MEANINGS,
    StepMeaning,
    grade_meaning,
    step_meaning,
)
from hsct.edss._questions import (
    DOES_NOT_APPLY,
    WALKING_ANSWER_SOURCES,
    WALKING_ANSWERS,
    AnswerOutcome,
    NextQuestion,
    WalkingQuestion,
    answer_step,
    next_question,
)
from hsct.edss._result import EdssResult, Finding, Grade
from hsct.edss._rules import RULES, Rule
from hsct.edss._score import score
from hsct.edss._sources import SELF_REPORT_GAP
from hsct.edss._tables import (
    AMBULATION_LEVELS,
    BED_LEVELS,
    FS_MAX,
    FUNCTIONAL_SYSTEMS,
    MAX_AMBULATION_SCORE,
    MODES,
    BedStatus,
    Mode,
)

if TYPE_CHECKING:
    from hsct.edss._vector import score_many


def __getattr__(name: str) -> Any:
    """``score_many`` is imported on first use: it needs numpy, which ``hsct --help`` must not."""
    if name == "score_many":
        from hsct.edss._vector import score_many  # noqa: PLC0415 - see the docstring

        globals()[name] = score_many  # later look-ups skip this function
        return score_many
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AMBULATION_LEVELS",
    "BED_LEVELS",
    "DOES_NOT_APPLY",
    "FS_GRADE_MEANINGS",
    "FS_MAX",
    "FUNCTIONAL_SYSTEMS",
    "GRADE_SOURCES",
    "LEGAL_VALUES",
    "MAX_AMBULATION_SCORE",
    "MODES",
    "RULES",
    "SELF_REPORT_GAP",
    "STEP_MEANINGS",
    "WALKING_ANSWERS",
    "WALKING_ANSWER_SOURCES",
    "Alternative",
    "AnswerOutcome",
    "BedStatus",
    "EdssResult",
    "Finding",
    "Grade",
    "Mode",
    "NextQuestion",
    "Rule",
    "StepMeaning",
    "WalkingFacts",
    "WalkingQuestion",
    "Wheelchair",
    "answer_step",
    "format_step",
    "grade_meaning",
    "next_question",
    "score",
    "score_many",
    "step_meaning",
]
