"""Mail the registry sends, written in the recipient's language from ``templates/mail/``.

Each template's first line is ``Subject: …``; the rest is the plain-text body. Links carry
a single-use token in the query string (the access log never records query strings, and
the page behind each link asks for a click before it uses the token, so mail scanners
that open links use nothing up).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from hsct.common.mail import Mailer, OutgoingMail, mailer_for
from hsct.common.settings import Settings
from hsct.web.templating import Pages

KINDS: Final = frozenset(
    {
        "verify_email",
        "already_registered",
        "reset_password",
        "set_password",
        "invitation",
        "change_email",
        "email_changed",
    }
)


def mailer_from(settings: Settings) -> Mailer:
    """SMTP when ``HSCT_SMTP_URL`` is set, else ``.eml`` files under ``HSCT_MAIL_DIR``."""
    return mailer_for(
        smtp_url=settings.smtp_url, mail_folder=settings.mail_dir, sender=settings.mail_from
    )


def link(settings: Settings, path: str, **query: str) -> str:
    """An absolute link to ``path`` on this site, for mail."""
    return f"{settings.base_url}{path}?{urlencode(query)}" if query else settings.base_url + path


def mail_compose(
    pages: Pages, *, kind: str, to: str, locale: str, context: dict[str, Any]
) -> OutgoingMail:
    """The message of ``kind`` for ``to``, in ``locale``."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    text = (
        pages.environment(locale)
        .get_template(f"mail/{kind}.txt")
        .render({"locale": locale, **context})
    )
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    return OutgoingMail(to=to, subject=subject, text=body.strip() + "\n", language=locale)


def mail_send(
    mailer: Mailer, pages: Pages, *, kind: str, to: str, locale: str, context: dict[str, Any]
) -> None:
    """Compose and send; :class:`hsct.common.mail.MailNotSentError` when the server refuses."""
    mailer.send(mail_compose(pages, kind=kind, to=to, locale=locale, context=context))
