"""Outcomes engine speed and memory, against pymsprog 1.0.7 measured in the same run.

1. Agreement and speed on one 10,000-patient synthetic cohort (~21 visits each), for two
   option sets: pymsprog's defaults, and all events with a roving baseline and PIRA/RAW.
   The reference is ``pymsprog.MSprog()`` run in `.venv-ref` on the same CSV files; our time
   is ``progression()`` on the same rows. Events must be identical; target ratio >= 50.
2. 100,000 patients (~2 million visits, with relapses and MRI): checking the tables, CDW +
   CDI (all events, one pass) and NEDA-3 in under 5 seconds.
3. 1,000,000 patients (~21 million visits) in a fresh child process: the same in under
   8 seconds on every core, with peak memory (VmHWM of the child, inputs included) under
   2.5 GB (issue 17). CDW + CDI + NEDA-3 then run again on one thread, for the speed-up.

The inputs are loaded as a reader gives them: each table built in one go from its columns
(numbers and dates without a copy, no index array kept beside them) and text as Python
strings shared between equal values, as ``pandas.read_csv`` does. Until 2026-12 the tables
were built column by column, which made pandas keep an int64 copy of each table's index
(8 bytes a row, about 0.28 GB at 1M), with one string object per row (about 0.17 GB).

Run: .venv/bin/python benchmarks/bench_outcomes.py [--skip-reference] [--skip-million]
     [--threads N]
(`make bench` installs the reference environment first.)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.outcomes.reference import (  # noqa: E402
    differences,
    normalise_ours,
    reference_python,
    run_reference,
    write_inputs,
)

from _machine import describe  # noqa: E402
from hsct.outcomes import NedaOptions, build_cohort, neda, parse_options, progression  # noqa: E402
from hsct.outcomes.progression import check_threads  # noqa: E402
from hsct.outcomes.synthetic import generate  # noqa: E402
from hsct.outcomes.warmup import warm_up as outcomes_warm_up  # noqa: E402

TARGET_RATIO = 50.0
TARGET_100K_S = 5.0
TARGET_1M_S = 8.0
TARGET_1M_GB = 2.5
CONFIGS = {
    "default": {},
    "multiple_roving_rawpira": {"event": "multiple", "baseline": "roving", "raw_pira": True},
}


def warm_up() -> float:
    """Load (or compile, the first time) every compiled function, as the server does."""
    started = time.perf_counter()
    outcomes_warm_up()
    small = generate(20, seed=99)
    progression(build_cohort(small.visits, small.relapses))
    return time.perf_counter() - started


def against_reference(n: int) -> None:
    python = reference_python()
    if python is None:
        print("reference: .venv-ref not found; run `make reference` (skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = generate(n, seed=1)
        write_inputs(data.visits, data.relapses, folder)
        visits = pd.read_csv(folder / "visits.csv", dtype=str)
        relapses = pd.read_csv(folder / "relapses.csv", dtype=str)
        started = time.perf_counter()
        cohort = build_cohort(visits, relapses, strict=False)
        load_s = time.perf_counter() - started
        print(f"cohort: {n} patients, {cohort.n_visits} visits, {len(relapses)} relapses")
        for name, raw in CONFIGS.items():
            options = parse_options(raw, preset="pymsprog-1.0.7")
            best = np.inf
            for _ in range(3):
                started = time.perf_counter()
                result = progression(cohort, options)
                best = min(best, time.perf_counter() - started)
            reference = run_reference(folder, options, python)
            diff = differences(normalise_ours(result), reference.events)
            print(
                f"  {name}: pymsprog {reference.seconds:.2f} s, ours {best:.3f} s "
                f"(+ {load_s:.3f} s checking the tables); events {len(result.events)} vs "
                f"{len(reference.events)}, differences {len(diff)}"
            )
            print(
                f"  RATIO {name}: {reference.seconds / best:.0f}x faster "
                f"({reference.seconds / (best + load_s):.0f}x with table checks); "
                f"target {TARGET_RATIO:.0f}x; identical events: {diff.empty}"
            )


def load_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The four tables from their .npy columns, as a reader gives them (see the docstring)."""
    frames = {}
    for name in ("visits", "relapses", "mri", "patients"):
        columns: dict[str, np.ndarray] = {}
        for path in sorted(data_dir.glob(f"{name}__*.npy")):
            column = np.load(path, allow_pickle=False)
            if column.dtype.kind == "U":  # one str object per distinct value, as read_csv
                codes, uniques = pd.factorize(column)
                column = uniques.astype(object)[codes]
            columns[path.stem.split("__", 1)[1]] = column
        frames[name] = pd.DataFrame(columns, copy=False)
    return frames


