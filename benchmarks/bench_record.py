"""A long follow-up record: how fast the status page and the whole-record download serve.

Targets (issue 14): with 20 years of monthly entries, the status page renders in under
50 ms (median) and the whole-record JSON download in under 200 ms.

The record: day 0, then for 20 years every month an EDSS and one more entry in turn (a
scan, a questionnaire with all 36 answers, a to-do, a drug course, a relapse every few
years), about 500 entries. Measured over HTTP on loopback against ``hsct serve`` (one
worker, the full request path: session, database, engine, templates), one request at a
time from this process, median of ``--repeat``; against a signed-in page with no health
data (``/account``) measured in the same run as the reference, so the ratio shows what
the record costs. (In one process through ``TestClient`` the client's own thread adds a
few milliseconds to every request and competes for the interpreter lock.)

    .venv/bin/python benchmarks/bench_record.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import httpx2

from hsct.common.dates import add_months
from hsct.registry import (
    Grant,
    Role,
    TokenScope,
    accounts,
    make_engine,
    make_session_factory,
    patients,
    record,
    session_scope,
    tokens,
    upgrade_database,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import per_call, served

STATUS_MS = 50.0
EXPORT_MS = 200.0
YEARS = 20
SECRET = "bench-secret-" + "k" * 40
DAY0 = date(2005, 6, 1)


def entries() -> list[tuple[str, dict[str, object]]]:
    """Day 0 and 20 years of monthly entries."""
    out: list[tuple[str, dict[str, object]]] = [
        ("diagnosis", {"date": "2001-03-01", "first_symptoms": "2000-06-01"}),
        ("transplant", {"date": DAY0.isoformat(), "regimen": "cy-atg", "intensity": "low"}),
        ("edss", {"date": "2005-05-01", "value": 4.0, "rater": "neurologist"}),
    ]
    for month in range(1, YEARS * 12 + 1):
        day = add_months(DAY0, month).isoformat()
        value = 3.0 if month < 120 else 3.5
        out.append(("edss", {"date": day, "value": value, "rater": "neurologist"}))
        turn = month % 4
        if turn == 0:
            out.append(("mri", {"date": day, "region": "brain", "new_t2": 0, "gd_enhancing": 0}))
        elif turn == 1:
            answers = {str(i): 1 for i in range(1, 37)}
            out.append(("qol", {"date": day, "answers": answers}))
        elif turn == 2:
            out.append(("todo", {"date": day, "title": "Blood test", "done_on": day}))
        elif month % 36 == 3:
            out.append(("relapse", {"date": day, "confirmed": True}))
        else:
            out.append(("adverse_event", {"date": day, "category": "infection"}))
    return out


def populate(url: str) -> tuple[str, str, str, int]:
    """The account, its record and a token; returns (cookie, token, record id, entries)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    made = entries()
    with session_scope(factory) as db:
        account = accounts.account_create(
            db, email="me@example.org", grants=(Grant(Role.PATIENT),), verified=True, now=now
        )
        actor = accounts.actor_for(db, account=account)
        patient = patients.patient_own(db, actor=actor, now=now).id
        for kind, data in made:
            record.entry_add(db, actor=actor, patient_id=patient, kind=kind, data=data, now=now)
        cookie = accounts.web_session_start(db, account=account, mfa_pending=False, now=now)
        _row, token = tokens.api_token_create(
            db, account=account, scope=TokenScope.REGISTRY_READ, now=now
        )
    engine.dispose()
    return cookie, token, patient, len(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade_database(url)
        cookie, token, patient, count = populate(url)
        env = {"HSCT_DATABASE_URL": url, "HSCT_SECRET_KEY": SECRET, "HSCT_MAIL_DIR": folder}
        with served(1, env_extra=env) as base, httpx2.Client(base_url=base) as client:
            client.cookies.set("hsct_session", cookie)
            status = client.get("/my/status")
            assert status.status_code == 200, status.text[:500]
            reference = per_call(lambda: client.get("/account"), args.repeat)
            page = per_call(lambda: client.get("/my/status"), args.repeat)
            bearer = {"Authorization": f"Bearer {token}"}
            export_url = f"/api/v1/patients/{patient}/export"
            size = len(client.get(export_url, headers=bearer).content)
            download = per_call(lambda: client.get(export_url, headers=bearer), args.repeat)
    print(
        f"A record of {count} entries ({YEARS} years of monthly entries), median of {args.repeat}:"
    )
    print(f"  GET /account (no health data)     {reference * 1000:7.1f} ms   (reference)")
    print(
        f"  GET /my/status                    {page * 1000:7.1f} ms   target < {STATUS_MS:.0f} ms"
        f"   ratio {page / reference:.1f}x"
    )
    print(
        f"  GET .../export (JSON, {size / 1024:.0f} kB)      {download * 1000:7.1f} ms   "
        f"target < {EXPORT_MS:.0f} ms   ratio {download / reference:.1f}x"
    )
    ok = page * 1000 < STATUS_MS and download * 1000 < EXPORT_MS
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
