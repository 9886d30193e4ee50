"""What promotions do on the shop's signals: a paid order's code use becomes final."""

from __future__ import annotations

from shop.extensions import db
from shop.orders.models import Order
from shop.orders.services import record_event
from shop.promotions.uses import finalise_use
from shop.signals import order_paid


def finalise_code_use(app, order_id: int, **_values) -> None:
    """On order_paid: the order's held use of its code is final, with the address the
    order was paid with (commits its own transaction)."""
    order = db.session.get(Order, order_id)
    if order is None or not order.promo_code:
        return
    if finalise_use(order.id, order.email):
        record_event(order, "promo_final", f"Code {order.promo_code}: used by this paid order.")
    db.session.commit()


def subscribe() -> None:
    """Connect to the signals (the app factory calls this; connecting again changes nothing)."""
    order_paid.connect(finalise_code_use)
