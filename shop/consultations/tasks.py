"""The consultations' periodic job, run by the task queue's consumer."""

from __future__ import annotations

import logging

from huey import crontab

from shop.consultations import services
from shop.queue import app_context, huey

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/5"))
def booking_housekeeping() -> None:
    """Every five minutes: end lapsed holds (closing their payment pages first), queue
    the reminders that are due, and erase health notes no longer needed."""
    with app_context():
        ended = services.expire_lapsed_holds()
        sent = services.send_reminders()
        erased = services.erase_old_health_notes()
        if ended or sent or erased:
            logger.info(
                "Bookings: %s lapsed holds ended, %s reminders queued, %s notes erased",
                ended,
                sent,
                erased,
            )
