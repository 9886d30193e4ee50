"""Subscriptions: what a customer receives, how often, the orders it made, and its
timeline (created, renewed, skipped, paused, resumed, changed, payment failed,
cancelled with a reason)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # its first order is not paid yet
    ACTIVE = "active"
    PAUSED = "paused"  # no deliveries until paused_until
    PAST_DUE = "past_due"  # a renewal payment failed; the provider is trying again
    CANCELLED = "cancelled"  # ended: by the customer, by staff, or the provider gave up

    @property
    def label(self) -> str:
        return {
            "pending": "Awaiting first payment",
            "active": "Active",
            "paused": "Paused",
            "past_due": "Payment failed",
            "cancelled": "Ended",
        }[self.value]


# The statuses in which a subscription still delivers (or will again).
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED, SubscriptionStatus.PAST_DUE)


class Subscription(db.Model):
    __table_args__ = (
        CheckConstraint("interval_months BETWEEN 1 AND 12", name="interval_range"),
        CheckConstraint("cycle >= 0", name="cycle_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(20), default=SubscriptionStatus.PENDING, index=True)
    interval_months: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    shipping_code: Mapped[str] = mapped_column(String(40), default="standard")
    # demo or stripe; with Stripe its subscription id (sub_...).
    provider: Mapped[str] = mapped_column(String(20))
    provider_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The order that paid for the first delivery.
    first_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop_order.id", ondelete="SET NULL"), index=True
    )
    # How many deliveries have been billed after the first (the demo renewals' claim).
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    next_renewal_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ends at the end of the current period (Stripe's cancel_at_period_end).
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The renewal date the reminder email was sent for (claimed by a conditional UPDATE).
    reminded_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[SubscriptionItem]] = relationship(
        back_populates="subscription", order_by="SubscriptionItem.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[SubscriptionEvent]] = relationship(
        back_populates="subscription",
        order_by="SubscriptionEvent.id",
        cascade="all, delete-orphan",
    )
    orders: Mapped[list[SubscriptionOrder]] = relationship(
        back_populates="subscription", order_by="SubscriptionOrder.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> SubscriptionStatus:
        return SubscriptionStatus(self.status)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def price_per_delivery_pence(self) -> int:
        return sum(item.total_pence for item in self.items)

    @property
    def every(self) -> str:
        return every(self.interval_months)


def every(months: int) -> str:
    """'Every month', 'Every 2 months'."""
    return "Every month" if months == 1 else f"Every {months} months"


class SubscriptionItem(db.Model):
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variant.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(200))
    size_label: Mapped[str] = mapped_column(String(80))
    sku: Mapped[str] = mapped_column(String(64))
    # The subscribe & save price of one unit, fixed when the customer subscribed.
    unit_price_pence: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    # The provider's item (Stripe's si_...), for changing its quantity.
    provider_item_id: Mapped[str | None] = mapped_column(String(255))

    subscription: Mapped[Subscription] = relationship(back_populates="items")

    @property
    def total_pence(self) -> int:
        return self.unit_price_pence * self.quantity


class SubscriptionEvent(db.Model):
    """One entry in a subscription's timeline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="events")


class SubscriptionOrder(db.Model):
    """An order a subscription made: the first delivery (cycle 0) and each renewal.

    Unique per subscription and cycle (a demo renewal is made once however many runs of
    renew-subscriptions there are) and per provider invoice (a Stripe invoice makes one
    order however often its event arrives)."""

    __table_args__ = (UniqueConstraint("subscription_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), unique=True
    )
    cycle: Mapped[int] = mapped_column(Integer)
    provider_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="orders")
    order = relationship("Order")
