"""The contact messages' housekeeping, run by the task queue's consumer."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from shop.contact.services import forget_old_messages
from shop.extensions import db
from shop.models import utcnow
from shop.queue import app_context, huey

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="23"))
def contact_housekeeping() -> None:
    """Every hour: delete messages answered or closed more than CONTACT_KEEP_DAYS ago.
    Safe on many consumers (a plain DELETE)."""
    with app_context():
        deleted = forget_old_messages(utcnow(), current_app.config["CONTACT_KEEP_DAYS"])
        db.session.commit()
        if deleted:
            logger.info("Contact: %s old messages deleted", deleted)
