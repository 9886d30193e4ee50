"""Order emails a dead process never queued: the move (paid, shipped, refunded) was
committed, and the process died before its subscriber queued the email. The sweep the
task queue runs every minute queues each such email once.

The crash is the real lifecycle move committed with its email's subscriber disconnected,
so it never runs, exactly as when the process dies between the two commits.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from jinja2 import ChoiceLoader, FileSystemLoader

from shop import tasks
from shop.extensions import db
from shop.models import utcnow
from shop.orders import emails
from shop.orders.lifecycle import record_payment, record_refund, ship_order
from shop.orders.models import Order, OrderStatus, Refund, RefundStatus
from shop.signals import order_paid, order_refunded, order_shipped
from tests.helpers.checkout import make_products, run_together, update_order
from tests.helpers.mail import email_events, outbox, pay, timeline
from tests.helpers.orders import make_order, make_variant, paid_session
from tests.helpers.queue import run_queue

LATER = timedelta(minutes=5)  # the sweep's turn: past the subscriber's grace


@contextmanager
def crash_before(signal, subscriber):
    """The process dies after the move's commit: `subscriber` never hears `signal`."""
    signal.disconnect(subscriber)
    try:
        yield
    finally:
        emails.subscribe()


def paid_in_a_crash(app, email: str = "ada@example.com") -> int:
    """An order paid by the lifecycle and committed, whose process died before the
    confirmation was queued; its id."""
    with app.app_context():
        variant = make_variant(on_hand=10, reserved=1)
        order = make_order({variant: 1}, email=email)
        with crash_before(order_paid, emails.send_confirmation):
            assert record_payment(order, replace(paid_session(order), customer_email=email))
            db.session.commit()
        return order.id


def sweep(app, at=None) -> int:
    with app.app_context():
        return emails.queue_missing_order_emails(at)


def test_a_confirmation_lost_in_a_crash_is_queued_once_by_the_sweep(mail_app, smtp_server):
    order_id = paid_in_a_crash(mail_app)
    assert outbox(mail_app) == [] and email_events(mail_app, order_id) == []

    # Within the grace the subscriber would still be at it: the sweep leaves it alone.
    assert sweep(mail_app) == 0
    assert outbox(mail_app) == []

    update_order(mail_app, order_id, paid_at=utcnow() - LATER)
    with mail_app.app_context():
        tasks.sweep.call_local()  # what the consumer runs every minute
    run_queue(mail_app)

    (email,) = outbox(mail_app)
    assert (email.kind, email.dedupe_key, email.recipient) == (
        "order_confirmation",
        emails.confirmation_key(order_id),
        "ada@example.com",
    )
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"] and mail.message["Subject"].endswith("confirmed")
    assert email_events(mail_app, order_id) == ["email_queued", "email_sent"]

    # Swept again (and again), nothing more is queued or sent.
    assert sweep(mail_app) == 0
    with mail_app.app_context():
        tasks.sweep.call_local()
    run_queue(mail_app)
    assert len(outbox(mail_app)) == 1 and len(smtp_server.messages) == 1
    assert email_events(mail_app, order_id) == ["email_queued", "email_sent"]
    with mail_app.app_context():
        assert db.session.get(Order, order_id).confirmation_sent_at is not None


def test_a_shipping_email_lost_in_a_crash_is_queued_once(mail_app):
    order_id = paid_in_a_crash(mail_app)
    assert sweep(mail_app, utcnow() + LATER) == 1  # its confirmation
    with mail_app.app_context():
        order = db.session.get(Order, order_id)
        with crash_before(order_shipped, emails.send_shipping_email):
            assert ship_order(order, carrier="Royal Mail", tracking_number="AB1", tracking_url="")
            db.session.commit()

    assert sweep(mail_app, utcnow() + LATER) == 1
    assert sweep(mail_app, utcnow() + LATER) == 0

    kinds = [email.kind for email in outbox(mail_app)]
    assert kinds == ["order_confirmation", "order_shipped"]
    queued = [message for kind, message in timeline(mail_app, order_id) if kind == "email_queued"]
    assert queued == [
        "Confirmation queued for ada@example.com.",
        "Shipping email queued for ada@example.com.",
    ]


