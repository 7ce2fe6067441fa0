"""What a clinic may publish of its outcomes: small cells suppressed, totals that cannot give
them back, curves cut before they show one person (issue 16, the first part).

The rules, with their sources (``../shared/dossier/registry.md``, "Small-cell thresholds"):

- **Counts of 1 to 10 are not published** (the US Centers for Medicare & Medicaid
  Services' cell-size rule, resdac.org; PCORnet uses fewer than 11 too). Zero is published.
  The threshold may be set higher, never below 5 (the lowest in use: PEDSnet, CPRD).
- **Complementary suppression**: a suppressed count must not be recoverable from the totals
  or the other counts (CMS: "including values derivable from totals or percentages"). In a
  table with row and column totals, every row and column relation (its cells add up to its
  total) holding a suppressed entry holds at least two, so the arithmetic of the published
  numbers leaves every suppressed entry open between at least two values
  (``tests/outcomes/test_disclosure.py`` checks this with a linear-programming attacker).
- **Groups of fewer than 11 patients** are not published at all, and **curves stop** where
  fewer than the threshold remain at risk, with time coarsened to whole months: a step of a
  Kaplan-Meier curve at a day reveals one person's event (dossier, "Inference").

Percentages are computed only from published counts (:func:`share`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from hsct.common.errors import FieldError, InvalidInput

#: The smallest count published besides zero: counts of 1 to 10 are suppressed (CMS).
THRESHOLD: Final = 11
#: The lowest threshold a deployment may choose (PEDSnet and CPRD suppress under 5).
THRESHOLD_FLOOR: Final = 5
#: The fewest patients in a group (a clinic, a regimen, an MS type) for it to be published.
MIN_GROUP: Final = 11
#: Days in a month on average (365.25 / 12): times are published in whole months.
DAYS_PER_MONTH: Final = 30.4375
SOURCES: Final = (
    (
        "CMS cell size suppression policy (cells of 1-10, including values derivable from "
        "totals), resdac.org, via dossier/registry.md"
    ),
    "PCORnet, PEDSnet, CPRD thresholds (countmaskr documentation), via dossier/registry.md",
)


def check_threshold(threshold: object) -> int:
    """``threshold`` as a whole number of at least :data:`THRESHOLD_FLOOR`, or
    :class:`InvalidInput` naming ``threshold``."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < THRESHOLD_FLOOR:
        raise InvalidInput(
            [
                FieldError(
                    "threshold",
                    f"{threshold!r} is not an allowed small-cell threshold",
                    f"a whole number, {THRESHOLD_FLOOR} or more (default {THRESHOLD})",
                )
            ]
        )
    return threshold


