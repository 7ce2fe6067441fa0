"""Outgoing mail: .eml files in a folder, and delivery to a real SMTP server on loopback."""

from __future__ import annotations

import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from hsct.common.errors import InvalidInput
from hsct.common.mail import (
    FileMailer,
    MailNotSentError,
    OutgoingMail,
    SmtpMailer,
    mailer_for,
    read_eml,
)
from tests.support import smtp as smtp_support
from tests.support.ports import free_port
from tests.support.smtp import SmtpServer, smtp_server

#: The shared fixture, as a conftest would import it (not edited here).
smtp = smtp_support.smtp

SENDER = "HSCT Navigator <noreply@hsct.example>"
WELCOME = OutgoingMail(
    to="ana@patients.example",
    subject="Confirm your address",
    text="Open https://hsct.example/confirm/abc to confirm.",
)


def body(message: EmailMessage, kind: str) -> str:
    """The ``plain`` or ``html`` body of ``message``, without the trailing line break."""
    part = message.get_body((kind,))
    assert part is not None, f"no {kind} body"
    return str(part.get_content()).strip()


def only_file(folder: Path) -> Path:
    """The one file in ``folder``; fails if there are more, or temporary leftovers."""
    files = sorted(folder.iterdir())
    assert len(files) == 1, files
    return files[0]


def test_file_mailer_writes_one_parseable_eml_with_the_headers(tmp_path: Path) -> None:
    """One message becomes one .eml file that any mail reader parses."""
    FileMailer(tmp_path / "mail", sender=SENDER).send(WELCOME)

    message = read_eml(only_file(tmp_path / "mail"))

    assert message["From"] == SENDER
    assert message["To"] == "ana@patients.example"
    assert message["Subject"] == "Confirm your address"
    assert message["Content-Language"] == "en"
    assert message["Message-ID"].endswith("@hsct.invalid>")
    assert message["Date"].datetime.utcoffset().total_seconds() == 0
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == WELCOME.text


@pytest.mark.parametrize(
    ("language", "subject", "text", "html"),
    [
        pytest.param(
            "ru",
            "Подтвердите адрес электронной почты",
            "Здравствуйте! Откройте ссылку, чтобы подтвердить адрес.",
            "<p>Здравствуйте! Откройте <a href='https://hsct.example'>ссылку</a>.</p>",
            id="russian",
        ),
        pytest.param(
            "es",
            "Confirme su dirección de correo",
            "¡Hola! Abra el enlace para confirmar su dirección. Año, niño, acción.",
            None,
            id="spanish",
        ),
    ],
)
def test_file_mailer_round_trips_utf8_subject_and_body(
    tmp_path: Path, language: str, subject: str, text: str, html: str | None
) -> None:
    """Russian and Spanish subjects and bodies come back exactly as written."""
    mail = OutgoingMail(
        to="ana@patients.example", subject=subject, text=text, html=html, language=language
    )
    FileMailer(tmp_path, sender=SENDER).send(mail)

    message = read_eml(only_file(tmp_path))

    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    assert body(message, "plain") == text
    if html is None:
        assert message.get_body(("html",)) is None
    else:
        assert message.get_content_type() == "multipart/alternative"
        assert body(message, "html") == html


def test_file_mailer_files_are_private_and_complete(tmp_path: Path) -> None:
    """Folder 0o700, files 0o600, and no temporary files are left behind."""
    folder = tmp_path / "mail"
    mailer = FileMailer(folder, sender=SENDER)

    mailer.send(WELCOME)
    mailer.send(WELCOME)

    files = sorted(folder.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    assert not [path for path in files if path.name.startswith(".")]
    assert files[0].name != files[1].name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}


def test_file_names_start_with_the_utc_time(tmp_path: Path) -> None:
    """Names are ``<UTC time>-<8 hex>.eml``, so a listing sorts them by time."""
    FileMailer(tmp_path, sender=SENDER).send(WELCOME)

    stem = only_file(tmp_path).stem
    when, _, random = stem.partition("-")

    assert len(when) == len("20250102T030405123456Z")
    assert when.endswith("Z")
    assert len(random) == 8
    assert int(random, 16) >= 0


