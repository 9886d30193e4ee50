"""Delivering from the outbox: once per dedupe key, again after a worker died mid-send
(same Message-ID), never twice by two workers, given up at once when refused for
good, bounded by MAIL_TIMEOUT, and forgotten after MAIL_KEEP_DAYS."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update

from shop.extensions import db
from shop.mail import send_email, services
from shop.mail.models import OutgoingEmail
from shop.models import utcnow
from shop.tasks import huey
from tests.helpers.mail import outbox, use_test_templates
from tests.helpers.queue import run_queue


def queue_greeting(app, to="reader@example.com", **kwargs) -> int:
    with app.app_context():
        email = send_email(to, "Hello", "greeting", name="Ada", **kwargs)
        db.session.commit()
        return email.id


def set_email(app, email_id: int, **values) -> None:
    """Change a stored email behind the shop's back (a state that takes time to reach)."""
    with app.app_context():
        db.session.execute(
            update(OutgoingEmail).where(OutgoingEmail.id == email_id).values(**values)
        )
        db.session.commit()


def test_an_email_with_a_dedupe_key_is_queued_once(mail_app, smtp_server, tmp_path):
    app = use_test_templates(mail_app, tmp_path / "templates")
    first = queue_greeting(app, dedupe_key="greeting:ada")
    again = queue_greeting(app, dedupe_key="greeting:ada")
    assert again == first
    assert [email.id for email in outbox(app)] == [first]
    run_queue(app)
    run_queue(app)
    assert len(smtp_server.wait_for(1)) == 1


def test_an_email_left_sending_by_a_dead_worker_is_sent_again_with_its_message_id(
    mail_app, smtp_server, tmp_path
):
    app = use_test_templates(mail_app, tmp_path / "templates")
    dead, busy = queue_greeting(app, "dead@example.com"), queue_greeting(app, "busy@example.com")
    # A worker claimed `dead` an hour ago and died before it could say how it went;
    # another is sending `busy` right now.
    set_email(app, dead, status="sending", attempts=1, claimed_at=utcnow() - timedelta(hours=1))
    set_email(app, busy, status="sending", attempts=1, claimed_at=utcnow())

    with app.app_context():
        report = services.deliver_due_emails()

    assert report.sent == 1
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["dead@example.com"]
    by_recipient = {email.recipient: email for email in outbox(app)}
    assert mail.message["Message-ID"] == by_recipient["dead@example.com"].message_id
    assert (by_recipient["dead@example.com"].status, by_recipient["dead@example.com"].attempts) == (
        "sent",
        2,
    )
    assert by_recipient["busy@example.com"].status == "sending"  # left to its worker


def test_two_workers_never_send_one_email_at_once(mail_app, smtp_server, tmp_path):
    app = use_test_templates(mail_app, tmp_path / "templates")
    email_id = queue_greeting(app)
    results = []
    barrier = threading.Barrier(3)

    def worker():
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(services.deliver_email(email_id).status)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=str) == sorted(["sent", None, None], key=str)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_recipient_refused_for_good_is_given_up_at_once(mail_app, smtp_server, tmp_path):
    app = use_test_templates(mail_app, tmp_path / "templates")
    smtp_server.refuse("nobody@example.com")
    email_id = queue_greeting(app, "nobody@example.com")

    run_queue(app)

    (email,) = outbox(app)
    assert (email.id, email.status, email.attempts) == (email_id, "failed", 1)
    assert "550" in email.last_error and "No such mailbox" in email.last_error
    assert smtp_server.messages == []


def test_a_hung_mail_server_holds_a_worker_for_mail_timeout_only(
    app_factory, silent_server, tmp_path
):
    app = use_test_templates(
        app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent_server.port, MAIL_TIMEOUT=1),
        tmp_path / "templates",
    )
    email_id = queue_greeting(app)
    worker = threading.Thread(target=run_queue, args=(app,))
    worker.start()
    worker.join(timeout=20)

    assert not worker.is_alive(), "the worker is still waiting for the mail server"
    assert silent_server.connections == 1
    (email,) = outbox(app)
    assert (email.id, email.status, email.attempts) == (email_id, "queued", 1)
    assert "timed out" in email.last_error


def test_the_sweep_stops_at_a_mail_server_it_cannot_reach(app_factory, tmp_path):
    from tests.smtp import free_port

    app = use_test_templates(
        app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port()), tmp_path / "templates"
    )
    for n in range(3):
        queue_greeting(app, f"reader{n}@example.com")

    with app.app_context():
        report = services.deliver_due_emails()

    # The other two would fail the same way: they keep their tries for when it is back.
    assert (report.retrying, report.unreachable) == (1, True)
    assert [email.attempts for email in outbox(app)] == [1, 0, 0]


def test_sent_emails_are_forgotten_after_mail_keep_days(mail_app, smtp_server, tmp_path):
    app = use_test_templates(mail_app, tmp_path / "templates")
    old, recent, waiting = (queue_greeting(app, f"r{n}@example.com") for n in range(3))
    run_queue(app)
    month_ago = utcnow() - timedelta(days=31)
    set_email(app, old, created_at=month_ago)
    set_email(app, waiting, status="failed", created_at=month_ago)

    with app.app_context():
        assert services.purge_old_emails(utcnow(), app.config["MAIL_KEEP_DAYS"]) == 1
        assert services.purge_old_emails(utcnow(), 0) == 0  # 0 keeps them for ever

    assert app.config["MAIL_KEEP_DAYS"] == 30
    assert [email.id for email in outbox(app)] == [recent, waiting]  # failed ones stay


def test_the_delivery_task_is_queued_only_once_the_transaction_commits(mail_app, tmp_path):
    app = use_test_templates(mail_app, tmp_path / "templates")
    with app.app_context():
        with db.session.begin_nested():  # as the order emails do
            send_email("a@example.com", "Hello", "greeting", name="Ada", dedupe_key="a")
        send_email("b@example.com", "Hello", "greeting", name="Bo")
        assert huey.pending_count() == 0  # a worker would not find the rows yet
        db.session.commit()
        assert huey.pending_count() == 2

        send_email("c@example.com", "Hello", "greeting", name="Cy")
        db.session.rollback()  # the change that asked for it did not happen
        db.session.commit()
        assert huey.pending_count() == 2
    assert [email.recipient for email in outbox(app)] == ["a@example.com", "b@example.com"]
