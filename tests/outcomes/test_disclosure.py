"""Small-cell suppression (``hsct.outcomes.disclosure``): nothing from 1 to 10 is published,
and no suppressed number can be worked out from the published ones, for any table; curves
stop before fewer than the threshold are at risk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hsct.common.errors import InvalidInput
from hsct.outcomes.disclosure import (
    THRESHOLD,
    public_curve,
    publishable_groups,
    share,
    suppress,
)

# Counts as a clinic's tables hold them: many small, some zero, some large.
COUNT = st.one_of(st.integers(0, 12), st.integers(0, 200))
TABLE = st.integers(1, 4).flatmap(
    lambda columns: st.lists(
        st.lists(COUNT, min_size=columns, max_size=columns), min_size=1, max_size=4
    )
)


def _extended(counts: list[list[int]]) -> list[list[int]]:
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


def _published(counts: list[list[int]], threshold: int) -> list[list[int | None]]:
    released = suppress(counts, threshold=threshold)
    grid: list[list[int | None]] = [
        [*row, total] for row, total in zip(released.cells, released.row_totals, strict=True)
    ]
    grid.append([*released.column_totals, released.total])
    return grid


def _attacker_range(
    published: list[list[int | None]], truth: list[list[int]], place: tuple[int, int]
) -> tuple[float, float]:
    """The least and greatest value of the hidden entry at ``place`` that the published
    numbers allow: every row and column adds up to its total, every count 0 or more (a
    transportation polytope, whose corners are whole numbers, so these are too). The
    attacker also knows which suppressed counts are not zero (1 or more)."""
    hidden = [(i, j) for i, row in enumerate(published) for j, v in enumerate(row) if v is None]
    index = {p: k for k, p in enumerate(hidden)}
    rows, columns = len(published), len(published[0])
    equations, constants = [], []
    lines = [[(i, j) for j in range(columns)] for i in range(rows)]
    lines += [[(i, j) for i in range(rows)] for j in range(columns)]
    for line in lines:
        coefficients = np.zeros(len(hidden))
        constant = 0.0
        for position, (i, j) in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0  # parts minus the total
            value = published[i][j]
            if value is None:
                coefficients[index[(i, j)]] += sign
            else:
                constant -= sign * value
        if coefficients.any():
            equations.append(coefficients)
            constants.append(constant)
    target = np.zeros(len(hidden))
    target[index[place]] = 1.0
    bounds = [(1 if truth[i][j] > 0 else 0, None) for i, j in hidden]
    low = linprog(target, A_eq=equations, b_eq=constants, bounds=bounds, method="highs")
    high = linprog(-target, A_eq=equations, b_eq=constants, bounds=bounds, method="highs")
    assert low.status == 0, "the published numbers must be consistent with the truth"
    return float(low.fun), (float("inf") if high.status == 3 else float(-high.fun))


@settings(max_examples=300, deadline=None)
@given(counts=TABLE, threshold=st.sampled_from([5, 11, 21]))
def test_nothing_small_is_published_and_the_rest_is_true(
    counts: list[list[int]], threshold: int
) -> None:
    truth = _extended(counts)
    published = _published(counts, threshold)

    for true_row, row in zip(truth, published, strict=True):
        for true, shown in zip(true_row, row, strict=True):
            assert shown is None or shown == true
            assert shown is None or shown == 0 or shown >= threshold


@settings(max_examples=200, deadline=None)
@given(counts=TABLE, threshold=st.sampled_from([5, 11]))
def test_no_suppressed_number_can_be_worked_out(counts: list[list[int]], threshold: int) -> None:
    """For every small count or total suppressed, the published numbers leave at least two
    whole values possible (a count suppressed only to protect another may be worked out:
    it is large or zero, and the attacker's arithmetic includes it)."""
    released = suppress(counts, threshold=threshold)
    published = _published(counts, threshold)
    truth = _extended(counts)

    for i, j in released.primary:
        low, high = _attacker_range(published, truth, (i, j))
        assert low <= truth[i][j] <= high
        assert high - low >= 1, f"entry {(i, j)} of {counts} is pinned to {low}"


@settings(max_examples=200, deadline=None)
@given(counts=TABLE, threshold=st.sampled_from([5, 11]))
def test_suppressed_parts_never_add_up_to_a_small_count(
    counts: list[list[int]], threshold: int
) -> None:
    """Where a row's or column's total is published, what its published parts leave for the
    suppressed ones together is 0 or at least the threshold."""
    published = _published(counts, threshold)
    lines = [list(row) for row in published] + [
        list(column) for column in zip(*published, strict=True)
    ]

    for line in lines:
        *parts, total = line
        if total is None or all(p is not None for p in parts):
            continue
        rest = total - sum(p for p in parts if p is not None)
        assert rest == 0 or rest >= threshold, (counts, line)


def test_two_ones_beside_a_published_total_are_protected() -> None:
    """The reviewer's case: [1, 1, 50] with its total 52 published would leave the two
    suppressed cells adding up to 2, so each exactly 1."""
    released = suppress([[1, 1, 50], [20, 20, 20]])

    row = [*released.cells[0], released.row_totals[0]]
    hidden_parts = [v for v in released.cells[0] if v is None]
    assert len(hidden_parts) >= 3 or row[-1] is None


def test_complementary_suppression_example() -> None:
    """One small count in a row: the smallest other count of the row goes too, and again
    down the column, until every relation holds two suppressed entries or none."""
    released = suppress([[12, 3, 20], [14, 15, 30]])

    assert released.cells == ((None, None, 20), (None, None, 30))
    assert released.row_totals == (35, 59)
    assert released.column_totals == (26, 18, 50)
    assert released.total == 94
    assert released.primary == {(0, 1)}
    assert released.complementary == {(0, 0), (1, 0), (1, 1)}


@given(
    count=st.one_of(st.none(), st.integers(0, 100)),
    denominator=st.one_of(st.none(), st.integers(0, 100)),
)
def test_a_share_needs_both_numbers_published(count: int | None, denominator: int | None) -> None:
    got = share(count, denominator)

    if count is None or denominator is None or denominator == 0:
        assert got is None
    else:
        assert got == pytest.approx(100 * count / denominator)


def test_groups_under_eleven_are_not_published() -> None:
    assert publishable_groups([0, 10, 11, 250]) == [False, False, True, True]
    # A higher small-cell threshold raises the smallest group too.
    assert publishable_groups([11, 19, 20], threshold=20) == [False, False, True]


@pytest.mark.parametrize("threshold", [4, 0, -1, True, 5.5, "11"])
def test_a_threshold_under_five_is_refused_by_name(threshold: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        suppress([[1]], threshold=threshold)  # type: ignore[arg-type]

    assert caught.value.errors[0].field == "threshold"


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.tuples(st.integers(0, 90), st.integers(0, 40)), min_size=0, max_size=30),
    start=st.integers(0, 300),
)
def test_a_public_curve_stops_before_few_remain_and_uses_whole_months(
    steps: list[tuple[int, int]], start: int
) -> None:
    days, at_risk, estimates = [], [], []
    day, risk, estimate = 0, start, 1.0
    for gap, lost in steps:
        day += gap
        risk = max(risk - lost, 0)
        estimate *= 0.97
        days.append(float(day))
        at_risk.append(risk)
        estimates.append(estimate)

    points = public_curve(days, estimates, estimates, estimates, at_risk, threshold=THRESHOLD)

    first_small = next((k for k, r in enumerate(at_risk) if r < THRESHOLD), len(at_risk))
    assert all(p.at_risk >= THRESHOLD for p in points)
    assert [p.month for p in points] == sorted({p.month for p in points})
    assert {p.estimate for p in points} <= set(estimates[:first_small])
    months_before = {int(d // 30.4375) for d in days[:first_small]}
    assert {p.month for p in points} == months_before
