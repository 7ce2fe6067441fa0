"""Account pages: sign up, confirm email, sign in (with a second step), forgotten password,
the account page (sessions, two-step sign-in, API tokens, email, password, deletion).

Every form posts a CSRF token (hsct.web.auth); answers are never cached (a session or
pre-session cookie makes every answer ``no-store``). Messages never reveal whether an
email address has an account.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hsct.common.errors import Conflict, InvalidInput
from hsct.common.i18n import N_
from hsct.registry import accounts, tokens
from hsct.registry.auth import totp_uri
from hsct.web.auth import (
    AuthDep,
    BrowserSession,
    CurrentActor,
    NowDep,
    clear_session_cookie,
    pre_cookie_name,
    set_session_cookie,
    site_key,
    uses_tls,
)
from hsct.web.deps import DbSession, SettingsDep
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale, safe_next_path
from hsct.web.mail import link, mail_send
from hsct.web.templating import Pages
from hsct.web.throttle import AddressLimiter, client_address

#: Per client address: sign-in attempts, and requests that send mail.
SIGN_IN_LIMIT: Final = (20, 300.0)
MAIL_LIMIT: Final = (10, 3600.0)
TICK_TO_CONFIRM: Final = N_("Tick the box to confirm.")

FormText = Annotated[str, Form(max_length=2000)]
NextField = Annotated[str, Form(alias="next", max_length=2000)]
Password = Annotated[str, Form(max_length=4096)]


def _qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI (with its namespace, so browsers show it in <img>)."""
    return str(
        segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def account_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one closure per page
    """Routes under ``/account``."""
    router = APIRouter(prefix="/account", include_in_schema=False)
    sign_in_limiter = AddressLimiter(*SIGN_IN_LIMIT)
    mail_limiter = AddressLimiter(*MAIL_LIMIT)

    def page(
        request: Request,
        locale: str,
        template: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        return form_page(
            pages,
            request,
            f"account/{template}",
            locale=locale,
            context=context or {},
            status_code=status_code,
        )

    def send(request: Request, locale: str, kind: str, to: str, **context: Any) -> None:
        mail_send(request.app.state.mailer, pages, kind=kind, to=to, locale=locale, context=context)

    def start_session(
        request: Request, db: DbSession, auth: Any, account: Any, now: datetime, target: str
    ) -> RedirectResponse:
        if auth.session_token:
            accounts.web_session_end(db, token=auth.session_token)  # a new id on every sign-in
        settings = request.app.state.settings
        accounts.web_session_purge(
            db,
            now=now,
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        )
        actor = accounts.actor_for(db, account=account)
        pending = actor.needs_second_factor or account.totp_enabled_at is not None
        token = accounts.web_session_start(db, account=account, mfa_pending=pending, now=now)
        if pending:
            step = (
                "/account/two-factor"
                if account.totp_enabled_at is not None
                else "/account/two-factor/setup"
            )
            target = step if target == "/account" else f"{step}?next={quote(target, safe='/')}"
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(request, response, token)
        response.delete_cookie(pre_cookie_name(request), secure=uses_tls(request))
        return response

    # ------------------------------------------------------------ sign up and confirm

    @router.get("/sign-up", response_class=HTMLResponse)
    def sign_up_form(request: Request, locale: Locale) -> HTMLResponse:
        return page(request, locale, "sign_up.html")

    @router.post("/sign-up", response_class=HTMLResponse)
    def sign_up(
        request: Request,
        locale: Locale,
        db: DbSession,
        settings: SettingsDep,
        now: NowDep,
        email: FormText = "",
        password: Password = "",
        display_name: FormText = "",
    ) -> HTMLResponse:
        values = {"email": email, "display_name": display_name}
        mail_limiter.hit(client_address(request))
        try:
            result = accounts.account_sign_up(
                db,
                email=email,
                password=password,
                display_name=display_name,
                language=locale,
                now=now,
            )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return page(request, locale, "sign_up.html", {"errors": errors, "values": values}, 422)
        if result.account is not None and result.verify_token is not None:
            send(
                request,
                locale,
                "verify_email",
                accounts.email_normalise(email),
                url=link(settings, "/account/verify", token=result.verify_token),
            )
        elif result.existing is not None:
            send(
                request,
                result.existing.language,
                "already_registered",
                accounts.email_normalise(email),
                sign_in_url=link(settings, "/account/sign-in"),
                reset_url=link(settings, "/account/forgot"),
            )
        return page(request, locale, "check_mail.html", {"why": "sign_up"})

    @router.get("/verify", response_class=HTMLResponse)
    def verify_form(request: Request, locale: Locale, token: str = "") -> HTMLResponse:
        # Opening the link only shows a button: mail scanners that follow links use nothing.
        return page(request, locale, "confirm_link.html", {"token": token, "action": "verify"})

    @router.post("/verify", response_class=HTMLResponse)
    def verify(
        request: Request, locale: Locale, db: DbSession, now: NowDep, token: FormText = ""
    ) -> HTMLResponse:
        try:
            accounts.email_verify(db, token=token, now=now)
        except accounts.LinkInvalid:
            return page(request, locale, "link_invalid.html", status_code=400)
        return page(request, locale, "sign_in.html", {"notice": "verified"})

    # ------------------------------------------------------------ sign in and out

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_form(request: Request, locale: Locale, next: str = "/account") -> HTMLResponse:
        return page(request, locale, "sign_in.html", {"next": safe_next_path(next)})

    @router.post("/sign-in", response_model=None)
    def sign_in(
        request: Request,
        locale: Locale,
        db: DbSession,
        auth: AuthDep,
        settings: SettingsDep,
        now: NowDep,
        email: FormText = "",
        password: Password = "",
        next_path: NextField = "/account",
    ) -> Response:
        target = safe_next_path(next_path)
        values = {"email": email}
        sign_in_limiter.hit(client_address(request))
        try:
            account = accounts.account_sign_in(db, email=email, password=password, now=now)
        except accounts.SignInRefused:
            context = {"values": values, "next": target, "errors": {"_form": "refused"}}
            return page(request, locale, "sign_in.html", context, 400)
        except accounts.EmailNotVerified as exc:
            mail_limiter.hit(client_address(request))
            token = accounts.verification_resend(db, account_id=exc.account_id, now=now)
            send(
                request,
                locale,
                "verify_email",
                accounts.email_normalise(email),
                url=link(settings, "/account/verify", token=token),
            )
            return page(request, locale, "check_mail.html", {"why": "unverified"})
        return start_session(request, db, auth, account, now, target)

    @router.get("/two-factor", response_class=HTMLResponse, response_model=None)
    def second_step_form(
        request: Request, locale: Locale, auth: AuthDep, next: str = "/account"
    ) -> Response:
        if auth.state is None or not auth.state.mfa_pending:
            return RedirectResponse("/account/sign-in", status_code=303)
        return page(request, locale, "two_factor.html", {"next": safe_next_path(next)})

    @router.post("/two-factor", response_model=None)
    def second_step(
        request: Request,
        locale: Locale,
        db: DbSession,
        auth: AuthDep,
        now: NowDep,
        code: FormText = "",
        next_path: NextField = "/account",
    ) -> Response:
        state = auth.state
        target = safe_next_path(next_path)
        if state is None or not state.mfa_pending or auth.session_token is None:
            return RedirectResponse("/account/sign-in", status_code=303)
        try:
            accounts.second_factor_check(
                db, account=state.account, code=code, site_key=site_key(request), now=now
            )
        except accounts.SecondFactorRefused:
            context = {"errors": {"code": "refused"}, "next": target}
            return page(request, locale, "two_factor.html", context, 400)
        token = accounts.web_session_complete(db, state=state, token=auth.session_token, now=now)
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(request, response, token)
        return response

    @router.post("/sign-out")
    def sign_out(request: Request, db: DbSession, auth: AuthDep, now: NowDep) -> Response:
        if auth.session_token:
            accounts.web_session_end(db, token=auth.session_token)
            if auth.state is not None:
                accounts._audit(
                    db,
                    auth.state.account,
                    "auth.sign_out",
                    entity_type="account",
                    entity_id=auth.state.account.person_id,
                    now=now,
                )
        response = RedirectResponse("/", status_code=303)
        clear_session_cookie(request, response)
        return response

    # ------------------------------------------------------------ two-step set-up

    def setup_context(
        request: Request, db: DbSession, state: accounts.SessionState, target: str
    ) -> dict[str, Any]:
        context: dict[str, Any] = {"required": state.mfa_pending, "secret": None, "next": target}
        secret = accounts.totp_pending_secret(state.account, site_key=site_key(request))
        if secret is not None:
            identity = accounts.identity_get(db, account_id=state.account.id)
            uri = totp_uri(secret, account_label=identity.email)
            context.update(secret=_grouped(secret), qr=_qr_data_uri(uri))
        return context

    @router.get("/two-factor/setup", response_class=HTMLResponse, response_model=None)
    def setup_form(
        request: Request, locale: Locale, auth: AuthDep, db: DbSession, next: str = "/account"
    ) -> Response:
        state = auth.state
        if state is None:
            return RedirectResponse("/account/sign-in", status_code=303)
        if state.account.totp_enabled_at is not None:
            return RedirectResponse("/account", status_code=303)
        context = setup_context(request, db, state, safe_next_path(next))
        return page(request, locale, "setup.html", context)

    @router.post("/two-factor/setup/start")
    def setup_start(
        request: Request, auth: AuthDep, db: DbSession, next_path: NextField = "/account"
    ) -> Response:
        state = auth.state
        if state is None:
            return RedirectResponse("/account/sign-in", status_code=303)
        if state.account.totp_enabled_at is None:
            accounts.totp_setup_begin(db, account=state.account, site_key=site_key(request))
        target = safe_next_path(next_path)
        query = "" if target == "/account" else f"?next={quote(target, safe='/')}"
        return RedirectResponse(f"/account/two-factor/setup{query}", status_code=303)

    @router.post("/two-factor/setup", response_model=None)
    def setup_confirm(
        request: Request,
        locale: Locale,
        auth: AuthDep,
        db: DbSession,
        now: NowDep,
        code: FormText = "",
        next_path: NextField = "/account",
    ) -> Response:
        state = auth.state
        target = safe_next_path(next_path)
        if state is None or auth.session_token is None:
            return RedirectResponse("/account/sign-in", status_code=303)
        if state.account.totp_enabled_at is not None:
            return RedirectResponse("/account", status_code=303)
        try:
            codes = accounts.totp_setup_confirm(
                db, account=state.account, code=code, site_key=site_key(request), now=now
            )
        except InvalidInput as exc:
            context = setup_context(request, db, state, target)
            context["errors"] = form_errors(exc, pages.gettext(locale))
            return page(request, locale, "setup.html", context, 422)
        token = None
        if state.mfa_pending:
            token = accounts.web_session_complete(
                db, state=state, token=auth.session_token, now=now
            )
            # The page's forms must carry a CSRF token bound to the new session id.
            request.state.new_session = token
        response = page(request, locale, "recovery_codes.html", {"codes": codes, "next": target})
        if token is not None:
            set_session_cookie(request, response, token)
        return response

    @router.post("/two-factor/disable", response_model=None)
    def two_factor_off(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        password: Password = "",
    ) -> Response:
        try:
            accounts.totp_disable(
                db, account=state.account, password=password, actor=actor, now=now
            )
        except InvalidInput as exc:
            return overview(
                request,
                locale,
                state,
                actor,
                db,
                errors=form_errors(exc, pages.gettext(locale)),
                status_code=422,
            )
        return RedirectResponse("/account#two-factor", status_code=303)

    @router.post("/recovery-codes", response_class=HTMLResponse)
    def new_recovery_codes(
        request: Request, locale: Locale, state: BrowserSession, db: DbSession
    ) -> HTMLResponse:
        codes = accounts.recovery_codes_replace(db, account=state.account)
        return page(request, locale, "recovery_codes.html", {"codes": codes})

    # ------------------------------------------------------------ forgotten password

    @router.get("/forgot", response_class=HTMLResponse)
    def forgot_form(request: Request, locale: Locale) -> HTMLResponse:
        return page(request, locale, "forgot.html")

    @router.post("/forgot", response_class=HTMLResponse)
    def forgot(
        request: Request,
        locale: Locale,
        db: DbSession,
        settings: SettingsDep,
        now: NowDep,
        email: FormText = "",
    ) -> HTMLResponse:
        mail_limiter.hit(client_address(request))
        try:
            found = accounts.password_reset_request(db, email=email, now=now)
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return page(
                request, locale, "forgot.html", {"errors": errors, "values": {"email": email}}, 422
            )
        if found is not None:
            account, token = found
            send(
                request,
                account.language,
                "reset_password",
                accounts.email_normalise(email),
                url=link(settings, "/account/reset", token=token),
            )
        return page(request, locale, "check_mail.html", {"why": "forgot"})

    @router.get("/reset", response_class=HTMLResponse)
    def reset_form(
        request: Request,
        locale: Locale,
        db: DbSession,
        now: NowDep,
        token: str = "",
        purpose: str = "reset_password",
    ) -> HTMLResponse:
        purpose = purpose if purpose in ("reset_password", "set_password") else "reset_password"
        try:
            accounts.link_peek(db, token=token, purpose=purpose, now=now)
        except accounts.LinkInvalid:
            return page(request, locale, "link_invalid.html", status_code=400)
        return page(request, locale, "reset.html", {"token": token, "purpose": purpose})

    @router.post("/reset", response_class=HTMLResponse)
    def reset(
        request: Request,
        locale: Locale,
        db: DbSession,
        now: NowDep,
        token: FormText = "",
        purpose: FormText = "reset_password",
        password: Password = "",
    ) -> HTMLResponse:
        purpose = purpose if purpose in ("reset_password", "set_password") else "reset_password"
        try:
            accounts.password_reset_complete(
                db, token=token, new_password=password, now=now, purpose=purpose
            )
        except accounts.LinkInvalid:
            return page(request, locale, "link_invalid.html", status_code=400)
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            context = {"token": token, "purpose": purpose, "errors": errors}
            return page(request, locale, "reset.html", context, 422)
        return page(request, locale, "sign_in.html", {"notice": "password_set", "next": "/account"})

    # ------------------------------------------------------------ the account page

    def overview(
        request: Request,
        locale: str,
        state: accounts.SessionState,
        actor: Any,
        db: DbSession,
        *,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        account = state.account
        identity = accounts.identity_get(db, account_id=account.id)
        context = {
            "identity": identity,
            "account": account,
            "actor": actor,
            "current": state.row,
            "sessions": accounts.web_session_list(db, account_id=account.id),
            "tokens": tokens.api_token_list(db, account_id=account.id),
            "codes_left": accounts.recovery_codes_left(db, account_id=account.id),
            "errors": errors or {},
            "notice": notice,
            "now": getattr(request.state, "now", None),
        }
        return page(request, locale, "index.html", context, status_code)

    @router.get("", response_class=HTMLResponse)
    def account_page(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        db: DbSession,
    ) -> HTMLResponse:
        return overview(request, locale, state, actor, db)

    @router.post("/sessions/end-others", response_class=HTMLResponse)
    def end_others(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        auth: AuthDep,
        db: DbSession,
        now: NowDep,
    ) -> HTMLResponse:
        ended = accounts.web_session_end_all(
            db, account_id=state.account.id, keep=auth.session_token
        )
        accounts._audit(
            db,
            actor,
            "auth.sign_out_others",
            entity_type="account",
            entity_id=actor.person_id,
            details={"sessions": ended},
            now=now,
        )
        return overview(request, locale, state, actor, db, notice="others_ended")

    @router.post("/sessions/end-all")
    def end_all(
        request: Request, state: BrowserSession, actor: CurrentActor, db: DbSession, now: NowDep
    ) -> Response:
        ended = accounts.web_session_end_all(db, account_id=state.account.id)
        accounts._audit(
            db,
            actor,
            "auth.sign_out_everywhere",
            entity_type="account",
            entity_id=actor.person_id,
            details={"sessions": ended},
            now=now,
        )
        response = RedirectResponse("/account/sign-in", status_code=303)
        clear_session_cookie(request, response)
        return response

    @router.post("/password", response_class=HTMLResponse)
    def change_password(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        auth: AuthDep,
        db: DbSession,
        now: NowDep,
        current_password: Password = "",
        new_password: Password = "",
    ) -> HTMLResponse:
        try:
            accounts.password_change(
                db,
                account=state.account,
                current=current_password,
                new=new_password,
                keep_session=auth.session_token,
                now=now,
            )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return overview(request, locale, state, actor, db, errors=errors, status_code=422)
        return overview(request, locale, state, actor, db, notice="password_changed")

    @router.post("/email", response_class=HTMLResponse)
    def change_email(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        db: DbSession,
        settings: SettingsDep,
        now: NowDep,
        password: Password = "",
        new_email: FormText = "",
    ) -> HTMLResponse:
        mail_limiter.hit(client_address(request))
        try:
            token = accounts.email_change_request(
                db, account=state.account, password=password, new_email=new_email, now=now
            )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return overview(request, locale, state, actor, db, errors=errors, status_code=422)
        if token is not None:
            send(
                request,
                locale,
                "change_email",
                accounts.email_normalise(new_email),
                url=link(settings, "/account/email/confirm", token=token),
            )
        return page(request, locale, "check_mail.html", {"why": "email_change"})

    @router.get("/email/confirm", response_class=HTMLResponse)
    def email_confirm_form(request: Request, locale: Locale, token: str = "") -> HTMLResponse:
        return page(
            request, locale, "confirm_link.html", {"token": token, "action": "email/confirm"}
        )

    @router.post("/email/confirm", response_class=HTMLResponse)
    def email_confirm(
        request: Request,
        locale: Locale,
        db: DbSession,
        now: NowDep,
        token: FormText = "",
    ) -> HTMLResponse:
        try:
            account, old = accounts.email_change_confirm(db, token=token, now=now)
        except (accounts.LinkInvalid, Conflict):
            return page(request, locale, "link_invalid.html", status_code=400)
        send(request, account.language, "email_changed", old)
        return page(
            request, locale, "sign_in.html", {"notice": "email_changed", "next": "/account"}
        )

    @router.post("/tokens", response_class=HTMLResponse)
    def create_token(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        name: FormText = "",
        scope: FormText = "registry:read",
        expires: FormText = "90d",
    ) -> HTMLResponse:
        try:
            token_scope = tokens.scope_parse(scope)
            lifetime = tokens.lifetime_parse(expires)
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return overview(request, locale, state, actor, db, errors=errors, status_code=422)
        row, plain = tokens.api_token_create(
            db,
            account=state.account,
            scope=token_scope,
            lifetime=lifetime,
            name=name,
            now=now,
            actor=actor,
        )
        return page(request, locale, "token_created.html", {"token": plain, "row": row})

    @router.post("/tokens/{token_id}/revoke")
    def revoke_token(token_id: str, state: BrowserSession, db: DbSession, now: NowDep) -> Response:
        tokens.api_token_revoke(db, account=state.account, token_id=token_id, now=now)
        return RedirectResponse("/account#tokens", status_code=303)

    @router.post("/delete", response_model=None)
    def delete_account(
        request: Request,
        locale: Locale,
        state: BrowserSession,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
        password: Password = "",
        confirm: FormText = "",
    ) -> Response:
        if confirm != "yes":
            errors = {"confirm": pages.gettext(locale)(TICK_TO_CONFIRM)}
            return overview(request, locale, state, actor, db, errors=errors, status_code=422)
        try:
            accounts.account_delete(db, account=state.account, password=password, now=now)
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return overview(request, locale, state, actor, db, errors=errors, status_code=422)
        response = page(request, locale, "deleted.html")
        clear_session_cookie(request, response)
        return response

    return router
