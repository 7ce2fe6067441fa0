"""An import lands whole or not at all: ``kill -9`` of a real import process, again and again.

On SQLite and PostgreSQL. The command line prints its plan, then writes; the test kills the
process while it plans and at several moments after the plan is printed (while it writes),
and each time finds the database exactly as before (the same rows in every table and an
intact audit chain), or, when the kill came after the commit, the whole import. Then an
import that is left alone lands whole (or adds nothing, when it already had).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hsct.registry import (
    audit_chain_verify,
    clinics,
    make_engine,
    make_session_factory,
    upgrade_database,
)
from hsct.registry.imports import ImportFile, ImportOptions, import_commit
from hsct.registry.tables import AuditEvent, ImportRun, Patient, RecordChange, RecordEntry

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
PATIENTS = 500
VISITS_EACH = 10
#: Seconds after the plan is printed (the writing starts) at which the process is killed.
AFTER_PLAN = (0.0, 0.03, 0.1, 0.2)


def _state(url: str) -> tuple[object, ...]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as s:
            counts = tuple(
                s.scalar(select(func.count()).select_from(table))
                for table in (Patient, RecordEntry, RecordChange, ImportRun, AuditEvent)
            )
            chain = audit_chain_verify(s)
            assert chain.intact, chain.problem
            return (*counts, chain.head.seq)
    finally:
        engine.dispose()


def _write_files(folder: Path) -> list[str]:
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    patients = ["patient_id,transplant_date"]
    visits = ["patient_id,date,edss"]
    for i in range(PATIENTS):
        patients.append(f"K{i},2015-01-0{1 + i % 9}")
        for year in range(VISITS_EACH):
            visits.append(f"K{i},{2015 + year}-03-1{year % 9},{rng.choice(['2.0', '3.5', '6.0'])}")
    (folder / "patients.csv").write_text("\n".join(patients) + "\n")
    (folder / "visits.csv").write_text("\n".join(visits) + "\n")
    return [str(folder / "patients.csv"), str(folder / "visits.csv")]


def _start(url: str, clinic: str, files: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "HSCT_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "hsct", "registry", "import", "--clinic", clinic, *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_plan(proc: subprocess.Popen[str], timeout: float = 120.0) -> bool:
    """Read until the plan's summary line (printed just before the writing); False at exit."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return False
        if line.startswith("Adds "):
            return True
    raise AssertionError("the import printed no plan in time")


@pytest.mark.slow
def test_a_killed_import_leaves_the_database_as_before(database_url: str, tmp_path: Path) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as s:
        clinic = clinics.clinic_create(s, name="Kill test", now=NOW).id
        import_commit(  # something there already, so "as before" is not just "empty"
            s,
            actor=None,
            clinic_id=clinic,
            files=[ImportFile("patients.csv", b"patient_id,transplant_date\nK0,2015-01-01\n")],
            options=ImportOptions(),
            now=NOW,
        )
    engine.dispose()
    files = _write_files(tmp_path)
    before = _state(database_url)
    killed = 0
    for moment in (None, *AFTER_PLAN):
        proc = _start(database_url, clinic, files)
        try:
            if moment is None:
                time.sleep(1.0)  # starting up or planning
            elif not _wait_for_plan(proc):
                break
            else:
                time.sleep(moment)
            proc.kill()
        finally:
            proc.wait(timeout=60)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        if proc.returncode == 0:
            break  # it finished before the kill
        assert proc.returncode == -9
        state = _state(database_url)
        if state != before:  # killed after its commit: then it landed whole
            assert state[:2] == (PATIENTS, PATIENTS + PATIENTS * VISITS_EACH), f"at {moment}"
            break
        killed += 1
    # The process was killed while it planned and at least three times while it wrote.
    assert killed >= 4, f"only {killed} kills came before the import landed"
    done = subprocess.run(
        [sys.executable, "-m", "hsct", "registry", "import", "--clinic", clinic, *files],
        capture_output=True,
        text=True,
        env={**os.environ, "HSCT_DATABASE_URL": database_url},
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    after = _state(database_url)
    patients, entries = after[0], after[1]
    assert patients == PATIENTS
    # K0's transplant was there; every other patient's transplant and every visit are new.
    assert entries == PATIENTS + PATIENTS * VISITS_EACH
