"""The task queue: a SQLite file in instance/ by default, Redis with REDIS_URL, never
run inside a request, and an app context for each task."""

from __future__ import annotations

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from shop import PROJECT_ROOT, tasks
from shop.extensions import db
from shop.newsletter.models import Subscriber
from tests.newsletter.conftest import queue
from tests.newsletter.factories import CampaignFactory, SubscriberFactory
from tests.queue import run_queue


def test_the_queue_is_a_file_in_instance_unless_redis_is_configured(monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "testing")
    monkeypatch.delenv("REDIS_URL", raising=False)
    local = tasks._make_huey()
    # Queued for a consumer (make run starts one), never run by whoever queues it.
    assert isinstance(local, SqliteHuey) and not local.immediate
    assert local.storage.filename == str(PROJECT_ROOT / "instance" / "tasks.sqlite3")
    assert local.storage._conn is None  # the file is made when first used, not on import

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    shared = tasks._make_huey()  # connects only when a task is queued
    assert isinstance(shared, RedisHuey) and not shared.immediate
    # A Redis that does not answer holds a request up for seconds, not for ever.
    connection = shared.storage.pool.connection_kwargs
    assert connection["socket_connect_timeout"] == tasks.REDIS_TIMEOUT_SECONDS
    assert connection["socket_timeout"] > shared.storage.read_timeout


def test_a_task_outside_any_app_creates_the_app_once_per_worker(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOP_ENV", "testing")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'worker.sqlite3'}")
    monkeypatch.setattr(tasks, "_worker_app", None)
    assert not has_app_context()
    with tasks.app_context():
        first = current_app._get_current_object()
    with tasks.app_context():
        assert current_app._get_current_object() is first
    assert not has_app_context()


def test_a_task_uses_the_current_app_context_when_there_is_one(app):
    with app.app_context(), tasks.app_context():
        assert current_app._get_current_object() is app


def test_a_queued_campaign_is_sent_by_a_worker(nl_app, smtp_server, monkeypatch):
    with nl_app.app_context():
        SubscriberFactory(email="one@example.com")
        SubscriberFactory(email="two@example.com")
        campaign_id = CampaignFactory().id
    queue(nl_app, campaign_id)
    monkeypatch.setattr(tasks, "_worker_app", nl_app)  # the app this worker made
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
