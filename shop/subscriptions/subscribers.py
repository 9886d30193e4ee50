"""What subscriptions do on the shop's signals: a subscription starts when its first
order is paid (with any provider: Stripe's report then fills in its own ids)."""

from __future__ import annotations

from shop.extensions import db
from shop.signals import order_paid
from shop.subscriptions.services import activate_for_paid_order


def start_paid_subscription(app, order_id: int, **_values) -> None:
    """On order_paid: the subscription the order started, if any, becomes active (commits
    its own transaction; once, by a conditional UPDATE)."""
    activate_for_paid_order(order_id)
    db.session.commit()


def subscribe() -> None:
    """Connect to the signals (the app factory calls this; connecting again changes nothing)."""
    order_paid.connect(start_paid_subscription)
