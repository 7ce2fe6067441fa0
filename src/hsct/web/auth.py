"""Who is asking: browser sessions and API tokens resolved once per request; CSRF checks.

- Browser sessions: a random id in a cookie (``__Host-hsct_session``, ``Secure``,
  ``HttpOnly``, ``SameSite=Lax`` over HTTPS; ``hsct_session`` without ``Secure`` over
  plain HTTP on a developer's machine, since browsers refuse ``__Host-`` cookies there).
  Only the id's SHA-256 is stored. New id on every sign-in.
- API clients: ``Authorization: Bearer hsct_…``. A token in the address is refused.
- CSRF (synchronizer token, OWASP): every unsafe request that carries a session or
  pre-session cookie must send ``csrf_token`` (form field) or ``X-CSRF-Token`` (htmx) equal
  to HMAC(site key, cookie value); any unsafe request marked ``Sec-Fetch-Site: cross-site`` is
  refused. Sign-in and sign-up forms get a pre-session cookie, so a login form cannot be
  forged either.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from hsct.common.errors import HsctError, PermissionDenied
from hsct.common.settings import Settings
from hsct.registry import Actor, Session
from hsct.registry import accounts as account_services
from hsct.registry import tokens as token_services
from hsct.registry.auth import digests_equal, hmac_text
from hsct.web.deps import DbSession, get_settings

SESSION_COOKIE_TLS: Final = "__Host-hsct_session"
SESSION_COOKIE_PLAIN: Final = "hsct_session"
PRE_COOKIE_TLS: Final = "__Host-hsct_pre"
PRE_COOKIE_PLAIN: Final = "hsct_pre"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Query parameters that look like credentials: refused wherever they appear.
CREDENTIAL_PARAMETERS: Final = frozenset({"access_token", "api_key", "apikey", "bearer"})


class SignInRequired(HsctError):  # noqa: N818 - names the answer
    """No valid session or token: API 401, pages redirect to the sign-in page."""

    def __init__(self, *, second_factor: bool = False, setup: bool = False) -> None:
        super().__init__("sign in to use this")
        self.second_factor = second_factor
        self.setup = setup


class CredentialInAddress(HsctError):  # noqa: N818 - names the refusal
    """A token sent in the query string: refused, since addresses end up in logs and history."""

    def __init__(self) -> None:
        super().__init__(
            "Send API tokens in the Authorization header (Bearer), never in the address."
        )


def uses_tls(request: Request) -> bool:
    """True when this request came over HTTPS (directly or through a trusted proxy)."""
    return request.url.scheme == "https"


def session_cookie_name(request: Request) -> str:
    """The session cookie's name for this request's scheme."""
    return SESSION_COOKIE_TLS if uses_tls(request) else SESSION_COOKIE_PLAIN


def pre_cookie_name(request: Request) -> str:
    """The pre-session cookie's name for this request's scheme."""
    return PRE_COOKIE_TLS if uses_tls(request) else PRE_COOKIE_PLAIN


def has_session_cookie(request: Request) -> bool:
    """True when the browser sends a session or pre-session cookie (its pages are its own)."""
    return bool(
        request.cookies.get(session_cookie_name(request))
        or request.cookies.get(pre_cookie_name(request))
    )


def site_key(request: Request) -> bytes:
    """The secret key the app was started with."""
    key: bytes = request.app.state.site_key
    return key


def now_utc(request: Request) -> datetime:
    """The app's clock (tests replace ``app.state.clock`` to freeze time)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


async def _now(request: Request) -> datetime:
    return now_utc(request)  # on the event loop: no worker-thread hop to read a clock


NowDep = Annotated[datetime, Depends(_now)]


@dataclass(frozen=True, slots=True)
class Auth:
    """What the request proved: a full session, a half one (second factor due), or a token."""

    actor: Actor | None = None
    state: account_services.SessionState | None = None
    session_token: str | None = None
    via_token: bool = False

    @property
    def signed_in(self) -> bool:
        """True when the person or client is fully signed in."""
        return self.actor is not None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def resolve_auth(request: Request, db: DbSession) -> Auth:
    """The request's credentials, resolved once and kept on ``request.state``."""
    cached: Auth | None = getattr(request.state, "auth", None)
    if cached is not None:
        return cached
    if CREDENTIAL_PARAMETERS & {key.lower() for key in request.query_params}:
        raise CredentialInAddress
    auth = _resolve(request, db)
    request.state.auth = auth
    return auth


