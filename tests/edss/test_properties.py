"""Invariants of the EDSS, checked with Hypothesis and exhaustively (dossier §7.6)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from hsct.edss import LEGAL_VALUES, score, score_many
from hsct.edss._tables import (
    AMBULATION_STEP,
    FS_KEYS,
    FS_MAX,
    MAX_AMBULATION_SCORE,
    ambulation_step,
)
from tests.edss.strategies import ambulation_scores, complete_grades, modes, partial_grades


@given(complete_grades(), ambulation_scores(), modes())
def test_value_is_always_on_the_legal_grid(grades: dict[str, int], as_: int, mode: str) -> None:
    """0, 1.0, 1.5, ..., 9.5, 10 — never 0.5, never anything else."""
    value = score(**grades, ambulation_score=as_, mode=mode).value  # type: ignore[arg-type]

    assert value in LEGAL_VALUES
    assert value != 0.5


@given(complete_grades(), ambulation_scores(), modes(), st.sampled_from(FS_KEYS))
def test_raising_one_grade_never_lowers_the_edss(
    grades: dict[str, int], as_: int, mode: str, key: str
) -> None:
    """With walking fixed, a worse functional system never gives a better EDSS."""
    assume(grades[key] < FS_MAX[key])
    before = score(**grades, ambulation_score=as_, mode=mode).value  # type: ignore[arg-type]
    after = score(**{**grades, key: grades[key] + 1}, ambulation_score=as_, mode=mode).value  # type: ignore[arg-type]

    assert after is not None
    assert before is not None
    assert after >= before


@given(complete_grades(), st.integers(0, MAX_AMBULATION_SCORE - 1), modes())
def test_raising_the_ambulation_score_never_lowers_the_edss(
    grades: dict[str, int], as_: int, mode: str
) -> None:
    """Catches the ordering error seen in one published calculator (dossier A12)."""
    before = score(**grades, ambulation_score=as_, mode=mode).value  # type: ignore[arg-type]
    after = score(**grades, ambulation_score=as_ + 1, mode=mode).value  # type: ignore[arg-type]

    assert after is not None
    assert before is not None
    assert after >= before


@given(complete_grades(), ambulation_scores(), modes())
def test_fs_step_never_exceeds_5_and_edss_is_the_larger_part(
    grades: dict[str, int], as_: int, mode: str
) -> None:
    """FS step <= 5.0; EDSS = max(FS step, AS step), so it equals one of them."""
    result = score(**grades, ambulation_score=as_, mode=mode)  # type: ignore[arg-type]

    assert result.fs_step is not None
    assert result.fs_step <= 5.0
    assert result.value == max(result.fs_step, ambulation_step(as_, mode))  # type: ignore[arg-type]
    if as_ >= 4:
        assert result.value == AMBULATION_STEP[as_]


@given(
    complete_grades(),
    ambulation_scores(),
    st.permutations(["pyramidal", "sensory"]),
    st.permutations(["brainstem", "cerebellar", "cerebral"]),
)
def test_swapping_systems_of_the_same_range_changes_nothing(
    grades: dict[str, int], as_: int, six: list[str], five: list[str]
) -> None:
    """Neurostatus mode treats systems alike once converted (visual and BB convert first)."""
    shuffled = dict(grades)
    for group, order in (
        (["pyramidal", "sensory"], six),
        (["brainstem", "cerebellar", "cerebral"], five),
    ):
        for target, origin in zip(group, order, strict=True):
            shuffled[target] = grades[origin]

    assert (
        score(**grades, ambulation_score=as_).value == score(**shuffled, ambulation_score=as_).value
    )


@given(complete_grades(), ambulation_scores().filter(lambda s: s != 1))
def test_modes_differ_only_through_cerebral_grade_1(grades: dict[str, int], as_: int) -> None:
    """Away from AS 1, Kurtzke mode differs only when cerebral is 1 and the EDSS <= 1.5."""
    neurostatus = score(**grades, ambulation_score=as_).value
    kurtzke = score(**grades, ambulation_score=as_, mode="kurtzke").value

    assert neurostatus is not None
    if neurostatus != kurtzke:
        assert grades["cerebral"] == 1
        assert neurostatus <= 1.5


@given(partial_grades(), st.none() | ambulation_scores(), st.data())
def test_every_completion_of_a_partial_input_lies_in_its_range(
    grades: dict[str, int | None], as_: int | None, data: st.DataObject
) -> None:
    """The range is sound (every completion fits) and tight (its ends are reached)."""
    partial = score(**grades, ambulation_score=as_)
    filled = {
        k: v if v is not None else data.draw(st.integers(0, FS_MAX[k])) for k, v in grades.items()
    }
    completed_as = as_ if as_ is not None else data.draw(ambulation_scores())

    value = score(**filled, ambulation_score=completed_as).value

    assert value is not None
    assert partial.low <= value <= partial.high
    lowest = {k: v if v is not None else 0 for k, v in grades.items()}
    highest = {k: v if v is not None else FS_MAX[k] for k, v in grades.items()}
    assert score(**lowest, ambulation_score=as_ if as_ is not None else 0).value == partial.low
    top = score(
        **highest,
        ambulation_score=as_ if as_ is not None else 12,
        bed_status=None if as_ is not None else "totally_helpless",
    ).value
    assert top == partial.high


@given(
    st.lists(st.tuples(complete_grades(), ambulation_scores()), min_size=1, max_size=50), modes()
)
def test_bulk_scoring_equals_scalar_scoring(
    rows: list[tuple[dict[str, int], int]], mode: str
) -> None:
    """``score_many`` and ``score`` give identical values."""
    grades = np.array([[g[k] for k in FS_KEYS] for g, _ in rows])
    scores = np.array([as_ for _, as_ in rows])

    expected = [score(**g, ambulation_score=as_, mode=mode).value for g, as_ in rows]  # type: ignore[arg-type]

    assert score_many(grades, scores, mode=mode).tolist() == expected  # type: ignore[arg-type]


def _spec_fs_step(g: list[int]) -> float:  # noqa: C901, PLR0911, PLR0912 - transcribed as written
    """The dossier's pseudo-code (edss.md §3.2), transcribed literally as an oracle."""
    n = [g.count(k) for k in range(7)]
    n2, n3, n4 = n[2], n[3], n[4]
    if any(x >= 5 for x in g):
        return 5.0
    if n4 >= 2:
        return 5.0
    if n4 == 1:
        if n3 >= 3:
            return 5.0
        if n3 >= 1 or n2 >= 1:
            return 4.5
        return 4.0
    if n3 >= 6:
        return 5.0
    if n3 == 5:
        return 4.5
    if n3 >= 3:
        return 4.0
    if n3 == 2:
        return 3.5 if n2 == 0 else 4.0
    if n3 == 1:
        return 3.0 if n2 == 0 else (3.5 if n2 <= 2 else 4.0)
    if n2 >= 6:
        return 4.0
    if n2 == 5:
        return 3.5
    if n2 >= 3:
        return 3.0
    if n2 == 2:
        return 2.5
    if n2 == 1:
        return 2.0
    if n[1] >= 2:
        return 1.5
    if n[1] == 1:
        return 1.0
    return 0.0