@dataclass(frozen=True, slots=True)
class Released:
    """A table as it may be published: ``None`` where a number is suppressed.

    ``cells[i][j]`` are the counts, ``row_totals[i]`` and ``column_totals[j]`` their sums,
    ``total`` the sum of everything. ``primary`` holds the places suppressed for being
    small, ``complementary`` those suppressed to protect them; a place is ``(i, j)`` in the
    table extended by its totals (``i == rows`` is the totals row, ``j == columns`` the
    totals column).
    """

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    primary: frozenset[tuple[int, int]]
    complementary: frozenset[tuple[int, int]]


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def suppress(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    keep: Collection[tuple[int, int]] = (),
) -> Released:
    """``counts`` (rows of equal length, each count 0 or more) with their totals, as they
    may be published: counts and totals from 1 to ``threshold - 1`` suppressed, then the
    fewest further entries so that no row or column relation holds exactly one suppressed
    entry.

    Each further entry is the smallest count of the relation (a positive one before a
    zero, a cell before a total): suppressing large counts would hide more than needed.
    ``keep`` names places (in the table extended by its totals) that are published
    elsewhere, such as each group's size: they are never chosen to protect another entry,
    since hiding them here would protect nothing. A kept place that is itself small is
    refused.

    >>> released = suppress([[12, 3, 20], [14, 15, 30]])
    >>> released.cells
    ((None, None, 20), (None, None, 30))
    >>> released.row_totals, released.column_totals, released.total
    ((35, 59), (26, 18, 50), 94)
    """
    threshold = check_threshold(threshold)
    rows = [list(row) for row in counts]
    n_columns = len(rows[0]) if rows else 0
    for row in rows:
        if len(row) != n_columns:
            raise InvalidInput([FieldError("counts", "rows of different lengths", "a table")])
        for value in row:
            if not _is_count(value):
                raise InvalidInput(
                    [FieldError("counts", f"{value!r} is not a count", "whole numbers, 0 or more")]
                )
    n_rows = len(rows)
    # The table extended by its totals: the last row and column hold the sums.
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(grid[i][j] for i in range(n_rows)) for j in range(n_columns + 1)])
    primary = {
        (i, j)
        for i, line in enumerate(grid)
        for j, value in enumerate(line)
        if 0 < value < threshold
    }
    kept = frozenset(keep)
    if kept & primary:
        raise InvalidInput(
            [
                FieldError(
                    "keep",
                    "a place kept published holds a small count",
                    "counts of 0 or the threshold or more",
                )
            ]
        )
    hidden = set(primary)
    # Each relation: the places of its parts, then the place of its total.
    relations = [[(i, j) for j in range(n_columns + 1)] for i in range(n_rows + 1)]
    relations += [[(i, j) for i in range(n_rows + 1)] for j in range(n_columns + 1)]
    while True:
        _pair(grid, relations, hidden, kept)
        exposed = _small_hidden_sum(grid, relations, hidden, threshold)
        if exposed is None:
            exposed = next(
                (p for p in sorted(primary) if _pinned(grid, relations, hidden, p)), None
            )
        if exposed is None:
            break
        # The suppressed parts of a relation add up to a small count, or a small count has
        # one possible value: suppress the smallest published entry of the relations through
        # that place, and check again.
        around = [
            p for r in relations if exposed in r for p in r if p not in hidden and p not in kept
        ]
        if not around:  # everything around is suppressed already: widen to any entry
            around = [
                (a, b)
                for a, line in enumerate(grid)
                for b in range(len(line))
                if (a, b) not in hidden and (a, b) not in kept
            ]
        if not around:  # everything that may be hidden is: nothing more can be done here
            break
        hidden.add(min(around, key=lambda p: (grid[p[0]][p[1]] == 0, grid[p[0]][p[1]], p)))

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in hidden else grid[i][j]

    return Released(
        cells=tuple(tuple(shown(i, j) for j in range(n_columns)) for i in range(n_rows)),
        row_totals=tuple(shown(i, n_columns) for i in range(n_rows)),
        column_totals=tuple(shown(n_rows, j) for j in range(n_columns)),
        total=shown(n_rows, n_columns),
        primary=frozenset(primary),
        complementary=frozenset(hidden - primary),
    )


Place = tuple[int, int]


def _pair(
    grid: list[list[int]],
    relations: list[list[Place]],
    hidden: set[Place],
    kept: frozenset[Place] = frozenset(),
) -> None:
    """Suppress further entries until no relation holds exactly one suppressed entry: each
    time the relation's smallest count (a positive one before a zero, a part before the
    total), never a kept one."""
    changed = True
    while changed:
        changed = False
        for relation in relations:
            inside = [place for place in relation if place in hidden]
            if len(inside) != 1:
                continue
            candidates = [place for place in relation if place not in hidden and place not in kept]
            if not candidates:  # only kept entries left: leave it to the checks that follow
                continue
            best = min(
                candidates,
                key=lambda place: (
                    grid[place[0]][place[1]] == 0,
                    place == relation[-1],
                    grid[place[0]][place[1]],
                    place,
                ),
            )
            hidden.add(best)
            changed = True


def _small_hidden_sum(
    grid: list[list[int]], relations: list[list[Place]], hidden: set[Place], threshold: int
) -> Place | None:
    """A suppressed part of a relation whose published total, less its published parts,
    leaves a small count (1 to ``threshold - 1``) for its suppressed parts together: that
    sum is itself a small count anyone can work out (CMS: values derivable from totals)."""
    for relation in relations:
        total = relation[-1]
        parts = [p for p in relation[:-1] if p in hidden]
        if total in hidden or not parts:
            continue
        rest = grid[total[0]][total[1]] - sum(
            grid[i][j] for i, j in relation[:-1] if (i, j) not in hidden
        )
        if 0 < rest < threshold:
            return parts[0]
    return None


