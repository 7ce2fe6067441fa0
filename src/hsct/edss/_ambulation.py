"""The Neurostatus Ambulation Score (0-12) from what a person can do when walking.

Boundaries are half-open, as in the Neurostatus labels: without help 300 m is AS 2 and
299 m is AS 3; with help on one side 50 m is AS 6 and 49 m is AS 8; with help on both
sides 120 m is AS 7 and 119 m is AS 9. The best performance counts ("always score the
patient's best possible performance", Neurostatus forum), and an ankle-foot orthosis is
no assistance (same source).

Conventions of this project, documented in ``docs/user-guide/edss.md``:
- "Unrestricted" means walking as far as healthy people of the same age; a person who is
  not unrestricted but walks 500 m or more without help is AS 1.
- Walking less than 5 m does not count as walking (AS 10 starts at "cannot walk 5 m even
  with aids"); such a person is scored by wheelchair use or bed status.
- A walking frame or rollator counts as help on both sides; a person's arm on one side
  counts as help on one side.

Unknown facts are allowed: the result is then every score the known facts leave open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from itertools import product
from typing import Final

from hsct.common.errors import FieldError
from hsct.edss._tables import AMBULATION_STEP, BedStatus

#: Below this distance a person is not counted as walking (AS 10: "cannot walk 5 m").
MIN_WALK_M: Final = 5.0


class Wheelchair(StrEnum):
    """Wheelchair use when a person cannot walk 5 m even with aids."""

    INDEPENDENT = "independent"  # wheels self and transfers alone: AS 10
    WITH_HELP = "with_help"  # needs help with transfers or wheeling: AS 11


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkingFacts:
    """What a person can do, as far as it is known (``None`` = not known).

    Distances are in metres, walked without rest.
    """

    unrestricted: bool | None = None
    unaided_m: float | None = None
    one_aid_m: float | None = None
    two_aids_m: float | None = None
    wheelchair: Wheelchair | None = None
    bed_status: BedStatus | None = None

    @property
    def is_empty(self) -> bool:
        """True when no fact is given at all."""
        return all(
            value is None
            for value in (
                self.unrestricted,
                self.unaided_m,
                self.one_aid_m,
                self.two_aids_m,
                self.wheelchair,
                self.bed_status,
            )
        )


def unaided_score(distance: float) -> int | None:
    """AS for the furthest distance walked without help (not "unrestricted"), or None."""
    if distance >= 500:
        return 1
    if distance >= 300:
        return 2
    if distance >= 200:
        return 3
    if distance >= 100:
        return 4
    if distance >= MIN_WALK_M:
        return 5
    return None


def one_aid_score(distance: float) -> int | None:
    """AS for the furthest distance with help on one side, or None below 5 m."""
    if distance >= 50:
        return 6
    if distance >= MIN_WALK_M:
        return 8
    return None


def two_aids_score(distance: float) -> int | None:
    """AS for the furthest distance with help on both sides, or None below 5 m."""
    if distance >= 120:
        return 7
    if distance >= MIN_WALK_M:
        return 9
    return None


def best(scores: list[int]) -> int:
    """The best performance: the lowest EDSS step, and the lowest score on a tie."""
    return min(scores, key=lambda score: (AMBULATION_STEP[score], score))


def walking_errors(facts: WalkingFacts, prefix: str = "walking") -> list[FieldError]:
    """Every fact that is out of range or contradicts another, named by field."""
    errors: list[FieldError] = []
    walked: list[str] = []
    for name in ("unaided_m", "one_aid_m", "two_aids_m"):
        value = getattr(facts, name)
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            errors.append(
                FieldError(
                    f"{prefix}.{name}", "must be a distance in metres", "a number of 0 or more"
                )
            )
        elif value >= MIN_WALK_M:
            walked.append(name)
    unaided = facts.unaided_m
    if facts.unrestricted and isinstance(unaided, int | float) and 0 <= unaided < 500:
        errors.append(
            FieldError(
                f"{prefix}.unaided_m",
                f"{unaided:g} m contradicts unrestricted walking",
                "500 or more when walking is unrestricted",
            )
        )
    not_walking = [
        name for name in ("wheelchair", "bed_status") if getattr(facts, name) is not None
    ]
    if facts.wheelchair is not None and facts.bed_status is not None:
        errors.append(
            FieldError(
                f"{prefix}.wheelchair",
                "give either wheelchair use or bed status, not both",
                "one of them",
            )
        )
    for name in not_walking:
        if facts.unrestricted:
            errors.append(
                FieldError(
                    f"{prefix}.{name}",
                    "contradicts unrestricted walking",
                    "leave empty when walking is unrestricted",
                )
            )
        for distance in walked:
            errors.append(
                FieldError(
                    f"{prefix}.{name}",
                    f"contradicts walking {getattr(facts, distance):g} m ({distance})",
                    "only for people who cannot walk 5 m even with aids",
                )
            )
    return errors


def possible_scores(facts: WalkingFacts) -> frozenset[int]:
    """Every ambulation score (0-12) the facts leave open; one score when they settle it.

    The facts must have passed :func:`walking_errors`.
    """
    if facts.bed_status is not None:
        return frozenset({12})
    if facts.wheelchair is not None:
        return frozenset({10 if facts.wheelchair is Wheelchair.INDEPENDENT else 11})

    unaided_options: list[int | None]
    if facts.unaided_m is None:
        unaided_options = [1, 2, 3, 4, 5, None]
    else:
        unaided_options = [unaided_score(facts.unaided_m)]
    if facts.unrestricted is True:
        unrestricted_options = [True]
    elif facts.unrestricted is False:
        unrestricted_options = [False]
    else:
        can_be_free = facts.unaided_m is None or facts.unaided_m >= 500
        unrestricted_options = [True, False] if can_be_free else [False]
    one_aid = [6, 8, None] if facts.one_aid_m is None else [one_aid_score(facts.one_aid_m)]
    two_aids = [7, 9, None] if facts.two_aids_m is None else [two_aids_score(facts.two_aids_m)]

    found: set[int] = set()
    for free, unaided, single, double in product(
        unrestricted_options, unaided_options, one_aid, two_aids
    ):
        walking = [s for s in (0 if free else None, unaided, single, double) if s is not None]
        if walking:
            found.add(best(walking))
        else:
            found.update((10, 11, 12))  # not walking: wheelchair or bed, not known which
    return frozenset(found)
