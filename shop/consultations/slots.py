"""Open slots: when each mentor can give a service, in the clinic's time (Europe/London).

A slot starts on a step of the mentor's weekly hours (the session and its buffer,
rounded up to a quarter of an hour: a 45-minute session with a 10-minute buffer is
offered on the hour), ends within those hours, keeps clear of time off and of every
live booking with its buffer, and starts no sooner than the notice. Wall-clock hours
stay put across the clock changes: 09:00 is 09:00 GMT in winter and 09:00 BST in
summer, and a time that does not exist on the day the clocks go forward is skipped.

Three queries whatever the number of days, mentors or bookings: the mentors with their
hours, their time off, their bookings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from shop.consultations.models import (
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    Mentor,
    Service,
    TimeOff,
)
from shop.extensions import db
from shop.numbers import MAX_ID
from shop.times import UK

CLINIC_TZ = UK  # the clinic keeps UK hours
STEP_MINUTES = 15
_SLOT_KEY = re.compile(r"([1-9][0-9]{0,9})-([0-9]{8}T[0-9]{4})Z")


@dataclass(frozen=True)
class Slot:
    """A time one mentor can give one service."""

    mentor_id: int
    mentor_name: str
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC

    @property
    def key(self) -> str:
        """What a slot's button posts as `slot`: the mentor and the start in UTC."""
        return slot_key(self.mentor_id, self.starts_at)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(CLINIC_TZ)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(CLINIC_TZ)


def slot_key(mentor_id: int, starts_at: datetime) -> str:
    return f"{mentor_id}-{starts_at.astimezone(UTC):%Y%m%dT%H%M}Z"


