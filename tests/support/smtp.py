"""A real SMTP server on loopback (aiosmtpd), to read back the mail the app sends.

Use the ``smtp_server()`` context manager, or import the ``smtp`` fixture into a
conftest::

    from tests.support.smtp import smtp  # noqa: F401 - a fixture, used by name
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.ports import free_port

#: Seconds between looks at the inbox while waiting.
POLL_INTERVAL = 0.02


class SmtpServer:
    """What the test sees of the server: its URL and the messages it received, in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    def __repr__(self) -> str:
        return f"SmtpServer({self.url!r}, {len(self.messages)} messages)"

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages received so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def receive(self, message: EmailMessage) -> None:
        """Store one message (called from the server's thread)."""
        with self._lock:
            self._messages.append(message)

    def wait_for(
        self, predicate: Callable[[EmailMessage], bool], timeout: float = 10
    ) -> EmailMessage:
        """The first message for which ``predicate`` is true, waiting up to ``timeout`` s.

        Raises
        ------
        AssertionError
            When none arrives in time; lists the To and Subject of what did arrive.
        """
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            if time.monotonic() > deadline:
                arrived = [(m["To"], m["Subject"]) for m in self.messages] or "nothing"
                raise AssertionError(
                    f"no matching message within {timeout} s at {self.url}; arrived: {arrived}"
                )
            time.sleep(POLL_INTERVAL)


class _Handler:
    """aiosmtpd handler: parse each message and give it to the :class:`SmtpServer`."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(  # noqa: N802 - aiosmtpd looks the hook up by this name
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.receive(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """Run an SMTP server on a free port of 127.0.0.1 for the duration of the block.

    It accepts any sender and recipient, without TLS or login, so URLs are plain
    ``smtp://127.0.0.1:<port>``.
    """
    port = free_port()
    inbox = SmtpServer(f"smtp://127.0.0.1:{port}")
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A fresh SMTP server for one test; see :func:`smtp_server`."""
    with smtp_server() as server:
        yield server
