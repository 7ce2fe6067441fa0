"""EDSS reference tables as data, each with its source.

Functional-system (FS) ranges, the visual and bowel/bladder conversions, the Neurostatus
Ambulation Score (AS) table, and the bed-status steps 8.0 to 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from hsct.common.i18n import N_
from hsct.common.text import Citation
from hsct.edss._sources import (
    KURTZKE_1983,
    NEUROSTATUS_DEFINITIONS,
    NEUROSTATUS_TABLE_ENCODING,
)

Mode = Literal["neurostatus", "kurtzke"]
MODES: Final[tuple[Mode, ...]] = ("neurostatus", "kurtzke")


@dataclass(frozen=True, slots=True)
class FunctionalSystem:
    """One of the seven functional systems: its argument name, range and plain name."""

    key: str
    label: str
    max_grade: int


#: In the order used by every implementation and by the golden vectors:
#: Visual, Brainstem, Pyramidal, Cerebellar, Sensory, Bowel & bladder, Cerebral.
FUNCTIONAL_SYSTEMS: Final = (
    FunctionalSystem("visual", N_("Visual"), 6),
    FunctionalSystem("brainstem", N_("Brainstem"), 5),
    FunctionalSystem("pyramidal", N_("Pyramidal (strength)"), 6),
    FunctionalSystem("cerebellar", N_("Cerebellar (coordination)"), 5),
    FunctionalSystem("sensory", N_("Sensory"), 6),
    FunctionalSystem("bowel_bladder", N_("Bowel and bladder"), 6),
    FunctionalSystem("cerebral", N_("Cerebral (mental)"), 5),
)
FS_KEYS: Final = tuple(fs.key for fs in FUNCTIONAL_SYSTEMS)
FS_MAX: Final = MappingProxyType({fs.key: fs.max_grade for fs in FUNCTIONAL_SYSTEMS})

#: Visual grade as counted for the EDSS step (raw -> converted).
#: Source: Neurostatus Definitions 04/10.2, note on the visual FS (quoted in the dossier).
VISUAL_CONVERSION: Final = (0, 1, 2, 2, 3, 3, 4)
#: Bowel and bladder grade as counted for the EDSS step (raw -> converted).
#: Source: identical in every Neurostatus-based implementation (adobrasinovic, atiweb,
#: jirimotyl, MSpectrum); the Neurostatus wording itself was not retrieved.
BOWEL_BLADDER_CONVERSION: Final = (0, 1, 2, 3, 3, 4, 5)
CONVERSION_SOURCES: Final = MappingProxyType(
    {"visual": NEUROSTATUS_DEFINITIONS, "bowel_bladder": NEUROSTATUS_TABLE_ENCODING}
)

#: The highest step the functional systems alone can give; 5.5 and above come from walking.
FS_STEP_CAP: Final = 5.0
MAX_AMBULATION_SCORE: Final = 12


@dataclass(frozen=True, slots=True)
class AmbulationLevel:
    """One Neurostatus Ambulation Score: its EDSS step and what it means in plain words."""

    score: int
    step: float
    label: str


#: Neurostatus Ambulation Score 0-12 -> EDSS step. Labels paraphrase the Neurostatus
#: scoring table as reproduced in adobrasinovic/edss (README.md). AS 1 -> 2.0 is the
#: Neurostatus reading; Kurtzke mode uses 4.0 (see KURTZKE_AS1_STEP).
AMBULATION_LEVELS: Final = (
    AmbulationLevel(0, 0.0, N_("Walking is unrestricted")),
    AmbulationLevel(1, 2.0, N_("Fully ambulatory but not unrestricted; walks 500 m or more")),
    AmbulationLevel(2, 4.5, N_("Walks 300 to 499 m without help or rest")),
    AmbulationLevel(3, 5.0, N_("Walks 200 to 299 m without help or rest")),
    AmbulationLevel(4, 5.5, N_("Walks 100 to 199 m without help or rest")),
    AmbulationLevel(5, 6.0, N_("Walks less than 100 m without help")),
    AmbulationLevel(6, 6.0, N_("Walks 50 m or more with help on one side (one stick or crutch)")),
    AmbulationLevel(7, 6.0, N_("Walks 120 m or more with help on both sides")),
    AmbulationLevel(8, 6.5, N_("Walks less than 50 m with help on one side")),
    AmbulationLevel(9, 6.5, N_("Walks 5 to 119 m with help on both sides")),
    AmbulationLevel(
        10, 7.0, N_("Cannot walk 5 m even with aids; wheels self and transfers without help")
    ),
    AmbulationLevel(11, 7.5, N_("Can take only a few steps; needs help with the wheelchair")),
    AmbulationLevel(
        12, 8.0, N_("Essentially restricted to bed or chair, but out of bed most of the day")
    ),
)
AMBULATION_STEP: Final = tuple(level.step for level in AMBULATION_LEVELS)
KURTZKE_AS1_STEP: Final = 4.0


def ambulation_step(score: int, mode: Mode) -> float:
    """The EDSS step an ambulation score implies in ``mode``."""
    if score == 1 and mode == "kurtzke":
        return KURTZKE_AS1_STEP
    return AMBULATION_STEP[score]


class BedStatus(StrEnum):
    """Kurtzke's steps 8.0 to 10, beyond what the Ambulation Score can express."""

    BED_OR_CHAIR = "bed_or_chair"
    BED_MUCH_OF_DAY = "bed_much_of_day"
    HELPLESS_IN_BED = "helpless_in_bed"
    TOTALLY_HELPLESS = "totally_helpless"
    DEATH_DUE_TO_MS = "death_due_to_ms"


@dataclass(frozen=True, slots=True)
class BedLevel:
    """A bed-status step with Kurtzke's definition in plain words."""

    status: BedStatus
    step: float
    label: str
    source: Citation


BED_LEVELS: Final = MappingProxyType(
    {
        BedStatus.BED_OR_CHAIR: BedLevel(
            BedStatus.BED_OR_CHAIR,
            8.0,
            N_(
                "Essentially restricted to bed or chair or pushed in a wheelchair, but out of "
                "bed much of the day; keeps many self-care functions and effective use of the arms"
            ),
            KURTZKE_1983,
        ),
        BedStatus.BED_MUCH_OF_DAY: BedLevel(
            BedStatus.BED_MUCH_OF_DAY,
            8.5,
            N_(
                "Essentially restricted to bed much of the day; some effective use of the arms; "
                "keeps some self-care functions"
            ),
            KURTZKE_1983,
        ),
        BedStatus.HELPLESS_IN_BED: BedLevel(
            BedStatus.HELPLESS_IN_BED,
            9.0,
            N_("Helpless in bed; can communicate and eat"),
            KURTZKE_1983,
        ),
        BedStatus.TOTALLY_HELPLESS: BedLevel(
            BedStatus.TOTALLY_HELPLESS,
            9.5,
            N_("Totally helpless in bed; unable to communicate effectively or to eat and swallow"),
            KURTZKE_1983,
        ),
        BedStatus.DEATH_DUE_TO_MS: BedLevel(
            BedStatus.DEATH_DUE_TO_MS, 10.0, N_("Death due to MS"), KURTZKE_1983
        ),
    }
)
