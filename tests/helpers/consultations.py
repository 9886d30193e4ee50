"""A small clinic for the consultation tests: a paid and a free service, two mentors
working Monday to Friday 09:00-17:00 (UK time), one of them Saturday mornings too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from icalendar import Calendar
from sqlalchemy import select

from shop.consultations.models import Booking, Mentor, Service, WeeklyHours
from shop.extensions import db
from tests.helpers import page


@dataclass(frozen=True)
class Clinic:
    paid: int  # Holistic Skin Session: 45 min, 10 min buffer, £45
    free: int  # Product match call: 15 min, free
    ada: int  # mentor, weekdays and Saturday morning
    grace: int  # mentor, weekdays


def make_clinic(app) -> Clinic:
    with app.app_context():
        paid = Service(
            slug="holistic-skin-session",
            name="Holistic Skin Session",
            summary="A full look at your skin, gut and routine.",
            description="We talk it through.\n\nYou leave with a plan.",
            duration_minutes=45,
            buffer_minutes=10,
            price_pence=4500,
            format="video",
        )
        free = Service(
            slug="product-match-call",
            name="Product match call",
            duration_minutes=15,
            buffer_minutes=10,
            price_pence=0,
            format="video",
            position=1,
        )
        ada = Mentor(name="Ada Skin", call_url="https://video.example/ada")
        grace = Mentor(name="Grace Barrier", call_url="https://video.example/grace")
        for mentor in (ada, grace):
            for weekday in range(5):
                mentor.hours.append(WeeklyHours(weekday=weekday, starts=time(9), ends=time(17)))
        ada.hours.append(WeeklyHours(weekday=5, starts=time(9), ends=time(13)))
        db.session.add_all([paid, free, ada, grace])
        db.session.commit()
        return Clinic(paid.id, free.id, ada.id, grace.id)


def slot_keys(response) -> list[str]:
    """Every slot button's value on a page, in page order."""
    return [b["value"] for b in page(response).select("button[name=slot]")]


def hold(client, slug: str, slot: str):
    response = client.post(f"/consultations/{slug}", data={"slot": slot})
    assert response.status_code == 303, response.status_code
    token = re.fullmatch(r".*/bookings/([\w-]+)", response.headers["Location"]).group(1)
    return token


DETAILS = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "concerns": [],
    "notes": "Rosacea flares after coffee.",
    "consent": "y",
}


def give_details(client, token: str, **changes):
    data = {**DETAILS, **changes}
    return client.post(f"/bookings/{token}/details", data=data)


def booking_by_token(app, token: str) -> Booking:
    with app.app_context():
        booking = db.session.scalar(select(Booking).where(Booking.token == token))
        db.session.expunge(booking)
        return booking


def all_bookings(app) -> list[Booking]:
    with app.app_context():
        found = db.session.scalars(select(Booking).order_by(Booking.id)).all()
        for booking in found:
            db.session.expunge(booking)
        return list(found)


def calendar_of(mail) -> tuple[Calendar, str]:
    """The .ics attached to a received email, parsed, and its Content-Type."""
    for part in mail.message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True)), part["Content-Type"]
    raise AssertionError("no text/calendar part")
