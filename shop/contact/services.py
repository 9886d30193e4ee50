"""Customer messages: storing what the contact form sent, the staff list and its
filters, replying (audited, emailed) and changing a message's status, the customer's
orders beside a message, and forgetting old messages.

Plain functions: they flush and never commit; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select

from shop.backoffice.audit import record_audit
from shop.contact.models import ContactMessage, ContactReply, MessageStatus
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order

ORDERS_SHOWN = 20


def record_message(
    *, name: str, email: str, order_number: str, topic: str, body: str
) -> ContactMessage:
    """Keep a message sent through the contact form (flushed, status new)."""
    now = utcnow()
    message = ContactMessage(
        name=name,
        email=email,
        order_number=order_number,
        topic=topic,
        body=body.replace("\r\n", "\n"),
        status=MessageStatus.NEW,
        created_at=now,
        updated_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


@dataclass(frozen=True)
class MessageFilters:
    status: str = ""
    topic: str = ""
    q: str = ""


def message_list(filters: MessageFilters):
    """The messages matching `filters`, newest first, as one select to paginate."""
    stmt = select(ContactMessage).order_by(
        ContactMessage.created_at.desc(), ContactMessage.id.desc()
    )
    if filters.status:
        stmt = stmt.where(ContactMessage.status == filters.status)
    if filters.topic:
        stmt = stmt.where(ContactMessage.topic == filters.topic)
    q = " ".join(filters.q.split())
    if q:
        stmt = stmt.where(
            or_(
                ContactMessage.email.icontains(q, autoescape=True),
                ContactMessage.name.icontains(q, autoescape=True),
                ContactMessage.order_number.icontains(q, autoescape=True),
            )
        )
    return stmt


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(ContactMessage.status, func.count()).group_by(ContactMessage.status)
    )
    counts = dict.fromkeys((s.value for s in MessageStatus), 0)
    counts.update({status: count for status, count in rows})
    return counts


def orders_for(message: ContactMessage) -> list[Order]:
    """The customer's orders: those paid for with the message's email address, and the
    one it names by number. Newest first, at most ORDERS_SHOWN."""
    matches = [func.lower(Order.email) == message.email.lower()]
    if message.order_number:
        matches.append(Order.number == message.order_number)
    stmt = (
        select(Order)
        .where(or_(*matches), Order.number.is_not(None))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(ORDERS_SHOWN)
    )
    return list(db.session.scalars(stmt))


def reply(message: ContactMessage, body: str, actor, *, ip: str | None = None) -> ContactReply:
    """Keep staff's reply and mark the message answered; audited (the email is queued
    by the caller, shop.contact.emails.queue_reply)."""
    now = utcnow()
    answer = ContactReply(
        message=message,
        body=body.replace("\r\n", "\n"),
        staff_user_id=actor.id if actor is not None else None,
        staff_email=actor.email if actor is not None else "",
        created_at=now,
    )
    db.session.add(answer)
    before = message.status
    message.status = MessageStatus.ANSWERED
    message.updated_at = now
    db.session.flush()
    record_audit(
        actor,
        "message.reply",
        "contact_message",
        message.id,
        f"Replied to message {message.reference} from {message.email}",
        {"status": before},
        {"status": message.status, "reply_id": answer.id},
        ip=ip,
    )
    return answer


def set_status(message: ContactMessage, status: str, actor, *, ip: str | None = None) -> bool:
    """Move a message to `status` (new, answered or closed); audited. False when it
    already was."""
    status = MessageStatus(status)
    if message.status == status:
        return False
    before = message.status
    message.status = status
    message.updated_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "message.status",
        "contact_message",
        message.id,
        f"Marked message {message.reference} {status.label.lower()}",
        {"status": before},
        {"status": str(status)},
        ip=ip,
    )
    return True


def forget_old_messages(now: datetime, keep_days: int) -> int:
    """Delete messages answered or closed more than `keep_days` ago (0 keeps them);
    their replies go with them. New messages are never deleted."""
    if keep_days <= 0:
        return 0
    cutoff = now - timedelta(days=keep_days)
    ids = select(ContactMessage.id).where(
        ContactMessage.status != MessageStatus.NEW, ContactMessage.updated_at < cutoff
    )
    db.session.execute(delete(ContactReply).where(ContactReply.message_id.in_(ids)))
    result = db.session.execute(
        delete(ContactMessage).where(
            ContactMessage.status != MessageStatus.NEW, ContactMessage.updated_at < cutoff
        )
    )
    return result.rowcount or 0
