"""Outgoing email: the only module that talks SMTP.

Every email the shop sends is rendered from a pair of templates,
``templates/<name>.txt`` and ``templates/<name>.html``, and goes out as a
multipart message with a plain-text and an HTML alternative::

    send_email(order.email, "Your order", "email/order_confirmation", order=order)

With ``MAIL_SERVER`` set the message is handed to the SMTP server through
Flask-Mail. Without it (the development default) nothing leaves the machine:
the message is logged and written as an ``.eml`` file into ``MAIL_OUTBOX_DIR``
(``instance/outbox/``), where any mail client can open it.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import unicodedata
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_mail import Message, email_dispatched

from shop.extensions import mail

logger = logging.getLogger("shop.mail")


def send_email(
    to: str,
    subject: str,
    template: str,
    *,
    headers: dict[str, str] | None = None,
    sender: str | None = None,
    **context,
) -> Message:
    """Render the ``template`` pair with ``context``, send it to ``to`` and return the message.

    ``template`` names both parts without their extension: ``"email/welcome"``
    renders ``email/welcome.txt`` and ``email/welcome.html``; both must exist.
    ``headers`` are added to the message as they are (for example ``List-Id`` or
    ``List-Unsubscribe``); ``sender`` defaults to ``MAIL_DEFAULT_SENDER``.

    Needs an app context. Outside a request (a CLI command, a queued task) the
    templates are rendered in a request context for ``SHOP_BASE_URL``, so links
    and the shop's template globals work the same as during a request.

    Raises ``ValueError``, before anything is rendered or sent, when the
    recipient, the subject, the sender or a header holds a line break, which
    would let the value add headers of its own (header injection).
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
    deliver(message)
    return message


def deliver(message: Message) -> None:
    """Send a built message: over SMTP when ``MAIL_SERVER`` is set, else to the log and outbox.

    The outbox path sends Flask-Mail's ``email_dispatched`` signal too, so
    ``mail.record_messages()`` sees every message whichever way it went.
    """
    if current_app.config.get("MAIL_SERVER"):
        mail.send(message)
        return
    if message.date is None:
        message.date = time.time()
    logger.info(
        "Email to %s, subject %r (MAIL_SERVER is not set, so it was not sent):\n%s",
        ", ".join(str(recipient) for recipient in message.recipients),
        message.subject,
        message.body or "",
    )
    path = write_to_outbox(message)
    logger.info("Email written to %s", path)
    email_dispatched.send(current_app._get_current_object(), message=message)


def write_to_outbox(message: Message) -> Path:
    """Write ``message`` as an ``.eml`` file into ``MAIL_OUTBOX_DIR`` and return its path.

    Names sort by time (UTC) and say what the message is about:
    ``20261121-153012-1a2b3c4d-your-order.eml``.
    """
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}-{_slug(message.subject)}.eml"
    with path.open("xb") as file:
        file.write(message.as_bytes())
    return path


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


def _slug(text: str, max_length: int = 50) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "message"
