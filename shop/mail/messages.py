"""Building an email: a pair of templates rendered into one multipart message, as the
exact bytes that go on the wire.

Every email is rendered from ``templates/<name>.txt`` and ``templates/<name>.html``
and goes out with a plain-text and an HTML alternative. Flask-Mail's ``Message``
puts the parts and the address headers together; the bytes are then written with
lines of up to 998 characters (RFC 5322's limit), so a header such as
``List-Unsubscribe: <https://...>`` goes out as it is. Python's default of 78
would fold a long URL by turning it into RFC 2047 encoded words
(``=?utf-8?q?=3Chttps...``), which mailbox providers do not read as a link.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from email import policy
from email.utils import make_msgid, parseaddr

from flask import current_app, has_request_context, render_template
from flask_mail import Message

# SMTP line endings, and no folding below the 998 characters a line may have.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (a calendar invitation, say): stored with the message,
    so every try sends the same bytes."""

    filename: str
    content_type: str  # "text/calendar", or with parameters: "text/calendar; method=REQUEST"
    data: bytes

    def __post_init__(self) -> None:
        for what, value in (("filename", self.filename), ("content type", self.content_type)):
            if _has_line_break(value) or not value:
                raise ValueError(f"invalid attachment {what}: {value!r}")


@dataclass(frozen=True)
class BuiltMessage:
    """A rendered email, ready to hand to a mail server as it is."""

    recipient: str
    sender: str  # the envelope sender: the bare address of the From header
    subject: str
    message_id: str
    raw: bytes


def build_message(
    to: str,
    subject: str,
    template: str,
    *,
    headers: dict[str, str] | None = None,
    sender: str | None = None,
    attachments: Sequence[Attachment] = (),
    **context,
) -> BuiltMessage:
    """Render the ``template`` pair with ``context`` into a message to ``to``.

    ``template`` names both parts without their extension: ``"email/welcome"``
    renders ``email/welcome.txt`` and ``email/welcome.html``; both must exist.
    ``headers`` are added to the message as they are (for example ``List-Id`` or
    ``List-Unsubscribe``); ``sender`` defaults to ``MAIL_DEFAULT_SENDER``;
    ``attachments`` go after the two alternatives (``multipart/mixed``).

    Needs an app context. Outside a request (a CLI command, a queued task) the
    templates are rendered in a request context for ``SHOP_BASE_URL``, so links
    and the shop's template globals work the same as during a request.

    Raises ``ValueError``, before anything is rendered, when the recipient, the
    subject, the sender or a header holds a line break, which would let the
    value add headers of its own (header injection).
    """
    _refuse_line_breaks(to=to, subject=subject, sender=sender, headers=headers)
    with _rendering_context():
        body = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
    message = Message(
        subject=subject,
        recipients=[to],
        body=body,
        html=html,
        sender=sender,
        extra_headers=dict(headers) if headers else None,
    )
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    envelope_sender = parseaddr(str(message.sender))[1]
    # Fixed now, so every try sends the same Date and Message-ID; the ID names the
    # sender's domain rather than whatever this machine calls itself.
    message.date = time.time()
    message.msgId = make_msgid(domain=envelope_sender.rpartition("@")[2] or None)
    # Flask-Mail has no way to choose the policy the bytes are written with.
    raw = message._message().as_bytes(policy=WIRE_POLICY)
    return BuiltMessage(
        recipient=to,
        sender=envelope_sender,
        subject=subject,
        message_id=message.msgId,
        raw=raw,
    )


def _refuse_line_breaks(
    *, to: str, subject: str, sender: str | None, headers: dict[str, str] | None
) -> None:
    """Raise ValueError when a value that becomes a header line holds CR or LF."""
    values = {"recipient": to, "subject": subject}
    if sender is not None:
        values["sender"] = sender
    for name, value in (headers or {}).items():
        if _has_line_break(name) or ":" in name:
            raise ValueError(f"invalid email header name {name!r}")
        values[f"header {name}"] = value
    for what, value in values.items():
        if _has_line_break(value):
            raise ValueError(f"line break in email {what}: {value!r}")


def _has_line_break(value: str) -> bool:
    return "\r" in value or "\n" in value


def _rendering_context():
    if has_request_context():
        return nullcontext()
    base_url = current_app.config.get("SHOP_BASE_URL")
    return current_app.test_request_context(base_url=base_url)
