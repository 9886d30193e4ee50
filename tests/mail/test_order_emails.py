"""Order emails through the outbox: no request waits for a mail server, an order paid
while the mail server is down is confirmed once it is back, and an email given up
after hours of tries shows in the back office, where it can be sent again."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from jinja2 import ChoiceLoader, FileSystemLoader

from shop import queue, tasks
from shop.backoffice.models import AuditEntry
from shop.extensions import db
from shop.mail import services
from shop.models import utcnow
from shop.orders.models import Order
from shop.tasks import huey
from tests.helpers import page
from tests.helpers.checkout import make_products
from tests.helpers.mail import email_events, outbox, pay, timeline
from tests.helpers.queue import run_queue
from tests.helpers.staff import AuthActions
from tests.smtp import free_port


def test_the_success_page_does_not_wait_for_the_mail_server(
    shop_on_port, silent_server, smtp_server
):
    smtp_server.clear()
    app, cream = shop_on_port(silent_server.port)  # a mail server that has hung
    shopper = app.test_client(run_queue=False)  # the requests alone, no consumer
    bought = {}
    thread = threading.Thread(target=lambda: bought.update(paid=pay(app, shopper, cream)))
    thread.start()
    thread.join(timeout=30)

    assert not thread.is_alive(), "paying waited for the mail server"
    paid = bought["paid"]
    assert paid.response.status_code == 303
    assert silent_server.connections == 0  # no request so much as connected to it
    assert email_events(app, paid.order_id) == ["email_queued"]
    (queued,) = outbox(app)
    assert (queued.kind, queued.status, queued.order_id) == (
        "order_confirmation",
        "queued",
        paid.order_id,
    )

    # The consumer's turn, with a mail server that answers.
    app.extensions["mail"].port = smtp_server.port
    run_queue(app)
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["Subject"].endswith("is confirmed")
    assert mail.message["Message-ID"] == queued.message_id
    assert email_events(app, paid.order_id) == ["email_queued", "email_sent"]
    assert timeline(app, paid.order_id)[-1] == (
        "email_sent",
        "Confirmation sent to ada@example.com.",
    )


def test_an_order_paid_while_the_mail_server_is_down_is_confirmed_once_it_is_back(
    shop_on_port, later_server
):
    app, cream = shop_on_port(later_server.port)  # nothing listens there yet
    shopper = app.test_client()  # the queue runs after each request, as a consumer would

    paid = pay(app, shopper, cream)

    (email,) = outbox(app)
    assert (email.status, email.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at == email.claimed_at + services.RETRY_DELAYS[0]
    assert email_events(app, paid.order_id) == ["email_queued"]

    later_server.start()  # the mail server is back
    with app.app_context():
        too_soon = email.next_attempt_at - timedelta(seconds=1)
        assert services.deliver_due_emails(clock=lambda: too_soon).sent == 0
        report = services.deliver_due_emails(clock=lambda: email.next_attempt_at)
    assert report.sent == 1

    (mail,) = later_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@example.com"]
    assert mail.message["Message-ID"] == email.message_id
    assert "12 Example Street" in mail.text_part()
    assert email_events(app, paid.order_id) == ["email_queued", "email_sent"]
    (sent,) = outbox(app)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)

    # Sent once: later sweeps and the shopper coming back change nothing.
    with app.app_context():
        assert services.deliver_due_emails(clock=lambda: utcnow() + timedelta(days=1)).sent == 0
    shopper.get(paid.response.request.path + "?" + paid.response.request.query_string.decode())
    assert len(later_server.messages) == 1


def test_an_email_given_up_shows_in_the_back_office_and_can_be_sent_again(
    shop_on_port, later_server
):
    app, cream = shop_on_port(later_server.port)
    paid = pay(app, app.test_client(), cream)  # the first try is refused
    (first,) = outbox(app)
    started = first.claimed_at

    # Every retry is refused too, each after a longer wait, until it is given up.
    now, waits = first.next_attempt_at, [first.next_attempt_at - started]
    while True:
        with app.app_context():
            services.deliver_due_emails(clock=lambda at=now: at)
        (email,) = outbox(app)
        if email.status != "queued":
            break
        waits.append(email.next_attempt_at - now)
        now = email.next_attempt_at
    assert waits == list(services.RETRY_DELAYS)
    assert email.status == "failed"
    assert email.attempts == services.MAX_ATTEMPTS == 10
    assert now - started >= timedelta(hours=1)  # 8 hours in all
    assert later_server.messages == []
    kind, message = timeline(app, paid.order_id)[-1]
    assert kind == "email_failed"
    assert "Confirmation to ada@example.com could not be sent (10 attempts)" in message
    assert "ConnectionRefusedError" in message

    # An administrator sees it, with why, and sends it again once the server is back.
    staff = app.test_client()
    admin = AuthActions(app, staff)("admin")
    listing = page(staff.get("/admin/mail/"))
    (row,) = listing.select("[data-emails] tbody tr")
    assert row["data-status"] == "failed"
    cells = row.get_text(" ", strip=True)
    assert "ada@example.com" in cells and email.subject in cells and "Failed" in cells
    assert "ConnectionRefusedError" in row.select_one("[data-last-error]").get_text()
    assert row.find("button", string="Send again") is not None
    assert listing.select_one("[data-count=failed]").get_text(strip=True) == "Failed: 1"

    later_server.start()
    response = staff.post(f"/admin/mail/{email.id}/retry")
    assert response.status_code == 303

    (mail,) = later_server.wait_for(1)
    assert mail.message["Message-ID"] == email.message_id
    assert email_events(app, paid.order_id) == ["email_queued", "email_failed", "email_sent"]
    with app.app_context():
        (entry,) = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "mail.retry")
        )
        assert entry.staff_email == admin.email
        assert entry.entity_type == "outgoing_email" and entry.entity_id == str(email.id)
        assert entry.before_data["status"] == "failed" and entry.before_data["attempts"] == 10
        assert entry.after_data == {"status": "queued", "attempts": 0}
    after = page(staff.get("/admin/mail/"))
    assert after.select("[data-emails] tbody tr") == []
    assert "every email has gone" in after.get_text()

    # Sending it again twice (a double click) retries nothing more.
    assert staff.post(f"/admin/mail/{email.id}/retry").status_code == 303
    assert len(later_server.messages) == 1


def test_an_order_paid_while_the_task_queue_is_down_is_confirmed_by_the_sweep(
    mail_app, smtp_server, monkeypatch, caplog
):
    # A Redis that refuses connections: the delivery task cannot be queued.
    memory = huey.storage
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(huey, "storage", queue._make_huey().storage)
    cream = make_products(mail_app).cream
    caplog.set_level(logging.WARNING, logger="shop.mail")

    paid = pay(mail_app, mail_app.test_client(run_queue=False), cream)

    assert paid.response.status_code == 303  # the shopper is none the wiser
    (email,) = outbox(mail_app)
    assert email.status == "queued"
    assert f"Could not queue the delivery of email {email.id}" in caplog.text
    assert smtp_server.messages == []

    # The queue works again: the sweep (every minute) finds the email in the database.
    monkeypatch.setattr(huey, "storage", memory)
    with mail_app.app_context():
        tasks.sweep.call_local()
    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Message-ID"] == email.message_id
    assert email_events(mail_app, paid.order_id) == ["email_queued", "email_sent"]


def test_an_email_that_cannot_be_rendered_never_undoes_the_payment(mail_app, tmp_path):
    # A template with a mistake in it, in front of the shop's own.
    broken = tmp_path / "broken" / "email"
    broken.mkdir(parents=True)
    (broken / "order_confirmation.txt").write_text("{{ order.no_such_thing() }}\n")
    mail_app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(tmp_path / "broken")), mail_app.jinja_loader]
    )
    cream = make_products(mail_app).cream

    paid = pay(mail_app, mail_app.test_client(), cream)

    with mail_app.app_context():
        order = db.session.get(Order, paid.order_id)
        assert order.status == "paid"
        assert order.confirmation_sent_at is None  # not queued, so not marked as queued
    assert outbox(mail_app) == []
    assert email_events(mail_app, paid.order_id) == ["email_failed"]
