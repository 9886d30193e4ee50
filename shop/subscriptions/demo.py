"""Subscribe & save in the demo shop: the supplements and a skincare staple offered on
subscription, and the demo customer (hannah.demo@example.com, whose earlier order the
orders' demo adds) subscribed to the synbiotic sachets every month, with a renewal due,
so `flask --app shop renew-subscriptions` makes her renewal order at once. Only adds
what is missing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.accounts.models import Customer
from shop.catalogue.models import Product
from shop.extensions import db
from shop.models import utcnow
from shop.orders.demo import DEMO_BUYER, DEMO_ORDER_KEY
from shop.orders.models import Order
from shop.subscriptions.models import (
    Subscription,
    SubscriptionEvent,
    SubscriptionItem,
    SubscriptionOrder,
    SubscriptionStatus,
)
from shop.subscriptions.pricing import subscription_price

SUBSCRIBABLE = (
    "synbiotic-sachets",
    "skin-synbiotic-sachets",
    "daily-live-cultures",
    "probiotic-moisturiser",
)


def seed_demo_subscriptions(demo_customer: bool = True) -> dict[str, int]:
    """Offer the demo products on subscription (once: staff may switch it off later)
    and, with `demo_customer`, give the demo customer a subscription (flushes)."""
    counts = {"subscribable products": 0, "subscriptions": 0}
    products = {
        p.slug: p for p in db.session.scalars(select(Product).where(Product.slug.in_(SUBSCRIBABLE)))
    }
    if not db.session.scalar(select(Product.id).where(Product.subscribable.is_(True)).limit(1)):
        for product in products.values():
            product.subscribable = True
            counts["subscribable products"] += 1
        db.session.flush()
    sachets = products.get("synbiotic-sachets")
    order = db.session.scalar(select(Order).where(Order.checkout_key == DEMO_ORDER_KEY))
    if not demo_customer or sachets is None or not sachets.active_variants or order is None:
        return counts
    if db.session.scalar(select(Subscription.id).where(Subscription.email == DEMO_BUYER)):
        return counts
    customer = db.session.scalar(select(Customer).where(Customer.email == DEMO_BUYER))
    if customer is None:
        customer = Customer(email=DEMO_BUYER, name="Hannah Reid")
        db.session.add(customer)
        db.session.flush()
    variant = sachets.active_variants[0]
    subscription = Subscription(
        customer_id=customer.id,
        email=DEMO_BUYER,
        status=SubscriptionStatus.ACTIVE,
        interval_months=1,
        provider="demo",
        first_order_id=order.id,
        next_renewal_at=utcnow() - timedelta(hours=1),
        created_at=order.paid_at,
        items=[
            SubscriptionItem(
                variant_id=variant.id,
                product_name=sachets.name,
                size_label=variant.size_label,
                sku=variant.sku,
                unit_price_pence=subscription_price(variant),
                quantity=1,
            )
        ],
    )
    db.session.add(subscription)
    db.session.flush()
    db.session.add(SubscriptionOrder(subscription_id=subscription.id, order_id=order.id, cycle=0))
    db.session.add(
        SubscriptionEvent(
            subscription_id=subscription.id,
            kind="created",
            message=f"Demo subscription, started with order {order.number}.",
            created_at=order.paid_at,
        )
    )
    db.session.flush()
    counts["subscriptions"] = 1
    return counts
