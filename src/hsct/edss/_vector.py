"""Bulk EDSS scoring for registries: many complete inputs at once, as numpy arrays.

The functional-system step depends only on how many systems sit at each counted grade,
so it is looked up in a table built once from :func:`hsct.edss._rules.fs_rule` itself
(1,716 possible patterns). The scalar and bulk paths therefore share one set of rules.
Unknown grades are not accepted here; use :func:`hsct.edss.score` for partial input.
"""

from __future__ import annotations

from functools import cache
from itertools import combinations_with_replacement
from typing import Final

import numpy as np
import numpy.typing as npt

from hsct.common.errors import FieldError, InvalidInput, excerpt
from hsct.edss._rules import counts_of, fs_rule
from hsct.edss._tables import (
    BOWEL_BLADDER_CONVERSION,
    FS_KEYS,
    FS_MAX,
    MAX_AMBULATION_SCORE,
    MODES,
    VISUAL_CONVERSION,
    Mode,
    ambulation_step,
)

_BASE: Final = 8  # a count per grade is at most 7, so base 8 packs the counts losslessly
_POWERS: Final = np.array([_BASE**grade for grade in range(7)], dtype=np.int32)


@cache
def _fs_step_codes() -> npt.NDArray[np.uint8]:
    """Twice the functional-system step, indexed by the packed counts of counted grades."""
    table = np.zeros(_BASE**7, dtype=np.uint8)
    for pattern in combinations_with_replacement(range(7), 7):
        counts = counts_of(pattern)
        key = sum(count * _BASE**grade for grade, count in enumerate(counts))
        table[key] = int(fs_rule(counts).step * 2)
    return table


@cache
def _conversions(mode: Mode) -> tuple[npt.NDArray[np.int32], ...]:
    """For each system, raw grade -> 8 ** counted grade."""
    tables = []
    for key in FS_KEYS:
        counted = list(range(FS_MAX[key] + 1))
        if key == "visual":
            counted = list(VISUAL_CONVERSION)
        elif key == "bowel_bladder":
            counted = list(BOWEL_BLADDER_CONVERSION)
        elif key == "cerebral" and mode == "kurtzke":
            counted[1] = 0
        tables.append(_POWERS[counted])
    return tuple(tables)


@cache
def _ambulation_steps(mode: Mode) -> npt.NDArray[np.float64]:
    return np.array([ambulation_step(s, mode) for s in range(MAX_AMBULATION_SCORE + 1)])


def score_many(
    grades: npt.ArrayLike, ambulation_scores: npt.ArrayLike, *, mode: Mode = "neurostatus"
) -> npt.NDArray[np.float64]:
    """EDSS for each row of raw grades (columns V, BS, P, C, S, BB, Cb) and its ambulation score.

    Gives exactly what :func:`hsct.edss.score` gives for the same complete input.

    Raises
    ------
    InvalidInput
        Naming each column with out-of-range values and how many rows have them.

    Examples
    --------
    >>> score_many([[2, 1, 3, 2, 1, 1, 0], [0, 0, 0, 0, 0, 0, 1]], [1, 0]).tolist()
    [3.5, 1.0]
    """
    if mode not in MODES:
        raise InvalidInput(
            [FieldError("mode", f"unknown mode {excerpt(mode)}", "neurostatus or kurtzke")]
        )
    matrix = np.asarray(grades)
    scores = np.asarray(ambulation_scores)
    if matrix.ndim != 2 or matrix.shape[1] != len(FS_KEYS):
        raise InvalidInput(
            [
                FieldError(
                    "grades",
                    f"shape {matrix.shape} is not (rows, 7)",
                    "7 columns: " + ", ".join(FS_KEYS),
                )
            ]
        )
    if scores.shape != (matrix.shape[0],):
        raise InvalidInput(
            [
                FieldError(
                    "ambulation_scores",
                    f"shape {scores.shape} does not match {matrix.shape[0]} rows",
                    "one score per row",
                )
            ]
        )
    errors = []
    if not np.issubdtype(matrix.dtype, np.integer) or not np.issubdtype(scores.dtype, np.integer):
        errors.append(FieldError("grades", "must be whole numbers", "an integer array"))
    else:
        for column, key in enumerate(FS_KEYS):
            bad = int(np.count_nonzero((matrix[:, column] < 0) | (matrix[:, column] > FS_MAX[key])))
            if bad:
                errors.append(FieldError(key, f"{bad} rows out of range", f"0 to {FS_MAX[key]}"))
        bad = int(np.count_nonzero((scores < 0) | (scores > MAX_AMBULATION_SCORE)))
        if bad:
            errors.append(FieldError("ambulation_score", f"{bad} rows out of range", "0 to 12"))
    if errors:
        raise InvalidInput(errors)

    packed = np.zeros(matrix.shape[0], dtype=np.int32)
    for column, table in enumerate(_conversions(mode)):
        packed += table[matrix[:, column]]
    fs_step: npt.NDArray[np.float64] = _fs_step_codes()[packed] / 2.0
    result: npt.NDArray[np.float64] = np.maximum(fs_step, _ambulation_steps(mode)[scores])
    return result
