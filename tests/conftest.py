"""Fixtures shared by every test: a clean environment, no network, fresh settings and apps."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from hsct.common.settings import Settings
from hsct.registry import upgrade_database
from hsct.web import create_app
from tests.support.postgres import PostgresCluster, find_postgres_bin, postgres_cluster
from tests.support.strict import missing

# Property tests check behaviour, never speed (speed lives in benchmarks/): no per-example
# deadline. On this 2-core virtual machine an example that touches fresh memory while the
# other worker runs can take 300 ms once and 0.5 ms the next time, which Hypothesis reports
# as a flaky failure.
hypothesis_settings.register_profile("hsct", deadline=None)
hypothesis_settings.load_profile("hsct")

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no ``HSCT_*`` variables, so the developer's shell cannot leak in."""
    for name in list(os.environ):
        if name.startswith("HSCT_") and name != "HSCT_TEST_STRICT":
            monkeypatch.delenv(name)


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in ("127.0.0.1", "::1", "localhost")
        and (self.family in (socket.AF_INET, socket.AF_INET6))
    ):
        raise RuntimeError(f"tests must not use the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python code under test may talk to loopback only (the live server, PostgreSQL)."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest schema, made once per run and copied per test."""
    path = tmp_path_factory.mktemp("template") / "hsct.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    # One file, no write-ahead log beside it, so a plain copy is the whole database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_sqlite: Path) -> Settings:
    """Settings with a fresh, migrated SQLite database and mail folder in the test's folder."""
    database = tmp_path / "hsct.sqlite3"
    shutil.copyfile(migrated_sqlite, database)
    return Settings(
        database_url=f"sqlite:///{database}",
        mail_dir=tmp_path / "mail",
        secret_key="test-secret-key-" + "x" * 32,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """A fresh application built by the factory."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for ``app`` that runs its start-up and shut-down."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL cluster for the whole run; stopped and deleted afterwards."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL", "install Debian's postgresql package (make test does)")
    with postgres_cluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    """URL of a new, empty PostgreSQL database for one test."""
    return postgres.new_database()