def test_exhaustively_equal_to_the_dossier_pseudo_code() -> None:
    """All 518,616 raw grade combinations at every ambulation score, in both modes."""
    shape = tuple(FS_MAX[k] + 1 for k in FS_KEYS)
    grid = np.indices(shape).reshape(len(shape), -1).T
    visual = np.array([0, 1, 2, 2, 3, 3, 4])[grid[:, 0]]
    bowel = np.array([0, 1, 2, 3, 3, 4, 5])[grid[:, 5]]
    counted = grid.copy()
    counted[:, 0], counted[:, 5] = visual, bowel
    patterns, inverse = np.unique(np.sort(counted, axis=1), axis=0, return_inverse=True)
    oracle = np.array([_spec_fs_step(list(p)) for p in patterns])[inverse.ravel()]
    kurtzke_counted = counted.copy()
    kurtzke_counted[kurtzke_counted[:, 6] == 1, 6] = 0
    k_patterns, k_inverse = np.unique(np.sort(kurtzke_counted, axis=1), axis=0, return_inverse=True)
    k_oracle = np.array([_spec_fs_step(list(p)) for p in k_patterns])[k_inverse.ravel()]

    assert grid.shape[0] == 518_616
    for as_ in range(MAX_AMBULATION_SCORE + 1):
        scores = np.full(grid.shape[0], as_)
        assert np.array_equal(score_many(grid, scores), np.maximum(oracle, AMBULATION_STEP[as_]))
        kurtzke_as = 4.0 if as_ == 1 else AMBULATION_STEP[as_]
        assert np.array_equal(
            score_many(grid, scores, mode="kurtzke"), np.maximum(k_oracle, kurtzke_as)
        )
