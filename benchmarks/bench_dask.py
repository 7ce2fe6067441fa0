"""The outcomes engine in one process against the same engine on a local Dask cluster.

One synthetic cohort (1,000,000 patients by default, about 21 visits each, with relapses,
MRI and patients), written as Parquet folders partitioned by patient (``--per-file``
patients per file). Both engines read those folders and compute the same thing: the row
checks, CDW + CDI (all events) and NEDA-3/4. The results must be identical
(``assert_frame_equal(check_exact=True)`` on the events and the NEDA rows).

Reported: Parquet write time; single-process time; the cluster's start-up time and the
Dask run time (after start-up, with the workers' kernel already loaded); throughput in
patients per second, per worker; each worker's peak memory; and an extrapolation of the
Dask run time to more workers from the measured per-worker throughput and the fixed cost.

On a machine with as many cores as workers and nothing else running, workers scale: each
runs the compiled kernel on its own partition. On this project's 2-core machine the cluster
cannot be faster than one process (which already uses a core fully) and adds its overhead:
moving each partition's results to the driver (pickled frames), the scheduler, and a second
copy of the kernel in memory.

Run: .venv/bin/python benchmarks/bench_dask.py [--patients N] [--workers W] [--per-file P]
(needs the [dask] extra; `make test` installs it).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hsct.outcomes import (  # noqa: E402
    NedaOptions,
    load_cohort,
    neda,
    parse_options,
    progression,
    warm_up,
    write_partitioned,
)
from hsct.outcomes.distributed import connect, run  # noqa: E402
from hsct.outcomes.synthetic import generate  # noqa: E402

NAMES = ("visits", "relapses", "mri", "patients")
OPTIONS = parse_options({"event": "multiple"})


def _peak_gb() -> float:
    """This process's peak resident memory (VmHWM), in GB; run on each worker too."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def write_inputs(n: int, per_file: int, folder: Path) -> float:
    started = time.perf_counter()
    data = generate(n, seed=5)
    for name in NAMES:
        write_partitioned(
            getattr(data, name),
            folder / name,
            patients_per_file=per_file,
            date=None if name == "patients" else "date",
        )
    return time.perf_counter() - started


def single(folder: Path) -> tuple[float, pd.DataFrame, pd.DataFrame]:
    started = time.perf_counter()
    cohort = load_cohort(*(folder / n for n in NAMES), strict=False)
    result = progression(cohort, OPTIONS)
    frame = neda(cohort, NedaOptions(OPTIONS), result=result)
    return time.perf_counter() - started, result.events, frame


def warm(client: Any, folder: Path) -> None:
    """Load the compiled kernel in every worker (a tiny run per worker), as a service would."""
    tiny = folder / "warm"
    write_partitioned(generate(40, seed=6).visits, tiny, patients_per_file=10)
    run(tiny, options=OPTIONS, client=client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-file", type=int, default=50_000)
    args = parser.parse_args()
    n, workers = args.patients, args.workers
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seconds = write_inputs(n, args.per_file, folder)
        files = len(list((folder / "visits").glob("*.parquet")))
        print(
            f"cohort: {n:,} patients written as Parquet ({files} visits files) in {seconds:.1f} s"
        )

        print(f"kernel load in this process: {warm_up():.2f} s (not timed below)")
        one, events, frame = single(folder)
        print(f"single process: {one:.2f} s ({n / one:,.0f} patients/s); {len(events):,} events")
        del events, frame  # keep one copy of the results in memory at a time

        started = time.perf_counter()
        with connect(f"local:{workers}") as client:
            up = time.perf_counter() - started
            warm(client, folder)
            started = time.perf_counter()
            result = run(
                *(folder / name for name in NAMES),
                options=OPTIONS,
                neda_options=NedaOptions(OPTIONS),
                summary=False,
                client=client,
            )
            on_dask = time.perf_counter() - started
            peaks = client.run(_peak_gb)
        one_again, events, frame = single(folder)
        assert_frame_equal(result.events, events, check_exact=True)
        assert result.neda is not None
        assert_frame_equal(result.neda, frame, check_exact=True)

    per_worker = n / on_dask / workers
    print(
        f"dask, {workers} workers x 1 thread: cluster start {up:.1f} s; run {on_dask:.2f} s "
        f"({n / on_dask:,.0f} patients/s, {per_worker:,.0f} per worker) over "
        f"{result.partitions} partitions; identical events and NEDA: True"
    )
    print(
        "peak memory per worker: "
        + ", ".join(f"{gb:.2f} GB" for gb in peaks.values())
        + f" ({args.per_file:,} patients per file)"
    )
    best = min(one, one_again)
    print(
        f"  RATIO dask/single: {on_dask / best:.2f}x the single-process time "
        f"(single measured twice, before and after: {one:.2f} s, {one_again:.2f} s; the best)"
    )
    print(
        "extrapolation (linear in workers, each on its own core, at the measured per-worker "
        "throughput; ignores the driver's share):"
    )
    for w in (2, 4, 8, 16):
        print(f"  {w:>2} workers: {n / (per_worker * w):.1f} s for {n:,} patients")


if __name__ == "__main__":
    main()
