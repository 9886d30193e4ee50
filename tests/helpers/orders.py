"""Orders written straight to the database, in any state, for testing the order's
lifecycle (shop.orders.lifecycle) one move at a time. Orders a shopper makes are
made through the shop's own pages instead (tests/helpers/checkout.py)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import utcnow
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.payments.gateway import Address, PaymentSession
from tests.factories import VariantFactory


def make_variant(on_hand: int = 10, reserved: int = 0, price_pence: int = 1800) -> int:
    """A size of a new product with this stock; its id (commits)."""
    return VariantFactory(on_hand=on_hand, reserved=reserved, price_pence=price_pence).id


def make_order(
    lines: dict[int, int],
    status: str = OrderStatus.PENDING,
    *,
    payment_intent_id: str | None = None,
    email: str = "ada@example.com",
    cart_id: int | None = None,
) -> Order:
    """An order of {variant id: quantity} in `status` (commits). Stock is left as it is:
    the caller sets it up as the state needs (held for a pending order, say)."""
    variants = {
        v.id: v for v in db.session.scalars(db.select(Variant).where(Variant.id.in_(lines)))
    }
    subtotal = sum(variants[vid].price_pence * qty for vid, qty in lines.items())
    order = Order(
        access_token=secrets.token_urlsafe(32),
        checkout_key=secrets.token_hex(32),
        status=str(status),
        cart_id=cart_id,
        email=email,
        subtotal_pence=subtotal,
        shipping_pence=0,
        total_pence=subtotal,
        shipping_code="standard",
        shipping_name="Standard UK delivery",
        payment_provider="demo",
        payment_expires_at=utcnow() + timedelta(minutes=31),
        payment_intent_id=payment_intent_id,
        amount_paid_pence=subtotal if payment_intent_id else None,
    )
    order.lines = [
        OrderLine(
            variant_id=vid,
            product_name=variants[vid].product.name,
            size_label=variants[vid].size_label,
            sku=variants[vid].sku,
            unit_price_pence=variants[vid].price_pence,
            quantity=qty,
        )
        for vid, qty in lines.items()
    ]
    db.session.add(order)
    db.session.flush()
    order.number = f"FB-{100000 + order.id}"
    db.session.commit()
    return order


def paid_session(order: Order, intent: str = "pi_test_1") -> PaymentSession:
    """What the payment provider reports about a session that paid for `order`."""
    return PaymentSession(
        id=f"cs_test_{order.id}",
        status="complete",
        payment_status="paid",
        order_id=order.id,
        amount_total=order.total_pence,
        payment_intent_id=intent,
        customer_email="ada@example.com",
        shipping_address=Address(
            "Ada Lovelace", "12 Example Street", "", "London", "SW1A 1AA", "GB"
        ),
    )


def stock_of(variant_id: int) -> tuple[int, int]:
    """(on hand, reserved) as the database has them now."""
    variant = db.session.get(Variant, variant_id, populate_existing=True)
    return variant.on_hand, variant.reserved


def status_of(order_id: int) -> tuple[str, str]:
    """(status, fulfilment status) as the database has them now."""
    order = db.session.get(Order, order_id, populate_existing=True)
    return order.status, order.fulfilment_status
