"""Background jobs, through huey.

By default the queue runs in-process: `MemoryHuey(immediate=True)` runs each
task as soon as it is enqueued, in the process that enqueued it, so `make run`
needs nothing else. With `REDIS_URL` set the queue lives in Redis and a
consumer runs the tasks, on any host:

    huey_consumer shop.tasks.huey --workers 2

A task needs an app context: it uses the current one when there is one (the
in-process queue, tests) and otherwise creates the app once per worker process.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey

from shop import PROJECT_ROOT
from shop.config import load_settings

logger = logging.getLogger(__name__)


def _make_huey():
    redis_url = load_settings(str(PROJECT_ROOT / "instance"))["REDIS_URL"]
    if redis_url:
        return RedisHuey("shop", url=redis_url, results=False)
    return MemoryHuey("shop", immediate=True, results=False)


huey = _make_huey()

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def _worker_application() -> Flask:
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from shop import create_app

            _worker_app = create_app()
        return _worker_app


def app_context():
    """The current app context if there is one, else one of this worker's app."""
    if has_app_context():
        return nullcontext()
    return _worker_application().app_context()


# Newsletter ---------------------------------------------------------------------


@huey.task()
def send_signup_email(subscriber_id: int, kind: str) -> None:
    """Send a confirmation ("confirm") or "already subscribed" email, if it still applies.

    Queued rather than sent during the request, so how long a signup takes says
    nothing about whether the address was already on the list.
    """
    with app_context():
        from shop.extensions import db
        from shop.newsletter import emails
        from shop.newsletter.models import Subscriber, SubscriberStatus

        subscriber = db.session.get(Subscriber, subscriber_id)
        if subscriber is None:
            return
        try:
            if kind == "confirm" and subscriber.status == SubscriberStatus.PENDING:
                emails.send_confirmation(subscriber)
            elif kind == "already_subscribed" and subscriber.status == SubscriberStatus.CONFIRMED:
                emails.send_already_subscribed(subscriber)
        except Exception:
            # The address was validated; a mail server that is down should not
            # turn a signup into an error page. They can ask again in an hour.
            logger.exception("Could not send the newsletter %s email", kind)


@huey.task()
def send_campaign(campaign_id: int) -> None:
    """Send a queued campaign; failed deliveries are tried again later, up to three times."""
    with app_context():
        from shop.newsletter import services

        config = current_app.config
        # An in-process queue has no consumer to run a task later: retry at once.
        retry_delay = timedelta(
            seconds=0 if huey.immediate else config["NEWSLETTER_RETRY_DELAY_SECONDS"]
        )
        report = services.send_campaign(
            campaign_id,
            retry_delay=retry_delay,
            stale_after=timedelta(seconds=config["NEWSLETTER_STALE_SENDING_SECONDS"]),
        )
        logger.info(
            "Campaign %s: %s sent, %s failed, %s skipped%s",
            campaign_id,
            report.sent,
            report.failed,
            report.skipped,
            ", finished" if report.finished else "",
        )
        if report.retry_at is not None and not huey.immediate:
            send_campaign.schedule((campaign_id,), eta=report.retry_at)
