"""Open slots: weekly hours in UK time across the clock changes, time off, buffers
around bookings, the notice, and a constant number of queries."""

from datetime import UTC, datetime, timedelta

from shop.consultations.models import Booking, Service, TimeOff
from shop.consultations.slots import SlotRules, local, open_slots
from shop.extensions import db
from tests.helpers.consultations import make_clinic

RULES = SlotRules(notice=timedelta(hours=12), days_ahead=28)


def slots_on(app, service_id, now, day, **kwargs):
    with app.app_context():
        service = db.session.get(Service, service_id)
        slots = open_slots(service, now=now, rules=RULES, **kwargs)
        return [s for s in slots if local(s.starts_at).date() == day]


def test_weekday_hours_give_hourly_slots_for_each_mentor(app):
    clinic = make_clinic(app)
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)  # a Sunday
    day = datetime(2026, 12, 7).date()  # Monday
    slots = slots_on(app, clinic.paid, now, day, mentor_id=clinic.ada)
    # 45 minutes + 10 of buffer: a slot every hour, the last one ending by 17:00.
    assert [f"{local(s.starts_at):%H:%M}" for s in slots] == [
        "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"
    ]  # fmt: skip
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in slots)
    both = slots_on(app, clinic.paid, now, day)
    assert len(both) == 16 and {s.mentor_name for s in both} == {"Ada Skin", "Grace Barrier"}
    # Saturday morning: only Ada; Sunday: nobody.
    saturday = slots_on(app, clinic.paid, now, datetime(2026, 12, 12).date())
    assert [(f"{local(s.starts_at):%H:%M}", s.mentor_name) for s in saturday] == [
        ("09:00", "Ada Skin"), ("10:00", "Ada Skin"), ("11:00", "Ada Skin"), ("12:00", "Ada Skin")
    ]  # fmt: skip
    assert slots_on(app, clinic.paid, now, datetime(2026, 12, 13).date()) == []


def test_the_march_and_october_clock_changes_keep_the_wall_clock(app):
    clinic = make_clinic(app)
    # 2027: clocks go forward on Sunday 28 March, back on Sunday 31 October.
    before_spring = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)
    friday = slots_on(app, clinic.paid, before_spring, datetime(2027, 3, 26).date())
    monday = slots_on(app, clinic.paid, before_spring, datetime(2027, 3, 29).date())
    assert friday and monday
    assert local(friday[0].starts_at).strftime("%H:%M %Z") == "09:00 GMT"
    assert friday[0].starts_at.hour == 9  # GMT is UTC
    assert local(monday[0].starts_at).strftime("%H:%M %Z") == "09:00 BST"
    assert monday[0].starts_at.hour == 8  # 09:00 BST is 08:00 UTC
    before_autumn = datetime(2027, 10, 28, 8, 0, tzinfo=UTC)
    friday = slots_on(app, clinic.paid, before_autumn, datetime(2027, 10, 29).date())
    monday = slots_on(app, clinic.paid, before_autumn, datetime(2027, 11, 1).date())
    assert friday[0].starts_at.hour == 8 and local(friday[0].starts_at).hour == 9
    assert monday[0].starts_at.hour == 9 and local(monday[0].starts_at).hour == 9
    assert local(monday[-1].starts_at).strftime("%H:%M") == "16:00"


def test_notice_time_off_and_bookings_with_their_buffer(app):
    clinic = make_clinic(app)
    day = datetime(2026, 12, 8).date()  # Tuesday
    # 12 hours' notice: at 23:30 on Monday, Tuesday opens at 12:00.
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    starts = [
        local(s.starts_at).hour for s in slots_on(app, clinic.paid, late, day, mentor_id=clinic.ada)
    ]
    assert starts == [12, 13, 14, 15, 16]
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    with app.app_context():
        # Grace is off all Tuesday; Ada has a free call at 10:00-10:15 (+10 buffer).
        db.session.add(
            TimeOff(
                mentor_id=clinic.grace,
                starts_at=datetime(2026, 12, 8, 0, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 9, 0, 0, tzinfo=UTC),
            )
        )
        db.session.add(
            Booking(
                token="t" * 43,
                service_id=clinic.free,
                mentor_id=clinic.ada,
                status="confirmed",
                starts_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 8, 10, 15, tzinfo=UTC),
                blocked_until=datetime(2026, 12, 8, 10, 25, tzinfo=UTC),
            )
        )
        db.session.commit()
    slots = slots_on(app, clinic.paid, now, day)
    assert {s.mentor_name for s in slots} == {"Ada Skin"}
    # 09:00-09:45 +10 ends 09:55: clear of 10:00; 10:00 is taken; 11:00 is clear of 10:25.
    assert [local(s.starts_at).hour for s in slots] == [9, 11, 12, 13, 14, 15, 16]
    free = slots_on(app, clinic.free, now, day)
    # The 15-minute call steps every 30 minutes; 09:45 would run into the booking's start.
    assert [f"{local(s.starts_at):%H:%M}" for s in free][:3] == ["09:00", "09:30", "10:30"]


def test_slot_queries_do_not_grow_with_the_bookings(app, count_queries):
    clinic = make_clinic(app)
    now = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    with app.app_context(), count_queries() as few:
        open_slots(db.session.get(Service, clinic.paid), now=now, rules=RULES)
    with app.app_context():
        for day in range(7, 12):
            db.session.add(
                Booking(
                    token=f"{day:02d}" + "x" * 41,
                    service_id=clinic.paid,
                    mentor_id=clinic.ada,
                    status="confirmed",
                    starts_at=datetime(2026, 12, day, 9, 0, tzinfo=UTC),
                    ends_at=datetime(2026, 12, day, 9, 45, tzinfo=UTC),
                    blocked_until=datetime(2026, 12, day, 9, 55, tzinfo=UTC),
                )
            )
        db.session.commit()
    with app.app_context(), count_queries() as many:
        slots = open_slots(db.session.get(Service, clinic.paid), now=now, rules=RULES)
    assert len(many) == len(few)
    assert not any(
        s.mentor_id == clinic.ada and s.starts_at.day == 7 and s.starts_at.hour == 9 for s in slots
    )
