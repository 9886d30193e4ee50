"""What subscriptions do on the shop's signals: a subscription starts when its first
order is paid (with any provider: Stripe's report then fills in its own ids), and a
renewal waiting for stock gets it as soon as the size has some again."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db
from shop.orders.lifecycle import allocate_waiting_stock
from shop.orders.models import FulfilmentStatus, Order, OrderLine, OrderStatus
from shop.signals import order_paid, stock_available
from shop.subscriptions.services import activate_for_paid_order


def start_paid_subscription(app, order_id: int, **_values) -> None:
    """On order_paid: the subscription the order started, if any, becomes active (commits
    its own transaction; once, by a conditional UPDATE)."""
    activate_for_paid_order(order_id)
    db.session.commit()


def allocate_to_waiting_orders(app, *, variant_ids, **_values) -> None:
    """On stock_available: paid orders waiting for these sizes take their stock, oldest
    first, each all of its lines or none (commits). They come before any back-in-stock
    alert, whose emails are only queued."""
    waiting = db.session.scalars(
        select(Order)
        .where(
            Order.status == OrderStatus.PAID,
            Order.fulfilment_status == FulfilmentStatus.WAITING_FOR_STOCK,
            Order.id.in_(
                select(OrderLine.order_id).where(OrderLine.variant_id.in_(list(variant_ids)))
            ),
        )
        .order_by(Order.paid_at, Order.id)
    ).all()
    for order in waiting:
        allocate_waiting_stock(order)
    db.session.commit()


def subscribe() -> None:
    """Connect to the signals (the app factory calls this; connecting again changes nothing)."""
    order_paid.connect(start_paid_subscription)
    stock_available.connect(allocate_to_waiting_orders)
