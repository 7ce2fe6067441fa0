"""Outcomes engine speed and memory, against pymsprog 1.0.7 measured in the same run.

1. Agreement and speed on one 10,000-patient synthetic cohort (~21 visits each), for two
   option sets: pymsprog's defaults, and all events with a roving baseline and PIRA/RAW.
   The reference is ``pymsprog.MSprog()`` run in `.venv-ref` on the same CSV files; our time
   is ``progression()`` on the same rows. Events must be identical; target ratio >= 50.
2. 100,000 patients (~2 million visits, with relapses and MRI): checking the tables, CDW +
   CDI (all events, one pass) and NEDA-3 in under 5 seconds.
3. 1,000,000 patients in a child process: the same in under 60 seconds with peak memory
   (max RSS of the process, inputs included) under 4 GB.

Run: .venv/bin/python benchmarks/bench_outcomes.py [--skip-reference] [--skip-million]
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

from hsct.outcomes import NedaOptions, build_cohort, neda, parse_options, progression  # noqa: E402
from hsct.outcomes.synthetic import generate  # noqa: E402

TARGET_RATIO = 50.0
TARGET_100K_S = 5.0
TARGET_1M_S = 60.0
TARGET_1M_GB = 4.0
CONFIGS = {
    "default": {},
    "multiple_roving_rawpira": {"event": "multiple", "baseline": "roving", "raw_pira": True},
}


def warm_up() -> float:
    """Load (or compile, the first time) the numba kernel."""
    started = time.perf_counter()
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


def engine_run(data_dir: Path | None = None, n: int = 0) -> dict[str, float]:
    """Check the tables, CDW + CDI in one pass, NEDA-3; seconds per step."""
    if data_dir is not None:
        # One .npy file per column, read straight into its array, and frames built column by
        # column, so loading the input does not need two copies of it.
        frames = {}
        for name in ("visits", "relapses", "mri", "patients"):
            frame = pd.DataFrame()
            for path in sorted(data_dir.glob(f"{name}__*.npy")):
                column = np.load(path, allow_pickle=False)
                frame[path.stem.split("__", 1)[1]] = (
                    column.astype(object) if column.dtype.kind == "U" else column
                )
            frames[name] = frame
    else:
        data = generate(n, seed=3)
        frames = {name: getattr(data, name) for name in ("visits", "relapses", "mri", "patients")}
    times: dict[str, float] = {"rss_inputs_gb": _rss_gb()}
    times["warm_up"] = warm_up()
    started = time.perf_counter()
    cohort = build_cohort(
        frames["visits"], frames["relapses"], frames["mri"], frames["patients"], strict=False
    )
    times["tables"] = time.perf_counter() - started
    times["rss_after_tables_gb"] = _rss_gb()
    step = time.perf_counter()
    result = progression(cohort, parse_options({"event": "multiple"}))
    times["cdw_cdi"] = time.perf_counter() - step
    times["rss_after_cdw_gb"] = _rss_gb()
    step = time.perf_counter()
    status = neda(cohort, NedaOptions(), result=result)
    times["neda3"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    times["patients"] = cohort.n_patients
    times["visits"] = cohort.n_visits
    times["events"] = len(result.events)
    times["neda3_lost"] = int(status["neda3_lost"].sum())
    times["max_rss_gb"] = _rss_gb()
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


def report(label: str, times: dict[str, float], target_s: float) -> None:
    print(
        f"{label}: {times['patients']:.0f} patients, {times['visits']:.0f} visits, "
        f"{times['events']:.0f} events; tables {times['tables']:.2f} s, CDW+CDI "
        f"{times['cdw_cdi']:.2f} s, NEDA-3 {times['neda3']:.2f} s; total {times['total']:.2f} s "
        f"(kernel load {times['warm_up']:.2f} s before); max RSS {times['max_rss_gb']:.2f} GB "
        f"(inputs {times['rss_inputs_gb']:.2f}, after tables {times['rss_after_tables_gb']:.2f}, "
        f"after CDW+CDI {times['rss_after_cdw_gb']:.2f})"
    )
    print(f"  RATIO {label}: {target_s / times['total']:.1f}x under the {target_s:.0f} s budget")


def million() -> None:
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
        done = subprocess.run(  # noqa: S603 - this script, in a fresh process
            [sys.executable, __file__, "--child", str(folder)],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"the 1M run failed:\n{done.stderr}")
        times = json.loads(done.stdout.strip().splitlines()[-1])
        report("1M", times, TARGET_1M_S)
        print(
            f"  RATIO 1M memory: {TARGET_1M_GB / times['max_rss_gb']:.1f}x under "
            f"the {TARGET_1M_GB:.0f} GB budget"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=Path)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(engine_run(args.child)))
        return
    print(f"kernel load/compile: {warm_up():.2f} s")
    if not args.skip_reference:
        against_reference(10_000)
    report("100k", engine_run(n=100_000), TARGET_100K_S)
    if not args.skip_million:
        million()


if __name__ == "__main__":
    main()
