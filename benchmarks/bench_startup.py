"""Start-up and whole-process speed of the `hsct` command (issue 17), each in fresh processes.

1. `hsct --help`: median wall time of 10 fresh processes; target under 0.3 s. The reference
   in the same run is the floor: a fresh interpreter that imports Typer (the help is plain
   click text; before 2026-12-04 the floor also imported Typer's Rich help).
2. Every group's and command's `--help` (found in the Typer app, so new commands count):
   median of 3 fresh processes each; the slowest is reported against the same 0.3 s.
3. The whole process, as a person runs it: `hsct outcomes progression` on the CSV files of
   one 10,000-patient synthetic cohort (the one ``bench_outcomes.py`` uses) against pymsprog
   1.0.7 run as its own process in `.venv-ref` with the same options (the two option sets of
   ``bench_outcomes.py``). Each side's time is the wall time of its process: interpreter
   start, imports, reading the CSV files, the search and writing the events. The events must
   be identical; target: ours at least 50 times faster.

The numba kernel is loaded from its on-disk cache, as on any machine where `hsct` has run
once; an untimed first run on a small cohort fills the cache if it is empty.

Run: .venv/bin/python benchmarks/bench_startup.py [--skip-reference] [--skip-outcomes]
(`make reference` installs pymsprog in `.venv-ref`.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import typer.main
from typer._click import Context as ClickContext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.outcomes.reference import (  # noqa: E402
    RUNNER,
    differences,
    normalise_reference,
    reference_python,
    to_pymsprog,
    write_inputs,
)

from _machine import describe  # noqa: E402
from bench_outcomes import CONFIGS, TARGET_RATIO  # noqa: E402 - the same options and target
from hsct.cli.main import app  # noqa: E402
from hsct.outcomes import parse_options  # noqa: E402
from hsct.outcomes.synthetic import generate  # noqa: E402

HSCT = Path(sys.executable).with_name("hsct")  # the installed entry point, as a person runs it
TARGET_HELP_S = 0.3
HELP_RUNS = 10
COMMAND_HELP_RUNS = 3
PATIENTS = 10_000
HSCT_RUNS = 3
PRESET = "pymsprog-1.0.7"  # the reference's own definitions, as in bench_outcomes.py


def environment() -> dict[str, str]:
    """This environment without HSCT_ settings, so every process starts alike."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HSCT_")}


def run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds from start to exit of ``command`` in a fresh process, and how it ended."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=cwd, env=environment(), capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, done


