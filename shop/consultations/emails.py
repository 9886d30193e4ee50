"""Every email about a booking, each with its calendar invitation: confirmed, changed
(moved), cancelled, and the reminder the day before. Stored in the outbox in the
caller's transaction (shop.mail.send_email), so an email exists only if the change it
tells of committed."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context

from shop.consultations.calendar import call_link, invitation, manage_url
from shop.consultations.models import Booking
from shop.consultations.slots import local
from shop.mail import send_email

SUBJECTS = {
    "confirmed": "Your {service} is booked",
    "changed": "Your {service} has moved",
    "cancelled": "Your {service} is cancelled",
    "reminder": "Reminder: your {service} tomorrow",
}


def when(booking: Booking) -> str:
    """'Monday 7 December 2026, 10:00 to 10:45 (UK time)'."""
    start, end = local(booking.starts_at), local(booking.ends_at)
    return f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} to {end:%H:%M} (UK time)"


def send_booking_email(booking: Booking, kind: str, *, refund_pence: int = 0) -> None:
    """Queue the `kind` email (confirmed, changed, cancelled, reminder) for a booking,
    with its .ics (METHOD:CANCEL for a cancellation). Once per change: the key names the
    booking, the kind and the invitation's SEQUENCE."""
    if not booking.email:
        return
    cancel = kind == "cancelled"
    subject = SUBJECTS[kind].format(service=booking.service.name)
    # Outside a request (the reminder command, a queued task) links are built on
    # SHOP_BASE_URL, as the email's templates are.
    context = (
        nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["SHOP_BASE_URL"])
    )
    with context:
        attachment = invitation(booking, cancel=cancel)
        link = manage_url(booking)
    send_email(
        booking.email,
        subject,
        f"email/booking_{kind}",
        kind=f"booking_{kind}",
        label=subject,
        dedupe_key=f"booking-{kind}:{booking.id}:{booking.sequence}:{booking.starts_at:%Y%m%d%H%M}",
        attachments=[attachment],
        booking=booking,
        when=when(booking),
        manage_url=link,
        call_link=call_link(booking),
        refund_pence=refund_pence,
    )
