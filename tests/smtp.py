"""A real SMTP server for tests that send mail.

`smtp_server` starts aiosmtpd on 127.0.0.1 at a free port, points Django's SMTP backend at it
for the length of one test and collects every message it receives, parsed. Mail therefore goes
through the same code path as in production (the SMTP backend, a socket, a real SMTP
conversation) rather than Django's in-memory outbox.

Use it from any conftest with `from tests.smtp import smtp_server  # noqa: F401`.
"""

import errno
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    # aiosmtpd's Controller connects to its own port to check that it started, so it cannot be
    # given port 0; ask the operating system for a free port first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """What the server received, in order. Each message is an `email.message.EmailMessage`."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages delivered to `address`."""
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def body(message: EmailMessage) -> str:
        """The plain-text body of a message."""
        return message.get_body(preferencelist=("plain",)).get_content()


def start_server(host: str) -> tuple[Mailbox, Controller]:
    """Start aiosmtpd on a free port. Between asking for the port and binding it, another
    process (tests run in parallel) may take it: then try again with another."""
    for attempt in range(5):
        mailbox = Mailbox(host=host, port=free_port(host))
        # a generous start-up limit: the machine may be busy with the other test workers
        controller = Controller(mailbox, hostname=host, port=mailbox.port, ready_timeout=30)
        try:
            controller.start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE or attempt == 4:
                raise
            continue
        return mailbox, controller
    raise AssertionError("unreachable")


@pytest.fixture
def smtp_server(settings):
    host = "127.0.0.1"
    mailbox, controller = start_server(host)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = mailbox.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield mailbox
    finally:
        controller.stop()
