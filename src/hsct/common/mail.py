"""Outgoing mail: an SMTP relay in production, a folder of ``.eml`` files otherwise.

Sign-up confirmations, invitations and password resets are written as an
:class:`OutgoingMail` and handed to a :class:`Mailer`. Which mailer is used is
decided once, by :func:`mailer_for`, from the settings:

``HSCT_SMTP_URL``
    ``smtp://host:port`` (STARTTLS when the server offers it),
    ``smtp+starttls://user:password@host:587`` (STARTTLS required) or
    ``smtps://user:password@host:465`` (TLS from the first byte). User name and
    password are percent-decoded. Unset: every message is written to a folder
    instead, one ``.eml`` file each, which any mail client opens.

Mail bodies carry one-time links, and addresses are personal data, so neither
mailer logs them and no error message quotes them.
"""

from __future__ import annotations

import email.policy
import functools
import logging
import os
import re
import secrets
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final, Literal, Protocol
from urllib.parse import unquote, urlsplit

from hsct.common.errors import FieldError, HsctError, InvalidInput

__all__ = [
    "FileMailer",
    "MailNotSentError",
    "Mailer",
    "OutgoingMail",
    "SmtpMailer",
    "compose",
    "mailer_for",
    "read_eml",
]

logger = logging.getLogger(__name__)

SMTP_URL_VARIABLE: Final = "HSCT_SMTP_URL"
SMTP_URL_ALLOWED: Final = (
    "smtp://host:port, smtp+starttls://user:password@host:587 or smtps://user:password@host:465"
)
#: Domain of the ``Message-ID`` header; ``.invalid`` can never be a real domain (RFC 2606).
MESSAGE_ID_DOMAIN: Final = "hsct.invalid"
#: How much of an SMTP server's answer an error message quotes.
REASON_CHARS: Final = 200

