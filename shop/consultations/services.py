"""Booking rules: holding a slot, the shopper's details, paying or confirming, moving,
cancelling (with the refund that is due), no-shows, reminders, lapsed holds and the
erasure of health notes.

Every change to a mentor's bookings starts by locking the mentor (`lock_mentors`: an
UPDATE of the mentor's row, the transaction's first write). On PostgreSQL that is a row
lock held to the commit; on SQLite the first write takes the database's write lock,
which writers wait for in turn. Either way the check that a slot is open and the write
that takes it are one step, and of two shoppers pressing the same slot one gets it and
the other `SlotTaken`; the unique index on live bookings stands behind that.

Functions flush and never commit, except where a payment provider is called (they
say so); the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from shop.backoffice.audit import record_audit
from shop.consultations.emails import send_booking_email, when
from shop.consultations.models import (
    Booking,
    BookingStatus,
    Mentor,
    Service,
    ServiceLabels,
)
from shop.consultations.slots import (
    Slot,
    SlotRules,
    find_open_slot,
    nearest_slots,
    parse_slot_key,
)
from shop.extensions import db
from shop.loading import plain_rows
from shop.models import utcnow
from shop.payments.gateway import PaymentError, PaymentRequest
from shop.payments.providers import get_gateway
from shop.text import is_token, new_token, normalise_email

# Stripe Checkout sessions last at least 30 minutes: a booking's payment window, as an
# order's (shop.checkout.services.PAYMENT_WINDOW).
PAYMENT_WINDOW = timedelta(minutes=31)
PURPOSE = "booking"


class BookingError(Exception):
    """A change the booking's state or timing does not allow; the message is for people."""


class SlotTaken(BookingError):
    """The slot is no longer open (just taken, or never was): here are the nearest."""

    def __init__(self, nearest: list[Slot]):
        super().__init__("Sorry, that time was just taken.")
        self.nearest = nearest


class HoldLapsed(BookingError):
    def __init__(self) -> None:
        super().__init__(
            "We kept that time for you for a while, but it has passed. Please pick a time again."
        )


def rules() -> SlotRules:
    return SlotRules.from_config(current_app.config)


def change_deadline(booking: Booking) -> datetime:
    """Until when the shopper may move the booking or cancel it with a full refund."""
    return booking.starts_at - timedelta(hours=current_app.config["BOOKING_CHANGE_HOURS"])


# Reading ------------------------------------------------------------------------------


def active_services() -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.is_active.is_(True))
            .order_by(Service.position, Service.id)
        )
    )


def service_by_slug(slug: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.slug == slug[:120]))


@dataclass(frozen=True, slots=True)
class ServiceCard(ServiceLabels):
    """An active service as an article's booking card shows it, read as a plain row."""

    slug: str
    name: str
    summary: str
    duration_minutes: int
    price_pence: int
    format: str


def services_by_slugs(slugs) -> dict[str, ServiceCard]:
    """Active services by slug, as plain rows of one statement (for an article's
    booking cards, which change none of them)."""
    slugs = list(slugs)
    if not slugs:
        return {}
    rows = plain_rows(_services_by_slugs_statement(), {"slugs": slugs})
    return {row.slug: ServiceCard(*row) for row in rows}


@cache
def _services_by_slugs_statement() -> Select:
    """Built once per process: an article page asks on every view (docs/architecture.md,
    "Statements on hot paths")."""
    slugs = bindparam("slugs", expanding=True)
    return select(
        Service.slug,
        Service.name,
        Service.summary,
        Service.duration_minutes,
        Service.price_pence,
        Service.format,
    ).where(Service.slug.in_(slugs), Service.is_active.is_(True))


def active_mentors() -> list[Mentor]:
    return list(
        db.session.scalars(select(Mentor).where(Mentor.is_active.is_(True)).order_by(Mentor.name))
    )


def booking_by_token(token: str | None) -> Booking | None:
    if not is_token(token):
        return None
    return db.session.scalar(select(Booking).where(Booking.token == token))


