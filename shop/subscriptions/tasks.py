"""Subscribe & save's periodic job, run by the task queue's consumer (cron may run the
renew-subscriptions command as well: each renewal and reminder is claimed once)."""

from __future__ import annotations

import logging

from huey import crontab

from shop.queue import app_context, huey
from shop.subscriptions import services

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="7"))
def subscription_housekeeping() -> None:
    """Every hour: bill the demo subscriptions that are due and send the reminders of
    renewals coming up."""
    with app_context():
        counts = services.renew_due_subscriptions()
        reminded = services.send_renewal_reminders()
        if counts["renewed"] or counts["waiting_for_stock"] or reminded:
            logger.info("Subscriptions: %s, %s reminders sent", counts, reminded)
