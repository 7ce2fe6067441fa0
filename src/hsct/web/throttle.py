"""Per-address rate limits for sign-in, sign-up and mail links (in memory, per worker).

A sliding window per client address. The address is the connection's peer as uvicorn
reports it (it honours ``X-Forwarded-For`` only from trusted proxies), so a client cannot
pick its own key by sending that header. Per-account throttling lives in the database
(``hsct.registry.accounts``); this only slows one address trying many accounts.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

from fastapi import Request

from hsct.common.errors import HsctError

MAX_KEYS: Final = 10_000


class TooManyRequests(HsctError):  # noqa: N818 - names the answer, like HTTP's 429
    """Too many attempts from one address: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts from this address; try again in {retry_after} s")
        self.retry_after = retry_after


class AddressLimiter:
    """At most ``limit`` hits per address in ``window`` seconds."""

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one attempt from ``key``; :class:`TooManyRequests` when over the limit."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_KEYS:
                    self._forget_idle(now)
                hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooManyRequests(max(1, int(hits[0] + self.window - now) + 1))
            hits.append(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= MAX_KEYS:  # still full: a flood of addresses; start over
            self._hits.clear()


def client_address(request: Request) -> str:
    """The peer address uvicorn gives (proxy headers only from trusted proxies)."""
    return request.client.host if request.client else "unknown"
