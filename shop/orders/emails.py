"""Every email about an order: its confirmation, its shipping and each refund.

They are sent on the shop's signals (connected by `subscribe`, which the app factory
calls): order_paid, order_shipped and order_refunded arrive after the commit that made
the move, and each email is then queued in the outbox (shop.mail) in a transaction of
its own, which commits it with its line on the order's timeline; the task queue
delivers it. Mail trouble never undoes an order: an email that cannot be queued (no
address, a template that cannot be rendered) is noted on the timeline instead.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from shop.extensions import db
from shop.mail import send_email
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.money import format_money
from shop.orders.models import Order, Refund
from shop.orders.services import order_url, record_event
from shop.signals import order_paid, order_refunded, order_shipped

log = logging.getLogger(__name__)

QUEUED, SKIPPED, FAILED = "queued", "skipped", "failed"


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
        record_event(order, "email_failed", f"The {what} could not be queued.")
        return FAILED
    record_event(order, "email_queued", f"{label} queued for {order.email}.")
    return QUEUED


def send_confirmation(app, *, order_id: int) -> None:
    """On order_paid: queue the order confirmation, once per order however often it is
    asked for (commits)."""
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return
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


def send_shipping_email(app, *, order_id: int) -> None:
    """On order_shipped: queue the email telling the customer their order is on its way
    (commits)."""
    order = db.session.get(Order, order_id)
    queue_order_email(
        order,
        what="shipping email",
        label="Shipping email",
        subject=f"Your order {order.number} is on its way",
        template="email/order_shipped",
        kind="order_shipped",
        dedupe_key=shipping_key(order_id),
    )
    db.session.commit()


def send_refund_email(app, *, order_id: int, refund_id: int, amount_pence: int) -> None:
    """On order_refunded: queue the email telling the customer about the refund (commits)."""
    refund = db.session.get(Refund, refund_id)
    order = refund.order
    amount = format_money(amount_pence, order.currency)
    queue_order_email(
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


def confirmation_key(order_id: int) -> str:
    return f"order-confirmation:{order_id}"


def shipping_key(order_id: int) -> str:
    return f"order-shipped:{order_id}"


def refund_key(refund_id: int) -> str:
    return f"order-refund:{refund_id}"


def is_queued(dedupe_key: str) -> bool:
    """Whether the email with this key is in the outbox (queued, sent or being sent), for
    the page that made the move to say so."""
    stmt = select(OutgoingEmail.id).where(OutgoingEmail.dedupe_key == dedupe_key)
    return db.session.scalar(stmt) is not None
