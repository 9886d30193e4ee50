"""Shipping orders: the carriers we use, marking an order as shipped, the shipping email.

Plain functions: `mark_shipped` changes the order and flushes, `send_shipping_email`
queues the email in the same transaction, and the caller commits both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import update

from shop.admin.services import record_audit
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import FulfilmentStatus, Order, OrderStatus
from shop.orders.services import order_url, record_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    # Where a parcel can be followed, with {number} for the tracking number; None
    # when the carrier has no public page we can link to.
    tracking_pattern: str | None = None

    def tracking_url(self, tracking_number: str) -> str:
        """The carrier's tracking page for this parcel, or "" when there is none."""
        number = "".join(tracking_number.split())
        if not self.tracking_pattern or not number:
            return ""
        return self.tracking_pattern.format(number=quote(number, safe=""))


CARRIERS: dict[str, Carrier] = {
    carrier.code: carrier
    for carrier in (
        Carrier(
            "royal-mail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        ),
        Carrier("dpd", "DPD", "https://track.dpd.co.uk/parcels/{number}"),
        Carrier("evri", "Evri", "https://www.evri.com/track/parcel/{number}/details"),
        Carrier(
            "parcelforce",
            "Parcelforce",
            "https://www.parcelforce.com/track-trace?trackNumber={number}",
        ),
        Carrier("other", "Other"),
    )
}


class ShippingError(Exception):
    """The order cannot be marked as shipped; the message says why, for staff."""


def shipping_snapshot(order: Order) -> dict:
    """What the audit log keeps of an order's shipping."""
    return {
        "fulfilment_status": order.fulfilment_status,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "tracking_url": order.tracking_url,
        "shipped_at": order.shipped_at.isoformat() if order.shipped_at else None,
    }


def mark_shipped(
    order: Order, carrier_code: str, tracking_number: str, actor, ip: str | None = None
) -> bool:
    """Record that a paid order has left with `carrier_code` (flushes, no commit).

    The change is one conditional UPDATE from "not shipped", so of two members of
    staff pressing the button at once (or one pressing it twice) only one ships the
    order, and only that one goes on to send the email. Returns False when the
    order was already shipped; raises ShippingError when it is not paid.
    """
    carrier = CARRIERS.get(carrier_code)
    if carrier is None:
        raise ShippingError("Choose one of the carriers listed.")
    tracking_number = " ".join(tracking_number.split())
    if order.status != OrderStatus.PAID:
        raise ShippingError(
            f"Only paid orders can be shipped. This order is {order.status_enum.label.lower()}."
        )
    before = shipping_snapshot(order)
    result = db.session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.status == OrderStatus.PAID,
            Order.fulfilment_status == FulfilmentStatus.UNFULFILLED,
        )
        .values(
            fulfilment_status=FulfilmentStatus.SHIPPED,
            carrier=carrier.name,
            tracking_number=tracking_number,
            tracking_url=carrier.tracking_url(tracking_number),
            shipped_at=utcnow(),
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if result.rowcount != 1:
        if order.status != OrderStatus.PAID:
            raise ShippingError(
                f"Only paid orders can be shipped. This order is {order.status_enum.label.lower()}."
            )
        return False
    tracking = f", tracking number {tracking_number}" if tracking_number else ""
    record_event(order, "shipped", f"Shipped with {carrier.name}{tracking}.", actor=actor.email)
    record_audit(
        actor,
        "order.ship",
        "order",
        order.id,
        f"Marked order {order.number} as shipped with {carrier.name}{tracking}",
        before,
        shipping_snapshot(order),
        ip=ip,
    )
    return True


def send_shipping_email(order: Order, actor_email: str = "") -> bool:
    """Queue the email telling the customer their order is on its way (flushes).

    Called once, by whoever's `mark_shipped` changed the order, before that change
    is committed: the email goes into the outbox with the shipping, and the task
    queue delivers it. Returns False when it could not be queued (no address, or
    mail trouble, which is recorded on the order and never undoes the shipping).
    """
    from shop.mail import send_email

    if not order.email:
        record_event(order, "email_skipped", "No email address to send the shipping email to.")
        return False
    try:
        send_email(
            order.email,
            f"Your order {order.number} is on its way",
            "email/order_shipped",
            kind="order_shipped",
            label="Shipping email",
            dedupe_key=f"order-shipped:{order.id}",
            order_id=order.id,
            order=order,
            order_url=order_url(order),
        )
    except Exception:  # noqa: BLE001 - mail trouble must not undo the shipping
        log.exception("Could not queue the shipping email for order %s", order.id)
        record_event(order, "email_failed", "The shipping email could not be queued.")
        return False
    record_event(
        order, "email_queued", f"Shipping email queued for {order.email}.", actor=actor_email
    )
    return True