def _pinned(
    grid: list[list[int]], relations: list[list[Place]], hidden: set[Place], place: Place
) -> bool:
    """Whether the published entries leave only one value for the entry at ``place``: the
    least and the greatest value allowed by every relation (its parts add up to its total)
    with every count 0 or more, and 1 or more where it is not zero (the strongest attacker:
    one who knows which suppressed counts are not zero, as the order of suppression
    suggests), by linear programming. The relations form a transportation polytope, whose
    corners are whole numbers, so "the least equals the greatest" is exactly "one whole
    value"."""
    import numpy as np  # noqa: PLC0415
    from scipy.optimize import linprog  # type: ignore[import-untyped]  # noqa: PLC0415

    order = sorted(hidden)
    index = {p: k for k, p in enumerate(order)}
    rows: list[Any] = []
    constants: list[float] = []
    for relation in relations:
        coefficients = np.zeros(len(order))
        constant = 0.0
        for position, (i, j) in enumerate(relation):
            sign = -1.0 if position == len(relation) - 1 else 1.0  # parts minus the total
            if (i, j) in hidden:
                coefficients[index[(i, j)]] += sign
            else:
                constant -= sign * grid[i][j]
        if coefficients.any():
            rows.append(coefficients)
            constants.append(constant)
    target = np.zeros(len(order))
    target[index[place]] = 1.0
    bounds = [(1 if grid[i][j] > 0 else 0, None) for i, j in order]
    low = linprog(target, A_eq=rows, b_eq=constants, bounds=bounds, method="highs")
    high = linprog(-target, A_eq=rows, b_eq=constants, bounds=bounds, method="highs")
    if high.status == 3:  # no upper limit
        return False
    return bool(round(-high.fun - low.fun, 6) < 1)


def share(count: int | None, denominator: int | None) -> float | None:
    """``count`` as a percentage of ``denominator``, only when both are published (a share
    of a suppressed count, or of a suppressed total, would give the count back)."""
    if count is None or denominator is None or denominator == 0:
        return None
    return 100.0 * count / denominator


def publishable_groups(
    sizes: Sequence[int], *, min_group: int = MIN_GROUP, threshold: int = THRESHOLD
) -> list[bool]:
    """Which groups have enough patients to be published at all: ``min_group``, or the
    small-cell threshold when that is higher."""
    floor = max(min_group, check_threshold(threshold))
    return [size >= floor for size in sizes]


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One published point of a curve: the month, its estimate with its interval, and how
    many remained at risk."""

    month: int
    estimate: float
    low: float
    high: float
    at_risk: int


def public_curve(
    days: Sequence[float],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    at_risk: Sequence[int],
    *,
    threshold: int = THRESHOLD,
) -> list[CurvePoint]:
    """A Kaplan-Meier curve as it may be published: one point per whole month (the last
    estimate of the month), ending at the last day on which ``threshold`` or more were at
    risk (the days of that month before it are kept). ``days`` are in increasing order; the
    other sequences give the estimate, its interval and the number at risk at each day.

    This alone does not protect a step: the change from one month to the next, with the
    numbers at risk, can show a small number of events in a month (hazard H-063).
    Publications use :func:`hsct.outcomes.publication.public_km`, which also shows a month
    only when the events and departures since the last one shown are none or
    ``threshold`` or more.
    """
    threshold = check_threshold(threshold)
    lengths = {len(days), len(estimates), len(lows), len(highs), len(at_risk)}
    if len(lengths) != 1:
        raise InvalidInput([FieldError("curve", "columns of different lengths", "one curve")])
    points: dict[int, CurvePoint] = {}
    for day, estimate, low, high, risk in zip(days, estimates, lows, highs, at_risk, strict=True):
        if risk < threshold:
            break
        month = math.floor(day / DAYS_PER_MONTH)
        if points and month < max(points):
            raise InvalidInput([FieldError("curve", "days out of order", "increasing days")])
        points[month] = CurvePoint(month, estimate, low, high, risk)
    return list(points.values())
