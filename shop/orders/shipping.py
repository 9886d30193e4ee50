"""Shipping orders: the carriers we use, and staff marking an order as shipped.

A plain function: `mark_shipped` checks what staff asked for, has
shop.orders.lifecycle.ship_order make the change, and puts it on the timeline and in the
audit log (flushes); the caller commits, and the shipping email follows the commit
(shop.orders.emails).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from shop.backoffice.audit import record_audit
from shop.orders.lifecycle import ship_order
from shop.orders.models import Order, OrderStatus
from shop.orders.services import record_event


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
    """Record that a paid order has left with `carrier_code` (flushes, no commit); the
    shipping email goes once the caller commits (shop.orders.emails, on order_shipped).

    The change is shop.orders.lifecycle.ship_order, one conditional UPDATE from "not
    shipped", so of two members of staff pressing the button at once (or one pressing
    it twice) only one ships the order. Returns False when the order was already
    shipped; raises ShippingError when it is not paid.
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
    shipped = ship_order(
        order,
        carrier=carrier.name,
        tracking_number=tracking_number,
        tracking_url=carrier.tracking_url(tracking_number),
    )
    if not shipped:
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
