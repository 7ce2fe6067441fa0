"""The directory page (/facilities), the slowest page before the hardening pass.

The directory without personal filters is now rendered once per query and language and then
kept; with a personal filter (age, EDSS, MS type) it is rendered on every request, exactly
as every request was before. Both are measured in the same run:

1. in one process, through the app (test client, median per request);
2. over HTTP: `hsct serve --workers 2 --no-access-log`, wrk with 50 connections (needs wrk;
   `make bench` installs it), with GET /healthz as the framework's ceiling.

The target is 5 times the rate the page had (about 100 requests/s at 50 connections).

    .venv/bin/python benchmarks/bench_directory.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from starlette.testclient import TestClient

from hsct.common.settings import Settings
from hsct.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import have_wrk, per_call, run_wrk, served

TARGET = 5.0
KEPT = "/facilities"
#: The same page with a personal filter that leaves every clinic listed: rendered each time.
RENDERED = "/facilities?age=40"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--repeat", type=int, default=200, help="in-process repetitions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{folder}/bench.sqlite3"))
        with TestClient(app) as client:
            old = per_call(lambda: client.get(RENDERED), args.repeat)
            new = per_call(lambda: client.get(KEPT), args.repeat)
    print("In one process, through the app, median per request:")
    print(f"  rendered every time (as before)  {old * 1000:7.2f} ms")
    print(f"  kept after the first request     {new * 1000:7.2f} ms  ratio {old / new:.1f}x")

    if not have_wrk():
        print("wrk not installed: HTTP run skipped (make bench installs it)")
        return
    with served(workers=2) as base:
        run_wrk(f"{base}{KEPT}", seconds=2, connections=50)  # warm up both workers
        ceiling = run_wrk(f"{base}/healthz", seconds=args.seconds, connections=50)
        before = run_wrk(f"{base}{RENDERED}", seconds=args.seconds, connections=50)
        after = run_wrk(f"{base}{KEPT}", seconds=args.seconds, connections=50)
    print(f"Over HTTP, hsct serve --workers 2, wrk 50 connections, {args.seconds} s each:")
    for name, found in (("/healthz", ceiling), (RENDERED, before), (KEPT, after)):
        print(
            f"  GET {name:20} {found.rps:7.0f} requests/s  p99 {found.p99_ms:8.1f} ms  "
            f"failed {found.failed}"
        )
    ratio = after.rps / before.rps
    print(f"  ratio against rendering every time: {ratio:.1f}x (target {TARGET:.0f}x)")
    print("PASS" if ratio >= TARGET and after.failed == 0 else "FAIL")


if __name__ == "__main__":
    main()
