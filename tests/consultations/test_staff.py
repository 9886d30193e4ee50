"""The consultations' staff area: a mentor sees only their own bookings and notes,
admins see all; booking for a customer, moving, cancelling with or without refund,
no-shows, private notes, services, mentors, hours and time off, all audited; the
dashboard's sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from shop.backoffice.models import AuditEntry
from shop.consultations.models import Booking, Mentor, Service
from shop.extensions import db
from tests.helpers import page
from tests.helpers.consultations import (
    all_bookings,
    booking_by_token,
    give_details,
    hold,
    make_clinic,
    slot_keys,
)
from tests.helpers.staff import make_staff


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def book_free(app, mentor_id: int | None = None) -> str:
    client = app.test_client()
    query = f"?mentor={mentor_id}" if mentor_id else ""
    slot = slot_keys(client.get(f"/consultations/product-match-call{query}"))[0]
    token = hold(client, "product-match-call", slot)
    assert give_details(client, token).status_code == 303
    return token


@pytest.fixture
def clinic(app):
    return make_clinic(app)


def test_a_mentor_sees_only_their_own_bookings_and_notes(app, client, login, clinic):
    mine = booking_by_token(app, book_free(app, clinic.ada))
    theirs = booking_by_token(app, book_free(app, clinic.grace))
    staff = make_staff(app, role="mentor")
    with app.app_context():
        db.session.get(Mentor, clinic.ada).staff_user_id = staff.id
        db.session.commit()
    login.sign_in(staff.email)
    week = f"/admin/consultations/?date={mine.starts_at:%Y-%m-%d}"
    listed = {
        int(row["data-booking-id"]) for row in page(client.get(week)).select("[data-booking-id]")
    }
    assert mine.id in listed and theirs.id not in listed
    detail = page(client.get(f"/admin/consultations/bookings/{mine.id}"))
    notes = detail.select_one("[data-notes]")
    assert [p.text for p in notes.select("p")] == ["Rosacea flares after coffee."]
    assert client.get(f"/admin/consultations/bookings/{theirs.id}").status_code == 404
    assert client.get("/admin/consultations/setup").status_code == 403
    assert client.get("/admin/catalogue/").status_code == 403
    # Other staff roles do not open the area at all.
    login.sign_out()
    login("editor")
    assert client.get("/admin/consultations/").status_code == 403


def test_admin_moves_cancels_with_refund_and_marks_no_shows(app, client, login, clinic):
    token = book_free(app)
    booking = booking_by_token(app, token)
    login("admin")
    detail = page(client.get(f"/admin/consultations/bookings/{booking.id}"))
    new_slot = detail.select("input[name=slot]")[-1]["value"]
    moved = client.post(f"/admin/consultations/bookings/{booking.id}/move", data={"slot": new_slot})
    assert moved.status_code == 303
    after = booking_by_token(app, token)
    assert after.starts_at != booking.starts_at and after.sequence == 1
    client.post(
        f"/admin/consultations/bookings/{booking.id}/notes", data={"staff_notes": "Call first."}
    )
    assert booking_by_token(app, token).staff_notes == "Call first."
    # Not yet started: no no-show.
    client.post(f"/admin/consultations/bookings/{booking.id}/no-show")
    assert booking_by_token(app, token).status == "confirmed"
    with app.app_context():
        past = datetime.now(UTC) - timedelta(hours=1)
        db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(
                starts_at=past,
                ends_at=past + timedelta(minutes=15),
                blocked_until=past + timedelta(minutes=25),
            )
        )
        db.session.commit()
    client.post(f"/admin/consultations/bookings/{booking.id}/no-show")
    assert booking_by_token(app, token).status == "no_show"
    # A second booking, cancelled by staff without a refund.
    other = booking_by_token(app, book_free(app))
    client.post(
        f"/admin/consultations/bookings/{other.id}/cancel", data={"reason": "Mentor unwell"}
    )
    cancelled = booking_by_token(app, other.token)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "Mentor unwell"
    assert audit_actions(app) == [
        "booking.move",
        "booking.notes",
        "booking.no_show",
        "booking.cancel",
    ]


def test_staff_cancel_of_a_paid_booking_refunds_when_asked(app, client, login, clinic):
    shopper = app.test_client()
    slot = slot_keys(shopper.get("/consultations/holistic-skin-session"))[0]
    token = hold(shopper, "holistic-skin-session", slot)
    to_pay = give_details(shopper, token)
    paid = shopper.post(to_pay.headers["Location"], data={"action": "pay", "email": "a@b.co"})
    shopper.get(paid.headers["Location"])
    booking = booking_by_token(app, token)
    assert booking.paid_pence == 4500
    login("admin")
    client.post(f"/admin/consultations/bookings/{booking.id}/cancel", data={"refund": "y"})
    booking = booking_by_token(app, token)
    assert booking.status == "cancelled" and booking.refunded_pence == 4500


def test_staff_book_for_a_customer_and_a_taken_slot_is_refused(app, client, login, clinic):
    login("admin")
    form = page(client.get("/admin/consultations/book/holistic-skin-session"))
    slot = form.select("input[name=slot]")[0]["value"]
    data = {"name": "Grace", "email": "grace@example.com", "slot": slot, "consent": "y"}
    booked = client.post("/admin/consultations/book/holistic-skin-session", data=data)
    assert booked.status_code == 303
    (booking,) = all_bookings(app)
    assert booking.status == "confirmed" and booking.booked_by_staff_id is not None
    again = client.post("/admin/consultations/book/holistic-skin-session", data=data)
    assert again.status_code == 409
    assert len(all_bookings(app)) == 1
    assert audit_actions(app) == ["booking.create"]


def test_admin_keeps_services_mentors_hours_and_time_off(app, client, login, clinic):
    login("admin")
    mentor_staff = make_staff(app, role="mentor")
    new = client.post(
        "/admin/consultations/services/new",
        data={
            "name": "Scalp check",
            "slug": "scalp-check",
            "duration_minutes": "30",
            "buffer_minutes": "5",
            "price": "20",
            "format": "in_person",
            "location": "12 High Street",
            "is_active": "y",
        },
    )
    assert new.status_code == 303
    bad = client.post(
        "/admin/consultations/services/new",
        data={"name": "X", "slug": "scalp-check", "duration_minutes": "0", "price": "-1"},
    )
    assert bad.status_code == 400
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == "scalp-check"))
        assert (service.price_pence, service.format) == (2000, "in_person")
    made = client.post(
        "/admin/consultations/mentors/new",
        data={
            "name": "Mira",
            "call_url": "https://video.example/mira",
            "is_active": "y",
            "staff_email": mentor_staff.email,
        },
    )
    assert made.status_code == 303
    with app.app_context():
        mira = db.session.scalar(select(Mentor).where(Mentor.name == "Mira"))
        assert mira.staff_user_id == mentor_staff.id
        mira_id = mira.id
    client.post(
        f"/admin/consultations/mentors/{mira_id}/hours",
        data={"weekday": "0", "starts": "10:00", "ends": "12:00"},
    )
    overlapping = client.post(
        f"/admin/consultations/mentors/{mira_id}/hours",
        data={"weekday": "0", "starts": "11:00", "ends": "13:00"},
    )
    assert overlapping.status_code == 303
    client.post(
        f"/admin/consultations/mentors/{mira_id}/time-off",
        data={"first_day": "2027-01-04", "last_day": "2027-01-08", "reason": "Holiday"},
    )
    with app.app_context():
        mira = db.session.get(Mentor, mira_id)
        assert [(h.weekday, h.starts.hour, h.ends.hour) for h in mira.hours] == [(0, 10, 12)]
    assert audit_actions(app) == [
        "consultation_service.create",
        "mentor.create",
        "mentor.hours_add",
        "mentor.time_off_add",
    ]


def test_a_mentor_keeps_their_own_hours_and_time_off(app, client, login, clinic):
    staff = make_staff(app, role="mentor")
    with app.app_context():
        db.session.get(Mentor, clinic.ada).staff_user_id = staff.id
        db.session.commit()
    login.sign_in(staff.email)
    calendar = page(client.get("/admin/consultations/"))
    assert calendar.find("a", string="Your hours and time off")["href"] == (
        "/admin/consultations/my-hours"
    )
    mine = page(client.get("/admin/consultations/my-hours"))
    hours_before = [li.get_text(" ", strip=True) for li in mine.select("[data-hours] li")]
    assert hours_before and all("Sunday" not in hours for hours in hours_before)

    added = client.post(
        f"/admin/consultations/mentors/{clinic.ada}/hours",
        data={"weekday": "6", "starts": "10:00", "ends": "12:00"},
    )
    assert added.status_code == 303
    assert added.headers["Location"] == "/admin/consultations/my-hours"
    off = client.post(
        f"/admin/consultations/mentors/{clinic.ada}/time-off",
        data={"first_day": "2027-01-04", "last_day": "2027-01-08", "reason": "Holiday"},
    )
    assert off.headers["Location"] == "/admin/consultations/my-hours"
    mine = page(client.get("/admin/consultations/my-hours"))
    assert "Sunday 10:00–12:00" in mine.select_one("[data-hours]").get_text(" ", strip=True)
    assert "Holiday" in mine.select_one("[data-time-off]").get_text(" ", strip=True)
    with app.app_context():
        ada = db.session.get(Mentor, clinic.ada)
        sunday = next(h for h in ada.hours if h.weekday == 6)
        off_id = manage_time_off_ids(ada)[0]
    removed = client.post(
        f"/admin/consultations/mentors/{clinic.ada}/hours/{sunday.id}/remove", data={}
    )
    assert removed.headers["Location"] == "/admin/consultations/my-hours"
    client.post(f"/admin/consultations/mentors/{clinic.ada}/time-off/{off_id}/remove", data={})
    mine = page(client.get("/admin/consultations/my-hours"))
    assert [li.get_text(" ", strip=True) for li in mine.select("[data-hours] li")] == hours_before
    assert mine.select("[data-time-off] li") == []

    # Another mentor's hours are not theirs to change, and do not change.
    for path in [
        f"/admin/consultations/mentors/{clinic.grace}/hours",
        f"/admin/consultations/mentors/{clinic.grace}/time-off",
    ]:
        assert (
            client.post(
                path,
                data={
                    "weekday": "6",
                    "starts": "10:00",
                    "ends": "12:00",
                    "first_day": "2027-01-04",
                    "last_day": "2027-01-05",
                },
            ).status_code
            == 404
        )
    with app.app_context():
        grace = db.session.get(Mentor, clinic.grace)
        assert 6 not in {h.weekday for h in grace.hours}
        assert manage_time_off_ids(grace) == []
    assert client.get(f"/admin/consultations/mentors/{clinic.ada}").status_code == 403
    assert audit_actions(app) == [
        "mentor.hours_add",
        "mentor.time_off_add",
        "mentor.hours_remove",
        "mentor.time_off_remove",
    ]


def test_a_mentor_account_not_linked_to_a_mentor_is_told_so(app, client, login, clinic):
    login("mentor")
    mine = page(client.get("/admin/consultations/my-hours"))
    assert "not linked to a Skin Mentor" in mine.get_text(" ", strip=True)
    assert mine.select("form[action*='/hours']") == []


def manage_time_off_ids(mentor) -> list[int]:
    from shop.consultations.admin.services import time_off_of

    return [off.id for off in time_off_of(mentor)]


def test_the_dashboard_shows_todays_and_this_weeks_sessions(app, client, login, clinic):
    book_free(app)
    login("admin")
    dashboard = page(client.get("/admin/"))
    section = dashboard.select_one("[data-dashboard-sessions]")
    assert section is not None
    week = int(section.select_one("[data-sessions-week]").text)
    today = int(section.select_one("[data-sessions-today]").text)
    assert today <= week
    login.sign_out()
    login("editor")
    assert page(client.get("/admin/")).select_one("[data-dashboard-sessions]") is None