def wall(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """As :func:`run`, for a process that must succeed."""
    seconds, done = run(command, cwd)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done


def command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every group and command under ``command``, as the words typed after ``hsct``.

    Asked through click's group interface: `hsct` builds a command only when it is typed.
    """
    found = [path]
    if hasattr(command, "list_commands"):
        context = ClickContext(command)
        for name in sorted(command.list_commands(context)):
            found += command_paths(command.get_command(context, name), (*path, name))
    return found


def help_times(folder: Path) -> None:
    floor_command = [sys.executable, "-c", "import typer.main"]
    floors, runs = [], []
    for _ in range(HELP_RUNS):  # taken in turns, so a change of load hits both alike
        floors.append(wall(floor_command, folder)[0])
        runs.append(wall([str(HSCT), "--help"], folder)[0])
    floor, median = statistics.median(floors), statistics.median(runs)
    print(
        f"hsct --help: median {median:.3f} s of {HELP_RUNS} fresh processes "
        f"(min {min(runs):.3f}, max {max(runs):.3f}); Typer alone "
        f"(the floor, imported and nothing else): {floor:.3f} s, so {median - floor:.3f} s is ours"
    )
    print(
        f"  RATIO help: {TARGET_HELP_S / median:.2f}x under the {TARGET_HELP_S} s target "
        f"({'PASS' if median < TARGET_HELP_S else 'FAIL'})"
    )
    medians, failed = {}, []
    for words in command_paths(typer.main.get_command(app))[1:]:
        runs = [run([str(HSCT), *words, "--help"], folder) for _ in range(COMMAND_HELP_RUNS)]
        medians[" ".join(words)] = statistics.median(seconds for seconds, _ in runs)
        if any(done.returncode for _, done in runs):
            failed.append(f"{' '.join(words)}: {runs[0][1].stderr.strip()[:120]}")
    for line in failed:
        print(f"  FAILED hsct {line}")
    slowest = sorted(medians.items(), key=lambda item: -item[1])
    name, worst = slowest[0]
    print(
        f"each command's --help ({len(medians)} groups and commands, median of "
        f"{COMMAND_HELP_RUNS} each): max {worst:.3f} s (hsct {name} --help); slowest: "
        + ", ".join(f"{n} {s:.3f}" for n, s in slowest[1:4])
    )
    over = [n for n, s in medians.items() if s >= TARGET_HELP_S]
    print(
        f"  RATIO command help: {TARGET_HELP_S / worst:.2f}x under the {TARGET_HELP_S} s "
        f"target for the slowest; over the target: {', '.join(over) if over else 'none'}"
    )


def cli_flags(raw: dict[str, Any]) -> list[str]:
    """``bench_outcomes.CONFIGS`` options as `hsct outcomes progression` flags."""
    flags = ["--preset", PRESET]
    for key, value in raw.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        else:
            flags += [flag, str(value)]
    return flags


def ours_events(path: Path) -> pd.DataFrame:
    """Our events CSV in the columns and order the comparison uses (as ``normalise_ours``)."""
    ev = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "patient_id": ev["patient_id"],
            "event": ev["event"],
            "type": ev["type"],
            "onset_date": ev["onset_date"].str[:10],
            "confirmation_date": ev["confirmation_date"].str[:10],
            "baseline_date": ev["baseline_date"].str[:10],
        }
    )
    return out.sort_values(["patient_id", "onset_date"]).reset_index(drop=True)


def whole_process(folder: Path, *, reference: bool) -> None:
    data = generate(PATIENTS, seed=1)  # the cohort of bench_outcomes.against_reference
    write_inputs(data.visits, data.relapses, folder)
    print(f"cohort: {PATIENTS} patients, {len(data.visits)} visits, {len(data.relapses)} relapses")
    small = folder / "small"
    small_data = generate(20, seed=99)
    write_inputs(small_data.visits, small_data.relapses, small)
    first, _ = wall(
        [str(HSCT), "outcomes", "progression", "--visits", str(small / "visits.csv")], folder
    )
    print(f"first run on 20 patients (fills the kernel cache if empty; not counted): {first:.2f} s")
    python = reference_python() if reference else None
    if reference and python is None:
        print("reference: .venv-ref not found; run `make reference` (skipped)")
    for name, raw in CONFIGS.items():
        out = folder / f"ours_{name}.csv"
        command = [
            str(HSCT),
            "outcomes",
            "progression",
            "--visits",
            str(folder / "visits.csv"),
            "--relapses",
            str(folder / "relapses.csv"),
            *cli_flags(raw),
            "--out",
            str(out),
        ]
        ours = statistics.median(wall(command, folder)[0] for _ in range(HSCT_RUNS))
        events = ours_events(out)
        print(
            f"  {name}: hsct outcomes progression median {ours:.2f} s of {HSCT_RUNS} processes, "
            f"{len(events)} events ({' '.join(command[3:]).replace(str(folder) + '/', '')})"
        )
        if python is None:
            continue
        options = parse_options(raw, preset=PRESET)
        theirs_out = folder / f"reference_{name}.csv"
        reference_command = [
            str(python),
            str(RUNNER),
            str(folder),
            json.dumps(to_pymsprog(options)),
            str(theirs_out),
        ]
        theirs, done = wall(reference_command, folder)
        inside = json.loads(done.stdout.strip().splitlines()[-1])
        raw_events = pd.read_csv(theirs_out, dtype={"patient_id": str})
        reference_events = normalise_reference(raw_events, options)
        diff = differences(events, reference_events)
        print(
            f"  {name}: pymsprog process {theirs:.2f} s ({inside['seconds']:.2f} s inside "
            f"MSprog()); events {len(events)} vs {len(reference_events)}, "
            f"differences {len(diff)}"
        )
        print(
            f"  RATIO whole process {name}: {theirs / ours:.1f}x faster; target "
            f"{TARGET_RATIO:.0f}x ({'PASS' if theirs / ours >= TARGET_RATIO else 'FAIL'}); "
            f"identical events: {diff.empty}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-outcomes", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        help_times(folder)
        if not args.skip_outcomes:
            whole_process(folder, reference=not args.skip_reference)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
