"""What the other published calculators give for the same input, to flag contested results.

A result is *contested* when a published calculator or an equally defensible reading of
the scale gives a different EDSS for the same input. The readings modelled here are the
ones the project dossier documents and measured (edss.md §5, items A1 and A3 to A12):

- ``neurostatus`` and ``kurtzke``: this calculator's own two modes.
- ``jirimotyl``: jirimotyl/edss ``neurostatus_16``. Counts cerebral grade 1 as 0 (A1); one
  grade-4 system with grade-2 systems and no grade 3 gives 4.0, with 1-4 grade-3 systems
  4.5, with 5 or more no result (A3); at ambulation scores 1 and 2 its walking rules run
  before its "5.0" rules, giving 4.0 and 4.5 (A12, an ordering error).
- ``mspectrum``: AnasZakarya/MSpectrum. One grade-4 system plus one other at 2-3 gives
  4.5, plus two or more gives 5.0 (A3); three or more grade-3 systems give 4.0, or 4.5
  with a grade 2 (A4); five or more grade-2 systems give 3.5 (A5); one grade 3 with three
  or more grade 2 gives 3.5 (A6); no 5.0 cap: 5.5 and 6.0 for high grades (A8).

Each alternative says which ambiguity makes it differ, in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from hsct.common.i18n import N_
from hsct.common.text import Citation, Message
from hsct.edss._rules import Counts, fs_rule
from hsct.edss._sources import JIRIMOTYL, KURTZKE_1983, MSPECTRUM, NEUROSTATUS_TABLE_ENCODING
from hsct.edss._tables import Mode, ambulation_step

Reading = Literal["neurostatus", "kurtzke", "jirimotyl", "mspectrum"]

AMBIGUITY_TEXT: Final = {
    "A1": N_("Kurtzke's definition does not count cerebral grade 1 (mood alteration only)."),
    "A3": N_(
        "Published calculators disagree when one system is at grade 4 and others are at "
        "grade 2 or 3."
    ),
    "A4": N_("Published calculators disagree when three or more systems are at grade 3."),
    "A5": N_("Published calculators disagree when six or seven systems are at grade 2."),
    "A6": N_(
        "Published calculators disagree when one system is at grade 3 and three or more "
        "are at grade 2."
    ),
    "A7": N_(
        'Read literally, Kurtzke\'s scale puts "fully ambulatory but not unrestricted" '
        "at 4.0 rather than 2.0."
    ),
    "A8": N_(
        "One calculator does not cap the functional-system step at 5.0 when a system is "
        "at grade 5 or 6."
    ),
    "A12": N_(
        "This calculator applies its walking rules before its rules for high grades, "
        "an ordering error that makes it give lower values here."
    ),
}

READING_NAMES: Final = {
    "neurostatus": N_("This calculator, Neurostatus mode"),
    "kurtzke": N_("This calculator, Kurtzke mode"),
    "jirimotyl": N_("jirimotyl/edss (R)"),
    "mspectrum": N_("MSpectrum (JavaScript)"),
}
READING_SOURCES: Final[dict[Reading, Citation]] = {
    "neurostatus": NEUROSTATUS_TABLE_ENCODING,
    "kurtzke": KURTZKE_1983,
    "jirimotyl": JIRIMOTYL,
    "mspectrum": MSPECTRUM,
}


@dataclass(frozen=True, slots=True)
class Alternative:
    """The EDSS another reading gives (``None``: it gives no result), and why it differs."""

    reading: Reading
    name: str
    value: float | None
    reason: Message
    source: Citation


def _with_cerebral(n: Counts, cerebral: int, *, count_grade1: bool) -> list[int]:
    counts = list(n)
    if cerebral == 1 and not count_grade1:
        counts[1] -= 1
        counts[0] += 1
    return counts


def _own(n: Counts, cerebral: int, score: int, mode: Mode) -> tuple[float, str]:
    """This calculator in ``mode``; the reason names what separates it from the other mode."""
    counts = _with_cerebral(n, cerebral, count_grade1=mode == "neurostatus")
    value = max(fs_rule(counts).step, ambulation_step(score, mode))
    other: Mode = "kurtzke" if mode == "neurostatus" else "neurostatus"
    walking_only = max(fs_rule(counts).step, ambulation_step(score, other))
    return value, "A7" if walking_only != value else "A1"


def _jirimotyl(n: Counts, cerebral: int, score: int) -> tuple[float | None, str]:
    counts = _with_cerebral(n, cerebral, count_grade1=False)
    reason = "A1"
    fs: float | None
    if counts[5] or counts[6]:
        fs = 5.0
    elif counts[4] == 1 and counts[3] == 0 and counts[2]:
        fs, reason = 4.0, "A3"
    elif counts[4] == 1 and 1 <= counts[3] <= 4:
        fs, reason = 4.5, "A3"
    elif counts[4] == 1 and counts[3] >= 5:
        fs, reason = None, "A3"
    else:
        fs = fs_rule(counts).step
    grade5_or_more = bool(counts[5] or counts[6])
    if score in (1, 2) and not grade5_or_more and (fs is None or fs >= 5.0):
        return (4.0 if score == 1 else 4.5), "A12"
    if fs is None:
        return None, reason
    return max(fs, ambulation_step(score, "neurostatus")), reason


def _mspectrum_fs(n: Counts) -> tuple[float, str]:  # noqa: PLR0911 - one branch per rule
    at_least_2 = n[2] + n[3] + n[4] + n[5] + n[6]
    if n[6]:
        return 6.0, "A8"
    if n[5] >= 2:
        return (6.0 if at_least_2 > n[5] else 5.5), "A8"
    if n[5] == 1:
        return (5.5 if at_least_2 > 1 else 5.0), "A8"
    if n[4] >= 2:
        return (5.5 if at_least_2 > n[4] else 5.0), "A8"
    if n[4] == 1:
        others = at_least_2 - 1
        return (4.0 if others == 0 else 4.5 if others == 1 else 5.0), "A3"
    if n[3] >= 3:
        return (4.0 if n[2] == 0 else 4.5), "A4"
    if n[3] == 1 and n[2] >= 3:
        return 3.5, "A6"
    if n[3] == 0 and n[2] >= 5:
        return 3.5, "A5"
    return fs_rule(n).step, "A3"


def _mspectrum(n: Counts, score: int) -> tuple[float, str]:
    fs, reason = _mspectrum_fs(n)
    return max(fs, ambulation_step(score, "neurostatus")), reason


def alternatives(n: Counts, *, cerebral: int, score: int, mode: Mode) -> tuple[Alternative, ...]:
    """Every other reading's EDSS for converted-grade counts ``n`` (cerebral grade counted).

    ``n`` counts cerebral grade 1 as a grade-1 system; ``cerebral`` is the raw cerebral grade,
    so readings that ignore cerebral grade 1 can remove it. Only for ambulation scores 0-12.
    """
    values: dict[Reading, tuple[float | None, str]] = {
        "neurostatus": _own(n, cerebral, score, "neurostatus"),
        "kurtzke": _own(n, cerebral, score, "kurtzke"),
        "jirimotyl": _jirimotyl(n, cerebral, score),
        "mspectrum": _mspectrum(n, score),
    }
    return tuple(
        Alternative(
            reading=reading,
            name=READING_NAMES[reading],
            value=value,
            reason=Message(AMBIGUITY_TEXT[reason]),
            source=READING_SOURCES[reading],
        )
        for reading, (value, reason) in values.items()
        if reading != mode
    )
