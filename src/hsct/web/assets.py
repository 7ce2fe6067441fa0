"""Static files and compression: fewer bytes to a phone on a slow line, never a secret's size.

- Static files are addressed with a digest of their content (``/static/css/site.css?v=…``),
  so browsers keep them for a year without asking again (``immutable``) and a changed file
  gets a new address. Without the digest they are revalidated after an hour.
- Answers are compressed with gzip when the browser accepts it and the answer is long enough
  to gain (text, JSON, JavaScript, SVG; Starlette's ``GZipMiddleware``), by Intel's ISA-L
  (``isal``) at its default level rather than zlib at level 6: a 200 kB assessment in
  0.14 ms instead of 2.3 ms, 37 kB instead of 29 kB (measured 2026-12-04; zlib's level 6
  took more CPU than the assessment itself and halved the API's throughput for every
  client that asks for gzip, as browsers and HTTP libraries do). Answers to a
  request that carries a session, a pre-session or an API token are sent uncompressed,
  static files aside: they can hold a CSRF token or health data beside text the visitor
  typed, and the size of a compressed answer would then tell an attacker who can make the
  browser send requests about the secret (BREACH). Anonymous pages hold no such secret (no
  CSRF token without a cookie to bind it to).
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache
from importlib import resources
from typing import Final, cast

from fastapi.staticfiles import StaticFiles
from isal import isal_zlib
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hsct import __version__
from hsct.web.security import carries_credentials

#: Static files addressed by their content's digest: kept for a year, never revalidated.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
#: Static files asked for without the digest: kept an hour, then revalidated (ETag).
REVALIDATE: Final = "public, max-age=3600"
#: Shorter answers gain too little from gzip to be worth the time.
MINIMUM_SIZE: Final = 800
#: ISA-L's levels are 0-3; its default (2) compressed a 200 kB assessment in 0.14 ms to
#: 36.7 kB (zlib level 1: 0.82 ms, 38.6 kB; level 6: 2.27 ms, 29.3 kB).
GZIP_LEVEL: Final = isal_zlib.ISAL_DEFAULT_COMPRESSION
#: Longer bodies are compressed on a thread (ISA-L does about 1.4 GB/s here: 1 MiB is under
#: a millisecond, shorter than the hand-over to a thread and back).
THREAD_MINIMUM_SIZE: Final = 1024 * 1024


@lru_cache(maxsize=256)
def _digest(path: str) -> str:
    try:
        content = (resources.files("hsct.web") / "static" / path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return __version__
    return hashlib.sha256(content).hexdigest()[:12]


def static_url(path: str) -> str:
    """URL of a file under ``web/static``, with a digest of its content for cache busting.

    >>> static_url("css/site.css").startswith("/static/css/site.css?v=")
    True
    """
    return f"/static/{path}?v={_digest(path)}"


class CachedStaticFiles(StaticFiles):
    """:class:`StaticFiles` with ``Cache-Control``: a year for a digest-addressed file."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
        return response


class _IsalGZipResponder(GZipResponder):
    """Starlette's gzip responder with ISA-L's compressor in place of zlib's (the same gzip
    stream format; ``isal_zlib`` follows ``zlib``'s interface)."""

    @property
    def compressor(self) -> zlib._Compress:
        if self._compressor is None:
            made = isal_zlib.compressobj(
                self.compresslevel, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS
            )
            self._compressor = cast("zlib._Compress", made)  # the same methods
        return self._compressor


class _IsalGZipMiddleware(GZipMiddleware):
    """Starlette's ``GZipMiddleware`` answering with :class:`_IsalGZipResponder`; a client
    that does not ask for gzip gets Starlette's own identity responder (``Vary`` added)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "gzip" in Headers(scope=scope).get("accept-encoding", ""):
            responder = _IsalGZipResponder(
                self.app,
                self.minimum_size,
                self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
            await responder(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class CompressionMiddleware:
    """gzip for static files and anonymous answers; credentialed answers stay as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = _IsalGZipMiddleware(
            app,
            minimum_size=MINIMUM_SIZE,
            compresslevel=GZIP_LEVEL,
            thread_minimum_size=THREAD_MINIMUM_SIZE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            scope.get("path", "").startswith("/static/") or not carries_credentials(scope)
        ):
            await self.gzip(scope, receive, send)
            return
        await self.app(scope, receive, send)
