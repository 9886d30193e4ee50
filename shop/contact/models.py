"""Messages sent through the contact form, and the replies staff sent to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class MessageStatus(StrEnum):
    NEW = "new"
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"new": "New", "answered": "Answered", "closed": "Closed"}[self.value]


# What a message is about, as the form offers it.
TOPICS = {
    "order": "An order I placed",
    "delivery": "Delivery",
    "returns": "Returns and refunds",
    "products": "A product or ingredient",
    "consultations": "Consultations",
    "other": "Something else",
}


class ContactMessage(db.Model):
    __tablename__ = "contact_message"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'answered', 'closed')", name="status_known"),
        Index("ix_contact_message_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    order_number: Mapped[str] = mapped_column(String(40), default="")
    topic: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.NEW)
    # The last reply or change of status: what CONTACT_KEEP_DAYS counts from.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    replies: Mapped[list[ContactReply]] = relationship(
        back_populates="message",
        order_by="ContactReply.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def status_enum(self) -> MessageStatus:
        return MessageStatus(self.status)

    @property
    def topic_label(self) -> str:
        return TOPICS.get(self.topic, self.topic)

    @property
    def reference(self) -> str:
        """How the shop and the customer name the message in emails."""
        return f"M{self.id:05d}"


class ContactReply(db.Model):
    __tablename__ = "contact_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("contact_message.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    staff_email: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text)

    message: Mapped[ContactMessage] = relationship(back_populates="replies")