def _resolve(request: Request, db: Session) -> Auth:
    settings: Settings = get_settings(request)
    now = now_utc(request)
    bearer = _bearer(request)
    if bearer is not None:
        use = token_services.api_token_resolve(db, token=bearer, now=now) if bearer else None
        if use is None:
            raise SignInRequired
        return Auth(actor=use.actor, via_token=True)
    token = request.cookies.get(session_cookie_name(request))
    if not token:
        return Auth()
    state = account_services.web_session_resolve(
        db,
        token=token,
        now=now,
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    if state is None:
        return Auth()
    if state.mfa_pending:
        return Auth(state=state, session_token=token)
    actor = account_services.actor_for(db, account=state.account)
    return Auth(actor=actor, state=state, session_token=token)


AuthDep = Annotated[Auth, Depends(resolve_auth)]


async def current_actor(auth: AuthDep) -> Actor:
    """The signed-in actor, or :class:`SignInRequired` (401 for the API, sign-in page else)."""
    if auth.actor is None:
        if auth.state is not None:
            raise SignInRequired(
                second_factor=True, setup=auth.state.account.totp_enabled_at is None
            )
        raise SignInRequired
    return auth.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def browser_session(auth: AuthDep) -> account_services.SessionState:
    """A fully signed-in browser session (account pages are not for API tokens)."""
    if auth.via_token or auth.state is None or auth.actor is None:
        await current_actor(auth)
        raise SignInRequired
    return auth.state


BrowserSession = Annotated[account_services.SessionState, Depends(browser_session)]


# ---------------------------------------------------------------- cookies


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put a new session id in the browser (a session cookie: gone when the browser closes)."""
    response.set_cookie(
        session_cookie_name(request),
        token,
        secure=uses_tls(request),
        httponly=True,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        session_cookie_name(request), secure=uses_tls(request), httponly=True, samesite="lax"
    )


def ensure_pre_session(request: Request, response: Response) -> None:
    """Give a visitor without a session a pre-session cookie, so forms can carry a CSRF token."""
    if request.cookies.get(session_cookie_name(request)) or request.cookies.get(
        pre_cookie_name(request)
    ):
        return
    value = secrets.token_urlsafe(32)
    request.state.pre_session = value
    response.set_cookie(
        pre_cookie_name(request),
        value,
        secure=uses_tls(request),
        httponly=True,
        samesite="lax",
        path="/",
    )


def csrf_basis(request: Request) -> str | None:
    """The cookie value the CSRF token is bound to: the session's, else the pre-session's."""
    return (
        getattr(request.state, "new_session", None)
        or request.cookies.get(session_cookie_name(request))
        or getattr(request.state, "pre_session", None)
        or request.cookies.get(pre_cookie_name(request))
    )


def csrf_token(request: Request) -> str:
    """The CSRF token for this browser (empty when it has no cookie to bind it to)."""
    basis = csrf_basis(request)
    return hmac_text(site_key(request), "csrf", basis) if basis else ""


async def csrf_protect(request: Request) -> AsyncIterator[None]:
    """App-wide dependency: refuse forged unsafe requests (see the module docstring).

    A form it had to read is closed when the request is done (uploads are temporary files).
    """
    form = None
    try:
        if request.method in UNSAFE_METHODS:
            form = await _check_csrf(request)
        yield
    finally:
        if form is not None:
            await form.close()


async def _check_csrf(request: Request) -> FormData | None:
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise PermissionDenied("requests from other sites are refused")
    session_cookie = request.cookies.get(session_cookie_name(request))
    pre_cookie = request.cookies.get(pre_cookie_name(request))
    needs_cookie = request.url.path.startswith(("/account", "/clinic", "/invitation"))
    if _bearer(request) is not None and not session_cookie:
        return None  # a machine client: no ambient credentials to forge
    basis = session_cookie or pre_cookie
    if basis is None:
        if needs_cookie:
            raise PermissionDenied(
                "this form has expired or cookies are off; reload the page and try again"
            )
        return None  # nothing to forge: an anonymous, stateless form
    sent = request.headers.get(CSRF_HEADER)
    form = None
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = hmac_text(site_key(request), "csrf", basis)
    if not sent or not digests_equal(sent, expected):
        if form is not None:
            await form.close()
        raise PermissionDenied(
            "this form has expired or was sent from elsewhere; reload the page and try again"
        )
    return form


def sign_in_location(path: str) -> str:
    """The sign-in page, coming back to ``path`` (a path only, never a query string)."""
    return f"/account/sign-in?next={quote(path, safe='/')}"
