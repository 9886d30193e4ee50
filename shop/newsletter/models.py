"""Newsletter subscribers (with the record of their consent), their topics,
campaigns and one delivery row per campaign and subscriber."""

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

from shop.extensions import db
from shop.models import UTCDateTime, utcnow

# The topics a subscriber can choose, in the order forms show them.
TOPICS: dict[str, str] = {
    "skincare": "Skincare",
    "supplements": "Supplements",
    "journal": "Journal",
}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # asked to join, has not confirmed by email yet
    CONFIRMED = "confirmed"  # receives campaigns on their topics
    UNSUBSCRIBED = "unsubscribed"  # left; kept as a record until erased

    @property
    def label(self) -> str:
        return {"pending": "Pending", "confirmed": "Confirmed", "unsubscribed": "Unsubscribed"}[
            self.value
        ]


class SignupSource(StrEnum):
    """Where a signup form was shown."""

    FOOTER = "footer"
    ARTICLE = "article"
    PAGE = "page"


class UnsubscribeMethod(StrEnum):
    ONE_CLICK = "one-click"  # RFC 8058 POST from the mailbox provider
    PREFERENCES = "preferences"  # the button on the preference page


class Subscriber(db.Model):
    """One email address on the list, with what they agreed to and when."""

    __tablename__ = "newsletter_subscriber"
    __table_args__ = (
        CheckConstraint(_one_of("status", SubscriberStatus), name="status_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=SubscriberStatus.PENDING, index=True)
    # Opaque and random: the key to the preference page and the one-click
    # unsubscribe URL in every campaign email. Never derived from the email.
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The consent record: which wording they saw (see consent.py), on which form.
    consent_version: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribe_method: Mapped[str | None] = mapped_column(String(20))
    last_confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topics: Mapped[list[SubscriberTopic]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        order_by="SubscriberTopic.topic",
    )

    @property
    def topic_names(self) -> list[str]:
        return [item.topic for item in self.topics]

    @property
    def status_enum(self) -> SubscriberStatus:
        return SubscriberStatus(self.status)

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status}>"


class SubscriberTopic(db.Model):
    """A topic a subscriber wants to hear about."""

    __tablename__ = "newsletter_subscriber_topic"
    __table_args__ = (CheckConstraint(_one_of("topic", TOPICS), name="topic_known"),)

    # Named here: the naming convention's name would pass PostgreSQL's 63 characters.
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey(
            "newsletter_subscriber.id",
            ondelete="CASCADE",
            name="fk_newsletter_subscriber_topic_subscriber_id",
        ),
        primary_key=True,
    )
    topic: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="topics")


class CampaignStatus(StrEnum):
    DRAFT = "draft"  # being written; can be edited and tested
    QUEUED = "queued"  # deliveries created, waiting for the task queue
    SENDING = "sending"  # the task queue is working through the deliveries
    SENT = "sent"  # nothing left to send

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Campaign(db.Model):
    """An email written by staff for every confirmed subscriber of one topic."""

    __tablename__ = "newsletter_campaign"
    __table_args__ = (
        CheckConstraint(_one_of("status", CampaignStatus), name="status_known"),
        CheckConstraint(_one_of("topic", TOPICS), name="topic_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown with product shortcodes
    topic: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT, index=True)
    created_by: Mapped[str] = mapped_column(String(254), default="")  # a staff email
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status_enum(self) -> CampaignStatus:
        return CampaignStatus(self.status)

    @property
    def topic_label(self) -> str:
        return TOPICS.get(self.topic, self.topic)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.status}>"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet
    SENDING = "sending"  # claimed by a worker; the message may or may not have gone
    SENT = "sent"
    FAILED = "failed"  # the mail server refused or was unreachable (retried up to a limit)
    SKIPPED = "skipped"  # unsubscribed, changed topics or erased before their turn
    UNKNOWN = "unknown"  # left in `sending` by a crash: never resent automatically


class Delivery(db.Model):
    """One campaign to one subscriber: claimed before sending, so it goes at most once."""

    __tablename__ = "newsletter_delivery"
    __table_args__ = (
        UniqueConstraint("campaign_id", "subscriber_id"),
        CheckConstraint(_one_of("status", DeliveryStatus), name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_newsletter_delivery_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_campaign.id", ondelete="CASCADE")
    )
    # SET NULL: erasing a subscriber keeps the campaign's counts but not who it was.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsletter_subscriber.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.status}>"
