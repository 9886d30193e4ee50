"""A demo order: one earlier purchase by a demo customer, so a newcomer who signs in as
her (any address signs in: open the code email in instance/outbox/) sees an order in
the account, "Buy again", and the demo payment page filling in her last address. Like
the other seeds it only adds what is missing, so running it again changes nothing.

It is history: it moves no stock and sends no email (it is marked as confirmed)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shop.cart.shipping import find_shipping_option
from shop.catalogue.models import Product, Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.services import order_number_for
from shop.text import new_token

DEMO_ORDER_KEY = "demo-order-hannah"
DEMO_BUYER = "hannah.demo@example.com"
DEMO_ADDRESS = {
    "ship_to_name": "Hannah Reid",
    "ship_to_line1": "4 Orchard Lane",
    "ship_to_line2": "",
    "ship_to_city": "Bristol",
    "ship_to_postcode": "BS1 4DJ",
    "ship_to_country": "GB",
}


def seed_demo_orders() -> dict[str, int]:
    """Add the demo customer's earlier order if it is missing (flushes)."""
    if db.session.scalar(select(Order.id).where(Order.checkout_key == DEMO_ORDER_KEY)):
        return {"orders": 0}
    variants = db.session.scalars(
        select(Variant)
        .join(Product)
        .where(Variant.is_active.is_(True), Product.is_active.is_(True))
        .order_by(Product.id, Variant.id)
        .limit(2)
    ).all()
    if not variants:
        return {"orders": 0}
    paid_at = utcnow() - timedelta(days=24)
    subtotal = sum(variant.price_pence for variant in variants)
    option = find_shipping_option(None)
    shipping = option.price_for(subtotal)
    order = Order(
        access_token=new_token(),
        checkout_key=DEMO_ORDER_KEY,
        status=OrderStatus.PAID,
        email=DEMO_BUYER,
        currency="gbp",
        subtotal_pence=subtotal,
        shipping_pence=shipping,
        total_pence=subtotal + shipping,
        amount_paid_pence=subtotal + shipping,
        shipping_code=option.code,
        shipping_name=option.name,
        payment_provider="demo",
        payment_expires_at=paid_at,
        created_at=paid_at,
        paid_at=paid_at,
        confirmation_sent_at=paid_at,
        **DEMO_ADDRESS,
    )
    order.lines = [
        OrderLine(
            variant_id=variant.id,
            product_name=variant.product.name,
            size_label=variant.size_label,
            sku=variant.sku,
            unit_price_pence=variant.price_pence,
            quantity=1,
        )
        for variant in variants
    ]
    order.events = [OrderEvent(kind="paid", message="Demo order.", created_at=paid_at)]
    db.session.add(order)
    db.session.flush()
    order.number = order_number_for(order.id)
    db.session.flush()
    return {"orders": 1}