def test_a_line_break_in_a_header_is_refused(tmp_path: Path) -> None:
    """No one can add headers (a Bcc) through a subject or an address."""
    mail = OutgoingMail(to="ana@patients.example", subject="Hi\nBcc: eve@evil.example", text="x")

    with pytest.raises(ValueError, match="linefeed"):
        FileMailer(tmp_path, sender=SENDER).send(mail)

    assert list(tmp_path.iterdir()) == []


def test_outgoing_mail_repr_hides_the_address_and_body() -> None:
    """A logged message shows neither the person's address nor the one-time link."""
    shown = repr(WELCOME)

    assert "ana@" not in shown
    assert "confirm/abc" not in shown
    assert "Confirm your address" in shown


def test_smtp_mailer_delivers_to_a_real_server() -> None:
    """The message read back from the server has the subject, To and body sent."""
    mail = OutgoingMail(
        to="ana@patients.example",
        subject="Приглашение в реестр",
        text="Вас пригласили. Open https://hsct.example/invite/xyz",
        html="<p>Вас пригласили.</p>",
        language="ru",
    )

    with smtp_server() as server:
        SmtpMailer(server.url, sender=SENDER).send(mail)
        received = server.wait_for(lambda message: message["To"] == mail.to)

    assert received["Subject"] == mail.subject
    assert received["From"] == SENDER
    assert received["Content-Language"] == "ru"
    assert body(received, "plain") == mail.text
    assert body(received, "html") == mail.html


def test_the_smtp_fixture_collects_every_message(smtp: SmtpServer) -> None:
    """The importable ``smtp`` fixture keeps messages in the order they arrived."""
    mailer = SmtpMailer(smtp.url, sender=SENDER)

    for number in (1, 2):
        mailer.send(OutgoingMail(to=f"p{number}@patients.example", subject=f"#{number}", text="x"))
    smtp.wait_for(lambda message: message["Subject"] == "#2")

    assert [message["Subject"] for message in smtp.messages] == ["#1", "#2"]


def test_wait_for_says_what_arrived_when_nothing_matches(smtp: SmtpServer) -> None:
    """A timed-out wait fails with the messages that did arrive."""
    SmtpMailer(smtp.url, sender=SENDER).send(WELCOME)
    smtp.wait_for(lambda _message: True)

    with pytest.raises(AssertionError, match="Confirm your address"):
        smtp.wait_for(lambda message: message["Subject"] == "Other", timeout=0.1)


def test_a_password_is_never_sent_without_tls(smtp: SmtpServer) -> None:
    """A plain smtp:// server without STARTTLS gets no login, and no message."""
    url = smtp.url.replace("smtp://", "smtp://mailer:s3cret-pw@")

    with pytest.raises(MailNotSentError, match="never sent unencrypted") as caught:
        SmtpMailer(url, sender=SENDER).send(WELCOME)

    assert "s3cret-pw" not in str(caught.value)
    assert smtp.messages == []


def test_a_short_password_does_not_garble_the_explanation(smtp: SmtpServer) -> None:
    """Only text from the server is scrubbed, so a password "p" leaves our own words alone."""
    url = smtp.url.replace("smtp://", "smtp://mailer:p@")

    with pytest.raises(MailNotSentError, match="the password is never sent unencrypted"):
        SmtpMailer(url, sender=SENDER).send(WELCOME)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param("http://mail.example", "scheme 'http'", id="wrong-scheme"),
        pytest.param("mail.example:25", "scheme", id="no-scheme"),
        pytest.param("smtp://", "no host name", id="no-host"),
        pytest.param("smtp://mail.example:99999", "bad port", id="port-out-of-range"),
        pytest.param("smtp://mail.example:abc", "bad port", id="port-not-a-number"),
        pytest.param("smtp://mail.example:0", "port 0", id="port-zero"),
        pytest.param("smtps://mail.example/inbox", "path", id="path"),
        pytest.param("smtps://mailer@mail.example", "password", id="user-without-password"),
    ],
)
def test_a_bad_smtp_url_names_the_variable(url: str, problem: str) -> None:
    """The error names HSCT_SMTP_URL, what is wrong, and the forms allowed."""
    with pytest.raises(InvalidInput) as caught:
        SmtpMailer(url, sender=SENDER)

    assert caught.value.fields == ("HSCT_SMTP_URL",)
    assert problem in str(caught.value)
    assert "smtps://user:password@host:465" in str(caught.value)


