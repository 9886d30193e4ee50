"""Consultations: the sessions offered, the Skin Mentors who give them, their hours and
time off, and the bookings.

Times are stored in UTC; a mentor's weekly hours are wall-clock times in the clinic's
zone (Europe/London), so 09:00 stays 09:00 across the clock changes.

No mentor is ever booked twice for one time: every change to a mentor's bookings is
made after locking the mentor's row (`Mentor.lock_version`, see
`shop.consultations.booking.lock_mentors`), which makes the overlap check and the
insert one step, and the partial unique index on (mentor, start) of the live bookings
refuses a second booking at the same start even from code that forgot the lock.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models import ShownOnPages, UTCDateTime, utcnow


class BookingStatus(StrEnum):
    HELD = "held"  # a slot picked, kept while the shopper gives details and pays
    CONFIRMED = "confirmed"  # paid, or free, or booked by staff
    CANCELLED = "cancelled"  # by the shopper or by staff
    EXPIRED = "expired"  # the hold lapsed before it was confirmed
    NO_SHOW = "no_show"  # staff marked that the shopper did not come

    @property
    def label(self) -> str:
        return {
            "held": "Held",
            "confirmed": "Confirmed",
            "cancelled": "Cancelled",
            "expired": "Hold lapsed",
            "no_show": "No-show",
        }[self.value]


# Bookings that take their mentor's time (a held one only until its hold lapses).
LIVE_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.NO_SHOW)
_LIVE_SQL = "status IN ('held', 'confirmed', 'no_show')"


class ServiceFormat(StrEnum):
    VIDEO = "video"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"video": "Video call", "in_person": "In person"}[self.value]


class ServiceLabels:
    """What pages say of a service from its `price_pence` and `format`: on the ORM's
    Service and on the plain rows of articles' booking cards
    (shop.consultations.services.ServiceCard)."""

    @property
    def is_free(self) -> bool:
        return self.price_pence == 0

    @property
    def format_label(self) -> str:
        return ServiceFormat(self.format).label


class Service(ServiceLabels, ShownOnPages, db.Model):
    """A kind of session shoppers book: shown on /consultations and in articles' booking
    cards (cached pages, hence ShownOnPages)."""

    __tablename__ = "consultation_service"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration"),
        CheckConstraint("buffer_minutes >= 0 AND buffer_minutes <= 240", name="buffer"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("format IN ('video', 'in_person')", name="format_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # what happens in the session
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=10)
    price_pence: Mapped[int] = mapped_column(Integer, default=0)  # 0: free
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    format: Mapped[str] = mapped_column(String(20), default=ServiceFormat.VIDEO)
    location: Mapped[str] = mapped_column(String(300), default="")  # the clinic, in person
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Mentor(db.Model):
    """A Skin Mentor: gives every active service, in their weekly hours."""

    __tablename__ = "mentor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(String(500), default="")
    # The staff account that signs in as this mentor (role `mentor`, or any other).
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), unique=True
    )
    # The mentor's video room, sent with each booking of a video session.
    call_url: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by every change to this mentor's bookings: the UPDATE is the lock that
    # makes those changes take turns (see the module's docstring).
    lock_version: Mapped[int] = mapped_column(Integer, default=0)

    hours: Mapped[list[WeeklyHours]] = relationship(
        back_populates="mentor",
        cascade="all, delete-orphan",
        order_by="(WeeklyHours.weekday, WeeklyHours.starts)",
    )


class WeeklyHours(db.Model):
    """A stretch of a weekday a mentor works, in Europe/London wall-clock time."""

    __tablename__ = "mentor_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday ... 6 Sunday
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    mentor: Mapped[Mentor] = relationship(back_populates="hours")


class TimeOff(db.Model):
    """A stretch of time a mentor does not work (holiday, training), in UTC."""

    __tablename__ = "mentor_time_off"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="starts_before_ends"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")

    mentor: Mapped[Mentor] = relationship()


class Booking(db.Model):
    """One shopper's session with one mentor at one time, from the held slot onwards.

    `blocked_until` is the end plus the service's buffer: the mentor's time the booking
    takes. The health notes (`concerns`, `notes`) are special category data: kept with
    the shopper's consent, erased with their account or once the session is long past.
    """

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint(
            "status IN ('held', 'confirmed', 'cancelled', 'expired', 'no_show')",
            name="status_known",
        ),
        CheckConstraint("starts_at < ends_at AND ends_at <= blocked_until", name="times"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= price_pence", name="refund_in_range"
        ),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        # One live booking per mentor and start, whatever the code around it does.
        Index(
            "uq_booking_mentor_start_live",
            "mentor_id",
            "starts_at",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
        Index("ix_booking_mentor_id_blocked_until", "mentor_id", "blocked_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("consultation_service.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor.id"))
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.HELD)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who it is for (empty until the shopper gives them on the held booking).
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="", index=True)  # lower-case
    concerns: Mapped[str] = mapped_column(String(500), default="")  # concern names, one a line
    notes: Mapped[str] = mapped_column(Text, default="")
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Money: the service's price when the slot was held, what the provider took and gave back.
    price_pence: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    payment_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    paid_pence: Mapped[int] = mapped_column(Integer, default=0)
    refunded_pence: Mapped[int] = mapped_column(Integer, default=0)
    # The calendar invitation: its SEQUENCE goes up with every change sent.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booked_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # Private to staff: never shown to the shopper.
    staff_notes: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[Service] = relationship()
    mentor: Mapped[Mentor] = relationship()

    @property
    def status_enum(self) -> BookingStatus:
        return BookingStatus(self.status)

    @property
    def is_paid(self) -> bool:
        return self.paid_pence > 0

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status} mentor={self.mentor_id} {self.starts_at}>"
