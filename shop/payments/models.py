"""Payment records: Stripe events handled, and the demo provider's sessions.

Their tables are `payment_event` and `demo_payment_session` (migration 0002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class PaymentEvent(db.Model):
    """A webhook event already handled. The primary key makes a replay a no-op."""

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemoPaymentSession(db.Model):
    """A payment session of the built-in demo provider, kept where every worker sees it."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The order paid for; None for a payment of something else (a booking), which its
    # metadata names.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(300), default="")
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    payment_status: Mapped[str] = mapped_column(String(20), default="unpaid")
    amount_subtotal: Mapped[int] = mapped_column(Integer)
    amount_shipping: Mapped[int] = mapped_column(Integer)
    amount_total: Mapped[int] = mapped_column(Integer)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    success_url: Mapped[str] = mapped_column(String(2000))
    cancel_url: Mapped[str] = mapped_column(String(2000))
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    address_city: Mapped[str] = mapped_column(String(120), default="")
    address_postcode: Mapped[str] = mapped_column(String(20), default="")
    payment_intent_id: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
