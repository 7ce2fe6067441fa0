"""Helpers for the HTTP benchmarks: a real `hsct serve` on loopback, loaded with wrk."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    rps: float
    p99_ms: float
    failed: int


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, tries: int = 300) -> None:
    """Return once ``url`` answers 200; exit the benchmark if it never does."""
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start at {url}")


@contextmanager
def served(workers: int = 2, *, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """`hsct serve --workers N --no-access-log` on a free loopback port; yields its URL.

    ``env_extra`` adds settings (for example a migrated ``HSCT_DATABASE_URL``).
    """
    port = free_port()
    env = {
        **os.environ,
        "HSCT_DATABASE_URL": "sqlite://",
        "HSCT_PORT": str(port),
        **(env_extra or {}),
    }
    hsct = str(Path(sys.executable).with_name("hsct"))
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(  # noqa: S603 - our own command line
            [hsct, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            # Ready means the outcomes kernel is compiled too: measuring while the workers
            # still compile it would measure the compiler.
            wait_for(f"{base}/readyz", tries=1200)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)


def run_wrk(
    url: str, *, seconds: int, connections: int = 8, script: str | None = None
) -> WrkResult:
    """Requests per second, p99 latency in ms and failed responses of one wrk run."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    if found is None or p99 is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        float(found.group(1)), float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0
    )


def have_wrk() -> bool:
    """Whether wrk is installed (`make bench` installs it)."""
    return shutil.which("wrk") is not None


def per_call(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
