"""The outbox: every email is stored with the change that asks for it, then delivered
by the task queue, tried again with growing pauses, and given up only after hours.

- ``send_email`` renders the message and adds it to the ``outgoing_email`` table in
  the caller's transaction (it flushes; the caller commits). After the commit a
  task is queued to deliver it. If the queue cannot be reached (Redis down) that
  is logged and nothing else happens: the row is the record, and the sweep that
  runs every minute (``deliver_due_emails``) delivers whatever is due.
- ``deliver_email`` claims a row with one conditional UPDATE, so two workers never
  send it at the same time, hands the stored bytes to the mail server, and marks
  the row sent; on failure it waits ``RETRY_DELAYS`` before the next try (about
  eight hours in all), then marks it failed for staff to see and retry.
- ``send_now`` is for the two senders that keep their own record and must not be
  queued again: a campaign's per-subscriber deliveries and a member of staff's
  test send (who waits on the page to hear whether it went).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.extensions import db
from shop.mail import transport
from shop.mail.messages import Attachment, BuiltMessage, build_message
from shop.mail.models import EmailStatus, OutgoingEmail
from shop.models import utcnow
from shop.queue import app_context, huey
from shop.signals import email_outcome

logger = logging.getLogger("shop.mail")

# Pauses after the 1st, 2nd, ... failed try: the last try comes eight hours after the
# first, so a mail server that is away for anything up to that loses nothing.
RETRY_DELAYS = tuple(timedelta(minutes=minutes) for minutes in (1, 2, 4, 8, 15, 30, 60, 120, 240))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
ERROR_LENGTH = 500

_TO_ENQUEUE = "shop.mail.emails_to_enqueue"

# kind -> check(email) returning why the email no longer applies, or None.
_delivery_checks: dict[str, Callable[[OutgoingEmail], str | None]] = {}


# Queuing --------------------------------------------------------------------------


def send_email(
    to: str,
    subject: str,
    template: str,
    *,
    headers: dict[str, str] | None = None,
    sender: str | None = None,
    kind: str = "email",
    label: str | None = None,
    dedupe_key: str | None = None,
    order_id: int | None = None,
    attachments: Sequence[Attachment] = (),
    **context,
) -> OutgoingEmail:
    """Render an email and put it in the outbox; it is delivered after the caller commits.

    Rendering is ``shop.mail.messages.build_message`` (the ``template`` pair with
    ``context``; ``ValueError`` for a line break in a header). ``kind`` says what
    the email is to code (and to ``register_delivery_check``), ``label`` to people
    (an order's timeline says "<label> sent to <recipient>."). With a
    ``dedupe_key`` the email is queued once however often it is asked for: a
    second call returns the first one's row. With ``order_id`` the order's
    timeline records when it was sent or given up. ``attachments`` (files such as a
    calendar invitation) are stored with the message and go with every try.

    Raises, having stored nothing, when the message cannot be built (a template
    error, a line break in a header).
    """
    if dedupe_key is not None:
        existing = _by_dedupe_key(dedupe_key)
        if existing is not None:
            return existing
    built = build_message(
        to, subject, template, headers=headers, sender=sender, attachments=attachments, **context
    )
    now = utcnow()
    email = OutgoingEmail(
        kind=kind,
        label=(label or subject)[:100],
        recipient=to,
        sender=built.sender,
        subject=subject[:300],
        message_id=built.message_id,
        message=built.raw,
        status=EmailStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        dedupe_key=dedupe_key,
        order_id=order_id,
    )
    # Everything is read and rendered before the first write: on SQLite a transaction
    # that reads and then writes can be refused its write lock outright by a
    # concurrent writer ("database is locked"), where a write first simply waits.
    if dedupe_key is None:
        db.session.add(email)
        db.session.flush()
    else:
        # In a savepoint, so that a clash leaves the caller's transaction usable.
        try:
            with db.session.begin_nested():
                db.session.add(email)
        except IntegrityError:
            # Queued at the same moment by another request: that one stands.
            existing = _by_dedupe_key(dedupe_key)
            if existing is None:
                raise
            return existing
    enqueue_after_commit(email.id)
    return email


def send_now(
    to: str,
    subject: str,
    template: str,
    *,
    headers: dict[str, str] | None = None,
    sender: str | None = None,
    **context,
) -> BuiltMessage:
    """Render an email and hand it to the mail server at once (nothing is stored).

    Raises what the mail server answered. Only for senders that keep their own
    record of what went (campaign deliveries) or whose caller waits for the answer
    (a staff test send); everything else goes through ``send_email``.
    """
    built = build_message(to, subject, template, headers=headers, sender=sender, **context)
    transport.deliver_bytes(built.sender, built.recipient, built.raw)
    return built


def _by_dedupe_key(key: str) -> OutgoingEmail | None:
    return db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.dedupe_key == key))


def register_delivery_check(kind: str, check: Callable[[OutgoingEmail], str | None]) -> None:
    """Before an email of ``kind`` goes, ask ``check(email)`` whether it still applies.

    A message can wait hours for a mail server to come back; by then it may be
    pointless (a confirmation for someone who has confirmed) or unwanted (to an
    address that was erased). The check returns why, and the email is not sent.
    """
    _delivery_checks[kind] = check


# Queuing the delivery task after the commit ----------------------------------------


def enqueue_after_commit(email_id: int) -> None:
    """Queue the delivery of ``email_id`` once the current transaction commits."""
    db.session.info.setdefault(_TO_ENQUEUE, set()).add(email_id)


def enqueue_delivery(email_id: int) -> bool:
    """Put a delivery task on the queue now. False (and logged) when the queue is down:
    the sweep delivers the email once the queue works again."""

    try:
        deliver_email_task(email_id)
    except Exception:
        logger.warning(
            "Could not queue the delivery of email %s; the sweep will send it",
            email_id,
            exc_info=True,
        )
        return False
    return True


@event.listens_for(Session, "after_commit")
def _enqueue_committed_emails(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released, not the transaction
    for email_id in sorted(session.info.pop(_TO_ENQUEUE, ())):
        enqueue_delivery(email_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_emails(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TO_ENQUEUE, None)


@huey.task()
def deliver_email_task(email_id: int) -> None:
    """The queued job: send one email from the outbox, if it is (still) due."""
    with app_context():
        deliver_email(email_id)


# Delivering -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """What one call of ``deliver_email`` did: the row's new status, or None when
    it was not this call's to send (not due, or another worker has it)."""

    status: str | None
    unreachable: bool = False  # the mail server could not be reached at all


def stale_after() -> timedelta:
    """How long a row may stay ``sending`` before its worker is taken to have died.

    Every SMTP step waits at most MAIL_TIMEOUT, so a live worker is done long before.
    """
    return max(timedelta(minutes=10), timedelta(seconds=20 * current_app.config["MAIL_TIMEOUT"]))


def _due(now: datetime):
    return or_(
        and_(OutgoingEmail.status == EmailStatus.QUEUED, OutgoingEmail.next_attempt_at <= now),
        # A worker died while sending: did the message go? Nobody knows. It is sent
        # again, with the same Message-ID: for an order confirmation a duplicate is
        # far better than a loss (and some mailbox providers show the two as one).
        and_(
            OutgoingEmail.status == EmailStatus.SENDING,
            OutgoingEmail.claimed_at <= now - stale_after(),
        ),
    )


def deliver_email(email_id: int, *, clock: Callable[[], datetime] = utcnow) -> DeliveryResult:
    """Claim one due email, send it, and record the outcome (commits as it goes)."""
    now = clock()
    claimed = db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, _due(now))
        .values(status=EmailStatus.SENDING, claimed_at=now, attempts=OutgoingEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    # From this commit on the claim is visible to every worker.
    db.session.commit()
    if claimed != 1:
        return DeliveryResult(None)
    email = db.session.get(OutgoingEmail, email_id)
    check = _delivery_checks.get(email.kind)
    reason = check(email) if check is not None else None
    if reason:
        _set_status(email.id, EmailStatus.CANCELLED, last_error=reason[:ERROR_LENGTH])
        db.session.commit()
        return DeliveryResult(EmailStatus.CANCELLED)
    # No transaction stays open while the mail server takes its time (the row, read
    # in full, is kept out of the session so the commit does not expire it).
    db.session.expunge(email)
    db.session.commit()
    try:
        transport.deliver_bytes(email.sender, email.recipient, email.message)
    except transport.PermanentFailure as exc:
        return _give_up(email, str(exc))
    except Exception as exc:  # refused, unreachable, timed out: try again later
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
        logger.warning(
            "Email %s (%s) not sent, attempt %s: %s", email.id, email.kind, email.attempts, error
        )
        if email.attempts >= MAX_ATTEMPTS:
            return _give_up(email, error)
        _set_status(
            email.id,
            EmailStatus.QUEUED,
            next_attempt_at=now + RETRY_DELAYS[email.attempts - 1],
            last_error=error,
        )
        db.session.commit()
        return DeliveryResult(EmailStatus.QUEUED, unreachable=_unreachable(exc))
    _set_status(email.id, EmailStatus.SENT, sent_at=clock(), last_error=None)
    _record_on_order(email, "email_sent", f"{email.label} sent to {email.recipient}.")
    db.session.commit()
    return DeliveryResult(EmailStatus.SENT)


def _give_up(email: OutgoingEmail, error: str) -> DeliveryResult:
    logger.error("Email %s (%s) to %s given up: %s", email.id, email.kind, email.recipient, error)
    _set_status(email.id, EmailStatus.FAILED, last_error=error[:ERROR_LENGTH])
    tries = f"{email.attempts} attempt{'s' if email.attempts != 1 else ''}"
    _record_on_order(
        email,
        "email_failed",
        f"{email.label} to {email.recipient} could not be sent ({tries}): {error}",
    )
    db.session.commit()
    return DeliveryResult(EmailStatus.FAILED)


def _set_status(email_id: int, status: EmailStatus, **values) -> None:
    # Only the worker holding the claim moves the row on.
    db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, OutgoingEmail.status == EmailStatus.SENDING)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )


