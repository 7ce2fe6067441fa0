"""Assessment speed: one profile against every rule set, and the API under load.

1. ``evaluate(profile, catalog)`` on the forum profiles and 200 random profiles: the median
   and 99th percentile per profile, against the 5 ms budget (ratio > 1 means under budget).
2. ``POST /api/v1/assessments`` served by ``hsct serve --workers 2 --no-access-log`` on
   loopback, loaded with wrk (8 connections, 15 s) rotating over those profiles. The
   reference is ``GET /healthz`` (the framework's ceiling) loaded the same way in the same
   run. Targets: at least 500 requests/s, p99 under 50 ms.

Run: .venv/bin/python benchmarks/bench_assessment.py   (needs wrk: `make bench` installs it)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from hsct.eligibility import evaluate, parse_profile
from hsct.knowledge import load_catalog

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "tests" / "eligibility" / "profiles"
BUDGET_MS = 5.0
TARGET_RPS = 500
TARGET_P99_MS = 50.0
DAY = dt.date(2026, 11, 23)


def random_profiles(count: int) -> list[dict[str, Any]]:
    """Plausible profiles with varied answers (fixed seed)."""
    rng = random.Random(20261123)  # noqa: S311 - test data, not secrets
    drugs = ["ocrelizumab", "natalizumab", "fingolimod", "alemtuzumab", "teriflunomide"]

    def day(back: int) -> str:
        return (DAY - dt.timedelta(days=back)).isoformat()

    found = []
    for _ in range(count):
        start = rng.randint(400, 4000)
        found.append(
            {
                "birth_date": day(rng.randint(18 * 365, 70 * 365)),
                "ms_type": rng.choice(["RRMS", "SPMS", "PPMS"]),
                "diagnosis_date": day(rng.randint(200, 7000)),
                "edss": rng.choice([x / 2 for x in range(2, 17)]),
                "relapses": [{"date": day(rng.randint(1, 1400))} for _ in range(rng.randint(0, 3))],
                "mri": [
                    {
                        "date": day(rng.randint(1, 700)),
                        "gd_enhancing": rng.randint(0, 3),
                        "new_t2": rng.randint(0, 4),
                    }
                ],
                "treatments": [{"drug": rng.choice(drugs), "start": day(start)}],
                "as_of": DAY.isoformat(),
            }
        )
    return found


def time_evaluate(bodies: list[dict[str, Any]]) -> tuple[float, float]:
    """Median and 99th percentile milliseconds of parse + evaluate per profile."""
    catalog = load_catalog()
    for body in bodies[:5]:
        evaluate(parse_profile(body, catalog), catalog)
    times = []
    for _ in range(3):
        for body in bodies:
            started = time.perf_counter()
            evaluate(parse_profile(body, catalog), catalog)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start at {url}")


LUA_POST = """
local bodies = {}
for line in io.lines("%(path)s") do table.insert(bodies, line) end
local i = 0
request = function()
  i = i %% #bodies + 1
  local headers = {["Content-Type"] = "application/json"}
  return wrk.format("POST", "/api/v1/assessments", headers, bodies[i])
end
"""


def run_wrk(url: str, script: str | None, seconds: int) -> tuple[float, float]:
    """Requests per second and p99 latency in ms."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert found is not None, output
    rps = float(found.group(1))
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    assert p99_text is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_text.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{errors.group(1)} failed responses:\n{output}")
    return rps, float(p99_text.group(1)) * scale


def main() -> None:
    forum = [json.loads(p.read_text())["profile"] for p in sorted(PROFILES.glob("*.json"))]
    bodies = forum + random_profiles(200)

    median, p99 = time_evaluate(bodies)
    print(
        f"evaluate, {len(bodies)} profiles x 32 rule sets: median {median:.2f} ms, "
        f"p99 {p99:.2f} ms per profile; budget {BUDGET_MS} ms: ratio {BUDGET_MS / p99:.1f}x"
    )

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench` (it installs wrk with apt)")
    port = free_port()
    env = {**os.environ, "HSCT_DATABASE_URL": "sqlite://", "HSCT_PORT": str(port)}
    hsct = str(Path(sys.executable).with_name("hsct"))
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(  # noqa: S603 - our own command line
            [hsct, "serve", "--port", str(port), "--workers", "2", "--no-access-log"],
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            data = Path(folder) / "bodies.txt"
            data.write_text("\n".join(json.dumps(b) for b in bodies) + "\n")
            script = Path(folder) / "post.lua"
            script.write_text(LUA_POST % {"path": data})
            run_wrk(f"{base}/api/v1/assessments", str(script), 3)  # warm up
            ref_rps, ref_p99 = run_wrk(f"{base}/healthz", None, 15)
            rps, p99 = run_wrk(f"{base}/api/v1/assessments", str(script), 15)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"reference GET /healthz: {ref_rps:.0f} requests/s, p99 {ref_p99:.1f} ms")
    print(
        f"POST /api/v1/assessments: {rps:.0f} requests/s, p99 {p99:.1f} ms "
        f"({rps / ref_rps:.2f}x the reference's rate)"
    )
    print(
        f"targets: {TARGET_RPS} requests/s -> ratio {rps / TARGET_RPS:.2f}x; "
        f"p99 {TARGET_P99_MS:.0f} ms -> ratio {TARGET_P99_MS / p99:.2f}x"
    )
    ok = p99 < TARGET_P99_MS and rps >= TARGET_RPS and median < BUDGET_MS
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
