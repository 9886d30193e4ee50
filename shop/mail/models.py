"""The outbox: every email the shop sends, kept as a row until it has been delivered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class EmailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first try, or for the next one after a failure
    SENDING = "sending"  # claimed by a worker, which is handing it to the mail server
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # given up after the last retry (or refused for good); staff can retry
    CANCELLED = "cancelled"  # no longer applied when its turn came (see register_delivery_check)

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting",
            "sending": "Sending",
            "sent": "Sent",
            "failed": "Failed",
            "cancelled": "Not needed",
        }[self.value]


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class OutgoingEmail(db.Model):
    """One email, rendered in full when it was asked for, and what became of it.

    The stored bytes are what goes on the wire, so a retry sends the very same
    message (same Message-ID and Date) however often it has to be tried.
    """

    __tablename__ = "outgoing_email"
    __table_args__ = (
        CheckConstraint(_one_of("status", EmailStatus), name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sweep's question: which messages are due?
        Index("ix_outgoing_email_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What it is, for code ("order_confirmation") and for people ("Confirmation").
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    sender: Mapped[str] = mapped_column(String(254))  # the envelope sender (MAIL FROM)
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(255))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=EmailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "order-confirmation:42": asking again for the same email queues nothing more.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The order whose timeline says when this email was queued, sent or given up.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("shop_order.id", ondelete="SET NULL"), index=True
    )

    @property
    def status_enum(self) -> EmailStatus:
        return EmailStatus(self.status)

    def __repr__(self) -> str:
        return f"<OutgoingEmail {self.id} {self.kind} {self.status}>"