_Security = Literal["opportunistic", "starttls", "tls"]
_SCHEMES: Final[dict[str, tuple[_Security, int]]] = {
    "smtp": ("opportunistic", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message to one person.

    The address and the bodies are left out of ``repr()``, so a logged or printed
    message never shows them.

    Parameters
    ----------
    to
        The recipient's address.
    subject
        The subject line, in the recipient's language.
    text
        The plain-text body; every message has one.
    html
        An HTML version of the same body, sent as an alternative, or ``None``.
    language
        The language tag of subject and body (``en``, ``ru``, ``es``), sent as
        ``Content-Language``.

    Examples
    --------
    >>> OutgoingMail(to="ana@example.org", subject="Welcome", text="Hello", language="es")
    OutgoingMail(subject='Welcome', language='es')
    """

    to: str = field(repr=False)
    subject: str
    text: str = field(repr=False)
    html: str | None = field(default=None, repr=False)
    language: str = "en"


class Mailer(Protocol):
    """Something that delivers an :class:`OutgoingMail` or raises trying."""

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail``.

        Raises
        ------
        MailNotSentError
            When the message could not be handed over (SMTP mailers).
        """


class MailNotSentError(HsctError):
    """A message could not be handed to the mail server.

    The message names the server and the reason, never the recipient, the password
    or the body.
    """


def compose(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """The MIME message for ``mail``, from ``sender``: UTF-8 text, HTML as an alternative.

    Raises
    ------
    ValueError
        When a header value (address, subject, language) contains a line break, so
        no caller can inject headers.

    Examples
    --------
    >>> message = compose(
    ...     OutgoingMail(to="ana@example.org", subject="Hola", text="¡Hola!", language="es"),
    ...     sender="HSCT Navigator <noreply@example.org>",
    ... )
    >>> message["Content-Language"], message.get_content_type()
    ('es', 'text/plain')
    """
    message = EmailMessage(policy=email.policy.default)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=MESSAGE_ID_DOMAIN)
    message.set_content(mail.text, charset="utf-8")
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    # After the content: setting content moves or drops the Content-* headers set before.
    message["Content-Language"] = mail.language
    return message


def read_eml(path: Path) -> EmailMessage:
    """Read one ``.eml`` file, as written by :class:`FileMailer`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    EmailMessage
        Parsed with :data:`email.policy.default`, so headers come back decoded
        (``message["Subject"]``) and ``message.get_body(("plain",)).get_content()``
        is the text body.
    """
    with path.open("rb") as file:
        return email.message_from_binary_file(file, policy=email.policy.default)


class FileMailer:
    """Writes each message as a ``.eml`` file into a folder, for development and tests.

    Files are named ``<UTC time>-<8 random hex digits>.eml``, so a folder listing
    sorts them by time. Each file appears whole or not at all: it is written under a
    temporary name in the same folder and then renamed. The folder is made readable
    by its owner only (``0o700``) and each file likewise (``0o600``), because
    messages contain one-time links.

    Parameters
    ----------
    folder
        Where the files go; created when the first message is written.
    sender
        The ``From`` address.
    """

    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def __repr__(self) -> str:
        return f"FileMailer({str(self.folder)!r}, sender={self.sender!r})"

    def send(self, mail: OutgoingMail) -> None:
        """Write ``mail`` as a new ``.eml`` file in the folder.

        Raises
        ------
        OSError
            When the folder or the file cannot be written.
        """
        data = compose(mail, sender=self.sender).as_bytes()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        # mkstemp creates the file with mode 0o600 and a name no one else can claim.
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            Path(temporary).replace(self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        logger.info("Mail written to %s", name)


class _PasswordNeedsTls(smtplib.SMTPNotSupportedError):
    def __init__(self) -> None:
        super().__init__(
            "the server does not offer STARTTLS, and the password is never sent "
            "unencrypted; use smtps:// or smtp+starttls://, or drop the user name and password"
        )


@dataclass(frozen=True, slots=True)
class _SmtpTarget:
    security: _Security
    host: str
    port: int
    user: str | None
    password: str | None = field(repr=False)

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _url_error(problem: str) -> InvalidInput:
    return InvalidInput([FieldError(SMTP_URL_VARIABLE, problem, SMTP_URL_ALLOWED)])


def _parse_smtp_url(url: str) -> _SmtpTarget:
    """Split an ``HSCT_SMTP_URL``; error messages never quote the URL (it may hold a password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _url_error("is not a valid URL or has a bad port") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        allowed = "smtp, smtp+starttls or smtps"
        shown = f"{scheme!r}" if scheme else "none"
        raise _url_error(f"has scheme {shown[:40]}; it must be {allowed}")
    if not parts.hostname:
        raise _url_error("has no host name")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _url_error("must not have a path, query or fragment after host:port")
    if port == 0:
        raise _url_error("has port 0")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (user is None) != (password is None):
        raise _url_error("must give both a user name and a password, or neither")
    security, default_port = _SCHEMES[scheme]
    return _SmtpTarget(security, parts.hostname, port or default_port, user, password)


class SmtpMailer:
    """Hands each message to an SMTP server, over TLS whenever the URL or server allows.

    One connection per message: sign-ups and invitations are rare, and a fresh
    connection cannot have gone stale.

    Parameters
    ----------
    url
        ``smtp://[user:password@]host[:port]`` (port 25; STARTTLS if the server
        advertises it), ``smtp+starttls://...`` (port 587; STARTTLS required) or
        ``smtps://...`` (port 465; TLS from the start). User name and password are
        percent-decoded, so ``p%40ss`` is ``p@ss``.
    sender
        The ``From`` address, also used as the envelope sender.
    timeout
        Seconds to wait for the server at each step.

    Raises
    ------
    InvalidInput
        When ``url`` is not one of these forms; the error names ``HSCT_SMTP_URL``
        and never quotes the URL.

    Examples
    --------
    >>> SmtpMailer("smtps://mailer:s3cret@mail.example.org", sender="noreply@example.org")
    SmtpMailer('smtps://mail.example.org:465', sender='noreply@example.org')
    >>> SmtpMailer("http://mail.example.org", sender="noreply@example.org")
    Traceback (most recent call last):
    ...
    hsct.common.errors.InvalidInput: HSCT_SMTP_URL: has scheme 'http'; ...
    """

    def __init__(self, url: str, *, sender: str, timeout: float = 10.0) -> None:
        self._target = _parse_smtp_url(url)
        self.sender = sender
        self.timeout = timeout

    def __repr__(self) -> str:
        scheme = {"opportunistic": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}
        url = f"{scheme[self._target.security]}://{self._target.address}"
        return f"SmtpMailer({url!r}, sender={self.sender!r})"

    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` to the server.

        Raises
        ------
        MailNotSentError
            When the server cannot be reached, TLS fails, login is refused or the
            server refuses the message. The message names ``host:port`` and the
            reason, never the recipient, the password or the body.
        """
        message = compose(mail, sender=self.sender)
        try:
            self._deliver(message)
        except (smtplib.SMTPException, OSError) as exc:
            reason = _describe(exc, functools.partial(self._scrub, mail=mail))
            # `from None`: the original exception's text can quote the recipient.
            raise MailNotSentError(
                f"Mail was not sent through {self._target.address}: {reason}"
            ) from None
        logger.info("Mail handed to %s", self._target.address)

    def _deliver(self, message: EmailMessage) -> None:
        target = self._target
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if target.security == "tls":
            client = smtplib.SMTP_SSL(
                target.host, target.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=self.timeout)
        with client:
            client.ehlo()
            encrypted = target.security == "tls"
            if not encrypted and (target.security == "starttls" or client.has_extn("starttls")):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if target.user is not None and target.password is not None:
                if not encrypted:
                    raise _PasswordNeedsTls
                client.login(target.user, target.password)
            client.send_message(message)

    def _scrub(self, text: str, mail: OutgoingMail) -> str:
        """Text from the server or the OS without the recipient or the password, cut short."""
        for hidden in (mail.to, self._target.password):
            if hidden:
                # Servers echo addresses in their own case: <Ana@Example.org>.
                text = re.sub(re.escape(hidden), "…", text, flags=re.IGNORECASE)
        return text if len(text) <= REASON_CHARS else text[:REASON_CHARS] + "…"


def _describe(exc: smtplib.SMTPException | OSError, scrub: Callable[[str], str]) -> str:
    """A short reason for a failed delivery; text not written here goes through ``scrub``."""
    if isinstance(exc, smtplib.SMTPException):
        return _describe_smtp(exc, scrub)
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, and is the port right?)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({scrub(exc.reason or type(exc).__name__)})"
    return scrub(exc.strerror or str(exc) or type(exc).__name__)


def _describe_smtp(exc: smtplib.SMTPException, scrub: Callable[[str], str]) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return f"the server refused the recipient ({', '.join(codes)})"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server refused the user name or password ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error
        if isinstance(answer, bytes):
            answer = answer.decode("utf-8", "replace")
        return f"the server answered {exc.smtp_code} {scrub(' '.join(answer.split()))}"
    if isinstance(exc, _PasswordNeedsTls):
        return str(exc)
    return scrub(str(exc) or type(exc).__name__)


def mailer_for(*, smtp_url: str | None, mail_folder: Path, sender: str) -> Mailer:
    """The mailer the settings ask for: SMTP when ``smtp_url`` is set, files otherwise.

    An empty ``smtp_url`` counts as unset, like an empty environment variable.

    Raises
    ------
    InvalidInput
        When ``smtp_url`` is set but malformed (names ``HSCT_SMTP_URL``).

    Examples
    --------
    >>> mailer_for(smtp_url=None, mail_folder=Path("var/mail"), sender="noreply@example.org")
    FileMailer('var/mail', sender='noreply@example.org')
    """
    if smtp_url:
        return SmtpMailer(smtp_url, sender=sender)
    return FileMailer(mail_folder, sender=sender)
