"""Instructions per assessment, counted by callgrind: a measure the machine's noise does not move.

On this shared 2-core machine the same code's requests/s vary by 1.5-2x from one minute to
the next, so a change to the assessment's speed is judged by instructions: ``evaluate()``
and the answer's dict for 30 profiles, counted by valgrind's callgrind between two client
requests (a five-line C helper compiled here with gcc), the start-up not counted. The
reference is the same measure of the whole package at ``--against REV`` (default: the
commit before this round's work, 09bdde7), unpacked from git into a temporary folder and
counted in the same run.

Both versions' API answers to 400 profiles are compared byte for byte (SHA-256); the
script fails when they differ.

Run: .venv/bin/python benchmarks/bench_assessment_instructions.py [--against REV]
(needs valgrind and gcc; about a minute)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILES = 30
HELPER = """
#include <valgrind/callgrind.h>
void start(void) {
  CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; CALLGRIND_TOGGLE_COLLECT;
}
void stop(void) {
  CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS; CALLGRIND_STOP_INSTRUMENTATION;
}
"""
BASELINE = "09bdde7"


def child(part: str, helper: str) -> None:
    """Under valgrind: count one part (``evaluate`` or ``dict``) of the package imported."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_assessment import random_profiles  # noqa: PLC0415 - after the path
    from hsct.eligibility import engine, export, parse_profile  # noqa: PLC0415
    from hsct.knowledge import load_catalog  # noqa: PLC0415

    run: Any = engine
    dump: Any = export
    catalog = load_catalog()
    profiles = [parse_profile(body, catalog) for body in random_profiles(PROFILES)]
    for profile in profiles[:5]:
        dump.assessment_dict(run.evaluate(profile, catalog), catalog)
    gc.collect()
    gc.freeze()
    gc.disable()
    lib = ctypes.CDLL(helper)
    if part == "evaluate":
        lib.start()
        [run.evaluate(p, catalog) for p in profiles]
        lib.stop()
    else:
        done = [run.evaluate(p, catalog) for p in profiles]
        lib.start()
        [dump.assessment_dict(a, catalog) for a in done]
        lib.stop()


def digest() -> None:
    """Print the SHA-256 of the API's answers (body bytes) to 400 profiles, in order."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_assessment import random_profiles  # noqa: PLC0415 - after the path
    from hsct.knowledge import load_catalog  # noqa: PLC0415
    from hsct.web.api.assessments import _assess  # noqa: PLC0415

    catalog = load_catalog()
    found = hashlib.sha256()
    for body in random_profiles(400):
        found.update(bytes(_assess(json.dumps(body).encode(), catalog).body))
    print(found.hexdigest())


def answers(src: Path | None) -> str:
    """The digest of the answers of the package in ``src`` (None: this one)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, __file__, "--digest"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    ).stdout.strip()


def count(src: Path | None, part: str, helper: str) -> float:
    """Instructions per profile for one part of the package in ``src`` (None: this one)."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--collect-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        part,
        "--helper",
        helper,
    ]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)  # before the installed (editable) package
    done = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1)) / PROFILES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default=BASELINE)
    parser.add_argument("--child", choices=["evaluate", "dict"])
    parser.add_argument("--helper")
    parser.add_argument("--digest", action="store_true")
    args = parser.parse_args()
    if args.digest:
        digest()
        return
    if args.child:
        child(args.child, args.helper)
        return
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        raise SystemExit("needs valgrind and gcc (Debian: apt-get install valgrind gcc)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "cg.c"
        source.write_text(HELPER)
        helper = str(Path(folder) / "libcg.so")
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", helper, str(source)], check=True)  # noqa: S603, S607
        archive = subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "archive", args.against, "src"],  # noqa: S607
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)  # noqa: S603, S607
        old = Path(folder) / "src"
        print(f"instructions per profile ({PROFILES} profiles, callgrind):")
        totals = {"now": 0.0, args.against: 0.0}
        for part in ("evaluate", "dict"):
            now = count(None, part, helper)
            then = count(old, part, helper)
            totals["now"] += now
            totals[args.against] += then
            print(
                f"  {part:<9} now {now / 1e6:6.2f}M, at {args.against} {then / 1e6:6.2f}M: "
                f"{then / now:.2f}x fewer"
            )
        ratio = totals[args.against] / totals["now"]
        print(
            f"  both      now {totals['now'] / 1e6:6.2f}M, at {args.against} "
            f"{totals[args.against] / 1e6:6.2f}M: {ratio:.2f}x fewer"
        )
        same = answers(None) == answers(old)
        print(f"answers to 400 profiles byte for byte the same as at {args.against}: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