def test_a_bad_smtp_url_error_does_not_quote_the_password() -> None:
    """The URL may carry a password, so the error never repeats it."""
    with pytest.raises(InvalidInput) as caught:
        SmtpMailer("smtp://mailer:s3cret-pw@mail.example:notaport", sender=SENDER)

    assert "s3cret-pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("smtp://mail.example", "smtp://mail.example:25", id="smtp"),
        pytest.param(
            "smtp+starttls://u:p@mail.example", "smtp+starttls://mail.example:587", id="starttls"
        ),
        pytest.param("SMTPS://u:p@mail.example", "smtps://mail.example:465", id="smtps"),
        pytest.param("smtp://mail.example:2525/", "smtp://mail.example:2525", id="own-port"),
        pytest.param("smtp://[::1]:2525", "smtp://[::1]:2525", id="ipv6"),
    ],
)
def test_each_scheme_has_its_default_port(url: str, expected: str) -> None:
    """Port 25, 587 or 465 unless the URL gives one; the repr never shows the login."""
    mailer = SmtpMailer(url, sender=SENDER)

    assert repr(mailer) == f"SmtpMailer({expected!r}, sender={SENDER!r})"


def test_an_unreachable_server_raises_without_leaking() -> None:
    """Nothing listening: MailNotSentError names host:port, not the recipient or password."""
    port = free_port()
    mailer = SmtpMailer(f"smtp://mailer:s3cret%40pw@127.0.0.1:{port}", sender=SENDER)

    with pytest.raises(MailNotSentError) as caught:
        mailer.send(WELCOME)

    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "refused" in message
    assert "ana@patients.example" not in message
    assert "s3cret" not in message
    assert "confirm/abc" not in message


def test_mailer_for_picks_smtp_when_a_url_is_set(tmp_path: Path) -> None:
    """HSCT_SMTP_URL set: mail goes to the server."""
    mailer = mailer_for(smtp_url="smtp://127.0.0.1:2525", mail_folder=tmp_path, sender=SENDER)

    assert isinstance(mailer, SmtpMailer)


@pytest.mark.parametrize("smtp_url", [None, ""], ids=["unset", "empty"])
def test_mailer_for_picks_files_otherwise(tmp_path: Path, smtp_url: str | None) -> None:
    """No SMTP URL: mail is written to the folder."""
    mailer = mailer_for(smtp_url=smtp_url, mail_folder=tmp_path / "mail", sender=SENDER)

    assert isinstance(mailer, FileMailer)
    assert mailer.folder == tmp_path / "mail"


def test_mailer_for_rejects_a_bad_url(tmp_path: Path) -> None:
    """A malformed URL is a settings error, found before any mail is sent."""
    with pytest.raises(InvalidInput, match="HSCT_SMTP_URL"):
        mailer_for(smtp_url="smtp//nohost", mail_folder=tmp_path, sender=SENDER)


def test_starttls_required_but_not_offered_sends_nothing(smtp: SmtpServer) -> None:
    """smtp+starttls:// never falls back to plain text."""
    url = smtp.url.replace("smtp://", "smtp+starttls://")

    with pytest.raises(MailNotSentError, match="STARTTLS"):
        SmtpMailer(url, sender=SENDER).send(WELCOME)

    assert smtp.messages == []


class RefuseEveryone:
    """An aiosmtpd handler that refuses each recipient, quoting the address back."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd looks the hook up by this name
        self,
        _server: object,
        _session: object,
        _envelope: object,
        address: str,
        _options: list[str],
    ) -> str:
        return f"550 5.1.1 <{address.upper()}>: Recipient address rejected"


def test_a_refused_recipient_is_not_quoted_in_the_error() -> None:
    """The server echoes the address back; the error does not repeat it, in any case."""
    controller = Controller(RefuseEveryone(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{controller.port}", sender=SENDER)
        with pytest.raises(MailNotSentError, match="refused the recipient") as caught:
            mailer.send(WELCOME)
    finally:
        controller.stop()

    assert "550" in str(caught.value)
    assert "ana@patients.example" not in str(caught.value).lower()
