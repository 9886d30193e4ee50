"""Background jobs, through huey; never run inside a request.

The queue lives in Redis with `REDIS_URL` (shared by every host), else in a
SQLite file in `instance/` (`instance/tasks.sqlite3`, shared by the processes of
one machine). Either way a consumer runs the tasks beside the web server:

    huey_consumer shop.tasks.huey --workers 2

(`make run` starts one in the background.) The queue only says "do this now"; the
database says what is to be done. A task that could not be queued (Redis down)
or whose consumer died is found again by `sweep`, which the consumer runs every
minute: emails that are due and campaigns that nobody is sending.

A task needs an app context: it uses the current one when there is one (tests)
and otherwise creates the app once per worker process.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage
from redis import ConnectionPool

from shop import PROJECT_ROOT
from shop.config import load_settings

logger = logging.getLogger(__name__)

# How long a sweep may work before it leaves the rest to the next one, a minute on.
SWEEP_SECONDS = 50
# A campaign none of whose deliveries has been claimed for this long is being sent
# by nobody (the task was never queued, or its worker died): the sweep queues it again.
CAMPAIGN_IDLE = timedelta(minutes=2)
# Seconds a Redis that does not answer may hold up the request that queues a task
# (the row in the database is the record, so the request goes on without it).
REDIS_TIMEOUT_SECONDS = 2


class InstanceSqliteStorage(SqliteStorage):
    """huey's SQLite storage, making its file and tables when first used (not when
    this module is imported, which the web workers and tests do too)."""

    def __init__(self, *args, **kwargs):
        kwargs["create_tables"] = False
        super().__init__(*args, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for statement in self.ddl:
            conn.execute(statement)
        return conn


def _make_huey():
    instance = PROJECT_ROOT / "instance"
    redis_url = load_settings(str(instance))["REDIS_URL"]
    if redis_url:
        pool = ConnectionPool.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # Above the consumer's 1-second blocking read, which would time out otherwise.
            socket_timeout=REDIS_TIMEOUT_SECONDS + 3,
        )
        return RedisHuey("shop", connection_pool=pool, results=False)
    return SqliteHuey(
        "shop",
        results=False,
        storage_class=InstanceSqliteStorage,
        filename=str(instance / "tasks.sqlite3"),
    )


huey = _make_huey()

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def _worker_application() -> Flask:
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from shop import create_app

            _worker_app = create_app()
            consumer_log = logging.getLogger("huey")
            if consumer_log.handlers:
                # huey_consumer prints its own lines; the app's root handler would repeat them.
                consumer_log.propagate = False
        return _worker_app


def app_context():
    """The current app context if there is one, else one of this worker's app."""
    if has_app_context():
        return nullcontext()
    return _worker_application().app_context()


# Email ----------------------------------------------------------------------------


@huey.task()
def deliver_email(email_id: int) -> None:
    """Send one email from the outbox, if it is (still) due; see shop.mail.services."""
    with app_context():
        from shop.mail import services

        services.deliver_email(email_id)


# The sweep ------------------------------------------------------------------------


@huey.periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: deliver the emails that are due, start the campaigns nobody is
    sending, and forget old sent emails. Safe to run on many consumers at once."""
    with app_context():
        from shop.mail import services as mail
        from shop.models import utcnow
        from shop.newsletter import services as newsletter

        config = current_app.config
        report = mail.deliver_due_emails(deadline=time.monotonic() + SWEEP_SECONDS)
        if report.sent or report.retrying or report.failed:
            logger.info(
                "Swept emails: %s sent, %s to retry, %s given up%s",
                report.sent,
                report.retrying,
                report.failed,
                " (the mail server is unreachable)" if report.unreachable else "",
            )
        for campaign_id in newsletter.campaigns_to_resume(utcnow(), idle=CAMPAIGN_IDLE):
            logger.info("Campaign %s is not being sent: queuing it again", campaign_id)
            try:
                send_campaign(campaign_id)
            except Exception:
                logger.exception("Could not queue campaign %s", campaign_id)
        mail.purge_old_emails(utcnow(), config["MAIL_KEEP_DAYS"])


# Newsletter -----------------------------------------------------------------------


@huey.task()
def send_campaign(campaign_id: int) -> None:
    """Send a queued campaign; failed deliveries are tried again (by the sweep) later,
    up to three times."""
    with app_context():
        from shop.newsletter import services

        config = current_app.config
        report = services.send_campaign(
            campaign_id,
            retry_delay=timedelta(seconds=config["NEWSLETTER_RETRY_DELAY_SECONDS"]),
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


@huey.task()
def send_signup_email(subscriber_id: int, kind: str) -> None:
    """Queue a confirmation ("confirm") or "already subscribed" email, if it still applies.

    Signups now queue their email in the outbox themselves; this task is kept for
    the ones a previous release left on the queue.
    """
    with app_context():
        from shop.extensions import db
        from shop.newsletter import emails
        from shop.newsletter.models import Subscriber

        subscriber = db.session.get(Subscriber, subscriber_id)
        if subscriber is not None:
            emails.queue_signup_email(subscriber, kind)
        db.session.commit()
