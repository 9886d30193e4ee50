"""Handing a built message to the world: the only code in the shop that talks SMTP.

With ``MAIL_SERVER`` set the bytes go to that server over SMTP. Without it (the
development default) nothing leaves the machine: the message is logged and
written as an ``.eml`` file into ``MAIL_OUTBOX_DIR`` (``instance/outbox/``), where
any mail client can open it.

The server, port, TLS and login are Flask-Mail's reading of the ``MAIL_*``
settings. The connection itself is opened here rather than through Flask-Mail's,
which has no timeout (a mail server that stops answering would hold a worker
for ever) and can only send a message it builds itself, not the stored bytes a
retry must send again unchanged.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

from flask import current_app

logger = logging.getLogger("shop.mail")


class PermanentFailure(Exception):
    """The mail server refused the message for good (a 5xx answer): trying again
    would only be refused again."""


def deliver_bytes(sender: str, recipient: str, raw: bytes) -> None:
    """Send ``raw`` from ``sender`` to ``recipient``: over SMTP, or to the log and outbox.

    Raises ``PermanentFailure`` when the server refuses the message for good, and
    ``smtplib.SMTPException`` or ``OSError`` (refused, unreachable, timed out) when
    it may go through on another try.
    """
    if current_app.config.get("MAIL_SERVER"):
        _send_over_smtp(sender, recipient, raw)
        return
    message = message_from_bytes(raw, policy=email_policy.default)
    subject = str(message["Subject"] or "")
    text_part = message.get_body(preferencelist=("plain",))
    logger.info(
        "Email to %s, subject %r (MAIL_SERVER is not set, so it was not sent):\n%s",
        recipient,
        subject,
        text_part.get_content().replace("\r\n", "\n") if text_part is not None else "",
    )
    path = write_to_outbox(raw, subject)
    logger.info("Email written to %s", path)


def _send_over_smtp(sender: str, recipient: str, raw: bytes) -> None:
    state = current_app.extensions["mail"]  # Flask-Mail's settings
    if state.suppress:
        return
    timeout = current_app.config["MAIL_TIMEOUT"]
    smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
    # The timeout bounds every step: connecting, each command and each answer.
    host = smtp_class(state.server, state.port, timeout=timeout)
    try:
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        try:
            host.sendmail(sender, [recipient], raw)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
        ) as exc:
            if _is_permanent(exc):
                raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc
            raise
    finally:
        # Once the server has accepted the message, trouble saying goodbye must not
        # make it look unsent (it would be sent again).
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()


def _is_permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
    else:
        codes = [getattr(exc, "smtp_code", 0)]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def write_to_outbox(raw: bytes, subject: str) -> Path:
    """Write a message as an ``.eml`` file into ``MAIL_OUTBOX_DIR`` and return its path.

    Names sort by time (UTC) and say what the message is about:
    ``20261121-153012-1a2b3c4d-your-order.eml``.
    """
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}-{_slug(subject)}.eml"
    with path.open("xb") as file:
        file.write(raw)
    return path


def _slug(text: str, max_length: int = 50) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "message"
