"""The funnel's counters: how often each product was looked at, put in a basket, taken
to checkout and paid for, per Europe/London day. Counts only: nothing about who."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class FunnelEvent(StrEnum):
    VIEW = "view"  # a product page served (from the page cache too), bots left out
    ADD = "add"  # a size of it put in a basket
    CHECKOUT = "checkout"  # an order holding it placed (its payment page opened)
    PAID = "paid"  # an order holding it paid

    @property
    def label(self) -> str:
        return {
            "view": "Product page views",
            "add": "Added to basket",
            "checkout": "Checkout started",
            "paid": "Paid",
        }[self.value]


class FunnelCount(db.Model):
    """One counter per (event, day, product), added to by one atomic UPSERT
    (`n = n + 1`), or folded in from Redis by the task queue (shop.reports.funnel)."""

    __tablename__ = "funnel_count"
    __table_args__ = (
        CheckConstraint("event IN ('view', 'add', 'checkout', 'paid')", name="event_known"),
        CheckConstraint("n >= 0", name="n_not_negative"),
    )

    event: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    n: Mapped[int] = mapped_column(Integer, default=0)
