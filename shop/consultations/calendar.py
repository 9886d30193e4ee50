"""Calendar invitations for bookings (RFC 5545, written by the `icalendar` library).

One booking is one event for ever: its UID never changes, and every change sent goes
with a higher SEQUENCE (`Booking.sequence`), so calendar programs update the event
they already have; a cancellation is sent with METHOD:CANCEL and STATUS:CANCELLED.
Times are written in UTC (`...Z`), which every calendar program reads the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from shop.consultations.models import Booking
from shop.mail import Attachment
from shop.models import utcnow
from shop.urls import absolute_url

PRODUCT_ID = "-//Flora & Barrier//Consultations//EN"


def event_uid(booking: Booking) -> str:
    """The event's UID: the booking's id at the shop's host (never its private token)."""
    host = urlsplit(current_app.config.get("SHOP_BASE_URL") or "").hostname or "shop.invalid"
    return f"booking-{booking.id}@{host}"


def manage_url(booking: Booking) -> str:
    return absolute_url("consultations.manage_booking", token=booking.token)


def call_link(booking: Booking) -> str:
    """Where the session happens: the mentor's video room, or the clinic's address."""
    if booking.service.format == "video":
        return booking.mentor.call_url
    return booking.service.location


def booking_calendar(booking: Booking, *, cancel: bool = False, now: datetime | None = None):
    """The booking as an iCalendar object: METHOD REQUEST, or CANCEL when `cancel`."""
    service, mentor = booking.service, booking.mentor
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (now or utcnow()).astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(UTC))
    event.add("dtend", booking.ends_at.astimezone(UTC))
    event.add("summary", f"{service.name} with {mentor.name}")
    link = call_link(booking)
    lines = [
        f"Your {service.name} ({service.duration_minutes} minutes) with {mentor.name}.",
    ]
    if service.format == "video" and link:
        lines.append(f"Join the video call: {link}")
    elif link:
        lines.append(f"Where: {link}")
    lines.append(f"See, move or cancel your booking: {manage_url(booking)}")
    event.add("description", "\n".join(lines))
    if link:
        event.add("location", link)
        if service.format == "video":
            event.add("url", link)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    sender = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1]
    if sender:
        organizer = vCalAddress(f"mailto:{sender}")
        organizer.params["cn"] = vText(current_app.config["SHOP_NAME"])
        event.add("organizer", organizer)
    if booking.email:
        attendee = vCalAddress(f"mailto:{booking.email}")
        if booking.name:
            attendee.params["cn"] = vText(booking.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar


def invitation(booking: Booking, *, cancel: bool = False) -> Attachment:
    """The booking's .ics file, for an email."""
    method = "CANCEL" if cancel else "REQUEST"
    return Attachment(
        filename="cancelled-session.ics" if cancel else "session.ics",
        content_type=f"text/calendar; method={method}; charset=UTF-8",
        data=booking_calendar(booking, cancel=cancel).to_ical(),
    )
