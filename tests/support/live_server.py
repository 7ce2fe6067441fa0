"""The real app served by uvicorn in a background thread, for the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from tests.support.ports import free_port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yield its base URL (no trailing slash)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def hsct_serve_logged(folder: Path, env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """The real ``hsct serve`` (access log on) in ``folder`` on a free loopback port.

    Yields its URL once ``/healthz`` answers, and the file its log lines go to; ``env``
    adds ``HSCT_*`` settings to the test's environment.
    """
    log = folder / "server.log"
    port = free_port()
    hsct = Path(sys.executable).with_name("hsct")
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [str(hsct), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            cwd=folder,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(encoding="utf-8"))
                time.sleep(0.1)
            yield url, log
        finally:
            server.terminate()
            server.wait(timeout=20)