def _record_on_order(email: OutgoingEmail, kind: str, message: str) -> None:
    """Tell whoever keeps the order's timeline (shop.orders) what became of its email;
    their entry is written in this delivery's transaction."""
    if email.order_id is None:
        return
    email_outcome.send(email, order_id=email.order_id, kind=kind, message=message[:1000])


def _unreachable(exc: Exception) -> bool:
    """True when the server could not be reached at all (so neither can it for the next
    message), as opposed to an answer about this message."""
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


# The sweep ------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep did with the emails that were due."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    unreachable: bool = False


def due_email_ids(now: datetime, limit: int = 500) -> list[int]:
    """Emails whose (next) try is due, oldest first."""
    ids = db.session.scalars(
        select(OutgoingEmail.id)
        .where(_due(now))
        .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return list(ids)


def deliver_due_emails(
    *, clock: Callable[[], datetime] = utcnow, deadline: float | None = None, limit: int = 500
) -> SweepReport:
    """Deliver every email that is due: never queued (the queue was down), waiting for
    a retry, or left ``sending`` by a worker that died.

    Stops early when the mail server cannot be reached (the rest would fail the same
    way without being any nearer to going) or at ``deadline`` (``time.monotonic()``),
    so that one run ends before the next one starts.
    """
    report = SweepReport()
    for email_id in due_email_ids(clock(), limit):
        if deadline is not None and time.monotonic() > deadline:
            break
        result = deliver_email(email_id, clock=clock)
        if result.status == EmailStatus.SENT:
            report.sent += 1
        elif result.status == EmailStatus.QUEUED:
            report.retrying += 1
        elif result.status == EmailStatus.FAILED:
            report.failed += 1
        elif result.status == EmailStatus.CANCELLED:
            report.cancelled += 1
        if result.unreachable:
            report.unreachable = True
            break
    return report


def purge_old_emails(now: datetime, keep_days: int) -> int:
    """Delete sent and cancelled emails older than ``keep_days`` (they hold addresses and
    order details; the order's timeline keeps the record). Returns how many."""
    if keep_days <= 0:
        return 0
    result = db.session.execute(
        delete(OutgoingEmail)
        .where(
            OutgoingEmail.status.in_([EmailStatus.SENT, EmailStatus.CANCELLED]),
            OutgoingEmail.created_at < now - timedelta(days=keep_days),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