def parse_slot_key(value: str | None) -> tuple[int, datetime] | None:
    """(mentor id, start in UTC) from a posted `slot`, or None for anything else."""
    match = _SLOT_KEY.fullmatch(value or "")
    if match is None:
        return None
    try:
        starts_at = datetime.strptime(match.group(2), "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    mentor_id = int(match.group(1))
    if mentor_id > MAX_ID:
        return None
    return mentor_id, starts_at


def local(moment: datetime) -> datetime:
    """A moment in the clinic's time."""
    return moment.astimezone(CLINIC_TZ)


def step_minutes(service: Service) -> int:
    """How far apart a service's slots start."""
    span = service.duration_minutes + service.buffer_minutes
    return max(STEP_MINUTES, math.ceil(span / STEP_MINUTES) * STEP_MINUTES)


def _wall_clock(day: date, minutes: int) -> datetime | None:
    """`minutes` after midnight on `day` in the clinic's zone, in UTC; None when the
    clocks skip that time that day."""
    naive = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    moment = naive.replace(tzinfo=CLINIC_TZ)
    utc = moment.astimezone(UTC)
    if utc.astimezone(CLINIC_TZ).replace(tzinfo=None) != naive:
        return None
    return utc


def _minutes(value) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class SlotRules:
    """The settings slots depend on (from the app's config, or a test's)."""

    notice: timedelta
    days_ahead: int

    @classmethod
    def from_config(cls, config) -> SlotRules:
        return cls(
            notice=timedelta(hours=config["BOOKING_NOTICE_HOURS"]),
            days_ahead=config["BOOKING_DAYS_AHEAD"],
        )


def horizon(now: datetime, days_ahead: int) -> datetime:
    """The end of the last bookable day: midnight (clinic time) `days_ahead` days on."""
    first = local(now).date()
    return _wall_clock(first + timedelta(days=days_ahead), 0) or now + timedelta(days=days_ahead)


def open_slots(
    service: Service,
    *,
    now: datetime,
    rules: SlotRules,
    mentor_id: int | None = None,
    exclude_booking_id: int | None = None,
    first_day: date | None = None,
    days: int | None = None,
) -> list[Slot]:
    """The open slots of `service`, soonest first: every active mentor's, or one's.

    `exclude_booking_id` leaves a booking out of what is busy (the one being moved).
    `first_day` and `days` narrow the days looked at (clinic dates), within the
    horizon of `rules.days_ahead` days from today.
    """
    earliest = now + rules.notice
    end = horizon(now, rules.days_ahead)
    today = local(now).date()
    first_day = max(first_day or today, today)
    last_day = local(end).date() - timedelta(days=1)
    if days is not None:
        last_day = min(last_day, first_day + timedelta(days=days - 1))
    if last_day < first_day or not service.is_active:
        return []
    range_start = max(earliest, _wall_clock(first_day, 0) or earliest)
    range_end = min(end, _wall_clock(last_day + timedelta(days=1), 0) or end)

    mentor_query = (
        select(Mentor)
        .where(Mentor.is_active.is_(True))
        .options(selectinload(Mentor.hours))
        .order_by(Mentor.name, Mentor.id)
    )
    if mentor_id is not None:
        mentor_query = mentor_query.where(Mentor.id == mentor_id)
    mentors = list(db.session.scalars(mentor_query))
    if not mentors:
        return []
    ids = [m.id for m in mentors]
    busy: dict[int, list[tuple[datetime, datetime]]] = {m.id: [] for m in mentors}
    for off in db.session.scalars(
        select(TimeOff).where(
            TimeOff.mentor_id.in_(ids),
            TimeOff.ends_at > range_start,
            TimeOff.starts_at < range_end,
        )
    ):
        busy[off.mentor_id].append((off.starts_at, off.ends_at))
    booking_query = select(Booking.mentor_id, Booking.starts_at, Booking.blocked_until).where(
        Booking.mentor_id.in_(ids),
        Booking.status.in_([str(s) for s in LIVE_STATUSES]),
        # A lapsed hold never blocks a slot.
        or_(
            Booking.status != BookingStatus.HELD,
            and_(Booking.hold_expires_at.is_not(None), Booking.hold_expires_at > now),
        ),
        Booking.blocked_until > range_start,
        Booking.starts_at < range_end + timedelta(minutes=service.buffer_minutes),
    )
    if exclude_booking_id is not None:
        booking_query = booking_query.where(Booking.id != exclude_booking_id)
    for row in db.session.execute(booking_query):
        busy[row.mentor_id].append((row.starts_at, row.blocked_until))

    duration = timedelta(minutes=service.duration_minutes)
    blocked = duration + timedelta(minutes=service.buffer_minutes)
    step = step_minutes(service)
    slots = []
    for mentor in mentors:
        taken = busy[mentor.id]
        day = first_day
        while day <= last_day:
            for hours in mentor.hours:
                if hours.weekday != day.weekday():
                    continue
                window_end = _wall_clock(day, _minutes(hours.ends))
                minute = _minutes(hours.starts)
                while minute + service.duration_minutes <= _minutes(hours.ends):
                    start = _wall_clock(day, minute)
                    minute += step
                    if start is None or start < earliest or start >= range_end:
                        continue
                    if window_end is not None and start + duration > window_end:
                        continue
                    if any(start < until and begin < start + blocked for begin, until in taken):
                        continue
                    slots.append(Slot(mentor.id, mentor.name, start, start + duration))
            day += timedelta(days=1)
    slots.sort(key=lambda s: (s.starts_at, s.mentor_name, s.mentor_id))
    return slots


def find_open_slot(
    service: Service,
    mentor_id: int,
    starts_at: datetime,
    *,
    now: datetime,
    rules: SlotRules,
    exclude_booking_id: int | None = None,
) -> Slot | None:
    """The open slot of `service` with this mentor at this start, or None."""
    for slot in open_slots(
        service,
        now=now,
        rules=rules,
        mentor_id=mentor_id,
        exclude_booking_id=exclude_booking_id,
        first_day=local(starts_at).date(),
        days=1,
    ):
        if slot.starts_at == starts_at:
            return slot
    return None


def nearest_slots(
    service: Service, wanted: datetime, *, now: datetime, rules: SlotRules, count: int = 6
) -> list[Slot]:
    """The `count` open slots closest to `wanted` (any mentor), in time order."""
    slots = open_slots(service, now=now, rules=rules)
    closest = sorted(slots, key=lambda s: (abs(s.starts_at - wanted), s.starts_at))[:count]
    return sorted(closest, key=lambda s: (s.starts_at, s.mentor_name))


@dataclass(frozen=True)
class SlotDay:
    day: date
    slots: list[Slot]


def by_day(slots: list[Slot]) -> list[SlotDay]:
    """Slots grouped by their clinic date, in order."""
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.local_start.date(), []).append(slot)
    return [SlotDay(day, items) for day, items in days.items()]


def format_clinic_time(moment: datetime | None, fmt: str = "%A {day} %B %Y, %H:%M") -> str:
    """A moment as the clinic says it: 'Monday 7 December 2026, 10:00' (UK time)."""
    if moment is None:
        return ""
    at = local(moment)
    return at.strftime(fmt).replace("{day}", str(at.day))
