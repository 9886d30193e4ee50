"""Every email about an order: its confirmation, its shipping and each refund.

They are sent on the shop's signals (connected by `subscribe`, which the app factory
calls): order_paid, order_shipped and order_refunded arrive after the commit that made
the move, and each email is then queued in the outbox (shop.mail) in a transaction of
its own, which commits it with its line on the order's timeline; the task queue
delivers it. Mail trouble never undoes an order: an email that cannot be queued (no
address, a template that cannot be rendered) is noted on the timeline instead.

A process that dies between the move's commit and its email's leaves an order paid,
shipped or refunded with no email. `queue_missing_order_emails`, run by the task
queue's sweep every minute, finds such moves and queues their emails then: each email
is queued once however often (and on however many consumers) it runs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, exists, select, update

from shop.extensions import db
from shop.mail import send_email
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.money import format_money
from shop.orders.models import (
    FulfilmentStatus,
    Order,
    OrderEvent,
    OrderStatus,
    Refund,
    RefundStatus,
)
from shop.orders.services import order_url, record_event
from shop.signals import order_paid, order_refunded, order_shipped

log = logging.getLogger(__name__)

QUEUED, SKIPPED, FAILED = "queued", "skipped", "failed"

# The sweep leaves a move this long to its own subscriber, which runs at once after the
# commit; after that, an email still missing was lost with the process.
MISSING_EMAIL_GRACE = timedelta(minutes=2)
# And looks back this far (or MAIL_KEEP_DAYS, if less: a sent email older than that has
# been deleted from the outbox, and must not look missing).
MISSING_EMAIL_LOOKBACK = timedelta(days=2)


def subscribe() -> None:
    """Send the order emails on the signals that call for them (the app factory calls
    this; connecting again changes nothing)."""
    order_paid.connect(send_confirmation)
    order_shipped.connect(send_shipping_email)
    order_refunded.connect(send_refund_email)


def queue_order_email(
    order: Order,
    *,
    what: str,
    label: str,
    subject: str,
    template: str,
    kind: str,
    dedupe_key: str,
    **context,
) -> str:
    """Queue an email about `order` to its customer and note it on the order's timeline
    (flushes; the caller commits). Returns QUEUED, SKIPPED (no address) or FAILED (it
    could not be queued: logged, and noted on the timeline, never raised).

    `what` names the email in those notes ("shipping email"), `label` in the outbox and
    the timeline's later "sent" line; with `dedupe_key` it is queued once however often
    it is asked for.
    """
    if not order.email:
        record_event(order, "email_skipped", f"No email address to send the {what} to.")
        return SKIPPED
    try:
        send_email(
            order.email,
            subject,
            template,
            kind=kind,
            label=label,
            dedupe_key=dedupe_key,
            order_id=order.id,
            order=order,
            order_url=order_url(order),
            **context,
        )
    except Exception:  # noqa: BLE001 - mail trouble must not undo the order
        log.exception("Could not queue the %s for order %s", what, order.id)
        record_event(order, "email_failed", not_queued_note(what))
        return FAILED
    record_event(order, "email_queued", f"{label} queued for {order.email}.")
    return QUEUED


def send_confirmation(app, *, order_id: int) -> bool:
    """On order_paid: queue the order confirmation, once per order however often it is
    asked for (commits). True when this call queued it."""
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return False
    order = db.session.get(Order, order_id)
    outcome = queue_order_email(
        order,
        what="confirmation email",
        label="Confirmation",
        subject=f"Your order {order.number} is confirmed",
        template="email/order_confirmation",
        kind="order_confirmation",
        dedupe_key=confirmation_key(order_id),
    )
    if outcome == FAILED:
        # Not queued, so not marked as queued.
        db.session.execute(
            update(Order).where(Order.id == order_id).values(confirmation_sent_at=None)
        )
    db.session.commit()
    return outcome == QUEUED


def not_queued_note(what: str) -> str:
    """The timeline's note for an email that could not be queued."""
    return f"The {what} could not be queued."


def _hold_order(order_id: int, dedupe_key: str) -> bool:
    """Take the order's row lock (SQLite's write lock) for the rest of the transaction,
    and say whether the email with `dedupe_key` is still to be queued. The subscriber and
    the sweep (on any number of consumers) take turns here, so the email and its line
    on the timeline are written once."""
    db.session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(updated_at=Order.updated_at)
        .execution_options(synchronize_session=False)
    )
    return not is_queued(dedupe_key)


def send_shipping_email(app, *, order_id: int) -> bool:
    """On order_shipped: queue the email telling the customer their order is on its way
    (commits). True when this call queued it."""
    if not _hold_order(order_id, shipping_key(order_id)):
        db.session.rollback()
        return False
    order = db.session.get(Order, order_id)
    outcome = queue_order_email(
        order,
        what="shipping email",
        label="Shipping email",
        subject=f"Your order {order.number} is on its way",
        template="email/order_shipped",
        kind="order_shipped",
        dedupe_key=shipping_key(order_id),
    )
    db.session.commit()
    return outcome == QUEUED


