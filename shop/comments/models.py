"""Comments under journal articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import Customer
from shop.extensions import db
from shop.journal.models import Article
from shop.models import ShownOnPages, UTCDateTime, utcnow

BODY_MAX_LENGTH = 2000


class CommentStatus(StrEnum):
    PENDING = "pending"  # waiting in the moderation queue (new, or reported)
    APPROVED = "approved"  # shown under the article
    HIDDEN = "hidden"  # taken down by staff, kept for the record

    @property
    def label(self) -> str:
        return {"pending": "Waiting", "approved": "Shown", "hidden": "Hidden"}[self.value]


class Comment(ShownOnPages, db.Model):
    """A customer's comment on an article: plain text, shown once approved.

    Shown on cached article pages (and counted on article cards), so any change to one
    makes those pages start again at once."""

    __tablename__ = "article_comment"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'hidden')", name="status_known"),
        CheckConstraint("report_count >= 0", name="report_count_not_negative"),
        Index("ix_article_comment_article_id_status", "article_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    # None once the account is erased: the comment then reads "a former customer".
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=CommentStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Readers' reports: each one puts the comment back in the queue.
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship()
    customer: Mapped[Customer | None] = relationship()

    @property
    def status_enum(self) -> CommentStatus:
        return CommentStatus(self.status)

    @property
    def author_name(self) -> str:
        """Who wrote it, as pages show it: their display name, never their email."""
        customer = self.customer
        return shown_author_name(customer is not None, customer and customer.display_name)


def shown_author_name(has_customer: bool, display_name: str | None) -> str:
    """A comment's author as pages show it (Comment.author_name, and the article page's
    plain rows): the customer's display name, never their email; "A former customer"
    once the account is erased."""
    if not has_customer:
        return "A former customer"
    return display_name or "A customer"


@dataclass(frozen=True, slots=True)
class ShownComment:
    """A comment as the article page shows it, read as a plain row (no ORM object)."""

    id: int
    body: str
    created_at: datetime
    author_name: str
