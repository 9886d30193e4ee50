"""Orders: what was bought, at what price, where it goes, and what happened to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import UTCDateTime, utcnow
from shop.money import Money

# An unpaid order's payment session closes at its payment_expires_at (it is opened with
# that expiry). This long after it, allowing for clocks, the order has lapsed: its stock
# may be released without asking the payment provider.
LAPSE_GRACE = timedelta(minutes=5)


class OrderStatus(StrEnum):
    PENDING = "pending"  # waiting for payment; stock is reserved
    PAID = "paid"
    EXPIRED = "expired"  # the payment session ran out; stock released
    CANCELLED = "cancelled"  # the shopper went back; stock released
    FAILED = "failed"  # the payment failed or could not start; stock released
    REFUNDED = "refunded"  # paid, then refunded in full

    @property
    def label(self) -> str:
        return {
            "pending": "Awaiting payment",
            "paid": "Paid",
            "expired": "Payment not completed",
            "cancelled": "Cancelled",
            "failed": "Payment failed",
            "refunded": "Refunded",
        }[self.value]


class FulfilmentStatus(StrEnum):
    # Paid, but its stock was not there when it was paid (a subscription's renewal):
    # shown first in the staff order list until stock is allocated to it.
    WAITING_FOR_STOCK = "waiting_for_stock"
    UNFULFILLED = "unfulfilled"
    SHIPPED = "shipped"

    @property
    def label(self) -> str:
        return {
            "waiting_for_stock": "Waiting for stock",
            "unfulfilled": "Not shipped",
            "shipped": "Shipped",
        }[self.value]


class Order(db.Model):
    __tablename__ = "shop_order"  # "order" is an SQL keyword
    __table_args__ = (
        # A customer's orders are found by their address, whatever its case (accounts,
        # the demo page's last address, per-customer promo code limits).
        Index("ix_shop_order_email_lower", func.lower(text("email"))),
        CheckConstraint("total_pence >= 0", name="total_not_negative"),
        CheckConstraint("discount_pence >= 0", name="discount_not_negative"),
        CheckConstraint("refunded_pence >= 0 AND refunded_pence <= total_pence", name="refund"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    checkout_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING, index=True)
    fulfilment_status: Mapped[str] = mapped_column(String(20), default="unfulfilled")
    cart_id: Mapped[int | None] = mapped_column(
        ForeignKey("cart.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    subtotal_pence: Mapped[int] = mapped_column(Integer)
    shipping_pence: Mapped[int] = mapped_column(Integer)
    # The promo code used, if any, and what it took off the goods (the sum of the
    # lines' discount_pence); a free-delivery code shows as shipping_pence 0.
    promo_code: Mapped[str | None] = mapped_column(String(40), index=True)
    discount_pence: Mapped[int] = mapped_column(Integer, default=0)
    total_pence: Mapped[int] = mapped_column(Integer)
    refunded_pence: Mapped[int] = mapped_column(Integer, default=0)
    shipping_code: Mapped[str] = mapped_column(String(40))
    shipping_name: Mapped[str] = mapped_column(String(120))
    ship_to_name: Mapped[str] = mapped_column(String(200), default="")
    ship_to_line1: Mapped[str] = mapped_column(String(200), default="")
    ship_to_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_to_city: Mapped[str] = mapped_column(String(120), default="")
    ship_to_postcode: Mapped[str] = mapped_column(String(20), default="")
    ship_to_country: Mapped[str] = mapped_column(String(2), default="")
    payment_provider: Mapped[str] = mapped_column(String(20))
    payment_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who checked out, to limit the unpaid checkouts one client holds at once: a keyed
    # hash of the client's address (shop.checkout.services.client_key), never the address.
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    amount_paid_pence: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the confirmation email was queued (once per order); its delivery is on the timeline.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shipping, set once when staff mark the order as shipped.
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(40), default="")
    tracking_url: Mapped[str] = mapped_column(String(500), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="order", order_by="Refund.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> OrderStatus:
        return OrderStatus(self.status)

    @property
    def vat_pence(self) -> int:
        """The VAT included in the total (prices include VAT at 20%)."""

        return Money(self.total_pence, self.currency).vat_included.pence

    @property
    def has_address(self) -> bool:
        return bool(self.ship_to_line1)

    @property
    def fulfilment_enum(self) -> FulfilmentStatus:
        return FulfilmentStatus(self.fulfilment_status)

    @property
    def succeeded_refunds(self) -> list[Refund]:
        return [refund for refund in self.refunds if refund.status == RefundStatus.SUCCEEDED]


class OrderLine(db.Model):
    """A snapshot of what was bought: later catalogue edits never change an order."""

    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variant.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(200))
    size_label: Mapped[str] = mapped_column(String(80))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price_pence: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    # This line's share of the order's promo discount (shop.promotions.pricing.allocate).
    discount_pence: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def total_pence(self) -> int:
        return self.unit_price_pence * self.quantity

    @property
    def paid_pence(self) -> int:
        """What the line came to after its share of the discount."""
        return self.total_pence - self.discount_pence

    def paid_for_units(self, units: int, already: int = 0) -> int:
        """What `units` more of this line were paid, after the discount, when `already`
        units have been refunded: the line's paid amount shared over its units, the odd
        pence going to the first units, so refunding the units in any number of steps
        gives back exactly the line's paid amount."""

        def first(count: int) -> int:
            count = max(0, min(count, self.quantity))
            each, odd = divmod(self.paid_pence, self.quantity)
            return each * count + min(count, odd)

        return first(already + units) - first(already)


class OrderEvent(db.Model):
    """One entry in an order's timeline: placed, paid, released, emailed, shipped, refunded."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class RefundStatus(StrEnum):
    PENDING = "pending"  # on record, the payment provider not yet answered
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the provider refused: no money moved

    @property
    def label(self) -> str:
        return {"pending": "Pending", "succeeded": "Refunded", "failed": "Failed"}[self.value]


class Refund(db.Model):
    """Money given back for an order through the payment provider, by a member of staff.

    The row is written as `pending` before the provider is asked, so a refund is on
    record even if the answer never arrives.
    """

    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    amount_pence: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    return_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=RefundStatus.PENDING)
    staff_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", order_by="RefundLine.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> RefundStatus:
        return RefundStatus(self.status)


class RefundLine(db.Model):
    """Units of an order line put back into stock with a refund. Kept so that a
    line is never returned to stock more times than it was bought."""

    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_line.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)

    refund: Mapped[Refund] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
