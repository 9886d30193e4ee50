"""The newsletter's background jobs (run by the consumer, see shop.tasks)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from shop.newsletter import services
from shop.queue import app_context, huey

logger = logging.getLogger(__name__)


@huey.task()
def send_campaign(campaign_id: int) -> None:
    """Send a queued campaign; failed deliveries are tried again (by the sweep) later,
    up to three times."""
    with app_context():
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
