"""Background jobs: the consumer's entry point, and the sweep.

    huey_consumer shop.tasks.huey --workers 2

(`make run` starts one in the background.) This module imports every feature's
jobs, so the consumer knows them all: emails (`shop.mail.services`), the payment
provider's records of customers (`shop.payments.customers`), newsletter campaigns
(`shop.newsletter.tasks`), back-in-stock emails (`shop.alerts.tasks`), the funnel's
counts (`shop.reports.funnel`) and the bookings' housekeeping
(`shop.consultations.tasks`: lapsed holds, reminders, old health notes), demo
subscriptions' renewals and every subscription's reminders
(`shop.subscriptions.tasks`), old contact messages (`shop.contact.tasks`), and the
sign-in records no longer needed (`sign_in_housekeeping`). The queue itself is
`shop.queue`.

The queue only says "do this now"; the database says what is to be done. A job
that could not be queued (Redis down) or whose consumer died is found again by
`sweep`, which the consumer runs every minute: order emails that a process died
before queuing, emails that are due, campaigns that nobody is sending, and waiting
back-in-stock requests for sizes that are back.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from huey import crontab

from shop.accounts.services import forget_spent_codes
from shop.admin.auth import forget_old_sign_in_attempts
from shop.alerts.tasks import send_back_in_stock_task, send_due_alerts
from shop.consultations.tasks import booking_housekeeping
from shop.contact.tasks import contact_housekeeping
from shop.extensions import db
from shop.mail import services as mail
from shop.models import utcnow
from shop.newsletter import emails
from shop.newsletter import services as newsletter
from shop.newsletter.models import Subscriber
from shop.newsletter.tasks import send_campaign
from shop.orders.emails import queue_missing_order_emails
from shop.payments import customers as payment_customers
from shop.queue import app_context, huey
from shop.reports import funnel
from shop.subscriptions.tasks import subscription_housekeeping

__all__ = [
    "booking_housekeeping",
    "contact_housekeeping",
    "fold_funnel_counts",
    "huey",
    "payment_customers",
    "send_back_in_stock_task",
    "send_campaign",
    "send_signup_email",
    "sign_in_housekeeping",
    "subscription_housekeeping",
    "sweep",
]

logger = logging.getLogger(__name__)

# How long a sweep may work before it leaves the rest to the next one, a minute on.
SWEEP_SECONDS = 50
# A campaign none of whose deliveries has been claimed for this long is being sent
# by nobody (the task was never queued, or its worker died): the sweep queues it again.
CAMPAIGN_IDLE = timedelta(minutes=2)


@huey.periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: queue the order emails a process died before queuing, deliver the
    emails that are due, start the campaigns nobody is sending, and forget old sent
    emails. Safe to run on many consumers at once."""
    with app_context():
        config = current_app.config
        try:
            missing = queue_missing_order_emails()
        except Exception:
            db.session.rollback()
            logger.exception("Could not look for missing order emails")
            missing = 0
        if missing:
            logger.warning("Queued %s order email(s) that had never been queued", missing)
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


@huey.periodic_task(crontab(minute="*"))
def fold_funnel_counts() -> None:
    """Every minute, with REDIS_URL: move the funnel's counters from Redis into the
    database, where the reports read them (shop.reports.funnel). Safe on many consumers."""
    with app_context():
        moved = funnel.fold_redis_counts()
        if moved:
            logger.info("Folded %s funnel counts from Redis into the database", moved)


@huey.periodic_task(crontab(minute="7"))
def sign_in_housekeeping() -> None:
    """Every hour: delete customers' sign-in codes that can no longer be used (spent,
    expired or guessed at too often) and staff sign-in attempts older than
    SIGN_IN_ATTEMPTS_KEEP_DAYS. Safe on many consumers (plain DELETEs)."""
    with app_context():
        now = utcnow()
        codes = forget_spent_codes(now)
        attempts, locks = forget_old_sign_in_attempts(
            now, current_app.config["SIGN_IN_ATTEMPTS_KEEP_DAYS"]
        )
        db.session.commit()
        if codes or attempts or locks:
            logger.info(
                "Sign-ins: %s dead codes, %s old staff attempts, %s idle locks forgotten",
                codes,
                attempts,
                locks,
            )


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
