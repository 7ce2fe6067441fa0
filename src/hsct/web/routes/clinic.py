"""Clinic administration: a lead manages staff, invitations and roles; a site administrator
creates clinics and invites their first lead. Invitations are accepted at ``/invitation``.

Another clinic is not found (404), never "forbidden", so its existence is not revealed.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hsct.common.errors import Conflict, InvalidInput, PermissionDenied
from hsct.registry import Permission, Role, accounts, clinics
from hsct.web.auth import AuthDep, CurrentActor, NowDep
from hsct.web.deps import DbSession, SettingsDep
from hsct.web.forms import form_errors, form_page
from hsct.web.locale import Locale
from hsct.web.mail import link, mail_send
from hsct.web.templating import ACCOUNT_ROLE_LABELS, Pages
from hsct.web.throttle import AddressLimiter, client_address

FormText = Annotated[str, Form(max_length=2000)]
Password = Annotated[str, Form(max_length=4096)]
INVITE_LIMIT: Final = (30, 3600.0)
ROLE_LABELS: Final = {Role(key): text for key, text in ACCOUNT_ROLE_LABELS.items()}


def clinic_router(pages: Pages) -> APIRouter:  # noqa: C901, PLR0915 - one closure per page
    """Routes under ``/clinic`` and ``/invitation``."""
    router = APIRouter(include_in_schema=False)
    invite_limiter = AddressLimiter(*INVITE_LIMIT)

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
            f"clinic/{template}",
            locale=locale,
            context={"role_labels": ROLE_LABELS, **(context or {})},
            status_code=status_code,
        )

    def send_invitation(
        request: Request,
        settings: Any,
        locale: str,
        email: str,
        clinic: Any,
        role: Role,
        token: str,
    ) -> None:
        gettext = pages.gettext(locale)
        mail_send(
            request.app.state.mailer,
            pages,
            kind="invitation",
            to=accounts.email_normalise(email),
            locale=locale,
            context={
                "url": link(settings, "/invitation", token=token),
                "clinic_name": clinic.name,
                "role_label": gettext(ROLE_LABELS[role]),
            },
        )

    @router.get("/clinic", response_class=HTMLResponse)
    def clinic_list(
        request: Request, locale: Locale, actor: CurrentActor, db: DbSession
    ) -> HTMLResponse:
        return page(
            request,
            locale,
            "index.html",
            {
                "clinics": clinics.clinic_list(db, actor=actor),
                "actor": actor,
                "can_create": actor.can(Permission.CLINICS_MANAGE),
            },
        )

    @router.post("/clinic", response_model=None)
    def clinic_create(
        request: Request,
        locale: Locale,
        actor: CurrentActor,
        db: DbSession,
        settings: SettingsDep,
        now: NowDep,
        name: FormText = "",
        facility_id: FormText = "",
        lead_email: FormText = "",
    ) -> Response:
        if not actor.can(Permission.CLINICS_MANAGE):
            raise PermissionDenied("only site administrators create clinics")
        try:
            if lead_email:
                accounts.email_normalise(lead_email, field="lead_email")
            clinic = clinics.clinic_create(
                db, name=name, facility_id=facility_id or None, actor=actor, now=now
            )
            if lead_email:
                token = clinics.invitation_create(
                    db,
                    clinic_id=clinic.id,
                    email=lead_email,
                    role=Role.CLINIC_LEAD,
                    actor=actor,
                    now=now,
                )
                send_invitation(
                    request, settings, locale, lead_email, clinic, Role.CLINIC_LEAD, token
                )
        except InvalidInput as exc:
            context = {
                "clinics": clinics.clinic_list(db, actor=actor),
                "actor": actor,
                "can_create": True,
                "errors": form_errors(exc, pages.gettext(locale)),
                "values": {"name": name, "facility_id": facility_id, "lead_email": lead_email},
            }
            return page(request, locale, "index.html", context, 422)
        return RedirectResponse(f"/clinic/{clinic.id}/staff", status_code=303)

    def staff_page(
        request: Request,
        locale: str,
        actor: Any,
        db: DbSession,
        clinic_id: str,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        staff = clinics.clinic_staff_list(db, actor=actor, clinic_id=clinic_id)
        context = {
            "clinic": clinics.clinic_get(db, clinic_id=clinic_id),
            "staff": staff,
            "roles": clinics.INVITABLE,
            "errors": errors or {},
            "values": values or {},
            "notice": notice,
        }
        return page(request, locale, "staff.html", context, status_code)

    @router.get("/clinic/{clinic_id}/staff", response_class=HTMLResponse)
    def staff(
        request: Request, locale: Locale, clinic_id: str, actor: CurrentActor, db: DbSession
    ) -> HTMLResponse:
        return staff_page(request, locale, actor, db, clinic_id)

    @router.post("/clinic/{clinic_id}/invitations", response_class=HTMLResponse)
    def invite(
        request: Request,
        locale: Locale,
        clinic_id: str,
        actor: CurrentActor,
        db: DbSession,
        settings: SettingsDep,
        now: NowDep,
        email: FormText = "",
        role: FormText = "clinic_staff",
    ) -> HTMLResponse:
        invite_limiter.hit(client_address(request))
        values = {"email": email, "role": role}
        try:
            chosen = clinics.role_parse(role, allowed=clinics.INVITABLE)
            token = clinics.invitation_create(
                db, clinic_id=clinic_id, email=email, role=chosen, actor=actor, now=now
            )
        except InvalidInput as exc:
            errors = form_errors(exc, pages.gettext(locale))
            return staff_page(
                request, locale, actor, db, clinic_id, errors=errors, values=values, status_code=422
            )
        clinic = clinics.clinic_get(db, clinic_id=clinic_id)
        send_invitation(request, settings, locale, email, clinic, chosen, token)
        return staff_page(request, locale, actor, db, clinic_id, notice="invited")

    @router.post("/clinic/{clinic_id}/staff/{membership_id}/remove", response_class=HTMLResponse)
    def remove(
        request: Request,
        locale: Locale,
        clinic_id: str,
        membership_id: int,
        actor: CurrentActor,
        db: DbSession,
        now: NowDep,
    ) -> HTMLResponse:
        try:
            clinics.membership_revoke(
                db, actor=actor, clinic_id=clinic_id, membership_id=membership_id, now=now
            )
        except Conflict:
            gettext = pages.gettext(locale)
            errors = {
                "_form": gettext("A clinic keeps at least one lead: make someone else lead first.")
            }
            return staff_page(request, locale, actor, db, clinic_id, errors=errors, status_code=409)
        return staff_page(request, locale, actor, db, clinic_id, notice="removed")

    # ------------------------------------------------------------ invitations

    @router.get("/invitation", response_class=HTMLResponse)
    def invitation(
        request: Request,
        locale: Locale,
        db: DbSession,
        auth: AuthDep,
        now: NowDep,
        token: str = "",
    ) -> HTMLResponse:
        try:
            offer = clinics.invitation_peek(db, token=token, now=now)
        except accounts.LinkInvalid:
            return pages.render(
                request, "account/link_invalid.html", locale=locale, context={}, status_code=400
            )
        context = {"offer": offer, "token": token, "signed_in": auth.actor is not None}
        return page(request, locale, "invitation.html", context)

    @router.post("/invitation", response_model=None)
    def accept(
        request: Request,
        locale: Locale,
        db: DbSession,
        auth: AuthDep,
        now: NowDep,
        token: FormText = "",
        display_name: FormText = "",
        password: Password = "",
    ) -> Response:
        try:
            offer = clinics.invitation_peek(db, token=token, now=now)
            account = auth.state.account if auth.state is not None and auth.actor else None
            clinics.invitation_accept(
                db,
                token=token,
                account=account if offer.has_account else None,
                display_name=display_name,
                password=password if not offer.has_account else None,
                now=now,
            )
        except accounts.LinkInvalid:
            return pages.render(
                request, "account/link_invalid.html", locale=locale, context={}, status_code=400
            )
        except InvalidInput as exc:
            context = {
                "offer": offer,
                "token": token,
                "signed_in": auth.actor is not None,
                "errors": form_errors(exc, pages.gettext(locale)),
                "values": {"display_name": display_name},
            }
            return page(request, locale, "invitation.html", context, 422)
        if offer.has_account:
            return RedirectResponse("/clinic", status_code=303)
        # A new clinic account signs in, and is then asked to set up two-step sign-in.
        return RedirectResponse("/account/sign-in?next=/clinic", status_code=303)

    return router
