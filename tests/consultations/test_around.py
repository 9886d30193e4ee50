"""Bookings around the shop: the booking card in articles (constant queries), the
customer's account (their sessions, erasing their health notes), and the mail kernel's
attachments."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar

from shop.consultations.models import Service
from shop.extensions import db
from shop.mail import Attachment, send_email
from shop.mail.models import OutgoingEmail
from tests.factories import ArticleFactory
from tests.helpers import page
from tests.helpers.consultations import (
    booking_by_token,
    give_details,
    hold,
    make_clinic,
    slot_keys,
)


def test_an_articles_booking_card_links_to_the_service_with_constant_queries(
    app, client, count_queries
):
    make_clinic(app)
    with app.app_context():
        ArticleFactory(
            slug="calm-skin",
            body=(
                "## Calm\n\nWords.\n\n[[book holistic-skin-session]]\n\nMore [[book nope]] words.\n"
            ),
        )
        ArticleFactory(slug="plain", body="## Plain\n\nWords.\n")
        db.session.commit()
    soup = page(client.get("/journal/calm-skin"))
    (card,) = soup.select("[data-booking-card]")
    assert card["data-booking-card"] == "holistic-skin-session"
    assert "£45.00" in card.get_text() and "45 minutes" in card.get_text()
    assert "Video call" in card.get_text()
    assert card.select_one("a")["href"] == "/consultations/holistic-skin-session"
    assert "[[book" not in soup.get_text()
    client.get("/journal/plain")
    with count_queries() as plain:
        client.get("/journal/plain")
    with count_queries() as with_card:
        client.get("/journal/calm-skin")
    # One query for the cards' services, however many cards an article has.
    assert len(with_card) <= len(plain) + 1
    with app.app_context():
        ArticleFactory(
            slug="two-cards",
            body="[[book holistic-skin-session]]\n\n[[book product-match-call]]\n",
        )
        db.session.commit()
    client.get("/journal/two-cards")
    with count_queries() as two:
        soup = page(client.get("/journal/two-cards"))
    cards = soup.select("[data-booking-card]")
    assert [c["data-booking-card"] for c in cards] == [
        "holistic-skin-session",
        "product-match-call",
    ]
    assert "Free" in cards[1].get_text() and "£" not in cards[1].get_text()
    assert len(two) == len(with_card)
    # A service staff have switched off shows no card.
    with app.app_context():
        db.session.scalar(
            db.select(Service).where(Service.slug == "product-match-call")
        ).is_active = False
        db.session.commit()
    cards = page(client.get("/journal/two-cards")).select("[data-booking-card]")
    assert [c["data-booking-card"] for c in cards] == ["holistic-skin-session"]


def test_the_account_lists_sessions_and_erasure_erases_health_notes(acc_app, acc_client, customer):
    make_clinic(acc_app)
    client = acc_client
    slot = slot_keys(client.get("/consultations/product-match-call"))[0]
    token = hold(client, "product-match-call", slot)
    give_details(client, token, email="ada@example.com")
    customer.sign_in("ada@example.com")
    overview = page(client.get("/account"))
    (section,) = overview.select("[data-account-bookings]")
    assert "Product match call" in section.get_text()
    assert section.select_one("a")["href"] == f"/bookings/{token}"
    exported = json.loads(client.get("/account/export").get_data(as_text=True))
    (session,) = exported["consultations"]
    assert session["notes"] == "Rosacea flares after coffee." and session["consented_at"]
    assert client.post("/account/delete", data={"confirm": "y"}).status_code == 303
    booking = booking_by_token(acc_app, token)
    assert booking.notes == "" and booking.concerns == "" and booking.notes_erased_at
    assert booking.status == "confirmed"  # the session itself stays booked


def test_attachments_are_stored_with_the_email_and_sent_with_it(app):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
    with app.app_context():
        email = send_email(
            "ada@example.com",
            "Hello",
            "email/account_email_changed",
            attachments=[Attachment("session.ics", "text/calendar; method=REQUEST", ics)],
            new_email="ada@example.com",
        )
        db.session.commit()
        stored = db.session.get(OutgoingEmail, email.id).message
    message = message_from_bytes(stored, policy=policy.default)
    assert message.get_content_type() == "multipart/mixed"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
    calendar_part = parts["text/calendar"]
    assert calendar_part.get_filename() == "session.ics"
    assert calendar_part.get_param("method") == "REQUEST"
    assert Calendar.from_ical(calendar_part.get_payload(decode=True))["VERSION"] == "2.0"


def test_an_attachment_name_cannot_carry_a_header():
    with pytest.raises(ValueError):
        Attachment("a.ics\r\nBcc: x@example.com", "text/calendar", b"")
