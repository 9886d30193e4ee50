"""Promotions and their uses.

A `Promotion` is a code with its rules; `PromotionUse` is one order's use of it, from
the moment checkout reserves it (as stock is reserved) until it is final (paid),
released (the checkout ended unpaid) or returned (refunded in full before shipping).
The promotion's `uses_reserved` and `uses_final` count the live uses, and are moved
only by conditional UPDATEs (shop.promotions.uses), so the use limit holds however
many checkouts run at once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalogue.models import Category, Product
from shop.extensions import db
from shop.models import UTCDateTime, utcnow

CODE_MAX_LENGTH = 40


class PromotionKind(StrEnum):
    PERCENT = "percent"  # a percentage off the lines it applies to
    AMOUNT = "amount"  # a fixed amount off the lines it applies to
    FREE_SHIPPING = "free_shipping"  # delivery free, the goods at full price

    @property
    def label(self) -> str:
        return {
            "percent": "Percentage off",
            "amount": "Amount off",
            "free_shipping": "Free delivery",
        }[self.value]


class UseStatus(StrEnum):
    RESERVED = "reserved"  # an unpaid checkout holds it
    FINAL = "final"  # the order was paid
    RELEASED = "released"  # the checkout ended unpaid: the use went back
    RETURNED = "returned"  # refunded in full before shipping: the use went back

    @property
    def label(self) -> str:
        return {
            "reserved": "Held by a checkout",
            "final": "Used",
            "released": "Given back (checkout ended)",
            "returned": "Given back (refunded)",
        }[self.value]


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


promotion_product = Table(
    "promotion_product",
    db.metadata,
    Column(
        "promotion_id",
        ForeignKey("promotion.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)

promotion_category = Table(
    "promotion_category",
    db.metadata,
    Column(
        "promotion_id",
        ForeignKey("promotion.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)


class Promotion(db.Model):
    """A promo code and its rules. Codes are stored in capitals and matched without
    regard to case."""

    __table_args__ = (
        CheckConstraint(_one_of("kind", PromotionKind), name="kind_known"),
        CheckConstraint("code = upper(code)", name="code_upper_case"),
        CheckConstraint(
            "kind != 'percent' OR (percent_off >= 1 AND percent_off <= 100)", name="percent"
        ),
        CheckConstraint("kind != 'amount' OR amount_off_pence >= 1", name="amount"),
        CheckConstraint("min_spend_pence >= 0", name="min_spend"),
        CheckConstraint("max_uses IS NULL OR max_uses >= 1", name="max_uses"),
        CheckConstraint(
            "max_uses_per_customer IS NULL OR max_uses_per_customer >= 1", name="per_customer"
        ),
        CheckConstraint("uses_reserved >= 0 AND uses_final >= 0", name="uses"),
        CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="dates"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_pence: Mapped[int | None] = mapped_column(Integer)
    min_spend_pence: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_customer: Mapped[int | None] = mapped_column(Integer)
    first_order_only: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    uses_reserved: Mapped[int] = mapped_column(Integer, default=0)
    uses_final: Mapped[int] = mapped_column(Integer, default=0)
    # A newsletter welcome code: a keyed hash of the address it was made for (never the
    # address), unique, so each address gets one welcome code ever.
    welcome_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    products: Mapped[list[Product]] = relationship(
        secondary=promotion_product, order_by="Product.name"
    )
    categories: Mapped[list[Category]] = relationship(
        secondary=promotion_category, order_by="Category.name"
    )

    @property
    def kind_enum(self) -> PromotionKind:
        return PromotionKind(self.kind)

    @property
    def uses_live(self) -> int:
        return self.uses_reserved + self.uses_final

    @property
    def is_scoped(self) -> bool:
        return bool(self.products or self.categories)


class PromotionUse(db.Model):
    """One order's use of a promotion (one per order)."""

    __table_args__ = (
        CheckConstraint(_one_of("status", UseStatus), name="status_known"),
        CheckConstraint("discount_pence >= 0 AND shipping_discount_pence >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"), index=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    # The account's address when reserved by a signed-in customer; the address the
    # order was paid with once final.
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), default=UseStatus.RESERVED)
    discount_pence: Mapped[int] = mapped_column(Integer, default=0)
    shipping_discount_pence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    promotion: Mapped[Promotion] = relationship()

    @property
    def status_enum(self) -> UseStatus:
        return UseStatus(self.status)
