"""Security headers on every response.

The content security policy allows scripts, styles, images and fonts from this site
only: the pages make no request to any other host, and injected markup cannot run.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: Final = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


#: HTTPS only, for a year, subdomains included (ASVS 3.4.1); sent when HSCT_PUBLIC_URL is https.
HSTS: Final = "max-age=31536000; includeSubDomains"
_CREDENTIAL_COOKIES: Final = (b"hsct_session=", b"hsct_pre=")


def carries_credentials(scope: Scope) -> bool:
    """Whether the request carries a session, a pre-session or an API token."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return True
        if name == b"cookie" and any(cookie in value for cookie in _CREDENTIAL_COOKIES):
            return True
    return False


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no per-request task overhead) that adds :data:`SECURITY_HEADERS`.

    Answers to a request with a session, a pre-session or an API token are never stored by
    browsers or proxies (``Cache-Control: no-store``); HSTS is added when ``hsts`` is set.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Static files are the same for everyone: cacheable even with a session cookie.
        private = not scope.get("path", "").startswith("/static/") and carries_credentials(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if private or any("hsct_" in value for value in headers.getlist("set-cookie")):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
