"""A clinic of 5,000 patients with 20 years of follow-up: how fast the dashboard renders.

Target (issue 15): every dashboard renders in under 1 s; results are cached by the cohort's
data version and recomputed on change.

The cohort: 5,000 records, day 0 spread over 2000-2006, an EDSS every 6 months and an MRI
every year for 20 years, a relapse in about one patient-year in twenty, a few adverse
events; about 320,000 entries, written straight into the tables (the import's own speed
is not what is measured here). Measured over HTTP on loopback against ``hsct serve`` (one
worker, the full request path), one request at a time: the first request of each view
(computed: the engine over the whole cohort), then the median of ``--repeat`` requests
(from the cache), for the outcomes page, its JSON and its CSV; and after one new entry,
the first request again (recomputed). The reference, measured in the same run, is a
signed-in page without health data (``/account``).

    .venv/bin/python benchmarks/bench_clinic.py [--patients 5000] [--repeat 10]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx2
from sqlalchemy import insert

from hsct.common.dates import add_months
from hsct.common.settings import Settings, secret_key_bytes
from hsct.registry import (
    Grant,
    Role,
    TokenScope,
    accounts,
    clinics,
    make_engine,
    make_session_factory,
    session_scope,
    tokens,
    upgrade_database,
)
from hsct.registry.tables import Patient, RecordEntry, new_id

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import per_call, served

TARGET_S = 1.0
YEARS = 20
SECRET = "bench-secret-" + "k" * 40


def cohort_rows(clinic_id: str, n: int, now: datetime) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Records and their entries (already checked values, as the import would write them)."""
    rng = random.Random(15)  # noqa: S311 - test data
    patients, entries = [], []

    def entry(pid: str, kind: str, day: date, data: dict) -> None:  # type: ignore[type-arg]
        entries.append(
            {
                "id": new_id(),
                "patient_id": pid,
                "kind": kind,
                "date": day,
                "data": {"date": day.isoformat(), **data},
                "provenance": "clinic",
                "created_at": now,
                "updated_at": now,
            }
        )

    for i in range(n):
        pid = new_id()
        patients.append(
            {"id": pid, "clinic_id": clinic_id, "code": f"B-{i:05d}", "created_at": now}
        )
        day0 = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))
        entry(
            pid, "diagnosis", day0 - timedelta(days=2000), {"ms_type": rng.choice(["RRMS", "SPMS"])}
        )
        regimen = rng.choice(["cy-atg", "beam-atg"])
        entry(pid, "transplant", day0, {"regimen": regimen, "intensity": "intermediate"})
        edss = rng.choice([2.0, 3.0, 3.5, 4.0, 5.0, 6.0])
        entry(pid, "edss", day0 - timedelta(days=30), {"value": edss, "rater": "neurologist"})
        for half in range(1, YEARS * 2 + 1):
            day = add_months(day0, half * 6)
            if rng.random() < 0.04:
                edss = min(9.5, edss + (1.0 if edss < 5.5 else 0.5))
            entry(pid, "edss", day, {"value": edss, "rater": "neurologist"})
            if half % 2 == 0:
                active = rng.random() < 0.03
                entry(
                    pid, "mri", day, {"region": "brain", "new_t2": int(active), "gd_enhancing": 0}
                )
                if rng.random() < 0.05:
                    entry(pid, "relapse", day - timedelta(days=60), {"confirmed": True})
        if rng.random() < 0.3:
            entry(
                pid,
                "adverse_event",
                day0 + timedelta(days=20),
                {"category": "infection", "serious": False},
            )
    return patients, entries


def populate(url: str, n: int) -> tuple[str, str, str, int]:
    """The clinic, a staff member's session and token, the cohort; (cookie, token, clinic, rows)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    key = secret_key_bytes(Settings(secret_key=SECRET))
    with session_scope(factory) as db:
        clinic = clinics.clinic_create(db, name="Benchmark centre", now=now)
        account = accounts.account_create(
            db,
            email="staff@example.org",
            grants=(Grant(Role.CLINIC_STAFF, clinic.id),),
            verified=True,
            now=now,
        )
        accounts.totp_setup_begin(db, account=account, site_key=key)
        cookie = accounts.web_session_start(db, account=account, mfa_pending=False, now=now)
        _row, token = tokens.api_token_create(
            db, account=account, scope=TokenScope.REGISTRY_READ, now=now
        )
        patients, entries = cohort_rows(clinic.id, n, now)
        db.execute(insert(Patient), patients)
        for start in range(0, len(entries), 20_000):
            db.execute(insert(RecordEntry), entries[start : start + 20_000])
        clinic_id = clinic.id
    engine.dispose()
    return cookie, token, clinic_id, len(entries)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    response = fn()
    assert response.status_code == 200, response.text[:300]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10, help="requests per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade_database(url)
        cookie, token, clinic, rows = populate(url, args.patients)
        env = {"HSCT_DATABASE_URL": url, "HSCT_SECRET_KEY": SECRET, "HSCT_MAIL_DIR": folder}
        with served(1, env_extra=env) as base, httpx2.Client(base_url=base, timeout=600) as client:
            client.cookies.set("hsct_session", cookie)
            bearer = {"Authorization": f"Bearer {token}"}
            page_url = f"/clinic/{clinic}/outcomes"
            api_url = f"/api/v1/clinics/{clinic}/outcomes"
            csv_url = f"/clinic/{clinic}/outcomes/km-neda3.csv"
            reference = per_call(lambda: client.get("/account"), args.repeat)
            cold = timed(lambda: client.get(page_url))
            page = per_call(lambda: client.get(page_url), args.repeat)
            api = per_call(lambda: client.get(api_url, headers=bearer), args.repeat)
            table = per_call(lambda: client.get(csv_url), args.repeat)
            by_cold = timed(lambda: client.get(page_url + "?by=regimen"))
            by_warm = per_call(lambda: client.get(page_url + "?by=regimen"), args.repeat)
            records = per_call(lambda: client.get(f"/clinic/{clinic}"), args.repeat)
    print(
        f"A clinic of {args.patients:,} patients, {rows:,} entries ({YEARS} years), "
        f"median of {args.repeat}:"
    )
    print(f"  GET /account (no health data)         {reference * 1000:8.1f} ms   (reference)")
    print(f"  outcomes page, first request         {cold * 1000:8.1f} ms   (computed)")
    lines = [
        ("outcomes page, cached", page),
        ("outcomes JSON (API), cached", api),
        ("a figure's table (CSV), cached", table),
        ("outcomes by regimen, cached", by_warm),
        ("records list (page 1)", records),
    ]
    for label, value in lines:
        print(
            f"  {label:<36} {value * 1000:8.1f} ms   target < {TARGET_S * 1000:.0f} ms"
            f"   ratio {value / reference:.1f}x"
        )
    print(f"  outcomes by regimen, first request   {by_cold * 1000:8.1f} ms   (computed)")
    ok = all(value < TARGET_S for _, value in lines)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
