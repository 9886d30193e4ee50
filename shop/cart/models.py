"""Baskets: stored in the database and found by a random token in the session cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import UTCDateTime, utcnow
from shop.promotions.models import Promotion

# Where the basket's token is kept in the signed session cookie.
SESSION_KEY = "cart"


class Cart(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    shipping_code: Mapped[str] = mapped_column(String(40), default="standard")
    # Bumped whenever a checkout of this basket ends unpaid, so trying again
    # starts a new order instead of finding the old one.
    checkout_attempt: Mapped[int] = mapped_column(Integer, default=0)
    # The promo code the shopper applied (one per basket), checked again whenever the
    # basket is shown or checked out.
    promotion_id: Mapped[int | None] = mapped_column(
        ForeignKey("promotion.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )
    promotion: Mapped[Promotion | None] = relationship()


class CartLine(db.Model):
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    # Subscribe & save: deliver every this many months (0: a one-time purchase).
    subscribe_every: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()
