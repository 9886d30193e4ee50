"""Booking from a slot to a confirmed session: free and paid (demo provider and the local
Stripe), the webhook confirming once, emails with a calendar invitation, moving,
cancelling with a refund, reminders, lapsed holds, and the race for one slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from shop.consultations.models import Booking
from shop.consultations.slots import parse_slot_key
from shop.extensions import db
from tests.helpers import page
from tests.helpers.checkout import (
    STRIPE_SECRET_KEY,
    WEBHOOK_SECRET,
    client_at,
    run_together,
    send_event,
    session_object,
)
from tests.helpers.consultations import (
    all_bookings,
    booking_by_token,
    calendar_of,
    give_details,
    hold,
    make_clinic,
    slot_keys,
)
from tests.helpers.mailing import SENDER
from tests.stripe_server import make_event


@pytest.fixture
def shop(mailing_app):
    return mailing_app()


def first_slot(client, slug="product-match-call", ahead=timedelta(hours=48)) -> str:
    """The first open slot starting at least `ahead` from now: far enough that it can
    still be moved or cancelled with a refund, and not yet due a reminder, whatever the
    day and hour the tests run (the first open slot may be an hour or a weekend away)."""
    response = client.get(f"/consultations/{slug}")
    assert response.status_code == 200
    earliest = datetime.now(UTC) + ahead
    keys = [key for key in slot_keys(response) if parse_slot_key(key)[1] >= earliest]
    assert keys, "no open slots"
    return keys[0]


def test_free_booking_is_confirmed_at_once_with_a_calendar_invitation(shop, smtp_server):
    make_clinic(shop)
    client = shop.test_client()
    listing = page(client.get("/consultations")).get_text(" ", strip=True)
    assert "Holistic Skin Session" in listing and "£45.00" in listing and "Free" in listing
    assert "You leave with a plan." in listing and "['" not in listing
    token = hold(client, "product-match-call", first_slot(client))
    held = client.get(f"/bookings/{token}")
    assert held.headers["Cache-Control"] == "no-store"
    assert "keeping this time for you" in held.get_data(as_text=True)
    # Without consent nothing is kept and the page says why.
    refused = give_details(client, token, consent="")
    assert refused.status_code == 400
    assert "Please agree" in refused.get_data(as_text=True)
    assert booking_by_token(shop, token).notes == ""
    done = give_details(client, token, notes="Rosacea flares after coffee. <b>x</b>")
    assert done.status_code == 303
    booking = booking_by_token(shop, token)
    assert booking.status == "confirmed" and booking.email == "ada@example.com"
    assert booking.notes == "Rosacea flares after coffee. <b>x</b>" and booking.consented_at
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert f"/bookings/{token}" in mail.text_part() and f"/bookings/{token}" in mail.html_part()
    calendar, content_type = calendar_of(mail)
    assert content_type.startswith("text/calendar")
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@shop.test"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == booking.starts_at
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=15)
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert str(event["SUMMARY"]).startswith("Product match call with ")
    description = str(event["DESCRIPTION"])
    assert f"https://shop.test/bookings/{token}" in description
    assert "https://video.example/" in description


def test_the_slot_is_gone_once_held_and_back_when_the_hold_lapses(shop):
    make_clinic(shop)
    client = shop.test_client()
    slot = first_slot(client)
    token = hold(client, "product-match-call", slot)
    assert slot not in slot_keys(client.get("/consultations/product-match-call"))
    taken = client.post("/consultations/product-match-call", data={"slot": slot})
    assert taken.status_code == 409
    assert "just taken" in taken.get_data(as_text=True)
    assert page(taken).select("[data-slot-taken] button[name=slot]")  # nearest free times
    with shop.app_context():
        db.session.execute(
            update(Booking).values(hold_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
    assert slot in slot_keys(client.get("/consultations/product-match-call"))
    late = give_details(client, token)
    assert late.status_code == 303 and "/consultations/" in late.headers["Location"]
    other = hold(shop.test_client(), "product-match-call", slot)
    statuses = {b.token: b.status for b in all_bookings(shop)}
    assert statuses == {token: "expired", other: "held"}


def test_bad_slots_are_refused_without_an_error(shop):
    make_clinic(shop)
    client = shop.test_client()
    for value in ["", "nonsense", "99999999999-20261207T0900Z", "1-20261399T0900Z"]:
        response = client.post("/consultations/holistic-skin-session", data={"slot": value})
        assert response.status_code == 400, value
    assert client.post("/consultations/nope", data={"slot": "1-20261207T0900Z"}).status_code == 404
    assert client.get("/bookings/not-a-token").status_code == 404
    assert client.get("/bookings/" + "a" * 43).status_code == 404
    assert all_bookings(shop) == []


def test_paid_booking_through_the_demo_provider(shop, smtp_server):
    make_clinic(shop)
    client = shop.test_client()
    token = hold(client, "holistic-skin-session", first_slot(client, "holistic-skin-session"))
    to_pay = give_details(client, token)
    assert to_pay.status_code == 303 and "/checkout/demo/" in to_pay.headers["Location"]
    demo_page = client.get(to_pay.headers["Location"])
    assert "£45.00" in demo_page.get_data(as_text=True)
    assert booking_by_token(shop, token).status == "held"
    paid = client.post(
        to_pay.headers["Location"], data={"action": "pay", "email": "ada@example.com"}
    )
    assert paid.status_code == 303
    back = client.get(paid.headers["Location"])
    assert back.status_code == 303
    booking = booking_by_token(shop, token)
    assert booking.status == "confirmed" and booking.paid_pence == 4500
    assert len(smtp_server.wait_for(1)) == 1
    # Cancelling days ahead refunds in full, through the demo provider.
    notice = client.get(f"/bookings/{token}/cancel").get_data(as_text=True)
    assert "refund the £45.00" in notice
    assert client.post(f"/bookings/{token}/cancel").status_code == 303
    booking = booking_by_token(shop, token)
    assert booking.status == "cancelled" and booking.refunded_pence == 4500
    mails = smtp_server.wait_for(2)
    calendar, _ = calendar_of(mails[-1])
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CANCELLED"


@pytest.fixture
def stripe_shop(app_factory, fake, smtp_server):
    smtp_server.clear()
    return app_factory(
        STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake.url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER=SENDER,
    )


def test_stripe_session_for_a_booking_and_the_webhook_confirming_once(
    stripe_shop, fake, smtp_server
):
    make_clinic(stripe_shop)
    client = stripe_shop.test_client()
    token = hold(client, "holistic-skin-session", first_slot(client, "holistic-skin-session"))
    to_pay = give_details(client, token)
    assert to_pay.status_code == 303
    booking = booking_by_token(stripe_shop, token)
    session_id = booking.payment_session_id
    assert session_id.startswith("cs_")
    (created,) = fake.requests_for("POST", "/v1/checkout/sessions")
    params = created.params
    assert params["mode"] == "payment"
    assert params["metadata"] == {"purpose": "booking", "booking_id": str(booking.id)}
    assert params["line_items"][0]["price_data"]["unit_amount"] == "4500"
    assert params["customer_email"] == "ada@example.com"
    assert "shipping_address_collection" not in params
    # The hold lasts as long as the payment page.
    assert int(params["expires_at"]) == int(booking.hold_expires_at.timestamp())
    fake.pay_session(session_id)
    event = make_event("checkout.session.completed", session_object(fake, session_id))
    assert send_event(client, event).status_code == 200
    again = make_event("checkout.session.completed", session_object(fake, session_id))
    assert send_event(client, again).status_code == 200
    assert client.get(f"/bookings/{token}/paid?session_id={session_id}").status_code == 303
    booking = booking_by_token(stripe_shop, token)
    assert booking.status == "confirmed" and booking.paid_pence == 4500
    assert booking.payment_intent_id.startswith("pi_")
    assert len(smtp_server.wait_for(1)) == 1
    with stripe_shop.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    # Cancelled in time: refunded in full at Stripe.
    assert client.post(f"/bookings/{token}/cancel").status_code == 303
    (refund,) = fake.requests_for("POST", "/v1/refunds")
    assert refund.params["payment_intent"] == booking.payment_intent_id
    assert refund.params["amount"] == "4500"
    assert booking_by_token(stripe_shop, token).refunded_pence == 4500


def test_a_late_cancellation_is_not_refunded_and_the_page_says_so(shop):
    make_clinic(shop)
    client = shop.test_client()
    token = hold(client, "holistic-skin-session", first_slot(client, "holistic-skin-session"))
    to_pay = give_details(client, token)
    paid = client.post(to_pay.headers["Location"], data={"action": "pay", "email": "a@b.co"})
    client.get(paid.headers["Location"])
    with shop.app_context():
        soon = datetime.now(UTC) + timedelta(hours=3)
        db.session.execute(
            update(Booking).values(
                starts_at=soon,
                ends_at=soon + timedelta(minutes=45),
                blocked_until=soon + timedelta(minutes=55),
            )
        )
        db.session.commit()
    manage = client.get(f"/bookings/{token}").get_data(as_text=True)
    assert "can no longer be moved" in manage
    assert "not refunded" in client.get(f"/bookings/{token}/cancel").get_data(as_text=True)
    assert client.get(f"/bookings/{token}/reschedule").status_code == 303
    client.post(f"/bookings/{token}/cancel")
    booking = booking_by_token(shop, token)
    assert booking.status == "cancelled" and booking.refunded_pence == 0


def test_reschedule_sends_the_same_event_with_a_higher_sequence(shop, smtp_server):
    make_clinic(shop)
    client = shop.test_client()
    token = hold(client, "product-match-call", first_slot(client))
    give_details(client, token)
    before = booking_by_token(shop, token)
    choices = slot_keys(client.get(f"/bookings/{token}/reschedule"))
    assert choices
    new_slot = choices[-1]
    assert client.post(f"/bookings/{token}/reschedule", data={"slot": new_slot}).status_code == 303
    after = booking_by_token(shop, token)
    assert after.starts_at != before.starts_at and after.sequence == 1
    first, second = smtp_server.wait_for(2)
    (one,) = calendar_of(first)[0].walk("VEVENT")
    (two,) = calendar_of(second)[0].walk("VEVENT")
    assert str(one["UID"]) == str(two["UID"])
    assert int(two["SEQUENCE"]) > int(one["SEQUENCE"])
    assert two.decoded("DTSTART") == after.starts_at


def test_reminders_go_once_however_often_the_command_runs(shop, smtp_server):
    make_clinic(shop)
    client = shop.test_client()
    token = hold(client, "product-match-call", first_slot(client))
    give_details(client, token)
    smtp_server.wait_for(1)
    runner = shop.test_cli_runner()
    assert "0 reminders" in runner.invoke(args=["send-booking-reminders"]).output
    with shop.app_context():
        soon = datetime.now(UTC) + timedelta(hours=20)
        db.session.execute(
            update(Booking).values(
                starts_at=soon,
                ends_at=soon + timedelta(minutes=15),
                blocked_until=soon + timedelta(minutes=25),
            )
        )
        db.session.commit()
    assert "1 reminder queued" in runner.invoke(args=["send-booking-reminders"]).output
    assert "0 reminders" in runner.invoke(args=["send-booking-reminders"]).output
    mails = smtp_server.wait_for(2)
    assert len(mails) == 2 and mails[1].message["Subject"].startswith("Reminder")
    assert booking_by_token(shop, token).reminded_at is not None


def test_twenty_shoppers_pressing_one_slot_get_one_booking(app):
    make_clinic(app)
    slot = first_slot(app.test_client(), "holistic-skin-session")
    shoppers = [client_at(app, f"10.0.0.{i}") for i in range(1, 21)]
    responses = run_together(
        *[
            lambda s=s: s.post("/consultations/holistic-skin-session", data={"slot": slot})
            for s in shoppers
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * 19, codes
    loser = next(r for r in responses if r.status_code == 409)
    assert "just taken" in loser.get_data(as_text=True)
    assert page(loser).select("[data-slot-taken] button[name=slot]")
    assert [b.status for b in all_bookings(app)] == ["held"]


def lapse_holds(app) -> None:
    with app.app_context():
        db.session.execute(
            update(Booking)
            .where(Booking.status == "held")
            .values(hold_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()


def test_a_payment_after_the_slot_was_taken_again_is_refunded(stripe_shop, fake, smtp_server):
    make_clinic(stripe_shop)
    client = stripe_shop.test_client()
    slot = first_slot(client, "holistic-skin-session")
    token = hold(client, "holistic-skin-session", slot)
    give_details(client, token)
    session_id = booking_by_token(stripe_shop, token).payment_session_id
    lapse_holds(stripe_shop)
    other = hold(stripe_shop.test_client(), "holistic-skin-session", slot)
    assert booking_by_token(stripe_shop, token).status == "expired"
    fake.pay_session(session_id)
    event = make_event("checkout.session.completed", session_object(fake, session_id))
    assert send_event(client, event).status_code == 200
    late = booking_by_token(stripe_shop, token)
    assert late.status == "cancelled" and late.refunded_pence == late.paid_pence == 4500
    (refund,) = fake.requests_for("POST", "/v1/refunds")
    assert refund.params["amount"] == "4500"
    assert booking_by_token(stripe_shop, other).status == "held"
    (mail,) = smtp_server.wait_for(1)
    assert str(calendar_of(mail)[0]["METHOD"]) == "CANCEL"


def test_the_sweep_closes_a_lapsed_holds_payment_page_before_freeing_it(stripe_shop, fake):
    make_clinic(stripe_shop)
    client = stripe_shop.test_client()
    slot = first_slot(client, "holistic-skin-session")
    token = hold(client, "holistic-skin-session", slot)
    give_details(client, token)
    session_id = booking_by_token(stripe_shop, token).payment_session_id
    lapse_holds(stripe_shop)
    result = stripe_shop.test_cli_runner().invoke(args=["send-booking-reminders"])
    assert "1 lapsed holds ended" in result.output
    assert fake.requests_for("POST", f"/v1/checkout/sessions/{session_id}/expire")
    assert booking_by_token(stripe_shop, token).status == "expired"
    # Stripe's own expiry event changes nothing more.
    event = make_event("checkout.session.expired", session_object(fake, session_id))
    response = send_event(client, event)
    assert response.status_code == 200 and "unchanged" in response.get_json()["outcome"]


def test_sqlite_writers_wait_their_turn_rather_than_fail(app):
    """On SQLite the mentor's lock is the database's write lock: a burst of bookings on a
    busy machine waits up to 30 seconds for it, not the driver's 5."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL locks the mentor's row instead")
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
