"""A real SMTP server inside the test process, for tests that send email.

The shop's mail code talks to it over a real socket, through Flask-Mail and
``smtplib``, exactly as it would to a production server::

    server = SMTPServer().start()
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", server.port
    ...  # send something
    (received,) = server.wait_for(1)
    assert received.message["Subject"] == "Your order"
    assert "Thank you" in received.text_part()
    server.stop()

Built on aiosmtpd's ``Controller``, which runs the server's event loop in a thread.
``SMTPServer(port=...)`` listens on a port chosen beforehand (to start a server where
the shop was told one would be), ``refuse(address)`` makes it refuse a recipient for
good (550), and ``UnresponsiveServer`` accepts connections and never says a word.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

__all__ = ["ReceivedMail", "SMTPServer", "UnresponsiveServer", "body_of", "free_port"]


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server received it: the envelope, the raw bytes and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(repr=False)

    @classmethod
    def parse(cls, mail_from: str, rcpt_tos: list[str], raw: bytes) -> ReceivedMail:
        message = message_from_bytes(raw, policy=policy.default)
        return cls(mail_from=mail_from, rcpt_tos=list(rcpt_tos), raw=raw, message=message)

    def text_part(self) -> str:
        """The decoded plain-text body, with ``\n`` line endings."""
        return body_of(self.message, "plain")

    def html_part(self) -> str:
        """The decoded HTML body, with ``\n`` line endings."""
        return body_of(self.message, "html")


def body_of(message: EmailMessage, subtype: str) -> str:
    """The decoded ``text/<subtype>`` body of a parsed message, with ``\n`` line endings.

    On the wire every line ends in CRLF; parsing keeps them in the body, so they
    are turned back into the ``\n`` the template was written with.
    """
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        raise AssertionError(f"no text/{subtype} part in a {message.get_content_type()} message")
    return part.get_content().replace("\r\n", "\n")


class _Handler:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self, server: SMTPServer):
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self._server.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self._server._received(
            ReceivedMail.parse(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        )
        return "250 Message accepted for delivery"


class SMTPServer:
    """An SMTP server on 127.0.0.1 and a free port that records what it receives."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None) -> None:
        self.port: int | None = port
        self.refused: set[str] = set()
        self._messages: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> SMTPServer:
        """Start listening (on a free port unless given one); returns the server, so
        ``SMTPServer().start()`` works."""
        if self._controller is not None:
            raise RuntimeError("the SMTP server is already running")
        if self.port is None:
            self.port = free_port(self.host)
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",  # skips a DNS lookup of this machine's name
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop the server and its thread; safe to call when it is not running."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def messages(self) -> list[ReceivedMail]:
        """A snapshot of the messages received so far, oldest first."""
        with self._arrived:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages received so far, and accept every recipient again."""
        with self._arrived:
            self._messages.clear()
        self.refused.clear()

    def refuse(self, address: str) -> None:
        """Refuse ``address`` as a recipient, for good (550), from now on."""
        self.refused.add(address)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages have arrived and return them all.

        Raises AssertionError, saying how many came, when they have not arrived
        within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} email(s) within {timeout}s, "
                        f"{len(self._messages)} arrived"
                    )
                self._arrived.wait(min(remaining, 0.05))
            return list(self._messages)

    def _received(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self._messages.append(mail)
            self._arrived.notify_all()


class UnresponsiveServer:
    """A server on 127.0.0.1 that accepts connections and never answers, like a mail
    server that has hung; ``connections`` counts who came."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._socket = socket.create_server((self.host, 0))
        self._socket.settimeout(0.05)
        self.port: int = self._socket.getsockname()[1]
        self._accepted: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._accepted.append(conn)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._accepted)

    def close(self) -> None:
        """Stop listening and drop every connection (whoever waits on one gets an error)."""
        self._closed.set()
        self._thread.join(timeout=5)
        self._socket.close()
        with self._lock:
            for conn in self._accepted:
                conn.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now: the one the system picks for port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
