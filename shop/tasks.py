"""Background jobs: the consumer's entry point, and the sweep.

    huey_consumer shop.tasks.huey --workers 2

(`make run` starts one in the background.) This module imports every feature's
jobs, so the consumer knows them all: emails (`shop.mail.services`), newsletter
campaigns (`shop.newsletter.tasks`) and back-in-stock emails (`shop.alerts.tasks`).
The queue itself is `shop.queue`.

The queue only says "do this now"; the database says what is to be done. A job
that could not be queued (Redis down) or whose consumer died is found again by
`sweep`, which the consumer runs every minute: emails that are due, campaigns
that nobody is sending, and waiting back-in-stock requests for sizes that are back.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from huey import crontab

from shop.alerts.tasks import send_back_in_stock_task, send_due_alerts
from shop.extensions import db
from shop.mail import services as mail
from shop.models import utcnow
from shop.newsletter import emails
from shop.newsletter import services as newsletter
from shop.newsletter.models import Subscriber
from shop.newsletter.tasks import send_campaign
from shop.queue import app_context, huey

__all__ = ["huey", "send_back_in_stock_task", "send_campaign", "send_signup_email", "sweep"]

logger = logging.getLogger(__name__)

# How long a sweep may work before it leaves the rest to the next one, a minute on.
SWEEP_SECONDS = 50
# A campaign none of whose deliveries has been claimed for this long is being sent
# by nobody (the task was never queued, or its worker died): the sweep queues it again.
CAMPAIGN_IDLE = timedelta(minutes=2)


@huey.periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: deliver the emails that are due, start the campaigns nobody is
    sending, and forget old sent emails. Safe to run on many consumers at once."""
    with app_context():
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
        try:
            alerts_sent = send_due_alerts()
        except Exception:
            logger.exception("Could not send back-in-stock emails")
            db.session.rollback()
        else:
            if alerts_sent:
                logger.info("Swept back-in-stock requests: %s emailed", alerts_sent)
        mail.purge_old_emails(utcnow(), config["MAIL_KEEP_DAYS"])


# Kept here, under the name an earlier release queued it by ---------------------------


@huey.task()
def send_signup_email(subscriber_id: int, kind: str) -> None:
    """Queue a confirmation ("confirm") or "already subscribed" email, if it still applies.

    Signups now queue their email in the outbox themselves; this task is kept for
    the ones a previous release left on the queue.
    """
    with app_context():
        subscriber = db.session.get(Subscriber, subscriber_id)
        if subscriber is not None:
            emails.queue_signup_email(subscriber, kind)
        db.session.commit()
