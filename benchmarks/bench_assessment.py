"""Assessment speed: one profile against every rule set, and the API under load.

1. ``evaluate(profile, catalog)`` on the forum profiles and 200 random profiles: the median
   and 99th percentile per profile, against the 5 ms budget (ratio > 1 means under budget).
2. ``POST /api/v1/assessments`` served by ``hsct serve --workers 2 --no-access-log`` on
   loopback, loaded with wrk (8 connections) rotating over those profiles, in three rounds
   of 10 s without and 10 s with gzip: the rate is the median of the rounds (this shared
   machine's speed changes by the minute, and a single run caught a dip as often as not),
   p99 the worst round's. The reference is ``GET /healthz`` (the framework's ceiling),
   5 s at the start of each round. Targets: at least 500 requests/s, p99 under 50 ms (the
   first budget), and issue 17's at least 800 requests/s with p99 under 50 ms -- both
   without compression and with ``Accept-Encoding: gzip``, as browsers and HTTP libraries
   ask (the answer is about 200 kB; zlib at level 6 once halved the rate, see
   src/hsct/web/assets.py).
3. Where a request's time goes, in one process, stage by stage as the handler runs them
   (``hsct.web.api.assessments._assess``): reading the JSON, the profile, ``evaluate()``,
   the answer's dict and orjson; and the answer's size.

Run: .venv/bin/python benchmarks/bench_assessment.py   (needs wrk: `make bench` installs it)
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from hsct.common.jsontext import loads_checked
from hsct.eligibility import evaluate, parse_profile
from hsct.eligibility.export import assessment_dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import have_wrk, run_wrk, served
from hsct.knowledge import load_catalog

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "tests" / "eligibility" / "profiles"
BUDGET_MS = 5.0
TARGET_RPS = 500
ISSUE17_RPS = 800
ROUNDS = 3
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
    # As the server does after start-up: the catalogue stays out of the collector's way.
    gc.collect()
    gc.freeze()
    times = []
    for _ in range(3):
        for body in bodies:
            started = time.perf_counter()
            evaluate(parse_profile(body, catalog), catalog)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def stages(bodies: list[dict[str, Any]]) -> None:
    """Milliseconds per stage of the handler (median and 99th percentile), and bytes."""
    catalog = load_catalog()
    texts = [orjson.dumps(body) for body in bodies]
    names = ("JSON read", "profile", "evaluate()", "answer dict", "orjson")
    times: dict[str, list[float]] = {name: [] for name in names}
    sizes = []
    for _ in range(3):
        for text in texts:
            marks = [time.perf_counter()]
            data = loads_checked(text, field="profile")
            marks.append(time.perf_counter())
            profile = parse_profile(data, catalog)
            marks.append(time.perf_counter())
            assessment = evaluate(profile, catalog)
            marks.append(time.perf_counter())
            answer = assessment_dict(assessment, catalog)
            marks.append(time.perf_counter())
            sizes.append(len(orjson.dumps(answer)))
            marks.append(time.perf_counter())
            for name, start, end in zip(names, marks[:-1], marks[1:], strict=True):
                times[name].append((end - start) * 1000)
    print("where the handler's time goes (one process, per request):")
    for name, values in times.items():
        values.sort()
        print(
            f"  {name:<12} median {statistics.median(values):6.3f} ms, "
            f"p99 {values[int(len(values) * 0.99)]:6.3f} ms"
        )
    print(f"  answer: median {statistics.median(sizes):,.0f} bytes of JSON")


LUA_POST = """
local bodies = {}
for line in io.lines("%(path)s") do table.insert(bodies, line) end
local i = 0
request = function()
  i = i %% #bodies + 1
  local headers = {["Content-Type"] = "application/json"%(gzip)s}
  return wrk.format("POST", "/api/v1/assessments", headers, bodies[i])
end
"""
GZIP_HEADER = ', ["Accept-Encoding"] = "gzip"'


def main() -> None:
    forum = [json.loads(p.read_text())["profile"] for p in sorted(PROFILES.glob("*.json"))]
    bodies = forum + random_profiles(200)

    median, p99 = time_evaluate(bodies)
    stages(bodies)
    print(
        f"evaluate, {len(bodies)} profiles x {len(load_catalog().rulesets)} rule sets: "
        f"median {median:.2f} ms, "
        f"p99 {p99:.2f} ms per profile; budget {BUDGET_MS} ms: ratio {BUDGET_MS / p99:.1f}x"
    )

    if not have_wrk():
        raise SystemExit("wrk is not installed: run `make bench` (it installs wrk with apt)")
    with served(workers=2) as base, tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "bodies.txt"
        data.write_text("\n".join(json.dumps(b) for b in bodies) + "\n")
        script = Path(folder) / "post.lua"
        script.write_text(LUA_POST % {"path": data, "gzip": ""})
        gzipped = Path(folder) / "post-gzip.lua"
        gzipped.write_text(LUA_POST % {"path": data, "gzip": GZIP_HEADER})
        run_wrk(f"{base}/api/v1/assessments", seconds=3, script=str(script))  # warm up
        rounds = []
        for _ in range(ROUNDS):
            reference = run_wrk(f"{base}/healthz", seconds=5)
            found = run_wrk(f"{base}/api/v1/assessments", seconds=10, script=str(script))
            zipped = run_wrk(f"{base}/api/v1/assessments", seconds=10, script=str(gzipped))
            if found.failed or zipped.failed:
                raise SystemExit(f"{found.failed + zipped.failed} failed responses")
            rounds.append((reference, found, zipped))
    for number, (reference, found, zipped) in enumerate(rounds, start=1):
        print(
            f"round {number}: GET /healthz {reference.rps:.0f} requests/s; "
            f"POST /api/v1/assessments {found.rps:.0f} requests/s (p99 {found.p99_ms:.1f} ms), "
            f"with gzip {zipped.rps:.0f} (p99 {zipped.p99_ms:.1f} ms)"
        )
    ref_rps = statistics.median(r.rps for r, _, _ in rounds)
    plain = statistics.median(f.rps for _, f, _ in rounds)
    gzip = statistics.median(z.rps for _, _, z in rounds)
    print(f"reference GET /healthz: median {ref_rps:.0f} requests/s")
    for label, rate in (("", plain), (" (gzip)", gzip)):
        print(
            f"POST /api/v1/assessments{label}: median {rate:.0f} requests/s "
            f"({rate / ref_rps:.2f}x the reference's rate)"
        )
    # The slower of the two decides; p99 from the worst round.
    rps = min(plain, gzip)
    p99 = max(max(f.p99_ms, z.p99_ms) for _, f, z in rounds)
    print(
        f"targets: {TARGET_RPS} requests/s -> ratio {rps / TARGET_RPS:.2f}x; "
        f"p99 {TARGET_P99_MS:.0f} ms -> ratio {TARGET_P99_MS / p99:.2f}x"
    )
    ok = p99 < TARGET_P99_MS and rps >= TARGET_RPS and median < BUDGET_MS
    print("PASS" if ok else "FAIL")
    print(
        f"issue 17: {ISSUE17_RPS} requests/s -> ratio {rps / ISSUE17_RPS:.2f}x: "
        + ("PASS" if p99 < TARGET_P99_MS and rps >= ISSUE17_RPS else "FAIL")
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
