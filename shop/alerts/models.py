"""Back-in-stock requests: an address waiting for a sold-out size."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalogue.models import Variant
from shop.extensions import db
from shop.models import UTCDateTime, utcnow


class AlertStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # the confirmation link is not yet followed
    WAITING = "waiting"  # confirmed: emailed when the size is back
    SENT = "sent"  # emailed once; done
    CANCELLED = "cancelled"  # unsubscribed

    @property
    def label(self) -> str:
        return {
            "unconfirmed": "Not confirmed",
            "waiting": "Waiting",
            "sent": "Emailed",
            "cancelled": "Unsubscribed",
        }[self.value]


class StockAlert(db.Model):
    """One address waiting for one size. A row per size and address, used again when
    the address asks again after it was emailed, unsubscribed or its request expired.

    Not shown on cached pages (staff see the counts), so a request never makes the page
    cache start again."""

    __tablename__ = "stock_alert"
    __table_args__ = (
        UniqueConstraint("variant_id", "email"),
        CheckConstraint(
            "status IN ('unconfirmed', 'waiting', 'sent', 'cancelled')", name="status_known"
        ),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        Index("ix_stock_alert_variant_id_status", "variant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.UNCONFIRMED)
    # A keyed hash of the token in the confirmation link (the link itself is not kept).
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    variant: Mapped[Variant] = relationship()

    @property
    def status_enum(self) -> AlertStatus:
        return AlertStatus(self.status)
