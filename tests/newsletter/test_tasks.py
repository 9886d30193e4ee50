"""The task queue: a SQLite file in instance/ by default, Redis with REDIS_URL, never
run inside a request, and an app context for each task."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey
from sqlalchemy import update

from shop import PROJECT_ROOT, tasks
from shop import queue as task_queue
from shop.extensions import db
from shop.models import utcnow
from shop.newsletter.models import Campaign, Delivery, Subscriber
from shop.tasks import huey
from tests.helpers.newsletter import counts, queue, run_sender
from tests.helpers.queue import run_queue
from tests.newsletter.factories import CampaignFactory, SubscriberFactory


def test_the_queue_is_a_file_in_instance_unless_redis_is_configured(monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "testing")
    monkeypatch.delenv("REDIS_URL", raising=False)
    local = task_queue._make_huey()
    # Queued for a consumer (make run starts one), never run by whoever queues it.
    assert isinstance(local, SqliteHuey) and not local.immediate
    assert local.storage.filename == str(PROJECT_ROOT / "instance" / "tasks.sqlite3")
    assert local.storage._conn is None  # the file is made when first used, not on import

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    shared = task_queue._make_huey()  # connects only when a task is queued
    assert isinstance(shared, RedisHuey) and not shared.immediate
    # A Redis that does not answer holds a request up for seconds, not for ever.
    connection = shared.storage.pool.connection_kwargs
    assert connection["socket_connect_timeout"] == task_queue.REDIS_TIMEOUT_SECONDS
    assert connection["socket_timeout"] > shared.storage.read_timeout


def test_a_task_outside_any_app_creates_the_app_once_per_worker(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOP_ENV", "testing")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'worker.sqlite3'}")
    monkeypatch.setattr(task_queue, "_worker_app", None)
    assert not has_app_context()
    with task_queue.app_context():
        first = current_app._get_current_object()
    with task_queue.app_context():
        assert current_app._get_current_object() is first
    assert not has_app_context()


def test_a_task_uses_the_current_app_context_when_there_is_one(app):
    with app.app_context(), task_queue.app_context():
        assert current_app._get_current_object() is app


def test_a_queued_campaign_is_sent_by_a_worker(nl_app, smtp_server, monkeypatch):
    with nl_app.app_context():
        SubscriberFactory(email="one@example.com")
        SubscriberFactory(email="two@example.com")
        campaign_id = CampaignFactory().id
    queue(nl_app, campaign_id)
    monkeypatch.setattr(task_queue, "_worker_app", nl_app)  # the app this worker made
    tasks.send_campaign(campaign_id)
    assert smtp_server.messages == []  # queued, not run by the caller
    assert run_queue() == 1  # a consumer: no app context of its own
    assert sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(2)) == [
        "one@example.com",
        "two@example.com",
    ]


def test_a_signup_email_that_no_longer_applies_is_not_sent(nl_app, smtp_server):
    with nl_app.app_context():
        subscriber = SubscriberFactory(email="quick@example.com", status="confirmed")
        tasks.send_signup_email(subscriber.id, "confirm")  # confirmed before the task ran
        tasks.send_signup_email(9999, "confirm")  # erased before the task ran
        run_queue(nl_app)
        assert db.session.get(Subscriber, subscriber.id).status == "confirmed"
    assert smtp_server.messages == []


def test_a_campaign_nobody_is_sending_resumes_by_itself(nl_app, smtp_server):
    # As after a request that sent a campaign itself hit the worker timeout half-way:
    # left at "sending", its worker gone, nobody to finish it.
    with nl_app.app_context():
        stuck_list = [SubscriberFactory(email=f"list{n}@example.com").email for n in range(4)]
        stuck_id = CampaignFactory(subject="Stuck").id
        SubscriberFactory(email="busy@example.com", topics=["journal"])
        busy_id = CampaignFactory(subject="Busy", topic="journal").id
    queue(nl_app, stuck_id)
    run_sender(nl_app, stuck_id, limit=2)
    assert len(smtp_server.wait_for(2)) == 2
    queue(nl_app, busy_id)
    hour_ago = utcnow() - timedelta(hours=1)
    with nl_app.app_context():
        db.session.execute(update(Campaign).values(queued_at=hour_ago))
        db.session.execute(
            update(Delivery).where(Delivery.claimed_at.is_not(None)).values(claimed_at=hour_ago)
        )
        # `busy` is being sent by a live worker right now: it is left to that worker.
        db.session.execute(
            update(Delivery)
            .where(Delivery.campaign_id == busy_id)
            .values(status="sending", claimed_at=utcnow())
        )
        db.session.commit()
    assert counts(nl_app, stuck_id).remaining == 2

    # Every minute the consumer runs the sweep, which queues the campaign again.
    with nl_app.app_context():
        tasks.sweep.call_local()
    assert [(task.name, task.args) for task in huey.pending()] == [("send_campaign", (stuck_id,))]
    run_queue(nl_app)

    # The two it had sent before are not sent again; nothing goes to `busy`'s list.
    assert Counter(m.rcpt_tos[0] for m in smtp_server.messages) == Counter(
        {email: 1 for email in stuck_list}
    )
    with nl_app.app_context():
        assert db.session.get(Campaign, stuck_id).status == "sent"
        assert db.session.get(Campaign, busy_id).status == "queued"
    assert counts(nl_app, stuck_id).sent == 4