def send_refund_email(app, *, order_id: int, refund_id: int, amount_pence: int) -> bool:
    """On order_refunded: queue the email telling the customer about the refund (commits).
    True when this call queued it."""
    if not _hold_order(order_id, refund_key(refund_id)):
        db.session.rollback()
        return False
    refund = db.session.get(Refund, refund_id)
    order = refund.order
    amount = format_money(amount_pence, order.currency)
    outcome = queue_order_email(
        order,
        what="refund email",
        label=f"Refund email ({amount})",
        subject=f"Refund for your order {order.number}",
        template="email/order_refunded",
        kind="order_refunded",
        dedupe_key=refund_key(refund_id),
        refund=refund,
    )
    db.session.commit()
    return outcome == QUEUED


CONFIRMATION_KEY, SHIPPING_KEY, REFUND_KEY = (
    "order-confirmation:",
    "order-shipped:",
    "order-refund:",
)


def confirmation_key(order_id: int) -> str:
    return f"{CONFIRMATION_KEY}{order_id}"


def shipping_key(order_id: int) -> str:
    return f"{SHIPPING_KEY}{order_id}"


def refund_key(refund_id: int) -> str:
    return f"{REFUND_KEY}{refund_id}"


def is_queued(dedupe_key: str) -> bool:
    """Whether the email with this key is in the outbox (queued, sent or being sent), for
    the page that made the move to say so."""
    stmt = select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == dedupe_key)
    return db.session.scalar(stmt) is not None


# Emails lost with a process that died -------------------------------------------------


def _lookback() -> timedelta:
    keep_days = current_app.config.get("MAIL_KEEP_DAYS", 0)
    if keep_days and keep_days > 0:
        return min(MISSING_EMAIL_LOOKBACK, timedelta(days=keep_days))
    return MISSING_EMAIL_LOOKBACK


def _not_noted_after(moved_at, what: str):
    """No note on the order's timeline, since the move, that this email could not be
    queued: such an email is staff's to look at (a template that cannot be rendered
    would fail the same way every minute)."""
    return ~exists().where(
        OrderEvent.order_id == Order.id,
        OrderEvent.kind == "email_failed",
        OrderEvent.message == not_queued_note(what),
        OrderEvent.created_at >= moved_at,
    )


def _not_in_outbox(prefix: str, record_id):
    """No email in the outbox under the dedupe key `prefix` + the id (see the *_key
    functions)."""
    return ~exists().where(OutgoingEmail.dedupe_key == prefix + cast(record_id, String))


def missing_order_emails(now: datetime | None = None) -> dict[str, list]:
    """The moves whose email is missing: paid orders never confirmed, shipped orders and
    staff refunds with no email in the outbox (nor a note that it could not be queued),
    made between MISSING_EMAIL_GRACE and the look-back ago, to an order with an
    address. Returns {"confirmation": [order id], "shipping": [order id],
    "refund": [(refund id, order id, amount in pence)]}."""
    now = now or utcnow()
    since, until = now - _lookback(), now - MISSING_EMAIL_GRACE
    has_address = Order.email != ""
    confirmations = db.session.scalars(
        select(Order.id).where(
            Order.status == OrderStatus.PAID,
            Order.confirmation_sent_at.is_(None),
            Order.paid_at.between(since, until),
            has_address,
            _not_noted_after(Order.paid_at, "confirmation email"),
        )
    ).all()
    shipped = db.session.scalars(
        select(Order.id).where(
            Order.fulfilment_status == FulfilmentStatus.SHIPPED,
            Order.shipped_at.between(since, until),
            has_address,
            _not_in_outbox(SHIPPING_KEY, Order.id),
            _not_noted_after(Order.shipped_at, "shipping email"),
        )
    ).all()
    refunds = db.session.execute(
        select(Refund.id, Refund.order_id, Refund.amount_pence)
        .join(Order, Order.id == Refund.order_id)
        .where(
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.created_at.between(since, until),
            has_address,
            _not_in_outbox(REFUND_KEY, Refund.id),
            _not_noted_after(Refund.created_at, "refund email"),
        )
    ).all()
    db.session.commit()
    return {
        "confirmation": list(confirmations),
        "shipping": list(shipped),
        "refund": [tuple(row) for row in refunds],
    }


def queue_missing_order_emails(now: datetime | None = None) -> int:
    """Queue every order email a dead process left unqueued (commits); how many were
    queued. Safe to run on many consumers at once: each email is claimed (the
    confirmation) or queued under the order's row lock with its dedupe key (shipping,
    refunds), exactly as the subscribers do."""
    app = current_app._get_current_object()
    missing = missing_order_emails(now)
    queued = 0
    for order_id in missing["confirmation"]:
        queued += _queue_one(send_confirmation, app, confirmation_key(order_id), order_id=order_id)
    for order_id in missing["shipping"]:
        queued += _queue_one(send_shipping_email, app, shipping_key(order_id), order_id=order_id)
    for refund_id, order_id, amount_pence in missing["refund"]:
        queued += _queue_one(
            send_refund_email,
            app,
            refund_key(refund_id),
            order_id=order_id,
            refund_id=refund_id,
            amount_pence=amount_pence,
        )
    return queued


def _queue_one(send, app, dedupe_key: str, **values) -> int:
    """Queue one missing email as its subscriber would; 1 if this call queued it."""
    try:
        queued = send(app, **values)
    except Exception:  # noqa: BLE001 - one order's trouble must not stop the sweep
        db.session.rollback()
        log.exception("Could not queue the missing order email %s", dedupe_key)
        return 0
    if queued:
        log.warning("Queued an order email its move's process never queued (%s)", dedupe_key)
    return int(queued)
