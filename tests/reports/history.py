"""A known shop history across the clocks going forward (Sunday 29 March 2026, 01:00
UTC: London goes from GMT to BST), with a refund, an expired checkout, a restock and
newsletter subscribers, for checking every figure of the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from shop.catalogue.admin.sizes import adjust_stock
from shop.catalogue.models import Variant
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, Refund, RefundLine, RefundStatus
from tests.factories import ProductFactory, VariantFactory
from tests.helpers.orders import make_order
from tests.newsletter.factories import SubscriberFactory


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class History:
    cream: int  # variant ids
    sachets: int
    serum: int
    mask: int
    cream_product: int
    sachets_product: int


def paid(lines: dict[int, int], at: datetime, email: str, shipping: int = 395) -> Order:
    order = make_order(lines, OrderStatus.PAID, email=email)
    order.shipping_pence = shipping
    order.total_pence = order.subtotal_pence + shipping
    order.paid_at = at
    db.session.commit()
    return order


def build_history() -> History:
    """Inside an app context. The period to look at is 28 to 30 March 2026 (London)."""
    cream_product = ProductFactory(name="Barrier Cream", slug="barrier-cream", variants=[])
    sachets_product = ProductFactory(name="Gut Sachets", slug="gut-sachets", variants=[])
    cream = VariantFactory(
        product=cream_product, sku="CREAM-50", size_label="50 ml", price_pence=1800, on_hand=10
    )
    sachets = VariantFactory(
        product=sachets_product,
        sku="SACHETS-30",
        size_label="30 sachets",
        price_pence=2500,
        on_hand=2,
    )
    serum = VariantFactory(sku="SERUM-30", size_label="30 ml", on_hand=5)
    mask = VariantFactory(sku="MASK-75", size_label="75 ml", on_hand=0)
    db.session.commit()
    # The previous period (25 to 27 March): Ada's first order.
    paid({cream.id: 1}, utc(2026, 3, 25, 12, 0), "ada@example.com")
    # 28 March, 23:30 GMT.
    paid({cream.id: 2}, utc(2026, 3, 28, 23, 30), "ada@example.com")
    # 29 March, 00:30 GMT (before the change): Bea's first order, free delivery.
    paid({sachets.id: 1}, utc(2026, 3, 29, 0, 30), "Bea@Example.com", shipping=0)
    # 29 March, 23:59 BST (22:59 UTC): Cy's, one of two sachets refunded and returned.
    refunded = paid({sachets.id: 2}, utc(2026, 3, 29, 22, 59), "cy@example.com", shipping=0)
    refunded.refunded_pence = 2500
    refund = Refund(
        order_id=refunded.id,
        amount_pence=2500,
        return_stock=True,
        status=RefundStatus.SUCCEEDED,
        created_at=utc(2026, 3, 30, 9, 0),
    )
    refund.lines = [RefundLine(order_line_id=refunded.lines[0].id, quantity=1)]
    db.session.add(refund)
    # A refund that failed at the provider changes nothing.
    db.session.add(Refund(order_id=refunded.id, amount_pence=100, status=RefundStatus.FAILED))
    db.session.commit()
    # 30 March, 00:30 BST (29 March 23:30 UTC): a UTC report would put it on the 29th.
    paid({cream.id: 1}, utc(2026, 3, 29, 23, 30), "ada@example.com")
    # An expired checkout and an unpaid one on the 29th: never counted.
    make_order({cream.id: 5}, OrderStatus.EXPIRED, email="dee@example.com").created_at = utc(
        2026, 3, 29, 12, 0
    )
    make_order({sachets.id: 1}, OrderStatus.PENDING, email="dee@example.com")
    # After the range (31 March): not counted in it.
    paid({cream.id: 3}, utc(2026, 3, 31, 9, 0), "eve@example.com")
    # A restock of the cream: 20 units from the lab.
    adjust_stock(db.session.get(Variant, cream.id), 20, "Delivery from the lab", None)
    # Newsletter: confirmed before the range, on the 28th, and on the 30th (London: 23:30
    # UTC on the 29th) then unsubscribed the same day.
    SubscriberFactory(confirmed_at=utc(2026, 3, 20, 9, 0))
    SubscriberFactory(confirmed_at=utc(2026, 3, 28, 10, 0))
    SubscriberFactory(
        status="unsubscribed",
        confirmed_at=utc(2026, 3, 29, 23, 30),
        unsubscribed_at=utc(2026, 3, 30, 12, 0),
    )
    db.session.commit()
    return History(cream.id, sachets.id, serum.id, mask.id, cream_product.id, sachets_product.id)


FIRST, LAST = date(2026, 3, 28), date(2026, 3, 30)
TODAY = date(2026, 3, 30)