def test_a_refund_email_lost_in_a_crash_is_queued_once(mail_app):
    order_id = paid_in_a_crash(mail_app)
    with mail_app.app_context():
        order = db.session.get(Order, order_id)
        refund = Refund(
            order_id=order.id,
            amount_pence=500,
            status=RefundStatus.SUCCEEDED,
            provider_refund_id="re_test_1",
            staff_email="staff@example.com",
        )
        db.session.add(refund)
        db.session.flush()
        with crash_before(order_refunded, emails.send_refund_email):
            record_refund(order, refund, {})
            db.session.commit()
        refund_id = refund.id

    assert sweep(mail_app, utcnow() + LATER) == 2  # the confirmation and the refund email
    assert sweep(mail_app, utcnow() + LATER) == 0

    (refund_email,) = [e for e in outbox(mail_app) if e.kind == "order_refunded"]
    assert refund_email.dedupe_key == emails.refund_key(refund_id)
    assert "£5.00" in refund_email.label


def test_emails_queued_as_usual_are_never_queued_again(mail_app):
    cream = make_products(mail_app).cream
    paid = pay(mail_app, mail_app.test_client(), cream)  # the subscriber did its work

    assert sweep(mail_app, utcnow() + LATER) == 0
    assert [e.kind for e in outbox(mail_app)] == ["order_confirmation"]
    assert email_events(mail_app, paid.order_id) == ["email_queued", "email_sent"]


def test_the_sweep_leaves_alone_what_it_should(mail_app):
    no_address = paid_in_a_crash(mail_app, email="")
    long_ago = paid_in_a_crash(mail_app)
    update_order(mail_app, long_ago, paid_at=utcnow() - emails.MISSING_EMAIL_LOOKBACK * 2)
    refunded = paid_in_a_crash(mail_app)
    update_order(mail_app, refunded, status=OrderStatus.REFUNDED)

    assert sweep(mail_app, utcnow() + LATER) == 0
    assert outbox(mail_app) == []
    assert all(email_events(mail_app, i) == [] for i in (no_address, long_ago, refunded))


def test_a_confirmation_that_could_not_be_rendered_is_not_tried_every_minute(mail_app, tmp_path):
    broken = tmp_path / "broken" / "email"
    broken.mkdir(parents=True)
    (broken / "order_confirmation.txt").write_text("{{ order.no_such_thing() }}\n")
    mail_app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(tmp_path / "broken")), mail_app.jinja_loader]
    )
    paid = pay(mail_app, mail_app.test_client(), make_products(mail_app).cream)
    assert email_events(mail_app, paid.order_id) == ["email_failed"]

    assert sweep(mail_app, utcnow() + LATER) == 0
    assert sweep(mail_app, utcnow() + LATER * 2) == 0
    assert email_events(mail_app, paid.order_id) == ["email_failed"]  # staff see it once


def test_sweeps_on_two_consumers_at_once_queue_each_email_once(mail_app):
    order_ids = [paid_in_a_crash(mail_app) for _ in range(3)]
    with mail_app.app_context():
        for order_id in order_ids[:2]:
            with crash_before(order_shipped, emails.send_shipping_email):
                ship_order(
                    db.session.get(Order, order_id),
                    carrier="Royal Mail",
                    tracking_number="AB1",
                    tracking_url="",
                )
                db.session.commit()
            db.session.get(Order, order_id).confirmation_sent_at = utcnow()  # sent earlier
        db.session.commit()
    later = utcnow() + LATER

    counts = run_together(*[lambda: sweep(mail_app, later) for _ in range(3)])

    assert sum(counts) == 3  # one confirmation and two shipping emails, between them
    assert sorted(e.dedupe_key for e in outbox(mail_app)) == sorted(
        [emails.confirmation_key(order_ids[2])] + [emails.shipping_key(i) for i in order_ids[:2]]
    )
    for order_id in order_ids:
        assert email_events(mail_app, order_id) == ["email_queued"]
