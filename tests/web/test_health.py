"""Liveness (``/healthz``) and readiness (``/readyz``): GET and HEAD, and what each checks."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from hsct import outcomes
from hsct.common.settings import Settings
from hsct.web import create_app
from hsct.web.routes import health

#: Compiling the kernel takes about 5 s without numba's disk cache; allow a slow machine.
READY_WITHIN_S = 120.0
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/x"


def poll_ready(client: TestClient, check: str | None = None) -> Response:
    """``GET /readyz`` until it answers 200 (or ``check`` is ``ok``), or the time is up.

    Returns the last answer either way, so a timeout shows up as a failed assertion.
    """
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        response = client.get("/readyz")
        done = (
            response.status_code == 200
            if check is None
            else response.json()["checks"][check] == "ok"
        )
        if done or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_head_healthz_answers_200_without_a_body(client: TestClient) -> None:
    """Load balancers probe with HEAD: 200, headers only."""
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


def test_get_healthz_still_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_answers_200_once_database_and_kernel_are_ready(client: TestClient) -> None:
    """Start-up warms the kernel in the background; readiness turns 200 when it is done."""
    response = poll_ready(client)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "outcomes_kernel": "ok"},
    }
    assert response.headers["cache-control"] == "no-store"
    assert outcomes.kernel_status() == "ok"


def test_head_readyz_answers_200_without_a_body_once_ready(client: TestClient) -> None:
    poll_ready(client)

    response = client.head("/readyz")

    assert response.status_code == 200
    assert response.content == b""


def test_readyz_answers_503_naming_the_database_when_it_is_unreachable() -> None:
    """Nothing listens on port 1: the check fails fast and names only the failing part."""
    app = create_app(Settings(database_url=UNREACHABLE))
    with TestClient(app) as client:
        response = poll_ready(client, "outcomes_kernel")  # the database never becomes ready
        head = client.head("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("failed: ")
    assert body["checks"]["outcomes_kernel"] == "ok"
    assert "nobody" not in response.text  # connection details stay in the log
    assert head.status_code == 503
    assert head.content == b""


def test_readyz_answers_503_naming_the_kernel_while_it_compiles(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "kernel_status", lambda: "compiling")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "outcomes_kernel": "compiling"},
        "failing": ["outcomes_kernel"],
    }


def test_readyz_gives_up_on_a_database_that_does_not_answer(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hanging database makes the probe say so in time; probes do not pile up queries."""
    release = threading.Event()
    calls: list[Engine] = []

    def hanging(engine: Engine) -> str:
        calls.append(engine)
        release.wait(10)
        return "ok"

    monkeypatch.setattr(health, "database_check", hanging)
    monkeypatch.setattr(health, "DATABASE_TIMEOUT_S", 0.2)
    try:
        first = client.get("/readyz")
        second = client.get("/readyz")
    finally:
        release.set()

    assert first.status_code == 503
    assert first.json()["checks"]["database"] == "failed: no answer within 0.2 s"
    assert second.status_code == 503
    assert len(calls) == 1  # the second probe waited for the query already running


def test_warm_up_is_idempotent_and_reports_ok() -> None:
    """A second warm-up finds the kernel loaded; no second thread is started."""
    outcomes.warm_up()

    assert outcomes.kernel_status() == "ok"
    assert outcomes.warm_up() == 0.0
    assert outcomes.start_warm_up() is None
