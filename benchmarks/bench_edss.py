"""EDSS throughput: every functional-system combination at every ambulation score.

Scores all 7x6x7x6x7x7x6 = 518,616 raw grade combinations at each ambulation score 0-12
(6,742,008 inputs per mode), in both modes (13,484,016 inputs), with the vectorised
``score_many``; then times the public ``score()`` on a random sample and checks both give
the same values. The reference is the public scalar function, measured in the same run.

Run: .venv/bin/python benchmarks/bench_edss.py
"""

from __future__ import annotations

import time

import numpy as np

from hsct.edss import score, score_many
from hsct.edss._tables import FS_KEYS, FS_MAX, MAX_AMBULATION_SCORE

SAMPLE = 20_000
PAGE_BUDGET_S = 0.001  # one score must cost far less than a millisecond of a page's time


def main() -> None:
    shape = tuple(FS_MAX[key] + 1 for key in FS_KEYS)
    grid = np.indices(shape, dtype=np.int8).reshape(len(shape), -1).T.copy()
    score_many(grid[:10], np.zeros(10, dtype=np.int8))  # build the lookup table once

    total = 0
    started = time.perf_counter()
    for mode in ("neurostatus", "kurtzke"):
        for as_ in range(MAX_AMBULATION_SCORE + 1):
            values = score_many(grid, np.full(len(grid), as_, dtype=np.int8), mode=mode)
            total += len(values)
    bulk_seconds = time.perf_counter() - started
    bulk_rate = total / bulk_seconds

    rng = np.random.default_rng(20261123)
    rows = grid[rng.integers(0, len(grid), SAMPLE)]
    scores = rng.integers(0, MAX_AMBULATION_SCORE + 1, SAMPLE)
    started = time.perf_counter()
    scalar = [
        score(**dict(zip(FS_KEYS, map(int, row), strict=True)), ambulation_score=int(as_)).value
        for row, as_ in zip(rows, scores, strict=True)
    ]
    scalar_seconds = time.perf_counter() - started
    scalar_rate = SAMPLE / scalar_seconds
    mismatches = int(np.count_nonzero(np.array(scalar) != score_many(rows, scores)))

    per_call = scalar_seconds / SAMPLE
    print(f"inputs scored (all FS combinations x AS 0-12 x 2 modes): {total:,}")
    print(f"vectorised score_many: {bulk_seconds:.2f} s, {bulk_rate:,.0f} inputs/s")
    print(
        f"public score(), {SAMPLE:,} random inputs: {scalar_seconds:.2f} s, "
        f"{scalar_rate:,.0f} inputs/s, {per_call * 1e6:.1f} µs per input"
    )
    print(f"ratio vectorised / scalar throughput: {bulk_rate / scalar_rate:,.0f}x")
    print(
        f"ratio page budget ({PAGE_BUDGET_S * 1e3:.0f} ms) / one score(): "
        f"{PAGE_BUDGET_S / per_call:,.0f}x"
    )
    print(f"scalar vs vectorised mismatches on the sample: {mismatches}")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