def bookings_for_email(email: str) -> list[Booking]:
    """A customer's bookings (matched by email, as their orders are), newest first."""
    email = normalise_email(email)
    if not email:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                func.lower(Booking.email) == email,
                Booking.status.in_(
                    [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW]
                ),
            )
            .order_by(Booking.starts_at.desc())
        )
    )


def hold_is_live(booking: Booking, now: datetime) -> bool:
    return (
        booking.status == BookingStatus.HELD
        and booking.hold_expires_at is not None
        and booking.hold_expires_at > now
    )


# Locking ------------------------------------------------------------------------------


def lock_mentors(*mentor_ids: int) -> bool:
    """Lock the mentors' rows until the transaction ends (in id order, so two changes
    locking the same two mentors cannot wait on each other). False when one does not
    exist."""
    locked = 0
    for mentor_id in sorted(set(mentor_ids)):
        locked += db.session.execute(
            update(Mentor)
            .where(Mentor.id == mentor_id)
            .values(lock_version=Mentor.lock_version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return locked == len(set(mentor_ids))


def _expire_lapsed_holds(mentor_id: int, now: datetime) -> None:
    """Under the mentor's lock: holds whose time (and payment window) has passed stop
    being live, so the unique index lets their slot be taken again."""
    db.session.execute(
        update(Booking)
        .where(
            Booking.mentor_id == mentor_id,
            Booking.status == BookingStatus.HELD,
            Booking.hold_expires_at <= now,
        )
        .values(status=BookingStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )


def _taken(service: Service, wanted: datetime, now: datetime) -> SlotTaken:
    return SlotTaken(nearest_slots(service, wanted, now=now, rules=rules()))


# Holding a slot -----------------------------------------------------------------------


def hold_slot(service: Service, slot: str | None, now: datetime | None = None) -> Booking:
    """Hold the slot `slot` (a posted slot key) of `service` for the shopper's details:
    a new held booking (flushed). Raises SlotTaken when it is not open."""
    now = now or utcnow()
    parsed = parse_slot_key(slot)
    if parsed is None or not service.is_active:
        raise _taken(service, now, now)
    mentor_id, starts_at = parsed
    # A slot already taken is refused without waiting for the lock; one that looks
    # open is checked again under it.
    if find_open_slot(service, mentor_id, starts_at, now=now, rules=rules()) is None:
        raise _taken(service, starts_at, now)
    if not lock_mentors(mentor_id):
        raise _taken(service, starts_at, now)
    _expire_lapsed_holds(mentor_id, now)
    found = find_open_slot(service, mentor_id, starts_at, now=now, rules=rules())
    if found is None:
        raise _taken(service, starts_at, now)
    hold = timedelta(minutes=current_app.config["BOOKING_HOLD_MINUTES"])
    booking = Booking(
        token=new_token(),
        service_id=service.id,
        mentor_id=mentor_id,
        status=BookingStatus.HELD,
        starts_at=found.starts_at,
        ends_at=found.ends_at,
        blocked_until=found.ends_at + timedelta(minutes=service.buffer_minutes),
        hold_expires_at=now + hold,
        price_pence=service.price_pence,
        currency=service.currency,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:
        raise _taken(service, starts_at, now) from None
    return booking


# The shopper's details, then payment or confirmation ------------------------------------


@dataclass(frozen=True)
class Details:
    name: str
    email: str
    concerns: list[str]  # concern names
    notes: str
    consent: bool


def save_details(booking: Booking, details: Details, now: datetime | None = None) -> None:
    """Keep who the held booking is for (flushes). Raises HoldLapsed when the hold has
    passed, BookingError without the consent to keep health notes."""
    now = now or utcnow()
    if not hold_is_live(booking, now):
        raise HoldLapsed()
    if not details.consent:
        raise BookingError("Please agree that we keep these notes for your session.")
    booking.name = details.name.strip()[:120]
    booking.email = normalise_email(details.email)[:254]
    booking.concerns = "\n".join(details.concerns)[:500]
    booking.notes = details.notes.strip()
    booking.consented_at = now
    db.session.flush()


def confirm_free_booking(booking: Booking, now: datetime | None = None) -> bool:
    """A free session's held booking becomes confirmed, once, with its email (flushes).
    False when the hold had lapsed or it was already confirmed."""
    now = now or utcnow()
    confirmed = db.session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.HELD,
            Booking.price_pence == 0,
            Booking.hold_expires_at > now,
        )
        .values(status=BookingStatus.CONFIRMED, confirmed_at=now, hold_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(booking)
    if confirmed:
        send_booking_email(booking, "confirmed")
    return bool(confirmed)


def start_payment(
    booking: Booking, *, success_url: str, cancel_url: str, now: datetime | None = None
) -> str:
    """Open (or reopen) the provider's payment page for a held paid booking and return
    its address. The hold then lasts as long as the payment window, so it ends when
    the page can no longer be paid. Raises HoldLapsed, or PaymentError from the provider.
    """
    now = now or utcnow()
    if not hold_is_live(booking, now):
        raise HoldLapsed()
    gateway = get_gateway()
    if booking.payment_session_id:
        session = gateway.retrieve_session(booking.payment_session_id)
        if session.status == "open" and session.url:
            return session.url
        raise HoldLapsed()
    expires_at = now + PAYMENT_WINDOW
    service, mentor = booking.service, booking.mentor
    request = PaymentRequest(
        description=f"{service.name} with {mentor.name}, {when(booking)}",
        amount_pence=booking.price_pence,
        currency=booking.currency,
        metadata={"purpose": PURPOSE, "booking_id": str(booking.id)},
        reference=f"booking-{booking.id}",
        customer_email=booking.email,
        expires_at=expires_at,
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"booking-payment-{booking.id}",
    )
    session = gateway.create_payment(request)
    kept = db.session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.HELD,
            Booking.hold_expires_at > now,
            Booking.payment_session_id.is_(None),
        )
        .values(payment_session_id=session.id, hold_expires_at=expires_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not kept:
        gateway.expire_session(session.id)
        raise HoldLapsed()
    db.session.refresh(booking)
    return session.url


def _booking_for_session(session) -> Booking | None:
    booking = db.session.scalar(select(Booking).where(Booking.payment_session_id == session.id))
    if booking is None:
        booking_id = str(session.metadata.get("booking_id") or "")
        if booking_id.isdigit():
            found = db.session.get(Booking, int(booking_id))
            if found is not None and found.payment_session_id in (None, session.id):
                booking = found
    return booking


def record_booking_payment(session_id: str, now: datetime | None = None) -> Booking | None:
    """Ask the provider about a booking's payment session and, if it is paid, confirm the
    booking exactly once (commits). Called by the webhook and the return page, maybe
    both at once: the held booking becomes confirmed in one conditional UPDATE, so only
    one of them sends the confirmation.

    A payment that arrives after the hold lapsed confirms the booking when its time is
    still open, else is refunded in full and the booking stays cancelled. Returns the
    booking, or None when the session is not a booking's.
    """
    now = now or utcnow()
    session = get_gateway().retrieve_session(session_id)
    booking = _booking_for_session(session)
    if booking is None:
        return None
    if not session.is_paid:
        return booking
    paid = session.amount_total or 0
    confirmed = db.session.execute(
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.HELD,
            Booking.paid_pence == 0,
            or_(Booking.payment_session_id.is_(None), Booking.payment_session_id == session.id),
        )
        .values(
            status=BookingStatus.CONFIRMED,
            confirmed_at=now,
            hold_expires_at=None,
            payment_session_id=session.id,
            payment_intent_id=session.payment_intent_id,
            paid_pence=paid,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if confirmed:
        db.session.refresh(booking)
        send_booking_email(booking, "confirmed")
        db.session.commit()
        return booking
    db.session.rollback()
    booking = db.session.get(Booking, booking.id)
    if booking.status == BookingStatus.EXPIRED and booking.paid_pence == 0:
        _late_payment(booking, session, now)
    return booking


def _late_payment(booking: Booking, session, now: datetime) -> None:
    """A payment for a hold that had lapsed: confirm if the time is still open, else
    give the money back (commits)."""
    service = booking.service
    lock_mentors(booking.mentor_id)
    _expire_lapsed_holds(booking.mentor_id, now)
    still_open = find_open_slot(
        service,
        booking.mentor_id,
        booking.starts_at,
        now=now,
        rules=rules(),
        exclude_booking_id=booking.id,
    )
    values = {
        "payment_session_id": session.id,
        "payment_intent_id": session.payment_intent_id,
        "paid_pence": session.amount_total or 0,
        "hold_expires_at": None,
    }
    if still_open is not None:
        values |= {"status": BookingStatus.CONFIRMED, "confirmed_at": now}
    else:
        values |= {
            "status": BookingStatus.CANCELLED,
            "cancelled_at": now,
            "cancel_reason": "Paid after the hold lapsed and the time was taken: refunded.",
            "refunded_pence": session.amount_total or 0,
        }
    claim = (
        update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.status == BookingStatus.EXPIRED,
            Booking.paid_pence == 0,
        )
        .execution_options(synchronize_session=False)
    )
    try:
        with db.session.begin_nested():
            claimed = db.session.execute(claim.values(**values)).rowcount
    except IntegrityError:  # the unique index: the time was taken after all
        values |= {
            "status": BookingStatus.CANCELLED,
            "cancelled_at": now,
            "cancel_reason": "Paid after the hold lapsed and the time was taken: refunded.",
            "refunded_pence": session.amount_total or 0,
        }
        claimed = db.session.execute(claim.values(**values)).rowcount
    if not claimed:
        db.session.rollback()
        return
    db.session.refresh(booking)
    if booking.status == BookingStatus.CANCELLED and session.payment_intent_id:
        try:
            get_gateway().refund(
                session.payment_intent_id,
                booking.refunded_pence,
                idempotency_key=f"booking-refund-{booking.id}",
            )
        except PaymentError:
            db.session.rollback()
            raise
        booking.sequence += 1
        send_booking_email(booking, "cancelled", refund_pence=booking.refunded_pence)
    else:
        send_booking_email(booking, "confirmed")
    db.session.commit()


def end_payment_session(session_id: str, now: datetime | None = None) -> str:
    """A booking's payment session expired or failed: its hold ends (commits)."""
    now = now or utcnow()
    session = get_gateway().retrieve_session(session_id)
    booking = _booking_for_session(session)
    if booking is None:
        return "no booking"
    if session.is_paid or session.status == "open":
        return "ignored"
    ended = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.HELD)
        .values(status=BookingStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return f"booking {booking.id} hold ended" if ended else f"booking {booking.id} unchanged"


def expire_lapsed_holds(now: datetime | None = None) -> int:
    """The periodic sweep: every hold whose time has passed stops being live (commits
    each). A hold with a payment page is first closed at the provider, so a slot is
    never freed while it can still be paid for; one found paid is confirmed instead."""
    now = now or utcnow()
    lapsed = db.session.execute(
        select(Booking.id, Booking.payment_session_id).where(
            Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= now
        )
    ).all()
    db.session.commit()
    ended = 0
    for booking_id, session_id in lapsed:
        if session_id:
            try:
                session = get_gateway().expire_session(session_id)
            except PaymentError:
                db.session.rollback()
                continue
            if session.is_paid:
                record_booking_payment(session_id, now)
                continue
        ended += db.session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.status == BookingStatus.HELD)
            .values(status=BookingStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    return ended


# Moving and cancelling ---------------------------------------------------------------


def can_change(booking: Booking, now: datetime) -> bool:
    """Whether the shopper may still move the booking (and cancel with a refund)."""
    return booking.status == BookingStatus.CONFIRMED and now < change_deadline(booking)


def can_cancel(booking: Booking, now: datetime) -> bool:
    return booking.status == BookingStatus.CONFIRMED and now < booking.starts_at


def refund_due(booking: Booking, now: datetime) -> int:
    """What a shopper's cancellation now would refund: everything paid if in time."""
    if not can_change(booking, now):
        return 0
    return booking.paid_pence - booking.refunded_pence


def reschedule(
    booking: Booking,
    slot: str | None,
    *,
    now: datetime | None = None,
    staff=None,
    ip: str | None = None,
) -> None:
    """Move a confirmed booking to another open slot of its service (flushes) and send
    the updated invitation. The shopper may until the change deadline; staff any time
    before the session. Raises BookingError or SlotTaken."""
    now = now or utcnow()
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError("Only a confirmed booking can be moved.")
    if staff is None and not can_change(booking, now):
        raise BookingError(
            f"Bookings can be moved until {current_app.config['BOOKING_CHANGE_HOURS']} "
            "hours before they start. Please contact us."
        )
    parsed = parse_slot_key(slot)
    service = booking.service
    if parsed is None:
        raise _taken(service, booking.starts_at, now)
    mentor_id, starts_at = parsed
    before = {"mentor_id": booking.mentor_id, "starts_at": booking.starts_at.isoformat()}
    if not lock_mentors(mentor_id, booking.mentor_id):
        raise _taken(service, starts_at, now)
    _expire_lapsed_holds(mentor_id, now)
    found = find_open_slot(
        service, mentor_id, starts_at, now=now, rules=rules(), exclude_booking_id=booking.id
    )
    if found is None:
        raise _taken(service, starts_at, now)
    moved = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.CONFIRMED)
        .values(
            mentor_id=mentor_id,
            starts_at=found.starts_at,
            ends_at=found.ends_at,
            blocked_until=found.ends_at + timedelta(minutes=service.buffer_minutes),
            sequence=Booking.sequence + 1,
            reminded_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise BookingError("This booking has just been changed. Please look again.")
    db.session.refresh(booking)
    if staff is not None:
        record_audit(
            staff,
            "booking.move",
            "booking",
            booking.id,
            f"Moved booking {booking.id} to {when(booking)}",
            before=before,
            after={"mentor_id": mentor_id, "starts_at": found.starts_at.isoformat()},
            ip=ip,
        )
    send_booking_email(booking, "changed")


def cancel_booking(
    booking: Booking,
    *,
    now: datetime | None = None,
    staff=None,
    refund: bool | None = None,
    reason: str = "",
    ip: str | None = None,
) -> int:
    """Cancel a booking and give back what is due (flushes; the caller commits, or rolls
    back when the refund raises PaymentError). A held booking is simply let go. Returns
    the pence refunded.

    The shopper may cancel a confirmed booking until it starts; a paid one cancelled
    before the change deadline is refunded in full, later ones are not. Staff choose
    (`refund`) whether to refund what is left of the payment.
    """
    now = now or utcnow()
    if booking.status == BookingStatus.HELD and staff is None:
        db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == BookingStatus.HELD)
            .values(status=BookingStatus.CANCELLED, cancelled_at=now, hold_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(booking)
        return 0
    if staff is None and not can_cancel(booking, now):
        raise BookingError("This booking can no longer be cancelled here. Please contact us.")
    amount = refund_due(booking, now) if staff is None else 0
    if staff is not None and refund:
        amount = booking.paid_pence - booking.refunded_pence
    claimed = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.CONFIRMED)
        .values(
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            cancel_reason=(reason or ("Cancelled by staff" if staff else "Cancelled online"))[:300],
            refunded_pence=Booking.refunded_pence + amount,
            sequence=Booking.sequence + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise BookingError("This booking has already been cancelled or changed.")
    db.session.refresh(booking)
    if amount > 0 and booking.payment_intent_id:
        get_gateway().refund(
            booking.payment_intent_id, amount, idempotency_key=f"booking-refund-{booking.id}"
        )
    if staff is not None:
        record_audit(
            staff,
            "booking.cancel",
            "booking",
            booking.id,
            f"Cancelled booking {booking.id}"
            + (f" and refunded {amount / 100:.2f}" if amount else " without a refund"),
            after={"refunded_pence": amount, "reason": booking.cancel_reason},
            ip=ip,
        )
    send_booking_email(booking, "cancelled", refund_pence=amount)
    return amount


def mark_no_show(booking: Booking, *, staff, now: datetime | None = None, ip=None) -> None:
    """Staff: the shopper did not come (only once the session has started)."""
    now = now or utcnow()
    if booking.starts_at > now:
        raise BookingError("A booking can be marked as a no-show only once it has started.")
    marked = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.NO_SHOW)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not marked:
        raise BookingError("Only a confirmed booking can be marked as a no-show.")
    db.session.refresh(booking)
    record_audit(
        staff, "booking.no_show", "booking", booking.id, f"Booking {booking.id}: no-show", ip=ip
    )


def staff_book(
    service: Service,
    slot: str | None,
    details: Details,
    *,
    staff,
    now: datetime | None = None,
    ip: str | None = None,
) -> Booking:
    """Staff book a slot for a customer: confirmed at once (payment, if any, taken
    elsewhere), with the confirmation email. Raises SlotTaken."""
    now = now or utcnow()
    booking = hold_slot(service, slot, now)
    booking.name = details.name.strip()[:120]
    booking.email = normalise_email(details.email)[:254]
    booking.concerns = "\n".join(details.concerns)[:500]
    booking.notes = details.notes.strip()
    booking.consented_at = now if details.consent else None
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.hold_expires_at = None
    booking.booked_by_staff_id = staff.id
    db.session.flush()
    record_audit(
        staff,
        "booking.create",
        "booking",
        booking.id,
        f"Booked {service.name} for {booking.email} on {when(booking)}",
        after={"mentor_id": booking.mentor_id, "starts_at": booking.starts_at.isoformat()},
        ip=ip,
    )
    send_booking_email(booking, "confirmed")
    return booking


def save_staff_notes(booking: Booking, notes: str, *, staff, ip=None) -> None:
    before = booking.staff_notes
    booking.staff_notes = notes.strip()
    db.session.flush()
    record_audit(
        staff,
        "booking.notes",
        "booking",
        booking.id,
        f"Changed the private notes of booking {booking.id}",
        before={"length": len(before)},
        after={"length": len(booking.staff_notes)},
        ip=ip,
    )


# Reminders and keeping health notes no longer than needed ----------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every confirmed booking starting within 24 hours that has
    not had one (commits each). Safe to run twice at once: each booking is claimed by
    one conditional UPDATE of `reminded_at`, so one run sends its reminder."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Booking.id).where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminded_at.is_(None),
            Booking.starts_at > now,
            Booking.starts_at <= now + timedelta(hours=24),
        )
    ).all()
    db.session.commit()
    sent = 0
    for booking_id in due:
        claimed = db.session.execute(
            update(Booking)
            .where(
                Booking.id == booking_id,
                Booking.reminded_at.is_(None),
                Booking.status == BookingStatus.CONFIRMED,
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            send_booking_email(db.session.get(Booking, booking_id), "reminder")
            sent += 1
        db.session.commit()
    return sent


def _erase_notes(condition) -> int:
    return db.session.execute(
        update(Booking)
        .where(condition, or_(Booking.notes != "", Booking.concerns != ""))
        .values(concerns="", notes="", notes_erased_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def erase_health_notes_for(email: str) -> int:
    """Erase the health notes of every booking made with this address (flushes): the
    customer's account is being erased."""
    email = normalise_email(email)
    if not email:
        return 0
    return _erase_notes(func.lower(Booking.email) == email)


def erase_old_health_notes(now: datetime | None = None) -> int:
    """Erase the health notes of sessions long past, and of holds never confirmed
    (commits): kept only as long as needed."""
    now = now or utcnow()
    keep = timedelta(days=current_app.config["BOOKING_NOTES_KEEP_DAYS"])
    erased = _erase_notes(
        or_(
            Booking.ends_at < now - keep,
            and_(
                Booking.status.in_([BookingStatus.EXPIRED, BookingStatus.CANCELLED]),
                Booking.confirmed_at.is_(None),
                Booking.created_at < now - timedelta(days=1),
            ),
        )
    )
    db.session.commit()
    return erased
