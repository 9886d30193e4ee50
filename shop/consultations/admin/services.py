"""What the consultations' staff pages need: the calendar of bookings (a mentor sees
their own), and the services, mentors, hours and time off that admins keep. Every
change is audited in its transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shop.admin.models import StaffUser
from shop.backoffice.audit import changed_values, record_audit
from shop.backoffice.roles import Role
from shop.consultations.models import Booking, BookingStatus, Mentor, Service, TimeOff, WeeklyHours
from shop.consultations.slots import CLINIC_TZ, local
from shop.extensions import db
from shop.models import utcnow
from shop.text import normalise_email

SHOWN = (BookingStatus.CONFIRMED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED)


class ManageError(Exception):
    """Something staff asked for that cannot be done; the message says why."""


def is_admin(user) -> bool:
    return user.role == Role.ADMIN


def mentor_of(user) -> Mentor | None:
    return db.session.scalar(select(Mentor).where(Mentor.staff_user_id == user.id))


def visible_to(user, query):
    """Admins see every booking; anyone else only their own mentor's (none if they are
    no mentor)."""
    if is_admin(user):
        return query
    mentor = mentor_of(user)
    return query.where(Booking.mentor_id == (mentor.id if mentor else -1))


def booking_for(user, booking_id: int) -> Booking | None:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.status in (BookingStatus.HELD, BookingStatus.EXPIRED):
        return None
    if not is_admin(user):
        mentor = mentor_of(user)
        if mentor is None or booking.mentor_id != mentor.id:
            return None
    return booking


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CLINIC_TZ)


def bookings_between(user, first: date, days: int) -> list[Booking]:
    """The bookings staff see from `first` for `days` clinic days, by start."""
    query = (
        select(Booking)
        .where(
            Booking.status.in_([str(s) for s in SHOWN]),
            Booking.starts_at >= _midnight(first),
            Booking.starts_at < _midnight(first + timedelta(days=days)),
        )
        .options(joinedload(Booking.mentor), joinedload(Booking.service))
        .order_by(Booking.starts_at, Booking.id)
    )
    return list(db.session.scalars(visible_to(user, query)))


def upcoming_counts(user, now: datetime | None = None) -> dict:
    """For the dashboard: today's and this week's (Monday to Sunday) confirmed sessions."""
    today = local(now or utcnow()).date()
    monday = today - timedelta(days=today.weekday())
    week = [b for b in bookings_between(user, monday, 7) if b.status == BookingStatus.CONFIRMED]
    return {
        "today": [b for b in week if local(b.starts_at).date() == today],
        "week": week,
    }


def all_services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.position, Service.id)))


def all_mentors() -> list[Mentor]:
    return list(db.session.scalars(select(Mentor).order_by(Mentor.name, Mentor.id)))


SERVICE_FIELDS = (
    "name",
    "slug",
    "summary",
    "description",
    "duration_minutes",
    "buffer_minutes",
    "price_pence",
    "format",
    "location",
    "is_active",
)


def save_service(service: Service | None, values: dict, *, staff, ip=None) -> Service:
    clash = db.session.scalar(select(Service).where(Service.slug == values["slug"]))
    if clash is not None and clash is not service:
        raise ManageError("Another service has that address name.")
    created = service is None
    service = service or Service()
    before = {key: getattr(service, key, None) for key in SERVICE_FIELDS}
    for key in SERVICE_FIELDS:
        setattr(service, key, values[key])
    db.session.add(service)
    db.session.flush()
    old, new = changed_values(before, values)
    record_audit(
        staff,
        "consultation_service.create" if created else "consultation_service.update",
        "consultation_service",
        service.id,
        f"{'Added' if created else 'Changed'} the service {service.name}",
        before=None if created else old,
        after=new,
        ip=ip,
    )
    return service


def save_mentor(mentor: Mentor | None, values: dict, *, staff, ip=None) -> Mentor:
    staff_user_id = None
    email = normalise_email(values.pop("staff_email", ""))
    if email:
        account = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        if account is None:
            raise ManageError("No staff account has that email. Create it under Staff first.")
        taken = db.session.scalar(select(Mentor).where(Mentor.staff_user_id == account.id))
        if taken is not None and taken is not mentor:
            raise ManageError("That staff account is already another mentor's.")
        staff_user_id = account.id
    created = mentor is None
    mentor = mentor or Mentor()
    before = {key: getattr(mentor, key, None) for key in (*values, "staff_user_id")}
    for key, value in values.items():
        setattr(mentor, key, value)
    mentor.staff_user_id = staff_user_id
    db.session.add(mentor)
    db.session.flush()
    old, new = changed_values(before, {**values, "staff_user_id": staff_user_id})
    record_audit(
        staff,
        "mentor.create" if created else "mentor.update",
        "mentor",
        mentor.id,
        f"{'Added' if created else 'Changed'} the mentor {mentor.name}",
        before=None if created else old,
        after=new,
        ip=ip,
    )
    return mentor


def add_hours(mentor: Mentor, weekday: int, starts: time, ends: time, *, staff, ip=None) -> None:
    for hours in mentor.hours:
        if hours.weekday == weekday and hours.starts < ends and starts < hours.ends:
            raise ManageError("These hours overlap hours the mentor already has that day.")
    mentor.hours.append(WeeklyHours(weekday=weekday, starts=starts, ends=ends))
    db.session.flush()
    record_audit(
        staff,
        "mentor.hours_add",
        "mentor",
        mentor.id,
        f"Added hours for {mentor.name}",
        after={"weekday": weekday, "starts": starts.isoformat(), "ends": ends.isoformat()},
        ip=ip,
    )


def remove_hours(mentor: Mentor, hours_id: int, *, staff, ip=None) -> bool:
    hours = db.session.get(WeeklyHours, hours_id)
    if hours is None or hours.mentor_id != mentor.id:
        return False
    summary = {"weekday": hours.weekday, "starts": hours.starts.isoformat()}
    mentor.hours.remove(hours)
    db.session.flush()
    record_audit(
        staff,
        "mentor.hours_remove",
        "mentor",
        mentor.id,
        f"Removed hours of {mentor.name}",
        before=summary,
        ip=ip,
    )
    return True


def time_off_of(mentor: Mentor) -> list[TimeOff]:
    return list(
        db.session.scalars(
            select(TimeOff)
            .where(TimeOff.mentor_id == mentor.id, TimeOff.ends_at > utcnow())
            .order_by(TimeOff.starts_at)
        )
    )


def add_time_off(mentor: Mentor, first: date, last: date, reason: str, *, staff, ip=None):
    """Whole clinic days off, from the start of `first` to the end of `last`. Bookings
    already made stay: staff move or cancel them."""
    off = TimeOff(
        mentor_id=mentor.id,
        starts_at=_midnight(first),
        ends_at=_midnight(last + timedelta(days=1)),
        reason=reason,
    )
    db.session.add(off)
    db.session.flush()
    record_audit(
        staff,
        "mentor.time_off_add",
        "mentor",
        mentor.id,
        f"Added time off for {mentor.name}: {first.isoformat()} to {last.isoformat()}",
        after={"reason": reason},
        ip=ip,
    )
    return off


def remove_time_off(mentor: Mentor, off_id: int, *, staff, ip=None) -> bool:
    off = db.session.get(TimeOff, off_id)
    if off is None or off.mentor_id != mentor.id:
        return False
    db.session.delete(off)
    db.session.flush()
    record_audit(
        staff,
        "mentor.time_off_remove",
        "mentor",
        mentor.id,
        f"Removed time off of {mentor.name}",
        before={"starts_at": off.starts_at.isoformat()},
        ip=ip,
    )
    return True
