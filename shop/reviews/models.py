"""Reviews from buyers: the request sent once per order, the personal link per product
bought, the review itself, its helpful votes, and the addresses that opted out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalogue.models import Product, SkinConcern
from shop.extensions import db
from shop.models import ShownOnPages, UTCDateTime, utcnow
from shop.orders.models import Order

TITLE_MAX_LENGTH = 100
BODY_MAX_LENGTH = 3000
AUTHOR_MAX_LENGTH = 40
REASON_MAX_LENGTH = 500
REPLY_MAX_LENGTH = 2000
MAX_WEEKS = 104

SKIN_TYPES = {
    "normal": "Normal",
    "dry": "Dry",
    "oily": "Oily",
    "combination": "Combination",
    "sensitive": "Sensitive",
}


class ReviewStatus(StrEnum):
    PENDING = "pending"  # waiting for staff
    APPROVED = "approved"  # shown on the product page
    REJECTED = "rejected"  # not shown; the reason is kept

    @property
    def label(self) -> str:
        return {"pending": "Waiting", "approved": "Shown", "rejected": "Rejected"}[self.value]


class ReviewRequest(db.Model):
    """The one "How is it going?" email an order ever gets: the unique order id is the
    claim, so two runs of the command at once send it once."""

    __tablename__ = "review_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why nothing went (opted out, nothing left to review), or "" when the email went.
    skipped: Mapped[str] = mapped_column(String(40), default="")

    order: Mapped[Order] = relationship()


class ReviewInvite(db.Model):
    """A buyer's personal link to review one product of one order: only a keyed hash of
    its token is kept; it works once, until `expires_at`."""

    __tablename__ = "review_invite"
    __table_args__ = (UniqueConstraint("order_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("review_request.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    product: Mapped[Product] = relationship()


class Review(ShownOnPages, db.Model):
    """A buyer's review of a product: plain text, shown once staff approve it, never
    edited by staff (they reject it, with a reason, or reply under it).

    Shown on cached product pages, so any change to one (approval, a reply, a helpful
    vote) makes those pages start again at once."""

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status_known"),
        CheckConstraint("helpful_count >= 0", name="helpful_not_negative"),
        CheckConstraint(
            f"weeks_used IS NULL OR weeks_used BETWEEN 1 AND {MAX_WEEKS}", name="weeks_range"
        ),
        Index("ix_review_product_id_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    # The order it came from (the queue shows it); None once the order is deleted.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop_order.id", ondelete="SET NULL"), index=True
    )
    # One review per link: the unique invite is what makes a link single use.
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_invite.id", ondelete="SET NULL"), unique=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(AUTHOR_MAX_LENGTH))
    skin_type: Mapped[str | None] = mapped_column(String(20))
    concern_id: Mapped[int | None] = mapped_column(
        ForeignKey("skin_concern.id", ondelete="SET NULL"), index=True
    )
    weeks_used: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    # The brand's public answer, shown under the review.
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship()
    order: Mapped[Order | None] = relationship()
    concern: Mapped[SkinConcern | None] = relationship()

    @property
    def status_enum(self) -> ReviewStatus:
        return ReviewStatus(self.status)

    @property
    def skin_type_label(self) -> str | None:
        return SKIN_TYPES.get(self.skin_type or "")


class ReviewVote(db.Model):
    """A visitor's "helpful" vote: one per review and visitor (a keyed hash of the
    random key in their session), no login needed."""

    __tablename__ = "review_vote"
    __table_args__ = (UniqueConstraint("review_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewOptOut(db.Model):
    """An address that asked for no more review requests (one click in any of them)."""

    __tablename__ = "review_opt_out"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