def engine_run(
    data_dir: Path | None = None, n: int = 0, *, threads: int | None = None, serial: bool = False
) -> dict[str, float]:
    """Check the tables, CDW + CDI in one pass, NEDA-3; seconds per step.

    ``threads`` as for :func:`progression` (``None``: every core). With ``serial``, CDW + CDI
    and NEDA-3 run again, on one thread and on ``threads``, after the peak has been read.
    """
    if data_dir is not None:
        frames = load_tables(data_dir)
    else:
        data = generate(n, seed=3)
        frames = {name: getattr(data, name) for name in ("visits", "relapses", "mri", "patients")}
    times: dict[str, float] = {"rss_inputs_gb": _rss_gb()}
    times["warm_up"] = warm_up()
    times["threads"] = check_threads(threads)
    started = time.perf_counter()
    cohort = build_cohort(
        frames["visits"], frames["relapses"], frames["mri"], frames["patients"], strict=False
    )
    times["tables"] = time.perf_counter() - started
    times["rss_after_tables_gb"] = _rss_gb()
    options = parse_options({"event": "multiple"})
    step = time.perf_counter()
    result = progression(cohort, options, threads=threads)
    times["cdw_cdi"] = time.perf_counter() - step
    times["rss_after_cdw_gb"] = _rss_gb()
    step = time.perf_counter()
    status = neda(cohort, NedaOptions(), result=result, threads=threads)
    times["neda3"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    times["patients"] = cohort.n_patients
    times["visits"] = cohort.n_visits
    times["events"] = len(result.events)
    times["neda3_lost"] = int(status["neda3_lost"].sum())
    times["max_rss_gb"] = _rss_gb()
    if serial:
        # After the peak is read: one thread against the same threads, alternating (the
        # machine may be busy), best of each; every run must give the same tables.
        events, lost = result.events, status["neda3_lost"].to_numpy()
        del result, status
        best = {"parallel": times["cdw_cdi"] + times["neda3"], "serial": float("inf")}
        identical = True
        for name, count in (("serial", 1), ("parallel", threads), ("serial", 1)):
            step = time.perf_counter()
            again = progression(cohort, options, threads=count)
            status = neda(cohort, NedaOptions(), result=again, threads=count)
            best[name] = min(best[name], time.perf_counter() - step)
            identical = identical and again.events.equals(events)
            identical = identical and bool((status["neda3_lost"].to_numpy() == lost).all())
            del again, status
        times["serial_cdw_neda"] = best["serial"]
        times["parallel_cdw_neda"] = best["parallel"]
        times["serial_identical"] = float(identical)
    return times


def _rss_gb() -> float:
    """Peak resident memory of this process so far, in GB.

    From VmHWM in /proc/self/status: ``getrusage``'s ru_maxrss survives exec on Linux, so a
    child started from a big parent would report the parent's size at fork.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(label: str, times: dict[str, float], target_s: float) -> None:
    print(
        f"{label}: {times['patients']:.0f} patients, {times['visits']:.0f} visits, "
        f"{times['events']:.0f} events, {times['threads']:.0f} threads; tables "
        f"{times['tables']:.2f} s, CDW+CDI {times['cdw_cdi']:.2f} s, "
        f"NEDA-3 {times['neda3']:.2f} s; "
        f"total {times['total']:.2f} s (kernel load {times['warm_up']:.2f} s before); max RSS "
        f"{times['max_rss_gb']:.2f} GB (inputs {times['rss_inputs_gb']:.2f}, after tables "
        f"{times['rss_after_tables_gb']:.2f}, after CDW+CDI {times['rss_after_cdw_gb']:.2f})"
    )
    print(
        f"  RATIO {label}: {target_s / times['total']:.1f}x under the {target_s:.0f} s budget "
        f"{_verdict(times['total'] < target_s)}"
    )


def million(threads: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        data = generate(1_000_000, seed=4)
        for name in ("visits", "relapses", "mri", "patients"):
            table = getattr(data, name)
            for col in table.columns:
                values = table[col].to_numpy()
                np.save(
                    folder / f"{name}__{col}.npy",
                    values.astype(str) if values.dtype == object else values,
                )
        del data
        print(f"1M cohort generated and saved in {time.perf_counter() - started:.0f} s")
        command = [sys.executable, __file__, "--child", str(folder)]
        if threads is not None:
            command += ["--threads", str(threads)]
        done = subprocess.run(  # noqa: S603 - this script, in a fresh process
            command, check=False, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"the 1M run failed:\n{done.stderr}")
        times = json.loads(done.stdout.strip().splitlines()[-1])
        report("1M", times, TARGET_1M_S)
        gb = times["max_rss_gb"]
        print(
            f"  RATIO 1M memory: {TARGET_1M_GB / gb:.2f}x under the {TARGET_1M_GB} GB budget "
            f"(peak {gb:.2f} GB, of which inputs {times['rss_inputs_gb']:.2f} GB) "
            f"{_verdict(gb < TARGET_1M_GB)}"
        )
        parallel, serial = times["parallel_cdw_neda"], times["serial_cdw_neda"]
        print(
            f"  RATIO 1M threads: CDW+CDI+NEDA-3 {serial:.2f} s on 1 thread, {parallel:.2f} s on "
            f"{times['threads']:.0f} (best of 2 each, alternating): {serial / parallel:.2f}x; "
            f"identical results: {bool(times['serial_identical'])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=Path)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--threads", type=int, help="threads for the engine (default: every core)")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(engine_run(args.child, threads=args.threads, serial=True)))
        return
    print(describe())
    print(f"kernel load/compile: {warm_up():.2f} s")
    if not args.skip_reference:
        against_reference(10_000)
    report("100k", engine_run(n=100_000, threads=args.threads), TARGET_100K_S)
    if not args.skip_million:
        million(args.threads)


if __name__ == "__main__":
    main()
